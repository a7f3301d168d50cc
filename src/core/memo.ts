/**
 * The last result per file of a pure analysis of its text: refreshes re-run
 * the whole resolution, but mostly over files that did not change, whose
 * parsing and validation are then skipped. Results are shared, so callers
 * must treat them as read-only (they copy what they change).
 *
 * A process that runs once (the CLI) can also keep results between runs:
 * see usePersistentMemo and src/core/analysisCache.ts.
 */

/** Results kept between processes, keyed by the analysis, the file, its text and the other arguments. */
export interface PersistentMemo {
  get(kind: string, file: string, text: string, rest: string): unknown;
  set(kind: string, file: string, text: string, rest: string, result: unknown): void;
}

let persistent: PersistentMemo | undefined;

/** Installs (or removes) the store every memoPerFile with a `persistAs` name also consults. */
export function usePersistentMemo(store: PersistentMemo | undefined): void {
  persistent = store;
}

export interface MemoOptions<R> {
  /** How many files to remember in memory. */
  limit?: number;
  /** The analysis' name in the persistent store; without it, results stay in this process. */
  persistAs?: string;
  /** The part of a result worth storing (drop what only an editor needs, such as parse trees). */
  stored?: (result: R) => R;
  /** Whether a stored result has the shape this code needs (a file edited by hand, or damaged, is analysed again). */
  fits?: (stored: unknown) => boolean;
}

/** Every memo's results, so that forgetMemos() can drop them all. */
const allMemos = new Set<Map<string, unknown>>();

/** Forgets every remembered result (after a stored one turned out not to fit, the next resolution analyses again). */
export function forgetMemos(): void {
  for (const memo of allMemos) memo.clear();
}

export function memoPerFile<Rest extends unknown[], R>(analyze: (file: string, text: string, ...rest: Rest) => R, options: MemoOptions<R> = {}): (file: string, text: string, ...rest: Rest) => R {
  const { limit = 512, persistAs, stored = (r: R) => r, fits = () => true } = options;
  const last = new Map<string, { text: string; rest: string; result: R }>();
  allMemos.add(last);
  return (file, text, ...rest) => {
    const restKey = rest.length ? JSON.stringify(rest) : "";
    const hit = last.get(file);
    if (hit && hit.text === text && hit.rest === restKey) return hit.result;
    const store = persistAs ? persistent : undefined;
    let result = store?.get(persistAs!, file, text, restKey) as R | undefined;
    if (result === undefined || !fits(result)) {
      result = analyze(file, text, ...rest);
      store?.set(persistAs!, file, text, restKey, stored(result));
    }
    // Oldest first: a Map keeps insertion order.
    last.delete(file);
    if (last.size >= limit) last.delete(last.keys().next().value!);
    last.set(file, { text, rest: restKey, result });
    return result;
  };
}
