import { heldFrameSize } from "../_heldFrame.ts";

type Frame = string | ArrayBuffer | Uint8Array;

/**
 * Frames of one direction of a WebSocket, each sent `ms` after it arrived and never before the
 * one ahead of it (order is kept, as `latency` promises). One timer per direction at a time.
 * `held` counts what waits (a string's length, a binary frame's bytes, and each frame's own cost:
 * ../_heldFrame.ts), for the bound the caller puts on it.
 */
export class FrameDelay {
  readonly #send: (frame: Frame) => void;
  readonly #queue: Array<{ due: number; frame: Frame }> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastDue = 0;
  #held = 0;

  constructor(send: (frame: Frame) => void) {
    this.#send = send;
  }

  get held(): number {
    return this.#held;
  }

  push(frame: Frame, ms: number): void {
    this.#lastDue = Math.max(performance.now() + ms, this.#lastDue);
    this.#queue.push({ due: this.#lastDue, frame });
    this.#held += heldFrameSize(frame);
    this.#arm();
  }

  /** The socket closed: frames not yet sent are dropped with it. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#held = 0;
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#queue.length === 0) return;
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, this.#queue[0]!.due - performance.now()));
  }

  #flush(): void {
    this.#timer = undefined;
    const now = performance.now();
    let head = this.#queue[0];
    // Timers may fire up to a millisecond early.
    while (head && head.due <= now + 1) {
      this.#queue.shift();
      this.#held -= heldFrameSize(head.frame);
      this.#send(head.frame);
      head = this.#queue[0];
    }
    this.#arm();
  }
}
