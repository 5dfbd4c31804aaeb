/**
 * What replays from other processes may hold on a hub. Each one's HAR arrives in one framework
 * message (at most `maxMessageSize`, 64 MiB by default) and the replay keeps its bodies for as long
 * as it lives; the rule bound (50,000 a connection) was the only limit, so one connection could
 * park tens of GiB of recordings in the hub. A connection's replays keep at most 8 messages'
 * worth of recordings (8 × `maxMessageSize`: 512 MiB by default, `MAX_HAR_TEXT`, the most one replay
 * reads from a file), all connections' together 16 (1 GiB); a replay past either is refused naming
 * the limit, and its bytes count until it leaves (removed, its scope closed, its connection gone).
 * Tied to `maxMessageSize` so that a hub that takes larger messages takes larger recordings too.
 * Counted as what a replay keeps, in bytes (`Replay.heldBytes`: bodies, answer headers, URLs, index
 * keys), not as the HAR's JSON: that took a serialisation of each HAR again, counted characters
 * (a body of `€` is 3 bytes a character) and counted what is not kept (timings, request headers).
 */

/** How many framework messages' worth of HAR one connection's replays, and all of them, may hold. */
const MESSAGES_PER_CONNECTION = 8;
const MESSAGES_PER_HUB = 16;

const MiB = 1024 * 1024;

export class HarBudget {
  #total = 0;
  readonly #byOwner = new Map<string, number>();
  readonly #perConnection: number;
  readonly #perHub: number;

  constructor(maxMessageSize: number) {
    this.#perConnection = MESSAGES_PER_CONNECTION * maxMessageSize;
    this.#perHub = MESSAGES_PER_HUB * maxMessageSize;
  }

  /**
   * What `owner`'s next replay may keep: the smaller of what its connection and the hub have left.
   * Its build stops once past it (./_load.ts), so a refused replay is not built in full first.
   */
  room(owner: string): number {
    return Math.min(this.#perConnection - (this.#byOwner.get(owner) ?? 0), this.#perHub - this.#total);
  }

  /** Counts `size` bytes of recordings for `owner`, or throws naming the limit it would pass (nothing counted then). */
  take(owner: string, size: number): void {
    const refusal = this.#refusal(owner, size, mib(size));
    if (refusal) throw refusal;
    this.#byOwner.set(owner, (this.#byOwner.get(owner) ?? 0) + size);
    this.#total += size;
  }

  /** The refusal of a replay whose build stopped past `room` at `atLeast` bytes. */
  refusal(owner: string, atLeast: number): RangeError {
    return this.#refusal(owner, atLeast, `at least ${mib(atLeast)}`) ?? new RangeError(`replay: stopped at ${atLeast} bytes, within the room left (a bug)`);
  }

  #refusal(owner: string, size: number, sizeText: string): RangeError | undefined {
    const mine = this.#byOwner.get(owner) ?? 0;
    if (mine + size > this.#perConnection) {
      return new RangeError(`This connection's replays already hold ${mib(mine)} of HAR; this one (${sizeText}) would pass the ${mib(this.#perConnection)} one connection's replays may hold (${MESSAGES_PER_CONNECTION} × maxMessageSize): remove replays or close their scopes first`);
    }
    if (this.#total + size > this.#perHub) {
      return new RangeError(`The hub's replays from all connections already hold ${mib(this.#total)} of HAR; this one (${sizeText}) would pass the ${mib(this.#perHub)} they may hold together (${MESSAGES_PER_HUB} × maxMessageSize): try again when some are gone`);
    }
    return undefined;
  }

  /** Gives back what `take` counted, once the replay has left the hub. */
  release(owner: string, size: number): void {
    const left = (this.#byOwner.get(owner) ?? 0) - size;
    if (left > 0) this.#byOwner.set(owner, left);
    else this.#byOwner.delete(owner);
    this.#total -= size;
  }
}

function mib(size: number): string {
  return `${(size / MiB).toFixed(1)} MiB`;
}
