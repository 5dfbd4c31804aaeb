import { test } from "bun:test";
import { heldUntilKilled } from "../_held.ts";

heldUntilKilled({ name: "bun", test });
