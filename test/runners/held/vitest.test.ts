import { test } from "vitest";
import { heldUntilKilled } from "../_held.ts";

heldUntilKilled({ name: "vitest", test });
