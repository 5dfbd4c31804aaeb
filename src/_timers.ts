/**
 * Timers that never keep the process alive. Node and Bun timers have `unref()`; runtimes
 * whose timers are plain numbers (Deno) register their own way through `setTimerUnref`.
 */
let unrefNumber: ((id: number) => void) | undefined;

/** Lets a runtime adapter say how to unref a numeric timer id (Deno has its own `unrefTimer`). */
export function setTimerUnref(fn: (id: number) => void): void {
  unrefNumber = fn;
}

export function unrefTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  return unref(setTimeout(fn, ms));
}

export function unrefInterval(fn: () => void, ms: number): ReturnType<typeof setInterval> {
  return unref(setInterval(fn, ms));
}

function unref<T>(timer: T): T {
  if (typeof timer === "number") unrefNumber?.(timer);
  else (timer as { unref?: () => void }).unref?.();
  return timer;
}
