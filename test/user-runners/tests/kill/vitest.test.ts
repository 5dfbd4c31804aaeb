import { test } from "vitest";
import { holdForKill } from "../../suite/common.ts";
test("held until SIGKILL", () => holdForKill("vitest"), 600_000);
