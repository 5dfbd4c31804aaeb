/**
 * Base64 of bytes, for the mocks' wire (relayed bodies, WebSocket mock frames) and the journal's
 * bodies that are not UTF-8. `Uint8Array.prototype.toBase64` where the runtime has it (Bun, Deno);
 * Node 20 and 24 do not, and what stood in for it there, `btoa(String.fromCharCode(...chunk))`,
 * spread every chunk through the array iterator: ~240 ns a byte, so a 40 MiB binary POST to a
 * route a test had mocked, which anything reaching the port may send, held a Node hub's thread
 * 20 s (the test's connection was dropped as dead, and every rule it held with it). Here each
 * 3 bytes are looked up as 4 ASCII letters, written into one buffer and decoded once (~10 ns a
 * byte). Node's `Buffer` would be faster still, but this core imports no runtime.
 */

const ALPHABET = new TextEncoder().encode("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
const PAD = 61; // "="
const ascii = new TextDecoder();

export function toBase64(bytes: Uint8Array): string {
  const native = (bytes as { toBase64?: () => string }).toBase64;
  if (typeof native === "function") return native.call(bytes);
  const length = bytes.byteLength;
  const out = new Uint8Array(Math.ceil(length / 3) * 4);
  let at = 0;
  let i = 0;
  for (; i + 2 < length; i += 3) {
    const triple = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[at++] = ALPHABET[triple >> 18]!;
    out[at++] = ALPHABET[(triple >> 12) & 63]!;
    out[at++] = ALPHABET[(triple >> 6) & 63]!;
    out[at++] = ALPHABET[triple & 63]!;
  }
  if (i < length) {
    // One or two bytes left: two or three letters, padded to four.
    const two = i + 1 < length;
    const triple = (bytes[i]! << 16) | (two ? bytes[i + 1]! << 8 : 0);
    out[at++] = ALPHABET[triple >> 18]!;
    out[at++] = ALPHABET[(triple >> 12) & 63]!;
    out[at++] = two ? ALPHABET[(triple >> 6) & 63]! : PAD;
    out[at++] = PAD;
  }
  return ascii.decode(out);
}
