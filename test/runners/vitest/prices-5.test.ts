import { expect, test } from "vitest";
import { scopedPriceSuite } from "../_suite.ts";

scopedPriceSuite({ name: "vitest", test, expect }, { name: "file5" });
