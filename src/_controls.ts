/**
 * Text a peer chose, made safe to print: control characters would set a terminal's title, clear
 * it, write the clipboard (OSC 52), hide a link (OSC 8), or (the bidi controls) reorder what
 * follows them. They are shown escaped (`\x1b`, `\n`, `\u202e`) instead. The CLI prints network
 * text through this (bin/_printable.ts); the client quotes a server's refusal through it, since a
 * library user's logger escapes nothing.
 */
import { excerpt } from "./_excerpt.ts";

/**
 * C0 and C1 controls, DEL, the Unicode line separators, and every bidirectional control (Unicode's
 * Bidi_Control: the embeddings, overrides and isolates, and the marks U+061C, U+200E, U+200F, which
 * turn the order of what follows them in a terminal that lays out bidi text).
 * The dashboard escapes the same set (src/dashboard/_script.ts).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

/** `text` with every control character above escaped visibly; `text` itself when it holds none. */
export function escapeControls(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escape) : text;
}

/**
 * The most characters of a peer's words an error message quotes: a hub's refusal is one line (its
 * longest quotes the Host or Origin the client sent), while whatever else holds the port may
 * answer up to the 16 KiB the client reads of a refusal.
 */
export const MAX_PEER_TEXT = 1024;

/** What a peer said, fit for an error message: controls escaped, cut at `max` characters (saying how long it was). */
export function peerText(text: string, max: number = MAX_PEER_TEXT): string {
  return excerpt(escapeControls(text), max);
}

function escape(char: string): string {
  const code = char.charCodeAt(0);
  if (code === 0x0a) return "\\n";
  if (code === 0x0d) return "\\r";
  if (code === 0x09) return "\\t";
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}
