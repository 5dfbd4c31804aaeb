/**
 * `close: code` — per WebSocket (drawn once, at the upgrade): once open, the client's socket is
 * closed with that code (and the backend's with it). Does not apply to plain HTTP requests.
 */
import { type FaultKindDef } from "./_kind.ts";
import { quoted } from "../_excerpt.ts";
import { isSendableCloseCode } from "../_closeCode.ts";

export const close: FaultKindDef<number> = {
  name: "close",
  parse(value) {
    if (!isSendableCloseCode(value)) {
      throw new TypeError(`fault close must be a WebSocket close code that can be sent (1000–1014 but 1004–1006, or 3000–4999), got ${quoted(value)}`);
    }
    return value;
  },
  socket: (value) => ({ close: value }),
};
