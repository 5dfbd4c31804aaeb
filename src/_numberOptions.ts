/**
 * Numeric options, checked when the object that takes them is made (`new IPCServer`,
 * `new IPCClient`, `new ServiceHub`, `joinHub`, `connectMocks`): one check per kind of number,
 * so every option of a kind is refused the same way.
 *
 * Unchecked, a bad number did something nobody asked for, and later: `heartbeatTimeout: 0` made
 * every heartbeat fail at once and `disconnect()` cut without a closing handshake; NaN reached
 * `setTimeout` (which waits 1 ms for NaN) or a comparison that is never true (a request with a
 * NaN timeout never timed out); a wait past 2^31 - 1 ms fires at once on Node, Bun and Deno, each
 * printing a TimeoutOverflowWarning; `minRetryDelay: 0` retried with no delay at all. A bad value is a
 * TypeError (not a number) or a RangeError (a number out of range) naming the option and the value.
 */
import { quoted } from "./_excerpt.ts";

/** The longest wait a timer takes (2^31 - 1 ms, ~24.8 days): a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * - `ms`: a wait in ms, > 0 and at most `MAX_TIMER_MS`.
 * - `msOrOff`: the same, or 0 for off (`heartbeatInterval`).
 * - `msOrNow`: the same, or 0 for "only what is there now" (`journal.waitFor`).
 * - `journalWaitMs`: as `msOrNow`, at most `MAX_JOURNAL_WAIT_MS` (`mocks.waitFor`: the hub's wait).
 * - `secondsOrOff`: a wait in seconds, 0 for off (the server's `keepAliveTimeout`).
 * - `heartbeatSeconds`: the same, at most 960 (the server's `heartbeat`): Bun's WebSocket
 *   `idleTimeout` takes no more, and a Bun hub given more failed to start.
 * - `count`: a whole number >= 1 (clients, rules, requests in flight).
 * - `bytes`: a whole number of bytes >= 1 (a size limit of 0 refuses everything: meaningless).
 * - `bytesOrZero`: a whole number of bytes >= 0 (the journal's body cut: 0 keeps none of a body).
 */
export type NumberKind = "ms" | "msOrOff" | "msOrNow" | "journalWaitMs" | "secondsOrOff" | "heartbeatSeconds" | "count" | "bytes" | "bytesOrZero";

/** The longest a hub waits for a journal entry for another process (`mocks.waitFor`): each wait holds a timer and a filter on the hub. */
export const MAX_JOURNAL_WAIT_MS = 120_000;

/** The longest heartbeat, in seconds, that every runtime takes (Bun: "websocket expects idleTimeout to be 960 or less"). */
export const MAX_HEARTBEAT_SECONDS = 960;

/** What each kind takes, as the error says it. */
const EXPECTED: Record<NumberKind, string> = {
  ms: `a number of ms > 0 (at most ${MAX_TIMER_MS}, the longest a timer waits)`,
  msOrOff: `0 (off) or a number of ms > 0 (at most ${MAX_TIMER_MS}, the longest a timer waits)`,
  msOrNow: `0 (only what is there now) or a number of ms > 0 (at most ${MAX_TIMER_MS}, the longest a timer waits)`,
  journalWaitMs: `0 (only what is there now) or a number of ms > 0 (at most ${MAX_JOURNAL_WAIT_MS}, the longest a hub waits)`,
  secondsOrOff: `0 (off) or a number of seconds > 0 (at most ${Math.floor(MAX_TIMER_MS / 1000)})`,
  heartbeatSeconds: `0 (off) or a number of seconds > 0 (at most ${MAX_HEARTBEAT_SECONDS}, the most Bun's WebSocket idleTimeout takes)`,
  count: "a positive integer",
  bytes: "a positive integer (bytes)",
  bytesOrZero: "a whole number of bytes (0 or more)",
};

/** Whether `value`, a number, is one of `kind`. */
function fits(value: number, kind: NumberKind): boolean {
  switch (kind) {
    case "ms":
      return value > 0 && value <= MAX_TIMER_MS;
    case "msOrOff":
    case "msOrNow":
      return value === 0 || (value > 0 && value <= MAX_TIMER_MS);
    case "journalWaitMs":
      return value >= 0 && value <= MAX_JOURNAL_WAIT_MS;
    case "secondsOrOff":
      return value >= 0 && value <= MAX_TIMER_MS / 1000;
    case "heartbeatSeconds":
      return value >= 0 && value <= MAX_HEARTBEAT_SECONDS;
    case "count":
    case "bytes":
      return Number.isSafeInteger(value) && value >= 1;
    case "bytesOrZero":
      return Number.isSafeInteger(value) && value >= 0;
  }
}

/** Throws when `value` (unless undefined or null, which mean the default) is not a `kind`; returns it otherwise. */
export function checkNumber<T>(name: string, value: T, kind: NumberKind): T {
  if (value === undefined || value === null) return value;
  if (typeof value !== "number") throw new TypeError(`${name} must be ${EXPECTED[kind]}, got ${quoted(value)}`);
  // NaN fails every comparison above; Infinity fails every upper bound and isSafeInteger.
  if (!fits(value, kind)) throw new RangeError(`${name} must be ${EXPECTED[kind]}, got ${String(value)}`);
  return value;
}

/** Checks each option `kinds` names, as `checkNumber` does; `prefix` goes before each name (`server.`). */
export function checkNumbers(options: object | undefined, kinds: Readonly<Record<string, NumberKind>>, prefix = ""): void {
  if (!options) return;
  for (const name in kinds) checkNumber(`${prefix}${name}`, (options as Record<string, unknown>)[name], kinds[name]!);
}
