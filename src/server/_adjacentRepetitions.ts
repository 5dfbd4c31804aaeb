/**
 * Repetitions in a row that can take the same characters (`a*a*a*b`, `\w+\w+\w+`, `[^/]*[^/]*[^/]*x`):
 * on a segment that almost matches, a backtracking engine tries every way to share the segment
 * among them, so the work grows as the segment's length to the power of their number. Not
 * exponential, so ./_repeatedRepetition.ts lets them through, and ./_longSegment.ts's 100
 * characters bound the length but not the power: with `/q/:x(a*a*a*a*a*b)` routed by any process
 * (a mock rule, a fault), one request for `/q/` + 99 `a` + `!` held a Deno hub 1.5 s, a Node hub
 * 0.25 s, every client waiting; the regex alone on 99 characters took Node 20 1.7 ms with three,
 * 0.1 s with four, 2.0 s with five and 27 s with six. Two in a row cost at most ~10 µs on 100 characters, three
 * ~0.2-0.3 ms (Node 20, Bun), and a process may add thousands of rules.
 *
 * A character between two repetitions that the first cannot take ends the row: in
 * `\d+\.\d+\.\d+` each `\d+` must stop at its `.`, so the segment is shared one way only.
 * Whether they share a character is asked of the regex engine itself over the 128 ASCII
 * characters, the only ones a path holds as routes see it (percent-encoded, as `URL` gives its
 * pathname); a group never ends a row (what it matches is not one character). Each pair is asked
 * once per pattern: a 2,048-character pattern (the most a rule or fault takes) costs a few ms.
 */
import { classEnd, quantifierAt } from "./_repeatedRepetition.ts";

/** The most repetitions in a row a regex parameter may have. */
export const MAX_ADJACENT_REPETITIONS = 2;

/** The first row of more than MAX_ADJACENT_REPETITIONS repetitions in `source`, as written there; `undefined` when none is. */
export function adjacentRepetitions(source: string): string | undefined {
  asked = new Map();
  compiled = new Map();
  try {
    return firstRow(source);
  } finally {
    asked = compiled = undefined;
  }
}

function firstRow(source: string): string | undefined {
  let row = 0;
  let rowStart = 0;
  /** The last repetition's atom, while it is one character's worth (a literal, an escape, a class, a dot). */
  let repeated: RegExp | undefined;
  let i = 0;
  while (i < source.length) {
    const start = i;
    const char = source[i]!;
    let atom: string | undefined;
    if (char === "|") {
      row = 0;
      repeated = undefined;
      i++;
      continue;
    }
    if (char === "(") {
      // A group's own syntax (`(?:`, `(?<name>`, `(?=`) is not an atom; its content is read on.
      i++;
      if (source[i] === "?") i = source[i + 1] === "<" && source[i + 2] !== "=" && source[i + 2] !== "!" ? source.indexOf(">", i) + 1 || source.length : i + (source[i + 1] === "<" ? 3 : 2);
      continue;
    }
    if (char === ")" || char === "^" || char === "$") {
      i++;
      atom = undefined;
    } else if (char === "\\") {
      i += 2;
      // A boundary (`\b`, `\B`) or a back-reference is no character of its own: it separates nothing.
      atom = /[bB1-9]/.test(source[start + 1] ?? "") ? undefined : source.slice(start, i);
    } else if (char === "[") {
      i = classEnd(source, i);
      atom = source.slice(start, i);
    } else {
      i++;
      atom = char === "." ? undefined : source.slice(start, i).replace(/[{}*+?]/, "\\$&");
    }
    const quantifier = quantifierAt(source, i);
    // Present exactly once or a fixed number of times (`-`, `-{2}`): what can separate two repetitions.
    const fixed = !quantifier || /^\{0*[1-9]\d*\}$/.test(source.slice(i, quantifier.end));
    if (quantifier) {
      i = quantifier.end;
      if (source[i] === "?") i++; // lazy: the same repetition
    }
    if (quantifier?.varies) {
      const here = char === "." ? /./ : atom === undefined ? undefined : oneCharacter(atom);
      // One that must take a character the one before cannot (`[a-z]*\d+`) ends the row as a separator does and starts the next.
      const separates = source[start + (atom?.length ?? 1)] !== "*" && !source.startsWith("{0", start + (atom?.length ?? 1)) && repeated && here && !sharesCharacter(repeated, here);
      if (row === 0 || separates) {
        row = 0;
        rowStart = start;
      }
      if (++row > MAX_ADJACENT_REPETITIONS) return source.slice(rowStart, i);
      repeated = here;
    } else if (fixed && repeated && atom !== undefined) {
      const between = oneCharacter(atom);
      if (between && !sharesCharacter(repeated, between)) row = 0;
      repeated = undefined;
    }
  }
  return undefined;
}

/** Atoms already compiled while one pattern is read. */
let compiled: Map<string, RegExp | undefined> | undefined;

function oneCharacter(atom: string): RegExp | undefined {
  if (compiled?.has(atom)) return compiled.get(atom);
  let regex: RegExp | undefined;
  try {
    regex = new RegExp(`^(?:${atom})$`);
  } catch {
    regex = undefined;
  }
  compiled?.set(atom, regex);
  return regex;
}

/** The characters two one-character atoms are asked about: a request path's, percent-encoded. */
const PROBES = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));

/** Pairs already asked while one pattern is read, by their sources. */
let asked: Map<string, boolean> | undefined;

function sharesCharacter(a: RegExp, b: RegExp): boolean {
  const key = `${a.source}\u0000${b.source}`;
  const known = asked?.get(key);
  if (known !== undefined) return known;
  let shared = false;
  for (const probe of PROBES) if (a.test(probe) && b.test(probe)) shared = true;
  asked?.set(key, shared);
  return shared;
}
