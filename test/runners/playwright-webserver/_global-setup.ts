/**
 * The other way to start the hub for Playwright: a `ServiceHub` in Playwright's own process,
 * from `globalSetup`. The workers start after it and inherit `CROSSIPC_HUB_PORT`; the teardown
 * it returns fails the run if a rule is still at the hub, then stops it.
 */
import process from "node:process";
import { crossipc } from "../../fixtures/_crossipc.ts";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const hub = new crossipc.ServiceHub(0, { dashboard: true });
  if (!(await hub.start())) throw new Error("the hub could not listen on port 0");
  process.env.CROSSIPC_HUB_PORT = String(hub.getPort());
  return async () => {
    const { mocks: left } = (await (await fetch(`${hub.getUrl()}/__crossipc/api/state`)).json()) as { mocks: unknown[] };
    await hub.teardown();
    if (left.length !== 0) throw new Error(`rules left at the hub after the run: ${JSON.stringify(left)}`);
  };
}
