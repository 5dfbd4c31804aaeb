/**
 * `close: code` — per WebSocket (drawn once, at the upgrade): once open, the client's socket is
 * closed with that code (and the backend's with it). Does not apply to plain HTTP requests.
 */
import { type FaultKindDef } from "./_kind.ts";
import { quoted } from "../_excerpt.ts";

export const close: FaultKindDef<number> = {
  name: "close",
  parse(value) {
    // 1000 and 1001–1014 minus the codes that must never be sent (1004–1006), or 3000–4999.
    const sendable = (code: number) => code === 1000 || (code >= 1001 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999);
    if (typeof value !== "number" || !Number.isInteger(value) || !sendable(value)) {
      throw new TypeError(`fault close must be a WebSocket close code that can be sent (1000–1014 but 1004–1006, or 3000–4999), got ${quoted(value)}`);
    }
    return value;
  },
  socket: (value) => ({ close: value }),
};
