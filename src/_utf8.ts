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
