import { test } from "@playwright/test";
import { heldUntilKilled } from "../_held.ts";

heldUntilKilled({ name: "playwright", test });
