/**
 * JSON numbers a double cannot tell apart, for the replay's body keys (./_keys.ts): parsed,
 * `11111111111111111` and `11111111111111112` are one double, and `1e400`, `2e400` both Infinity,
 * so two recorded requests that differ only there shared a key (an id past 2^53, a price of 20
 * digits). Such a number is keyed on its decimal value instead, as its text says it; a number
 * the double keeps (`1`, `1.0`, `1e0`, `0.1`: its shortest form reads the value back) is
 * compared as a number, as before. Cost (measured at load 7 on 2 cores, 10 runs): a 5 MB body of
 * 100,000 ids past 2^53 keys in ~2.5-2.7× the time it did (a scan, a second parse); one of 16-digit
 * ids a double keeps ~1.3-1.4× (the scan alone); one whose numbers are all short, the same. Floats
 * as JSON.stringify writes them (17 digits: 1/7) are kept when their text is the double's own.
 */

/**
 * Text that may hold a number a double does not keep: one of 16 or more significant digits has a
 * run of 16 digits, or of 17 digits and its point; one past 1e±115 with 15 digits or fewer has
 * an exponent of 3 digits. Others read back exactly (15 digits is what a double keeps, DBL_DIG),
 * so most bodies cost this one test. A match may be in a string: the scan below tells.
 */
const MAY_LOSE = /[0-9]{16}|[0-9.]{17}|[eE][+-]?[0-9]{3}/;

/**
 * The JSON text (valid JSON: it parsed) with every number a double does not keep written as the
 * string `"\u0000<its decimal value>"` (`1.10e1` and `11` alike: `11e0`), and every string or key
 * that begins with U+0000 given one more, so that no string of the body can read as such a number;
 * or undefined when every number reads back from its double (then the body is compared as it parses).
 */
export function exactNumbersText(text: string): string | undefined {
  // A first pass only looks (most bodies that get this far hold ids of 16 digits that a double keeps);
  // the second writes, from the start, since every string before the first such number is marked too.
  if (!MAY_LOSE.test(text) || scan(text, false) === undefined) return undefined;
  return scan(text, true);
}

/**
 * Walks the JSON text's strings and numbers: undefined when no number is one a double does not
 * keep; else, `write`: the text rewritten (exactNumbersText), or not: "" at the first such number.
 */
function scan(text: string, write: boolean): string | undefined {
  let out = "";
  let copied = 0;
  let lost = false;
  for (let at = 0; at < text.length; ) {
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      const end = stringEnd(text, at);
      // A string that begins with U+0000 (written `\u0000`: JSON has no other way) gets one more,
      // so that it cannot read as a number's mark, which is one U+0000 and then a digit or `-`.
      if (write && text.startsWith("\\u0000", at + 1)) {
        out += `${text.slice(copied, at + 1)}\\u0000`;
        copied = at + 1;
      }
      at = end + 1;
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      let end = at + 1;
      let exponent = false;
      for (let d = text.charCodeAt(end); end < text.length && isNumberChar(d); d = text.charCodeAt(++end)) exponent ||= d === LOWER_E || d === UPPER_E;
      // Shorter than 16 characters and no exponent: at most 15 digits, which a double keeps.
      const value = end - at < 16 && !exponent ? undefined : lostValue(text.slice(at, end));
      if (value !== undefined) {
        if (!write) return "";
        out += `${text.slice(copied, at)}"\\u0000${value}"`;
        copied = end;
        lost = true;
      }
      at = end;
    } else at++;
  }
  return lost ? out + text.slice(copied) : undefined;
}

/** The decimal value of a number the double does not keep (sign, digits, `e`, exponent), or undefined when it keeps it. */
function lostValue(number: string): string | undefined {
  const double = Number(number);
  // A whole number below 2^53 is kept (a double holds every integer that far): most long ids, at no cost.
  if (Math.abs(double) <= Number.MAX_SAFE_INTEGER && WHOLE.test(number)) return undefined;
  // Written as the double prints it (JSON.stringify's floats: 0.30000000000000004, 1/7): kept, with no
  // decimal values to build (a 5 MB body of such floats: ~0.4× the scan's time, see the cost above).
  const printed = String(double);
  if (printed === number) return undefined;
  const value = decimalValue(number);
  // Infinity (1e400), or 0 for a value that is not (1e-400), or another value (2^53 + 1).
  if (!Number.isFinite(double) || value !== decimalValue(printed)) return value;
  return undefined;
}

/**
 * A number's value as one string whatever its notation: `-` when negative, its significant
 * digits, `e` and the exponent of the last one (`1.50e2` and `150` are `15e1`); `0` for zero.
 * An exponent of more than 15 digits (a value past any double's, either way) keeps its text as
 * written after the digits: a number cannot hold it exactly, nor would two such bodies be meant alike.
 */
function decimalValue(number: string): string {
  const parts = NUMBER.exec(number);
  if (!parts) return number;
  const [, sign, whole, fraction = "", exponent = "0"] = parts;
  let digits = (whole! + fraction).replace(LEADING_ZEROS, "");
  if (digits === "") return "0";
  // A loop, not /0+$/: a regex tries it from every zero of `1000…0001`, quadratic in the digits.
  let end = digits.length;
  while (digits.charCodeAt(end - 1) === ZERO) end--;
  const shift = digits.length - end - fraction.length;
  digits = digits.slice(0, end);
  const written = exponent.replace(EXPONENT_ZEROS, "$1");
  if (written.replace(/^[+-]/, "").length > 15) return `${sign}${digits}e${written}${shift >= 0 ? "+" : ""}${shift}`;
  return `${sign}${digits}e${Number(exponent) + shift}`;
}

/** The index of the quote that ends the string starting at `start` (valid JSON: there is one). */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    // Escaped when an odd number of backslashes come before it: each run is counted once, at the quote after it.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

function isNumberChar(c: number): boolean {
  return (c >= ZERO && c <= NINE) || c === DOT || c === LOWER_E || c === UPPER_E || c === PLUS || c === MINUS;
}

const WHOLE = /^-?[0-9]+$/;
const NUMBER = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;
const LEADING_ZEROS = /^0+/;
const EXPONENT_ZEROS = /^([+-]?)0+(?=[0-9])/;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
