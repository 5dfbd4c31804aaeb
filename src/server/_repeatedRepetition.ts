/**
 * A regex parameter's constraint (`/:id(\d+)`) runs on a segment of every request path its route
 * is asked about, in the hub's one thread, on a backtracking engine (V8's, JavaScriptCore's). A
 * group that repeats and itself holds a repetition or an alternation (`(?:a+)+`, `(?:a|a)*`,
 * `(?:\w+\s?){2,}`) backtracks exponentially on a segment that almost matches: with
 * `/q/:x((?:a+)+)` routed, one request for `/q/` + 26 `a` + `!` froze a hub 1.9 s (each `a` more
 * doubles it), so any page could stop the hub for everyone. find-my-way refuses a repeated
 * repetition by default (`allowUnsafeRegex: false`, a star-height check); the routes here refuse a
 * repeated alternation too (`(?:png|jpg)+`, which find-my-way accepts): telling a safe one from
 * `(?:a|ab)*` means comparing what the alternatives can match, and a route rarely needs one.
 *
 * Not caught here: adjacent repetitions of overlapping characters (`[a-z]*[a-z]*[a-z]*b`), polynomial
 * rather than exponential, which a star-height check cannot see: ./_adjacentRepetitions.ts.
 */

/** A group or an atom just read, and whether it holds a repetition or an alternation. */
interface Read {
  readonly start: number;
  readonly risky: boolean;
}

/**
 * The first group of `source` that repeats (`*`, `+`, `{n,}`, `{n,m}` with m > 1) and holds a
 * repetition or an alternation, as written in it (with its quantifier); `undefined` when none does.
 * A group under `?` may hold anything: at most once is not a repetition.
 */
export function repeatedRepetition(source: string): string | undefined {
  const open: Array<{ start: number; risky: boolean }> = [{ start: 0, risky: false }];
  let last: Read | undefined;
  let i = 0;
  while (i < source.length) {
    const start = i;
    const char = source[i]!;
    if (char === "\\") {
      i += 2;
      last = { start, risky: false };
    } else if (char === "[") {
      i = classEnd(source, i);
      last = { start, risky: false };
    } else if (char === "(") {
      open.push({ start, risky: false });
      i++;
      // A group's own syntax (`(?:`, `(?=`, `(?<=`, `(?<name>`) is no quantifier: an optional `?` counts below.
      if (source[i] === "?") i = source[i + 1] === "<" && source[i + 2] !== "=" && source[i + 2] !== "!" ? source.indexOf(">", i) + 1 || source.length : i + (source[i + 1] === "<" ? 3 : 2);
      last = undefined;
    } else if (char === ")" && open.length > 1) {
      const group = open.pop()!;
      i++;
      // A repetition inside a group inside a group still repeats under the outer one's quantifier.
      if (group.risky) open[open.length - 1]!.risky = true;
      last = { start: group.start, risky: group.risky };
    } else if (char === "|") {
      open[open.length - 1]!.risky = true;
      i++;
      last = undefined;
    } else {
      const quantifier = quantifierAt(source, i);
      if (!quantifier) {
        i++;
        last = { start, risky: false };
        continue;
      }
      i = quantifier.end;
      if (source[i] === "?") i++; // lazy: the same repetition
      if (quantifier.repeats) {
        if (last?.risky) return source.slice(last.start, i);
        open[open.length - 1]!.risky = true;
      } else if (quantifier.optional) {
        // A group holding something optional, repeated, is as many optionals in a row: `(?:a?){24}b`
        // took Node 20 2.3 s on 99 characters, `(?:a?){50}a{50}` held Node and Deno hubs past 20 s.
        open[open.length - 1]!.risky = true;
      }
      last = undefined;
    }
  }
  return undefined;
}

/**
 * `*`, `+`, `?` or `{n}`, `{n,}`, `{n,m}` at `i` (a `{` that is none of these is a literal).
 * `repeats`: more than once; `varies`: more than once, and how many times is open (not `{n}`);
 * `optional`: none or once (`?`, `{0,1}`).
 */
export function quantifierAt(source: string, i: number): { end: number; repeats: boolean; varies?: boolean; optional?: boolean } | undefined {
  const char = source[i];
  if (char === "*" || char === "+") return { end: i + 1, repeats: true, varies: true };
  if (char === "?") return { end: i + 1, repeats: false, optional: true };
  if (char !== "{") return undefined;
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 40));
  if (!braces) return undefined;
  const max = braces[2] === undefined ? Number(braces[1]) : braces[3] === "" ? Infinity : Number(braces[3]);
  return { end: i + braces[0].length, repeats: max > 1, varies: max > 1 && max > Number(braces[1]), optional: max === 1 && Number(braces[1]) === 0 };
}

/** The index after the character class that starts at `i` (`[`), escapes and a leading `]` included. */
export function classEnd(source: string, i: number): number {
  i++;
  if (source[i] === "^") i++;
  if (source[i] === "]") i++;
  while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
  return i + 1;
}
