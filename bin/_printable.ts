import { escapeControls } from "../src/_controls.ts";

/**
 * Text that came from the network (paths, headers, runtimeIds, api names) printed to a
 * terminal: control characters would set its title, clear it, write the clipboard (OSC 52) or
 * hide a link (OSC 8). They are shown escaped (`\x1b`, `\n`, `\u202e`) instead. `--json`
 * output needs none of this: JSON escapes control characters itself.
 */
export function printable(text: string): string {
  return withoutSecret(escapeControls(text));
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
