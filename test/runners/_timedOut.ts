/**
 * A test that times out while it holds rules (SPEC §10: its rules go with its connection). Its
 * function never returns, so its `await using` never runs: only the runner's signal, handed to
 * `connectMocks({ signal })`, closes the connection. The next test of the same file checks that
 * the hub holds none of its rules and that the routes answer as before, then prints
 * `timedOutPassed(runner)` for the driver (`run.ts`), which also bounds the whole run: under
 * `node --test`, a connection left open kept the file's process alive for good.
 */
import { crossipc } from "../fixtures/_crossipc.ts";
import { hubPort, STARVED_MS } from "./_suite.ts";

/** The scope id and unscoped path the timed-out test holds rules on. */
export const timedOutNames = (runner: string) => ({ scope: `timed-out-${runner}`, unscopedPath: `/shop/timed-out-${runner}` });
/** The line the second test prints once it has checked everything. */
export const timedOutPassed = (runner: string) => `timed-out check passed: ${runner}`;
/** The first test's own timeout: short, the suite waits for it. */
export const TIMED_OUT_AFTER_MS = 1500;

export interface TimedOutRunner {
  name: "vitest" | "node";
  /** A test with `timeoutMs` whose function gets the runner's own signal. */
  test(name: string, timeoutMs: number, fn: (signal: AbortSignal) => Promise<void>): void;
}

export function timedOutSuite(runner: TimedOutRunner): void {
  const names = timedOutNames(runner.name);
  runner.test(`${runner.name}: times out holding a scoped and an unscoped rule`, TIMED_OUT_AFTER_MS, async (signal) => {
    await using mocks = await crossipc.connectMocks(hubPort(), { signal, runtimeId: names.scope, heartbeatTimeout: STARVED_MS });
    await using scope = mocks.scope(names.scope);
    await scope.intercept("GET", "/shop/price/:item", () => ({ source: "timed-out" }));
    await mocks.intercept("GET", names.unscopedPath, () => ({ source: "timed-out" }));
    await new Promise<never>(() => {});
  });
  runner.test(`${runner.name}: the next test meets none of its rules`, 60_000, async () => {
    const hub = `http://127.0.0.1:${hubPort()}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { mocks } = (await (await fetch(`${hub}/__crossipc/api/state`)).json()) as { mocks: Array<{ scope: string | null; path: string }> };
      const left = mocks.filter((m) => m.scope === names.scope || m.path === names.unscopedPath);
      if (left.length === 0) break;
      if (Date.now() > deadline) throw new Error(`the timed-out test's rules are still at the hub: ${JSON.stringify(left)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const price = (await (await fetch(`${hub}/shop/price/after-timeout`, { headers: { baggage: `crossipc-scope=${names.scope}` } })).json()) as { source?: string };
    if (price.source !== "service") throw new Error(`/shop/price in the timed-out test's scope answered ${JSON.stringify(price)}`);
    const unscoped = await fetch(`${hub}${names.unscopedPath}`);
    if (unscoped.status !== 404) throw new Error(`${names.unscopedPath} answered ${unscoped.status} ${await unscoped.text()}, not the service's 404`);
    console.log(timedOutPassed(runner.name));
  });
}
