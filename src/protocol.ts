/**
 * The wire format shared with the original `@grest-ts/ipc`: one WebSocket text frame per
 * message, `TYPE:ID:PATH:DATA`, where DATA is JSON (or empty for `undefined`) and may itself
 * contain `:`.
 */
import { IPCError } from "./errors.ts";

/** Frame types. A plain object rather than an enum so the source runs with type stripping. */
export const IPCMessageType = {
  MSG: "m",
  REQ: "r",
  RES: "s",
} as const;
export type IPCMessageType = (typeof IPCMessageType)[keyof typeof IPCMessageType];

/** One parsed frame. `rawData` is the undecoded DATA text ("" means `undefined`). */
export interface IPCFrame {
  type: IPCMessageType;
  id: string;
  path: string;
  rawData: string;
}

/**
 * A decoded message with its DATA parsed, as the original's `IPCSocket` typed it; exported so
 * that code written for the original (which imported it) type-checks unchanged.
 */
export interface IPCMessage {
  type: IPCMessageType;
  id: string;
  path: string;
  data?: unknown;
}

/** The body of an `s` frame. */
export interface IPCResponseBody {
  success: boolean;
  data?: unknown;
  error?: string;
}

/**
 * Refuses a request or message name that cannot be framed: one with `:` would be read back as a
 * shorter path with the rest glued onto DATA, and an empty one names nothing.
 */
export function assertName(name: string, what: string = "Request name"): void {
  if (typeof name !== "string" || name === "" || name.includes(":")) {
    throw new IPCError(
      "ERR_IPC_INVALID_NAME",
      `${what} ${JSON.stringify(name)} is invalid: names must be non-empty strings without ':' (the frame separator)`,
    );
  }
}

/** Request and message names of the hub's own (the mocks protocol, the heartbeat). */
export const RESERVED_PREFIX = "__crossipc/";

/** `assertName`, and refuses the hub's reserved namespace: a user handler there would take the hub's own requests. */
export function assertUserName(name: string, what: string = "Request name"): void {
  assertName(name, what);
  if (name.startsWith(RESERVED_PREFIX)) {
    throw new IPCError(
      "ERR_IPC_INVALID_NAME",
      `${what} ${JSON.stringify(name)} is reserved: names beginning with "${RESERVED_PREFIX}" are the hub's own; choose another name`,
    );
  }
}

/** The WebSocket path of the framework connection. Tests of the original open raw sockets to it. */
export const INTERNAL_SOCKET_PATH = "/__ggFrameworkConnection";

/** Builds a frame. Throws when `data` cannot be serialised (BigInt, cycles). */
export function encodeFrame(type: IPCMessageType, id: string, path: string, data: unknown): string {
  // JSON.stringify returns undefined for functions and symbols: send them as `undefined`.
  return joinFrame(type, id, path, data === undefined ? "" : (JSON.stringify(data) ?? ""));
}

/** DATA up to this many characters is joined with `+`; longer DATA with `Array#join` (see `joinFrame`). */
const SHORT_DATA = 1024;

/**
 * `TYPE:ID:PATH:DATA`. Short frames by `+`: 0.1–0.3 µs less per frame than `join` on V8 and
 * JavaScriptCore (bench/ANALYSIS.md, session 15). Long ones by `join`, which copies DATA into one
 * flat string: V8 flattens a `+` rope again when the frame is encoded to be sent, and measured
 * 15 vs 24 µs at 64 KiB for the join.
 */
function joinFrame(type: IPCMessageType, id: string, path: string, json: string): string {
  return json.length <= SHORT_DATA ? type + ":" + id + ":" + path + ":" + json : [type, id, path, json].join(":");
}

/**
 * The answer to a request whose handler returned `data`: byte for byte
 * `encodeFrame("s", id, path, { success: true, data })`, without building that object and
 * serialising it around `data` (a value with its own `toJSON` is, since `toJSON` is told the
 * key it is serialised under). Throws what `JSON.stringify(data)` throws: the same error the
 * object around it would have thrown (a cycle, a BigInt, a getter that throws).
 */
export function encodeSuccess(id: string, path: string, data: unknown): string {
  if (data instanceof SerializedResult) return joinFrame(IPCMessageType.RES, id, path, SUCCESS_WITH_DATA + data.json + "}");
  if (data != null && typeof (data as { toJSON?: unknown }).toJSON === "function") {
    return encodeFrame(IPCMessageType.RES, id, path, { success: true, data });
  }
  const json = data === undefined ? undefined : JSON.stringify(data);
  // `undefined`, a function or a symbol leaves `data` out, as JSON.stringify does with a property.
  return joinFrame(IPCMessageType.RES, id, path, json === undefined ? SUCCESS_ALONE : SUCCESS_WITH_DATA + json + "}");
}

/**
 * `encodeSuccess(id, path, data)`, or for JSON longer than `SHORT_DATA` that frame in three parts,
 * `head + json + tail`, for a writer that frames the parts itself (`IPCSocketTarget.sendParts`):
 * a long answer is then never joined into one string, which copied it once more per answer
 * (bench/ANALYSIS.md, "Session 25 (Bun 64 KiB)"). A short answer is built as `encodeSuccess`
 * builds it (parts cost a short one more than the join: 1.11× in process on Bun). Throws what
 * `encodeSuccess` throws.
 */
export function successParts(id: string, path: string, data: unknown): string | [head: string, json: string, tail: string] {
  let json: string | undefined;
  if (data instanceof SerializedResult) json = data.json;
  else if (data != null && typeof (data as { toJSON?: unknown }).toJSON === "function") return encodeSuccess(id, path, data);
  else json = data === undefined ? undefined : JSON.stringify(data);
  if (json === undefined) return joinFrame(IPCMessageType.RES, id, path, SUCCESS_ALONE);
  if (json.length <= SHORT_DATA) return joinFrame(IPCMessageType.RES, id, path, SUCCESS_WITH_DATA + json + "}");
  return [IPCMessageType.RES + ":" + id + ":" + path + ":" + SUCCESS_WITH_DATA, json, "}"];
}

const SUCCESS_ALONE = '{"success":true}';
const SUCCESS_WITH_DATA = '{"success":true,"data":';

/**
 * @internal A handler's result already serialised: `json` is what `JSON.stringify` made of it,
 * and `encodeSuccess` puts it in the answer as it is. The hub serialises a journal answer to
 * measure it against `maxMessageSize` (src/mocks/_hub.ts): the entries, megabytes with their
 * bodies, were serialised a second time to be sent.
 */
export class SerializedResult {
  readonly json: string;
  constructor(json: string) {
    this.json = json;
  }
}

/**
 * Parses a frame, or returns `undefined` for anything that is not one.
 * Uses `indexOf` rather than `split(":")` so DATA is never cut apart and rejoined.
 */
export function parseFrame(frame: string): IPCFrame | undefined {
  const a = frame.indexOf(":");
  if (a !== 1) return undefined;
  const type = frame[0];
  if (type !== "r" && type !== "s" && type !== "m") return undefined;
  const b = frame.indexOf(":", 2);
  if (b === -1) return undefined;
  const c = frame.indexOf(":", b + 1);
  // As in the original, a frame with only two separators has an empty DATA.
  const path = c === -1 ? frame.slice(b + 1) : frame.slice(b + 1, c);
  const rawData = c === -1 ? "" : frame.slice(c + 1);
  return { type, id: frame.slice(2, b), path, rawData };
}

/** Decodes DATA: `""` is `undefined`. Throws `SyntaxError` on invalid JSON. */
export function decodeData(rawData: string): unknown {
  return rawData === "" ? undefined : JSON.parse(rawData);
}
