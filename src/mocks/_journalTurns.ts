/**
 * A connection's journal reads and waits (`mocks.entries`, `mocks.waitFor`) scan every entry the
 * ring holds, each entry's path against the filter's glob: linear in the path (../_glob.ts), but a
 * short piece whose first character is everywhere in a long path makes `indexOf` compare at each
 * place, ~100 µs per entry for a 7,000-character path, so one scan of 1,000 entries can take
 * ~100 ms. A burst of them from one connection ran back to back, and everything else the hub had
 * to do (another process's connect, every request) waited behind the whole burst for seconds.
 * Here each scan after a connection's first in a burst waits for a later turn of the event loop:
 * the burst costs the hub as much, but the rest of the hub runs between its scans, so what
 * another client waits for is at most a scan or so per connection, not all of them.
 */

/**
 * A later turn of the event loop: the runtime handles its I/O (new connections, other requests)
 * before it comes. `setImmediate` where the runtime has one (Node, Bun, Deno 2): a `setTimeout(0)`
 * waits at least 1 ms on Node and Bun and ~2.4 ms on Deno even on an idle hub, so a connection's
 * 100 reads at once took 116–124 ms on Bun and 234–249 ms on Deno in turns alone (load ~6).
 */
const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

export class JournalTurns {
  /** Each connection's last turn given; gone once it came and no later one was asked for. */
  readonly #last = new Map<string, Promise<void>>();

  /**
   * Resolves when it is this scan's turn: at once when the connection has none queued, else in a
   * turn of the event loop after its previous one. The caller scans in its `then`, so a scan runs
   * before the next turn is even timed. The queue is as long as the connection's requests in
   * flight, which `maxRequestsInFlight` bounds.
   */
  turn(clientId: string): Promise<void> {
    const previous = this.#last.get(clientId);
    const mine = previous === undefined ? Promise.resolve() : previous.then(nextTurn);
    this.#last.set(clientId, mine);
    void mine.then(() => {
      if (this.#last.get(clientId) === mine) this.#last.delete(clientId);
    });
    return mine;
  }
}
