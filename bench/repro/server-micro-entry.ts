// Session 29: what bench/repro/server-micro.mjs drives, bundled per checkout (esbuild --platform=neutral).
export { FrameworkClients } from "../../src/server/_clients.ts";
export { FrameworkActivity } from "../../src/server/_activity.ts";
export { Journal } from "../../src/server/journal.ts";
export { corkForTick } from "../../adapters/_node-cork.ts";
