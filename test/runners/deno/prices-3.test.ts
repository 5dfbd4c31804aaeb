import { Deno } from "../../deno/_deno.ts";
import { assertExpect } from "../_assertExpect.ts";
import { scopedPriceSuite } from "../_suite.ts";

scopedPriceSuite({ name: "deno", test: (name, fn) => Deno.test(name, fn), expect: assertExpect }, { name: "file3" });
