/**
 * `*` globs (the journal's `path` filter, `waitFor`, the dashboard's filter box), matched
 * without a regular expression: a glob turned into `.*` backtracks, and `*a*a*a*a*b` against a
 * long path froze the hub. Here the text between the stars must appear in order, the first
 * piece at the start and the last at the end; taking each middle piece at its leftmost place
 * is always right (a later place only leaves less room for the rest), so nothing is retried
 * and the work is one left-to-right pass: at most (text length × piece length) per piece.
 */

/** The longest glob accepted from a user: keeps the work of one match bounded. */
export const MAX_GLOB_LENGTH = 1024;

/**
 * The most `*` a glob from a user may have (a run of them counts once: `**` is `*`). Each one is a
 * search of the text, and a filter is matched against every entry, again for each wait and each
 * new entry: a 1 KiB `*a*a*…` (511 searches) over 1,000 entries of 7,000-character paths took ~25 ms
 * of the hub's thread per read, and a connection's 1,000 such waits held it for seconds.
 */
export const MAX_GLOB_STARS = 32;

/** How many `*` `glob` has, a run of them counted once. */
export function starsIn(glob: string): number {
  let stars = 0;
  for (let at = glob.indexOf("*"); at !== -1; at = glob.indexOf("*", at + 1)) if (glob[at - 1] !== "*") stars++;
  return stars;
}

/**
 * Does `text` match the glob that was split on `*` into `pieces` (`"/users/*".split("*")`)?
 * A glob without `*` is one piece and matches only itself.
 *
 * The dashboard's script embeds this function's source (`matchGlob.toString()`), so it stays
 * self-contained: no imports, no helpers, nothing a browser lacks.
 */
export function matchGlob(pieces: readonly string[], text: string): boolean {
  const last = pieces.length - 1;
  if (last === 0) return text === pieces[0];
  const head = pieces[0]!;
  const tail = pieces[last]!;
  const end = text.length - tail.length;
  if (end < head.length || !text.startsWith(head) || !text.endsWith(tail)) return false;
  let at = head.length;
  for (let i = 1; i < last; i++) {
    const piece = pieces[i]!;
    if (piece === "") continue;
    const found = text.indexOf(piece, at);
    if (found === -1 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}
