import { Deno } from "../../deno/_deno.ts";
import { heldUntilKilled } from "../_held.ts";

heldUntilKilled({ name: "deno", test: (name, fn) => Deno.test(name, fn) });
