/**
 * The one reading of every number the CLI takes (`--port`, `--latency`, `--times`, `--limit`…).
 * citty hands a flag over as the text typed (they are declared `type: "string"`; its parser,
 * node:util's `parseArgs`, converts nothing), and `Number()` read far more than a person means:
 * `0x10` as 16, `1e3` as 1000, `0b11`, ` 5`, `5.`, `+5` and `.5` as numbers, so `--latency 0x10`
 * faulted with 16 ms in silence. Only plain decimal digits are a number here (with one `.` and
 * digits on both sides where a fraction is allowed); anything else is refused naming the flag.
 */

const WHOLE = /^\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;

export interface NumberFlag {
  /** Only digits (a port, a status, a count). Default false: digits with an optional fraction. */
  whole?: boolean;
  /** What the flag must be, for the message: default "a number" or "a whole number". */
  what?: string;
  /** What the message quotes as given (default `text`): a bound of `10-20` quotes the whole range. */
  shown?: string;
}

/**
 * `text` as a number when it is plain decimal, else throws `make("<source> must be <what>, got
 * '<text>'")`. `source` names where it came from: the flag, or the environment variable.
 */
export function numberFlag(text: string, source: string, make: (message: string) => Error, options: NumberFlag = {}): number {
  const whole = options.whole === true;
  const value = (whole ? WHOLE : DECIMAL).test(text) ? Number(text) : Number.NaN;
  if (Number.isFinite(value) && (!whole || Number.isSafeInteger(value))) return value;
  const what = options.what ?? (whole ? "a whole number" : "a number");
  // Said when `Number()` would have taken it: the reason is the notation, not the value.
  const how = !DECIMAL.test(text) && text.trim() !== "" && Number.isFinite(Number(text)) ? ` (plain decimal digits${whole ? "" : ", such as 250 or 0.5"})` : "";
  throw make(`${source} must be ${what}, got '${options.shown ?? text}'${how}`);
}
