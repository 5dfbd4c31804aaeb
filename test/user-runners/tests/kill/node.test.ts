import { test } from "node:test";
import { holdForKill } from "../../suite/common.ts";
test("held until SIGKILL", () => holdForKill("node"));
