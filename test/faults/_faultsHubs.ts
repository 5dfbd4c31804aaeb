/**
 * A describe block per runtime with test/fixtures/faults-hub.ts running under it: started before
 * the block's tests, torn down after them (it must confirm and exit). `hub.port` is its port
 * once the tests run.
 */
import { after, before, describe } from "node:test";
import { RUNTIMES, start, waitExit, type Child } from "../matrix/_spawn.ts";

export function onFaultsHubs(title: (runtime: string) => string, body: (hub: { port: number }) => void): void {
  for (const runtime of RUNTIMES) {
    describe(title(runtime), () => {
      const hub = { port: 0 };
      let child: Child;
      before(async () => {
        child = start(runtime, "test/fixtures/faults-hub.ts");
        ({ port: hub.port } = await child.nextJson<{ port: number }>(60_000, "listening port"));
      });
      after(async () => {
        child.proc.stdin.end();
        await child.nextJson(10_000, "teardown confirmation");
        await waitExit(child, 10_000, "exit after teardown");
      });
      body(hub);
    });
  }
}
