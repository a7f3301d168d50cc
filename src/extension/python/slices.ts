/**
 * Many small pieces of work asked for at once (VS Code resolving a screenful of CodeLens, or a
 * command resolving thousands) run in slices of at most `sliceMs`, first come first served, with
 * a turn of the event loop between slices: the extension host keeps answering everything else.
 * A piece asked for when the current slice has time left runs at once.
 */
export class Slices {
  private readonly queue: (() => void)[] = [];
  private head = 0;
  private pumpScheduled = false;
  private sliceOpen = false;
  private sliceStart = 0;

  constructor(private readonly sliceMs: number) {}

  run<T>(work: () => T): Promise<T> {
    if (!this.pumpScheduled && this.head === this.queue.length) {
      if (!this.sliceOpen) {
        // A slice lasts until the end of this turn of the event loop, or sliceMs.
        this.sliceOpen = true;
        this.sliceStart = performance.now();
        setImmediate(() => (this.sliceOpen = false));
      }
      if (performance.now() - this.sliceStart < this.sliceMs) return settle(work);
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push(() => settle(work).then(resolve, reject));
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumpScheduled = false;
    const start = performance.now();
    while (this.head < this.queue.length && performance.now() - start < this.sliceMs) this.queue[this.head++]!();
    if (this.head < this.queue.length) this.schedule();
    else {
      this.queue.length = 0;
      this.head = 0;
    }
  }
}

function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}
