import { test, expect } from "vitest";
import * as s from "../../scenarios.ts";
const eq = (a: unknown, b: unknown, what: string) => expect(a, what).toEqual(b);
for (const [name, scenario] of Object.entries(s.ALL)) {
  test(name, async () => {
    await using mocks = await s.connectMocks(s.port, { runtimeId: "vitest-b-" + name });
    await scenario(mocks, "vitest-b-" + name, eq);
    await s.done("vitest-b-" + name);
  });
}
