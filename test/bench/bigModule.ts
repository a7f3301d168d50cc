/**
 * The tester's module at scale: `n` checkpoints (half with cache=False, half cache=True), `n`
 * flows each calling one checkpoint, and `n` `.run()` calls in the main guard. Shared by the
 * benchmarks and the unit tests that keep per-module work linear.
 */
export function bigFlowModule(n: number): string {
  const out = ["import kitaru", "from kitaru import checkpoint, flow", ""];
  for (let i = 0; i < n; i++) out.push(`@checkpoint(cache=${i % 2 ? "True" : "False"})`, `def step_${i}(x):`, "    return x", "");
  for (let i = 0; i < n; i++) out.push(`@flow(retries=${i % 3})`, `def flow_${i}(x):`, `    return step_${i}(x)`, "");
  out.push('if __name__ == "__main__":');
  for (let i = 0; i < n; i++) out.push(`    flow_${i}.run("x", stack="s${i % 5}")`);
  return out.join("\n") + "\n";
}

/** 1-based line of the `.run()` call of flow `i` in bigFlowModule(n). */
export function bigModuleCallLine(n: number, i: number): number {
  return 3 + 4 * n + 4 * n + 1 + i + 1;
}
