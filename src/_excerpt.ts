/**
 * The beginning of a text a peer chose, for a log line or a journal entry: a framework request's
 * name or a handler's error can be as long as a whole message (64 MiB by default).
 */

/** The most characters of such a text that are kept or printed. */
export const MAX_EXCERPT = 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * `text` itself when it is short, else its first `max` characters and how long it was. The cut is
 * copied through bytes: a slice of a string can keep the whole string alive in the engine (V8's
 * sliced strings), and the point is to let it go.
 */
export function excerpt(text: string, max: number = MAX_EXCERPT): string {
  if (text.length <= max) return text;
  return `${decoder.decode(encoder.encode(text.slice(0, max)))}… (${text.length} characters)`;
}
