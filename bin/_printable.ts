/**
 * Text that came from the network (paths, headers, runtimeIds, api names) printed to a
 * terminal: control characters would set its title, clear it, write the clipboard (OSC 52) or
 * hide a link (OSC 8). They are shown escaped (`\x1b`, `\n`, `\u202e`) instead. `--json`
 * output needs none of this: JSON escapes control characters itself.
 */
export function printable(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escape) : text;
}

/** C0 and C1 controls, DEL, and the Unicode line separators and bidirectional overrides. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

function escape(char: string): string {
  const code = char.charCodeAt(0);
  if (code === 0x0a) return "\\n";
  if (code === 0x0d) return "\\r";
  if (code === 0x09) return "\\t";
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}
