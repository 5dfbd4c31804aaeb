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
 * Not one in a group that may match nothing or in one alternative (`\w+(-)?\w+`), nor a repetition
 * that may take none (`a+\d*a+`): `groupsOf`, `apart`. What counts is how many of the row share
 * characters, directly or through one another (`joinSharing`): `[a-z]+\d*[a-z]*` is two.
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
  const { loose, depth } = groupsOf(source);
  let row = 0;
  let rowStart = 0;
  /** The row's repetitions, grouped by the characters they share, directly or through one another. */
  let sharing: Array<Array<RegExp | undefined>> = [];
  /**
   * The repetitions since the last character read as present once, each's atom while it is one
   * character's worth (a literal, an escape, a class, a dot), and whether it may take none.
   */
  let before: Array<{ atom: RegExp | undefined; nullable: boolean }> = [];
  let i = 0;
  while (i < source.length) {
    const start = i;
    const char = source[i]!;
    let atom: string | undefined;
    if (char === "|") {
      // One alternative of a nested group (`a*(?:-|a)a*`) is in a row with what is around the group.
      if (depth[start]! > 1) {
        i++;
        continue;
      }
      row = 0;
      before = [];
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
    // A character that may be left out (`a?`) is a repetition of none or one: 24 in a row with as many
    // `a` after them took Node 20 3.4 s on 99 characters (2 ways each). Not a group's `?`: see `groupsOf`.
    const optional = quantifier?.optional === true && char !== ")";
    if (quantifier?.varies || optional) {
      const here = char === "." ? /./ : atom === undefined ? undefined : oneCharacter(atom);
      const nullable = optional || loose[start] === 1 || source[start + (atom?.length ?? 1)] === "*" || source.startsWith("{0", start + (atom?.length ?? 1));
      // One that must take a character the one before cannot (`[a-z]*\d+`) ends the row as a separator does and starts the next.
      const separates = !nullable && here !== undefined && apart(before, here);
      if (row === 0 || separates) {
        row = 0;
        rowStart = start;
        sharing = [];
        before = [];
      }
      row++;
      if (joinSharing(sharing, here) > MAX_ADJACENT_REPETITIONS) return source.slice(rowStart, i);
      before.push({ atom: here, nullable });
    } else if (fixed && before.length > 0 && atom !== undefined && !loose[start]) {
      const between = oneCharacter(atom);
      const last = before[before.length - 1]!.atom;
      if (between && last && !sharesCharacter(last, between)) row = 0;
      before = [];
    }
  }
  return undefined;
}

/**
 * Where a character of `source` cannot keep repetitions apart although it is read as present once:
 * inside a group that may match nothing (`(?:-)?`, `(-)*`, `{0,n}`), a lookaround (it takes no
 * character), or a group of alternatives other than the parameter's own (`(?:-|a)`). With
 * `\w+(-)?\w+(-)?\w+(-)?\w+!` (four `\w+` once no `-` is sent) taken, the regex alone took ~19 ms
 * on 100 characters, `a*a*(?:-)?a*a*b` ~48 ms (Node 20, load ~9). `depth`: how many groups hold
 * each character (the parameter's own parentheses are 1).
 */
function groupsOf(source: string): { loose: Uint8Array; depth: Uint8Array } {
  const loose = new Uint8Array(source.length);
  const depth = new Uint8Array(source.length);
  const open: Array<{ at: number; alternatives: boolean }> = [];
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === "\\") {
      depth.fill(open.length, i, i + 2);
      i++;
    } else if (char === "[") {
      const end = classEnd(source, i);
      depth.fill(open.length, i, end);
      i = end - 1;
    } else if (char === "(") {
      open.push({ at: i, alternatives: false });
      depth[i] = open.length;
    } else if (char === ")" && open.length > 0) {
      depth[i] = open.length;
      const group = open.pop()!;
      const lookaround = /^\(\?<?[=!]/.test(source.slice(group.at, group.at + 4));
      const mayBeEmpty = source[i + 1] === "?" || source[i + 1] === "*" || source.startsWith("{0", i + 1);
      if (lookaround || mayBeEmpty || (group.alternatives && open.length > 0)) loose.fill(1, group.at, i + 1);
    } else {
      if (char === "|" && open.length > 0) open[open.length - 1]!.alternatives = true;
      depth[i] = open.length;
    }
  }
  return { loose, depth };
}

/**
 * Whether a repetition that must take a character (`atom`) shares none with the one before, nor,
 * while that one may take none, with the one before it: in `a+\d*a+\d*a+\d*a+b` each `a+` follows
 * the one before once `\d*` is empty. Taken when only the `\d*` was asked, that one ran ~26 ms on
 * 100 characters (Node 20, load ~7).
 */
function apart(before: ReadonlyArray<{ atom: RegExp | undefined; nullable: boolean }>, atom: RegExp): boolean {
  for (let k = before.length - 1; k >= 0; k--) {
    const other = before[k]!;
    if (other.atom === undefined || sharesCharacter(other.atom, atom)) return false;
    if (!other.nullable) return true;
  }
  return false;
}

/**
 * Puts `atom` (undefined: a group, which may take any character) with the repetitions of the row
 * it shares a character with, joining their groups; how many the group now holds. One that shares
 * none with the others counts alone: in `[a-z]*\d*[a-z]*` the `\d*` can be empty, so the two
 * `[a-z]*` still share a run of letters, but only those two (~10 µs on 100 characters, as two in a
 * row; it was refused as three).
 */
function joinSharing(sharing: Array<Array<RegExp | undefined>>, atom: RegExp | undefined): number {
  const joined = [atom];
  for (let k = sharing.length - 1; k >= 0; k--) {
    if (sharing[k]!.some((other) => atom === undefined || other === undefined || sharesCharacter(other, atom))) joined.push(...sharing.splice(k, 1)[0]!);
  }
  sharing.push(joined);
  return joined.length;
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
