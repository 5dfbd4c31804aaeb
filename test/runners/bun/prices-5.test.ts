import { expect, test } from "bun:test";
import { scopedPriceSuite } from "../_suite.ts";

scopedPriceSuite({ name: "bun", test, expect }, { name: "file5" });
