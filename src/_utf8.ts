/**
 * UTF-8 byte length of a string without encoding it: the journal records sizes in bytes, and the
 * framework path checks its size limit on frames that may be megabytes (no copy either way).
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    // A surrogate pair is 2 units and 4 bytes: 1 extra per unit.
    else if (code >= 0xd800 && code <= 0xdfff) bytes += 1;
    else bytes += 2;
  }
  return bytes;
}

// fatal: bytes that are not UTF-8 throw, where the default decoder would put U+FFFD in their place.
// ignoreBOM: text that begins with U+FEFF keeps it, as it came (a body, a message).
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * `bytes` as text when they are UTF-8, else `undefined`: what the journal, the mocks' wire, the
 * replays and the Deno front's frames decide text or binary by. One decoder for all of them
 * (it holds no state between calls: each `decode` is a whole input).
 */
export function strictUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}
