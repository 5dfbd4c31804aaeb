/**
 * Imported first by the Bun entry: refuses another runtime before any dependency of the entry runs.
 * Loaded in Deno, srvx's Bun build reads `TERM` at import (its colours): under the least a Deno
 * user grants (`--allow-net`), Deno then prompted for env access in a terminal, or threw
 * "Requires env access", instead of this entry saying which one to use.
 */
import { assertRuntime } from "./_runtime.ts";

assertRuntime("bun");
