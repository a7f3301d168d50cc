/**
 * The explain view's "Frozen execution spec" section for a flow or a `.run(...)` call: the
 * `kitaru_execution_spec` that run would persist (src/core/frozenSpec.ts), the same JSON
 * `kitaru-config resolve --call FILE:LINE --spec --json` prints.
 */
import { buildFrozenSpec, formatFrozenSpec } from "../../core/frozenSpec";
import type { Resolution } from "../../core/resolve";
import type { ExplainRequest, ExplainSection } from "../explain";

export const frozenSpecSection: ExplainSection = (resolution: Resolution, request: ExplainRequest) => {
  if (!request.call && !request.flow) return undefined;
  const python = resolution.python;
  if (!python?.flow || (request.call && !python.call)) return undefined;
  const cli = [
    "kitaru-config resolve",
    `--workspace ${quote(resolution.workspace)}`,
    resolution.cwd !== resolution.workspace ? `--cwd ${quote(resolution.cwd)}` : "",
    request.call ? `--call ${quote(request.call)}` : `--flow ${quote(request.flow!)}`,
    "--spec --json",
  ]
    .filter(Boolean)
    .join(" ");
  return formatFrozenSpec(buildFrozenSpec(resolution), { method: python.call?.method ?? "flow", cli });
};

function quote(text: string): string {
  return /^[\w./:@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
