/**
 * `status: N` — per request: answers `N` with `{"error": "Fault injected"}` instead; nothing
 * behind the hub sees the request. On a WebSocket upgrade, the upgrade is refused with `N`.
 */
import { type FaultAnswers, type FaultKindDef } from "./_kind.ts";
import { quoted } from "../_excerpt.ts";

export const status: FaultKindDef<number> = {
  name: "status",
  parse(value) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 200 || value > 599) {
      throw new TypeError(`fault status must be an HTTP status from 200 to 599, got ${quoted(value)}`);
    }
    return value;
  },
  http: answerStatus,
  upgrade: answerStatus,
};

function answerStatus(value: number, context: FaultAnswers): Response {
  return context.answer(value, { error: "Fault injected" });
}
