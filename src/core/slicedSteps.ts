/** Long synchronous work written as a generator, run in time slices so the thread is never held for long. */

export interface SliceOptions {
  /** How long one slice may run (ms). */
  sliceMs?: number;
  /** What happens between slices (default: the rest of the event loop's turn). */
  pause?: () => Promise<void>;
  /** Checked after each pause: false means the result is no longer wanted. */
  isCurrent?: () => boolean;
}

/**
 * Runs `steps` to completion, pausing whenever a slice has lasted `sliceMs`;
 * undefined when `isCurrent()` turns false (the generator is closed then).
 */
export async function runInSlices<T>(steps: Generator<unknown, T, void>, options: SliceOptions = {}): Promise<T | undefined> {
  const sliceMs = options.sliceMs ?? 8;
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await pause();
      if (options.isCurrent && !options.isCurrent()) {
        steps.return(undefined as T);
        return undefined;
      }
      sliceStart = performance.now();
    }
  }
}
