import { test } from "node:test";
import { heldUntilKilled } from "../_held.ts";

heldUntilKilled({ name: "node", test });
