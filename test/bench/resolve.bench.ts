import * as path from "node:path";
import { nodeHost } from "../../src/core/host";
import { resolveConfiguration } from "../../src/core/resolve";
import { timeMedian, type Benchmark } from "./bench";

const demo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../examples/research-agent");
const host = nodeHost({ env: { ...process.env, KITARU_CONFIG_PATH: path.join(demo, ".kitaru-home") } });

export const benchmarks: Benchmark[] = [
  {
    name: "resolve demo workspace (no flow)",
    target: "< 10 ms",
    run: () => ({ medianMs: timeMedian(() => resolveConfiguration(host, { workspace: demo })) }),
  },
  {
    name: "resolve demo workspace (--call)",
    target: "< 20 ms",
    run: () => ({ medianMs: timeMedian(() => resolveConfiguration(host, { workspace: demo, call: "src/research_agent/flows.py:46" })) }),
  },
];
