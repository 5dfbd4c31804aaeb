import { test } from "node:test";
import { assertExpect } from "../_assertExpect.ts";
import { scopedPriceSuite } from "../_suite.ts";

scopedPriceSuite({ name: "node", test, expect: assertExpect }, { name: "file2" });
