/**
 * Imported first by the Node entry: refuses another runtime before any dependency of the entry runs.
 * Loaded in Deno, crossws's `ws` reads `WS_NO_BUFFER_UTIL` from the environment at import: under
 * the least a Deno user grants (`--allow-net`), Deno then prompted for env access in a terminal,
 * or threw "Requires env access", instead of this entry saying which one to use.
 */
import { assertRuntime } from "./_runtime.ts";

assertRuntime("node");

// npm and pnpm only warn about `engines`, and on Node 18 the first server died on a missing
// global (`crypto is not defined`), which says nothing of why. Node 20 below 20.19 ran a server,
// a client and the hub (20.10; require(esm) from CommonJS needs 20.19): only what fails is refused.
if (Number(process.versions.node.split(".")[0]) < 20) {
  throw new Error(`crossipc needs Node.js >= 20.19; this is Node.js ${process.versions.node}.`);
}
