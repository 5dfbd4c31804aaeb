/**
 * `reset: true` — per connection: the client's connection is dropped with no answer (a
 * connection reset, not an HTTP status). Other requests the client had on that keep-alive
 * connection go with it, as they would with a real reset. Also refuses a WebSocket upgrade so.
 */
import { flag, type FaultKindDef } from "./_kind.ts";

export const reset: FaultKindDef<true> = {
  name: "reset",
  parse: (value) => flag("reset", value),
  http: (_value, context) => context.reset(),
  upgrade: (_value, context) => context.reset(),
};
