/**
 * The `port` argument of `new IPCServer(port)`, `new IPCClient(port)` and `joinHub(port)`, checked
 * when the object is made (as src/_numberOptions.ts checks the options). Unchecked, a bad port
 * failed later and each runtime said it its own way: the server's `start()` threw Node's, Bun's
 * or Deno's own RangeError or TypeError (Node's naming `options.port` for 1.5), and the client's
 * `connect()` rejected with "Invalid URL: ws://127.0.0.1:NaN/…"; `joinHub` took `"9000"` for no
 * port at all.
 *
 * A string of decimal digits is a port: the original passed its port to Node's `listen`, which
 * takes `"8080"` as 8080, and a port read from the environment is a string (every runtime's
 * listener took it too). Any other string is refused for the server and a hub member; for the
 * client it is a URL.
 */
import { quoted } from "./_excerpt.ts";

const HIGHEST_PORT = 65535;
const DIGITS = /^\d+$/;

/**
 * The server's port as a number: 0 (any free port) to 65535, or such a number in decimal digits.
 * Throws a TypeError (not a number) or a RangeError (out of range, not whole) naming the value.
 */
export function checkServerPort(port: unknown): number {
  return checked(port, 0, "a whole number from 0 (any free port) to 65535");
}

/**
 * The client's port, when `portOrUrl` is one (a number, or a string of digits): 1 to 65535, the
 * server's port (port 0 names no server). Any other string is a URL, left to `connect()`.
 */
export function checkClientPort(portOrUrl: unknown): void {
  if (typeof portOrUrl === "string" && portOrUrl !== "" && !DIGITS.test(portOrUrl)) return;
  checked(portOrUrl, 1, "a whole number from 1 to 65535 (the server's port), or a URL");
}

/**
 * A hub member's port (`joinHub`): 1 to 65535, or such a number in decimal digits. Every member
 * must know it in advance, so port 0 (any free port) names no hub. Throws as `checkServerPort`.
 */
export function checkMemberPort(port: unknown): number {
  return checked(port, 1, "a whole number from 1 to 65535 (a port every member knows)");
}

function checked(port: unknown, lowest: number, expected: string): number {
  const value = typeof port === "string" && DIGITS.test(port) ? Number(port) : port;
  if (typeof value !== "number") throw new TypeError(`port must be ${expected}, got ${quoted(port)}`);
  // NaN and Infinity fail isInteger.
  if (!Number.isInteger(value) || value < lowest || value > HIGHEST_PORT) throw new RangeError(`port must be ${expected}, got ${quoted(port)}`);
  return value;
}
