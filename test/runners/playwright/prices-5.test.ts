import { expect, test } from "@playwright/test";
import { scopedPriceSuite } from "../_suite.ts";

scopedPriceSuite({ name: "playwright", test, expect }, { name: "file5" });
