import { randomHex } from "../_randomHex.ts";
import { LOG_REDACTION, redactUrl } from "./_redact.ts";

/**
 * A loop through two hubs or more (A's service `/x` is B's URL, B's is A's) that no target shows:
 * each hub adds its own `Via` entry (RFC 9110 §7.6.3) to what it forwards, and a request that
 * comes back holding this hub's entry is answered 508 instead of going round again. Before, such a
 * request went round until its head passed the 16 KiB a hub reads (a 431 after ~740 turns on Node
 * and Deno, a 504 at `proxyTimeout` on Bun). nginx and http-proxy add no `Via` and see no such loop.
 *
 * The entry names no host or port (a pseudonym, as §7.6.3 allows): only a random id made when the
 * server starts, so that two hubs on one machine, or one hub restarted, never share an entry.
 */
export function viaEntry(): string {
  // 48 bits: two hubs in one chain drawing the same id is as good as never.
  // `1.1`: the hub reads HTTP/1.1 (an HTTP/1.0 client's request is relayed as 1.1 all the same).
  return `1.1 crossipc-${randomHex(6)}`;
}

/**
 * Whether `via` (the request's `Via`, its field lines joined with commas) already holds `entry`,
 * as a whole entry: `1.1 crossipc-ab…` matched at the start or after a comma, and ended by the
 * end, a comma, white space or a comment. One pass of `indexOf` over the value: a hostile 16 KiB
 * `Via` costs a linear scan, never a split into thousands of strings.
 */
export function viaHolds(via: string, entry: string): boolean {
  let at = via.indexOf(entry);
  while (at !== -1) {
    if (startsEntry(via, at) && endsEntry(via, at + entry.length)) return true;
    at = via.indexOf(entry, at + 1);
  }
  return false;
}

/** Only white space between the previous comma (or the start) and `at`. */
function startsEntry(via: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const char = via.charCodeAt(i);
    if (char === COMMA) return true;
    if (char !== SPACE && char !== TAB) return false;
  }
  return true;
}

function endsEntry(via: string, at: number): boolean {
  if (at === via.length) return true;
  const char = via.charCodeAt(at);
  return char === COMMA || char === SPACE || char === TAB;
}

const COMMA = 44;
const SPACE = 32;
const TAB = 9;

/** The `Via` to forward: the incoming one, if any, with this hub's entry appended. */
export function viaForwarded(incoming: string | null, entry: string): string {
  return incoming ? `${incoming}, ${entry}` : entry;
}

/** The answer's text: what loops, and what to do. */
export function viaLoopMessage(target: string): string {
  return `Proxy loop: the request to ${target} has been through this hub already (its Via header holds this hub's entry); the services of two hubs point at each other`;
}

/** The 508's body, HTTP and upgrade alike, shaped as the self-target one (./_selfTarget.ts): the target as a client may read it. */
export function viaLoopAnswer(target: string): { error: string; target: string } {
  const shown = redactUrl(target, LOG_REDACTION)!;
  return { error: viaLoopMessage(shown), target: shown };
}
