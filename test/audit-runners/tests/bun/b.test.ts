import { test, expect } from "bun:test";
import * as s from "../../scenarios.ts";
const eq = (a: unknown, b: unknown, what: string) => expect(a, what).toEqual(b);
for (const [name, scenario] of Object.entries(s.ALL)) {
  test(name, async () => {
    await using mocks = await s.connectMocks(s.port, { runtimeId: "bun-b-" + name });
    await scenario(mocks, "bun-b-" + name, eq);
    await s.done("bun-b-" + name);
  }, 60_000);
}
