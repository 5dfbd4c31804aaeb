/**
 * `probability` and `times`, in one place for every kind (as toxiproxy's `ToxicStub.Run` rolls
 * `toxicity` once for all toxics): a fault's kind never sees a request its gate let through.
 */
export class FaultGate {
  readonly #probability: number;
  #left: number;
  hits = 0;

  constructor(probability: number = 1, times: number = Infinity) {
    this.#probability = probability;
    this.#left = times;
  }

  /** True when spent (`times` reached): the fault then removes itself. */
  get spent(): boolean {
    return this.#left <= 0;
  }

  /**
   * Draws for one matching request: true when the fault applies to it. A request the draw
   * spares does not count towards `times` ("the next N faulted requests").
   */
  draw(random: () => number = Math.random): boolean {
    if (this.#left <= 0) return false;
    // `probability: 1` never calls random(), and `0` never applies (toxiproxy #603).
    if (this.#probability < 1 && !(random() < this.#probability)) return false;
    this.#left--;
    this.hits++;
    return true;
  }
}
