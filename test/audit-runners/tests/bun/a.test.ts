import { test, expect } from "bun:test";
import * as s from "../../scenarios.ts";
const eq = (a: unknown, b: unknown, what: string) => expect(a, what).toEqual(b);
for (const [name, scenario] of Object.entries(s.ALL)) {
  test(name, async () => {
    await using mocks = await s.connectMocks(s.port, { runtimeId: "bun-a-" + name });
    await scenario(mocks, "bun-a-" + name, eq);
    await s.done("bun-a-" + name);
  }, 60_000);
}
