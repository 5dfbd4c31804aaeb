/**
 * WebSocket close codes an endpoint may send (RFC 6455 §7.4): 1000, 1001–1014 but 1004–1006
 * (reserved, or only reported locally), and 3000–4999 for libraries and applications. A
 * runtime's own `close()` throws on the others; one relayed from another process would end the
 * socket with 1006 and no reason instead.
 */
export function isSendableCloseCode(code: unknown): code is number {
  if (typeof code !== "number" || !Number.isInteger(code)) return false;
  return code === 1000 || (code >= 1001 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** A close frame's reason is at most 123 bytes of UTF-8 (125 less the code's 2). */
export const MAX_CLOSE_REASON_BYTES = 123;
