import { test } from "bun:test";
import { holdForKill } from "../../suite/common.ts";
test("held until SIGKILL", () => holdForKill("bun"), 600_000);
