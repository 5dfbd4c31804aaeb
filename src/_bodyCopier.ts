/**
 * Its own file, with no imports: the journal's declarations name it, and platform.ts (where the
 * runtimes' proxies take it) imports crossws, whose Node types would then reach a consumer's check.
 */

/** Takes a copy of a body as it flows, handed to `done` once the body ended or failed, or the copy was cut. */
export interface BodyCopier {
  /**
   * Called once per chunk, as it arrives, with its size: how many of its bytes the copy may keep.
   * Fewer than `size` cuts the copy there (the journal's `maxBodySize`, or its byte budget):
   * keep that many, take no more, and call `done` with `truncated` true.
   */
  room(size: number): number;
  done(bytes: Uint8Array, truncated: boolean): void;
}
