/**
 * The user's logger as the server hands it every line: the secrets it knows by value (its access
 * token, its dashboard key) read `[redacted]` wherever they appear, as the journal redacts them
 * (./_redact.ts, the same rules), on top of the names it redacted in URLs before. A request may
 * carry the hub's token to a service under any name (`/svc?key=T`, `/files/T`), and a proxy
 * failure, a throwing intercept route or a resolver that throws logged that path or target as
 * it came: a log line goes to a terminal or a CI log, where anyone reads it.
 */
import type { IPCLogger } from "../types.ts";
import { redactionOf, redactUrl, type RedactionRules } from "./_redact.ts";

const LEVELS = ["debug", "info", "warn", "error"] as const;

/** `logger` with every message, string argument and error message redacted; undefined without a logger. */
export function redactingLogger(logger: IPCLogger | undefined, secrets: ReadonlyArray<string | undefined>): IPCLogger | undefined {
  if (!logger) return undefined;
  const redaction = redactionOf(undefined, secrets)!;
  const wrapped: IPCLogger = {};
  for (const level of LEVELS) {
    const write = logger[level];
    // Only the levels it has: `log()` skips a level the logger lacks.
    if (typeof write !== "function") continue;
    wrapped[level] = (message: string, ...args: unknown[]) => write.call(logger, shown(message, redaction), ...args.map((arg) => shownArg(arg, redaction)));
  }
  return wrapped;
}

function shown(text: string, redaction: RedactionRules): string {
  return typeof text === "string" ? redactUrl(text, redaction)! : text;
}

/** A string argument redacted; an error whose message or stack holds a secret as a copy without it. */
function shownArg(arg: unknown, redaction: RedactionRules): unknown {
  if (typeof arg === "string") return shown(arg, redaction);
  if (!(arg instanceof Error)) return arg;
  const message = shown(arg.message, redaction);
  const stack = arg.stack === undefined ? undefined : shown(arg.stack, redaction);
  if (message === arg.message && stack === arg.stack) return arg;
  // Its own fields (an IPCError's `code`) kept; the message and stack without the secret.
  const copy = Object.assign(new Error(message, arg.cause === undefined ? undefined : { cause: arg.cause }), arg);
  copy.name = arg.name;
  copy.stack = stack;
  return copy;
}
