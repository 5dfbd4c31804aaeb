/**
 * The mocks protocol (SPEC §10) over the framework connection: request names under the hub's
 * reserved `__crossipc/` namespace, a version exchanged once at hello, and every relayed request
 * correlated by the framework's own request id (an answer can only reach the take that asked).
 * Bodies travel as bytes: UTF-8 text as is, anything else base64, so binary answers and several
 * `set-cookie` headers arrive byte for byte.
 */
import type { RuleKind } from "./_rule.ts";
import { strictUtf8 } from "../_utf8.ts";
import { toBase64 } from "../_base64.ts";

/** Bumped when a message below changes shape; client and hub compare it once, at hello. */
export const MOCKS_PROTOCOL = 1;

export const MockRequests = {
  /** client → hub: `Hello` → `HelloAnswer`. */
  hello: "__crossipc/mocks/hello",
  /** client → hub: `RuleSpec` → `{ id }` once the hub holds the rule. */
  add: "__crossipc/mocks/add",
  /** client → hub: `{ ids }` → `{ removed }` once the hub no longer holds them. */
  remove: "__crossipc/mocks/remove",
  /** client → hub: `{ scope }` → `{ removed }`: every rule of this connection in that scope. */
  closeScope: "__crossipc/mocks/closeScope",
  /** client → hub: `{}` → `{ removed }`: every rule of this connection. */
  clear: "__crossipc/mocks/clear",
  /** client → hub: `{ filter, timeoutMs? }` → the journal's entries (or, with `timeoutMs`, the first to match, waited for). */
  journal: "__crossipc/mocks/journal",
  /** hub → client: `WireRequest` → `WireAnswer`. */
  take: "__crossipc/mocks/take",
  /** hub → client, a message: `{ take }`, the request's client went away (a client before this ignores it). */
  left: "__crossipc/mocks/left",
} as const;

export interface Hello {
  protocol: number;
}

/**
 * The hub's `proxyTimeout` when none is given (ms): a proxied request's answer, a mock's body or a
 * remote rule's count waits at most this long. A mocks connection assumes it until the hello says.
 */
export const DEFAULT_PROXY_TIMEOUT = 30_000;

export interface HelloAnswer {
  protocol: number;
  /** The hub's framework message limit: an answer larger than this cannot come back. */
  maxMessageSize: number;
  /** How long the hub waits for a handler's answer before it answers 504. */
  proxyTimeout: number;
}

/** A rule as the client describes it. Kinds other than `intercept`/`request` add their own fields. */
export interface RuleSpec {
  /** The client's own number for the rule: takes name it, so the client finds the handler. */
  ref: number;
  scope: string | null;
  kind: RuleKind;
  method: string;
  path: string;
  [field: string]: unknown;
}

export type WireBody = { text: string } | { base64: string };

/** A request relayed to the process that holds the handler. */
export interface WireRequest {
  ref: number;
  /** The hub's number for this relay (named again by `left`); absent from a hub before it. */
  take?: number;
  method: string;
  /** Absolute, as the client addressed the hub. */
  url: string;
  /** In order, repeated names kept. */
  headers: Array<[string, string]>;
  body?: WireBody;
  params: Record<string, string>;
  scope: string | null;
}

/** The handler's answer: a response, `pass` (hand on), or the message of what it threw. */
export type WireAnswer =
  | { status: number; statusText?: string; headers: Array<[string, string]>; body?: WireBody }
  | { pass: true }
  | { error: string };

const encoder = new TextEncoder();

/** UTF-8 as text (smaller and cheaper on the wire), anything else as base64. */
export function encodeBody(bytes: Uint8Array | undefined): WireBody | undefined {
  if (!bytes || bytes.byteLength === 0) return undefined;
  const text = strictUtf8(bytes);
  return text === undefined ? { base64: toBase64(bytes) } : { text };
}

export function decodeBody(body: WireBody | undefined): Uint8Array | undefined {
  if (!body) return undefined;
  if ("text" in body && typeof body.text === "string") return encoder.encode(body.text);
  if ("base64" in body && typeof body.base64 === "string") return fromBase64(body.base64);
  throw new TypeError("A relayed body is neither {text} nor {base64}");
}

/** Bytes a body takes in a frame, to check it against the hub's message limit before sending. */
export function wireLength(body: WireBody | undefined, byteLength: number): number {
  if (!body) return 0;
  if ("base64" in body) return body.base64.length;
  // JSON escapes (quotes, control characters) lengthen text: measured only when it could matter.
  return byteLength * 2 < MEASURE_ABOVE ? byteLength * 2 : encoder.encode(JSON.stringify(body.text)).byteLength;
}

const MEASURE_ABOVE = 1024 * 1024;

export function fromBase64(text: string): Uint8Array {
  const native = (Uint8Array as { fromBase64?: (text: string) => Uint8Array }).fromBase64;
  if (typeof native === "function") return native(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Headers in order with repeated names kept (`set-cookie` stays one pair per cookie). */
export function headerPairs(headers: Headers): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  headers.forEach((value, key) => {
    if (key !== "set-cookie") pairs.push([key, value]);
  });
  const cookies = typeof headers.getSetCookie === "function" ? headers.getSetCookie() : [];
  for (const cookie of cookies) pairs.push(["set-cookie", cookie]);
  return pairs;
}
