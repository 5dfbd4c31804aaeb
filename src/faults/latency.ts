/**
 * `latency: ms | [min, max]` — per request: waits before the request is handled (before
 * anything behind the hub sees it). On a WebSocket, per frame: waits before each relayed
 * frame, both ways, keeping their order. A range draws uniformly for each request or frame.
 */
import { type FaultKindDef } from "./_kind.ts";
import { quoted } from "../_excerpt.ts";

type Latency = number | [number, number];

export const latency: FaultKindDef<Latency> = {
  name: "latency",
  parse(value) {
    if (Array.isArray(value)) {
      const [min, max] = value as unknown[];
      if (value.length !== 2 || !isDelay(min) || !isDelay(max) || min > max) {
        throw new TypeError(`fault latency: a range must be [min, max] in ms with 0 <= min <= max, got ${quoted(value)}`);
      }
      return [min, max];
    }
    if (!isDelay(value)) throw new TypeError(`fault latency must be a number of ms >= 0 (or [min, max]), got ${quoted(value)}`);
    return value;
  },
  async http(value, context) {
    return (await context.delay(delayOf(value))) ?? context.take();
  },
  socket: (value) => ({ delay: () => delayOf(value) }),
};

/** Up to a day: a larger number is a mistake, and a timer cannot hold more than ~24.8 days. */
function isDelay(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 86_400_000;
}

function delayOf(value: Latency): number {
  return typeof value === "number" ? value : value[0] + Math.random() * (value[1] - value[0]);
}
