/**
 * The longest path segment a regex parameter is tried on. A constraint runs on the hub's one
 * thread on a backtracking engine, and adjacent overlapping repetitions (`[a-z]+[a-z]+[a-z]+b`)
 * cost polynomial time that ./_repeatedRepetition.ts cannot see: with that route mocked, one
 * request whose segment was 2,000 characters froze a Node hub 2.3 s, 4,000 characters 20 s and
 * more (three or more such repetitions in a row are now refused when added: ./_adjacentRepetitions.ts;
 * two still cost the square of the length). 100 is find-my-way's `maxParamLength` default (the original's router), where a longer
 * param does not match either (find-my-way runs the regex first and checks the length after, so
 * it did not bound this work).
 */
export const MAX_REGEX_SEGMENT = 100;

/**
 * Whether a route pattern has a regex parameter or group (rou3 writes one as `:name(…)` or `(…)`).
 * A literal `(` is escaped as `\(`, and a literal backslash as `\\`: a `(` after an even number of
 * backslashes (`\\(`, a backslash and then a group) opens a group, as rou3 reads it (its
 * `encodeEscapes`); reading every `\(` as a literal paren let such a route's regex run on long segments.
 */
export function hasRegexParam(pattern: string): boolean {
  return /(^|[^\\])(\\\\)*\(/.test(pattern);
}

/**
 * Whether a path has a segment longer than MAX_REGEX_SEGMENT characters, as sent (encoded):
 * such a path is looked up among the routes without regex parameters only. One pass over the
 * path, none at all for a short one.
 */
export function hasLongSegment(path: string): boolean {
  if (path.length <= MAX_REGEX_SEGMENT + 1) return false;
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path.charCodeAt(i) === 47) {
      if (i - start > MAX_REGEX_SEGMENT) return true;
      start = i + 1;
    }
  }
  return false;
}
