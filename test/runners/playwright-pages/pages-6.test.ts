import { pagesSuite } from "./_pages.ts";

pagesSuite(6);
