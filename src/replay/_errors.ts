/**
 * A recording that cannot be replayed: not HAR 1.2, or an entry that is malformed. `entry` is
 * the index of the entry in `log.entries` (absent when the document itself is wrong), and the
 * message says which field and why, so a user can open the file and fix it.
 */
export class HarError extends Error {
  readonly code = "ERR_IPC_BAD_HAR" as const;
  readonly entry: number | undefined;
  constructor(message: string, entry?: number) {
    super(message);
    this.name = "HarError";
    this.entry = entry;
  }
}

/**
 * @internal A remote replay's build stopped once what it had built passed the room its budget
 * left (./_harBudget.ts): `atLeast` bytes, the count so far. Not a HarError: the HAR may be fine.
 */
export class PastRoom extends Error {
  readonly atLeast: number;
  constructor(atLeast: number) {
    super(`the replay holds at least ${atLeast} bytes, more than the room left`);
    this.name = "PastRoom";
    this.atLeast = atLeast;
  }
}
