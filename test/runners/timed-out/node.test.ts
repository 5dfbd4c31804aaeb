import { test } from "node:test";
import { timedOutSuite } from "../_timedOut.ts";

timedOutSuite({ name: "node", test: (name, timeout, fn) => test(name, { timeout }, (t) => fn(t.signal)) });
