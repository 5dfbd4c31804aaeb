import { test, expect } from "vitest";
import * as s from "../../scenarios.ts";
const eq = (a: unknown, b: unknown, what: string) => expect(a, what).toEqual(b);
for (const [name, scenario] of Object.entries(s.ALL)) {
  test(name, async () => {
    await using mocks = await s.connectMocks(s.port, { runtimeId: "vitest-a-" + name });
    await scenario(mocks, "vitest-a-" + name, eq);
    await s.done("vitest-a-" + name);
  });
}
