/**
 * The subprotocol a WebSocket mock's socket answers with (SPEC §12 `interceptWebSocket`). By
 * default the first the client offered, as `ws` and Bun's server pick when told nothing (a client
 * that offers some and gets none fails: `ws` says "Server sent no subprotocol"), so a mock plays a
 * graphql-ws, STOMP or MQTT server as it is. `protocols` says which the mock speaks instead: the
 * first offer among them, else none (a client that offered some then fails, as against such a
 * server: `ws`, and Chromium too, "Sent non-empty 'Sec-WebSocket-Protocol' header but no response
 * was received"), so a test can play a server that prefers another or speaks none of them.
 */

/** An RFC 9110 token: what a subprotocol name is (RFC 6455 §4.1). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The subprotocols a client offered (its `sec-websocket-protocol`, `a, b` or `a,b`), in its order. */
export function offeredProtocols(offered: string | null | undefined): string[] {
  return offered ? offered.split(",").map((name) => name.trim()).filter((name) => TOKEN.test(name)) : [];
}

/**
 * What a mock answers: the first offer that `protocols` holds (every offer when it is undefined),
 * or null for none.
 */
export function chooseProtocol(offered: string | null | undefined, protocols: readonly string[] | undefined): string | null {
  const offers = offeredProtocols(offered);
  return (protocols === undefined ? offers[0] : offers.find((name) => protocols.includes(name))) ?? null;
}

/** `interceptWebSocket`'s `protocols` option, checked in the test's process: an array of subprotocol names. */
export function checkProtocols(protocols: unknown): readonly string[] | undefined {
  if (protocols === undefined) return undefined;
  if (!Array.isArray(protocols) || !protocols.every((name) => typeof name === "string" && TOKEN.test(name))) {
    throw new TypeError(`interceptWebSocket: protocols must be an array of subprotocol names (tokens such as "graphql-ws"), got ${JSON.stringify(protocols)?.slice(0, 80) ?? typeof protocols}`);
  }
  return [...protocols];
}
