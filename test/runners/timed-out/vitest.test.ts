import { test } from "vitest";
import { timedOutSuite } from "../_timedOut.ts";

timedOutSuite({ name: "vitest", test: (name, timeout, fn) => test(name, { timeout }, ({ signal }) => fn(signal)) });
