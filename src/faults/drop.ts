/**
 * `drop: true` — per WebSocket (drawn once, at the upgrade): no frame of that socket is relayed,
 * either way; the socket stays open. Does not apply to plain HTTP requests.
 */
import { flag, type FaultKindDef } from "./_kind.ts";

export const drop: FaultKindDef<true> = {
  name: "drop",
  parse: (value) => flag("drop", value),
  socket: () => ({ drop: true }),
};
