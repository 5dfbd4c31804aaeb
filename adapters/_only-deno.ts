/**
 * Imported first by the Deno entry: refuses another runtime before any dependency of the entry runs.
 * Its dependencies touch nothing at import in Node or Bun today; the check still comes
 * first, as in the other entries, so that no future dependency can speak before it.
 */
import { assertRuntime } from "./_runtime.ts";

assertRuntime("deno");
