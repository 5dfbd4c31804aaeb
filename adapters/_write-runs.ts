/**
 * How the Bun front writes the parts one read lets through (`_bun-front.ts`, `sendParts`): runs of
 * parts that fit `scratch` go in one write each (a request's head, the front's stamp, the head's
 * last CRLF and a small body), a larger part on its own, as it is. A head before a large body went
 * out as three writes (one system call each) before its body's. No runtime imports.
 */

/**
 * Writes `parts` to `to` in order, joining runs of them in `scratch` (reused: `write` must copy
 * what it keeps). A run of one part is written as it is. (`to` and `write` apart, not a closure:
 * this runs once per read.)
 */
export function writeInRuns<T>(parts: readonly Uint8Array[], scratch: Uint8Array, to: T, write: (to: T, bytes: Uint8Array) => void): void {
  const limit = scratch.length;
  let runStart = 0;
  let run = 0;
  for (let i = 0; i <= parts.length; i++) {
    const part = parts[i];
    if (part && part.length <= limit - run) {
      run += part.length;
      continue;
    }
    // The run before `part` goes, joined when it has more than one part.
    if (i - runStart === 1) write(to, parts[runStart]!);
    else if (i > runStart) {
      let at = 0;
      for (let j = runStart; j < i; j++) {
        scratch.set(parts[j]!, at);
        at += parts[j]!.length;
      }
      write(to, scratch.subarray(0, at));
    }
    if (part && part.length > limit) {
      write(to, part);
      runStart = i + 1;
      run = 0;
    } else {
      runStart = i;
      run = part?.length ?? 0;
    }
  }
}
