/**
 * A test that is killed (SIGKILL) mid-suite: it adds rules (two in a scope, one unscoped, one
 * whose handler never answers) and then waits until the driver kills its process. The driver
 * (`run.ts`) then checks that the hub dropped every one of them and answered the request that
 * was waiting on the dead handler.
 */
import { crossipc } from "../fixtures/_crossipc.ts";
import { hubPort, type Runner } from "./_suite.ts";

/** The scope id and unscoped path the driver looks for in `/__crossipc/api/state`. */
export const heldNames = (runner: string) => ({ scope: `held-${runner}`, unscopedPath: `/shop/held-${runner}`, hangPath: "/shop/hang" });

export function heldUntilKilled(runner: Pick<Runner, "name" | "test">): void {
  runner.test(`${runner.name}: holds its rules until the driver kills the process`, async () => {
    const names = heldNames(runner.name);
    const mocks = await crossipc.connectMocks(hubPort(), { runtimeId: names.scope });
    const scope = mocks.scope(names.scope);
    await scope.intercept("GET", "/shop/price/:item", () => ({ held: true }));
    await scope.intercept("GET", names.hangPath, () => new Promise<never>(() => {}));
    await mocks.intercept("GET", names.unscopedPath, () => ({ held: true }));
    await new Promise<never>(() => {});
  });
}
