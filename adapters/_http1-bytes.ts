/** The bytes HTTP/1.1's syntax is built from (RFC 9112), for the front's readers. */
export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;

/** True when `text` (ASCII) is at `bytes[at]`. */
export function matchesAt(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** True when the field line at `line` is named `name` (lower case), followed by its colon. */
export function isName(bytes: Uint8Array, line: number, lineEnd: number, name: string): boolean {
  if (lineEnd - line <= name.length || bytes[line + name.length] !== 0x3a) return false;
  for (let i = 1; i < name.length; i++) if ((bytes[line + i]! | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** The field value between `from` and `to` without the whitespace around it, and at most its last 256 bytes (enough for a length or the last coding). */
export function fieldValue(bytes: Uint8Array, from: number, to: number): string {
  while (from < to && (bytes[from] === SP || bytes[from] === HTAB)) from++;
  while (to > from && (bytes[to - 1] === SP || bytes[to - 1] === HTAB)) to--;
  let value = to - from > 256 ? "…" : "";
  for (let i = Math.max(from, to - 256); i < to; i++) value += String.fromCharCode(bytes[i]!);
  return value;
}
