/**
 * `timeout: true` — per request: never answered; the client's own timeout ends it. The hub
 * holds only a promise (the body is not read) and lets go when the client leaves, at teardown,
 * or at the server's bound (see `_held.ts`). Also applies to a WebSocket upgrade.
 */
import { flag, type FaultKindDef } from "./_kind.ts";

export const timeout: FaultKindDef<true> = {
  name: "timeout",
  parse: (value) => flag("timeout", value),
  http: (_value, context) => context.hold(),
  upgrade: (_value, context) => context.hold(),
};
