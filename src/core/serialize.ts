/** The `resolve --json` contract (shared/conformance/README.md), plus extra fields the contract allows. */
import type { Origin } from "./layer";
import type { Problem } from "./problems";
import type { Candidate, Resolution } from "./resolve";

function origin(o: Origin | undefined) {
  if (!o) return undefined;
  if ("env" in o) return { env: o.env, ...(o.via ? { via: o.via } : {}), ...(o.file ? { file: o.file, line: o.line } : {}) };
  return o.column !== undefined ? { file: o.file, line: o.line, column: o.column } : { file: o.file, line: o.line };
}

function candidate(c: Candidate) {
  return {
    source: c.source,
    value: c.value,
    ...(c.masked ? { masked: true } : {}),
    ...(c.dynamic !== undefined ? { dynamic: c.dynamic } : {}),
    ...(c.origin ? { origin: origin(c.origin) } : {}),
    ...(c.note ? { note: c.note } : {}),
  };
}

export function problemJson(p: Problem) {
  return {
    severity: p.severity,
    code: p.code,
    message: p.message,
    ...(p.file ? { file: p.file } : {}),
    ...(p.span
      ? { line: p.span.start.line, column: p.span.start.column, endLine: p.span.end.line, endColumn: p.span.end.column }
      : {}),
    ...(p.key ? { key: p.key } : {}),
    ...(p.env ? { env: p.env } : {}),
  };
}

export function resolutionJson(r: Resolution) {
  return {
    version: r.version,
    workspace: r.workspace,
    cwd: r.cwd,
    configDir: { path: r.configDir.path, source: r.configDir.source },
    settings: Object.fromEntries(
      Object.entries(r.settings).map(([key, s]) => [key, { ...candidate(s), overridden: s.overridden.map(candidate) }]),
    ),
    problems: r.problems.map(problemJson),
    files: r.looked,
    secrets: r.secrets.map((s) => ({ ...s, origin: origin(s.origin) })),
    ...(r.python?.flow ? { flow: { file: r.python.flow.file, name: r.python.flow.name, line: r.python.flow.span.start.line } } : {}),
    ...(r.python?.call ? { call: { file: r.python.call.file, line: r.python.call.line, method: r.python.call.method } } : {}),
  };
}
