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

/**
 * A value another process sent, as a refusal shows it: a string quoted and cut at `max`
 * characters, a number as written (JSON shows NaN and Infinity as null), a short array of such
 * values as a list, anything else by its kind. Never the whole of a large value: `JSON.stringify`
 * of one nested 150,000 deep threw a RangeError of its own, and a 20 MB one made a 20 MB message.
 */
export function quoted(value: unknown, max = 60): string {
  if (typeof value === "string") return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint" || value == null) return String(value);
  if (Array.isArray(value)) {
    const small = value.length <= 8 && value.every((item) => item === null || (typeof item !== "object" && typeof item !== "function"));
    return small ? `[${value.map((item) => quoted(item, 20)).join(", ")}]` : `an array of ${value.length}`;
  }
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
