/**
 * Text that came from the network (paths, headers, runtimeIds, api names) printed to a
 * terminal: control characters would set its title, clear it, write the clipboard (OSC 52) or
 * hide a link (OSC 8). They are shown escaped (`\x1b`, `\n`, `\u202e`) instead. `--json`
 * output needs none of this: JSON escapes control characters itself.
 */
export function printable(text: string): string {
  return withoutSecret(UNSAFE.test(text) ? text.replace(UNSAFE_ALL, escape) : text);
}

/** The token this command sends, as it may come back (see `neverPrint`); longest first. */
let secrets: string[] = [];

/**
 * Whatever answers on the hub's port gets the token (it is sent to it) and may send it back: in
 * an error, a path, a runtimeId. A command's output lands in CI logs, so the token is printed
 * `[redacted]` wherever it appears: as given, percent-encoded (a path's `?token=`: a base64
 * token's `+`, `/` and `=` came back as `%2B`, `%2F`, `%3D` and were printed) and as `--json`
 * writes it (a `"` or `\` escaped). Tokens shorter than 8 characters are left alone: replacing
 * them would garble ordinary words, and such a token guards nothing.
 */
export function neverPrint(token: string | undefined): void {
  if (token === undefined || token.length < 8) {
    secrets = [];
    return;
  }
  const forms = [token, encodeURIComponent(token), new URLSearchParams({ t: token }).toString().slice(2), JSON.stringify(token).slice(1, -1)];
  secrets = [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** `text` with the command's token replaced (for `--json` output too, which `printable` must not touch). */
export function withoutSecret(text: string): string {
  for (const secret of secrets) if (text.includes(secret)) text = text.split(secret).join("[redacted]");
  return text;
}

/**
 * C0 and C1 controls, DEL, the Unicode line separators, and every bidirectional control (Unicode's
 * Bidi_Control: the embeddings, overrides and isolates, and the marks U+061C, U+200E, U+200F, which
 * were printed raw and turn the order of what follows them in a terminal that lays out bidi text).
 * The dashboard escapes the same set (src/dashboard/_script.ts).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, "g");

function escape(char: string): string {
  const code = char.charCodeAt(0);
  if (code === 0x0a) return "\\n";
  if (code === 0x0d) return "\\r";
  if (code === 0x09) return "\\t";
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}
