import { holdForKill } from "../../suite/common.ts";
Deno.test({ name: "held until SIGKILL", sanitizeOps: false, sanitizeResources: false, fn: () => holdForKill("deno") });
