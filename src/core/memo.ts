/**
 * The last result per file of a pure analysis of its text: refreshes re-run
 * the whole resolution, but mostly over files that did not change, whose
 * parsing and validation are then skipped. Results are shared, so callers
 * must treat them as read-only (they copy what they change).
 */
export function memoPerFile<Rest extends unknown[], R>(analyze: (file: string, text: string, ...rest: Rest) => R, limit = 512): (file: string, text: string, ...rest: Rest) => R {
  const last = new Map<string, { text: string; rest: string; result: R }>();
  return (file, text, ...rest) => {
    const restKey = rest.length ? JSON.stringify(rest) : "";
    const hit = last.get(file);
    if (hit && hit.text === text && hit.rest === restKey) return hit.result;
    const result = analyze(file, text, ...rest);
    // Oldest first: a Map keeps insertion order.
    last.delete(file);
    if (last.size >= limit) last.delete(last.keys().next().value!);
    last.set(file, { text, rest: restKey, result });
    return result;
  };
}
