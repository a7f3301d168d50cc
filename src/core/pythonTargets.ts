/**
 * Where configuration is written in a Python module: each keyword argument of a `@flow`
 * decorator, a `kitaru.configure(...)` call, a `.run(...)`/`.deploy(...)` call and a
 * `@checkpoint(cache=...)`, with the setting it sets and the flows or calls whose resolution
 * shows its effect. Image arguments also yield one target per ImageSettings field and per
 * environment variable, wherever they are written (a module-level constant included).
 * Hovers look targets up by position; nothing here reads files.
 */
import type { PyCallArgs, PyFlowCall, PyKwarg, PythonModuleSummary, PyValue } from "./python/types";
import type { Origin, Source } from "./layer";
import type { Position, Span } from "./types";

export type TargetLayer = "decorator" | "configure" | "invocation" | "checkpoint";

/** A resolution that shows a target's effect: a flow of this module, or a call in it. */
export type TargetContext = { flow: string } | { call: number };

export interface SettingTarget {
  /** The contract key: `stack`, `image`, `image.base_image`, `image.environment.LOG_LEVEL`, `checkpoint.search.cache`. */
  key: string;
  layer: TargetLayer;
  /** What the hover covers. */
  span: Span;
  /** Where the value sits (for finding this argument's candidate among a setting's layers). */
  valueSpan: Span;
  contexts: TargetContext[];
  /** `research` for a decorator, `configure()`, `research.run` for a call, `search` for a checkpoint. */
  owner: string;
}

const EXECUTION_KEYS = new Set(["stack", "cache", "retries", "image"]);

export function settingTargets(summary: PythonModuleSummary, options: { linkedCalls?: readonly PyFlowCall[] } = {}): SettingTarget[] {
  const out: SettingTarget[] = [];
  const calls = options.linkedCalls ?? summary.flowCalls;
  const flowContexts: TargetContext[] = summary.flows.map((f) => ({ flow: f.name }));

  const add = (args: PyCallArgs, layer: TargetLayer, owner: string, contexts: TargetContext[], extraKeys: string[] = []) => {
    for (const kw of args.kwargs) {
      if (!EXECUTION_KEYS.has(kw.name) && !extraKeys.includes(kw.name)) continue;
      if (kw.name === "image") {
        addImage(kw, layer, owner, contexts, out);
        continue;
      }
      out.push({ key: kw.name, layer, span: kw.span, valueSpan: valueSpanOf(kw.value), contexts, owner });
    }
  };

  for (const f of summary.flows) add(f, "decorator", f.name, [{ flow: f.name }]);
  for (const c of calls) add(c, "invocation", `${c.receiver}.${c.method}`, [{ call: c.span.start.line }]);
  for (const c of summary.configureCalls) {
    let contexts: TargetContext[];
    if (c.enclosingFunction === null && flowContexts.length) {
      // Module level: it runs when the module is imported, before any of its flows start.
      contexts = flowContexts;
    } else {
      // The calls it applies to: those after it in the same function; for one at module level (in a
      // module without flows), module-level calls after it and every call inside a function (which
      // runs after the module body). Module code runs top to bottom: a call before it is not one.
      contexts = calls
        .filter((call) => (sameFunction(call.enclosingFunction, c.enclosingFunction) && before(c.span.end, call.span.start)) || (c.enclosingFunction === null && call.enclosingFunction !== null))
        .map((call) => ({ call: call.span.start.line }));
    }
    add(c, "configure", "configure()", contexts, ["project"]);
  }
  for (const cp of summary.checkpoints) {
    const cache = cp.kwargs.find((k) => k.name === "cache");
    // Only the flows whose body calls the checkpoint by name run it for sure; otherwise the hover says what every run inherits.
    const callers: TargetContext[] = summary.flows.filter((f) => f.calledNames.includes(cp.name)).map((f) => ({ flow: f.name }));
    if (cache) out.push({ key: `checkpoint.${cp.name}.cache`, layer: "checkpoint", span: cache.span, valueSpan: valueSpanOf(cache.value), contexts: callers, owner: cp.name });
  }
  return out;
}

function addImage(kw: PyKwarg, layer: TargetLayer, owner: string, contexts: TargetContext[], out: SettingTarget[]): void {
  // The argument itself: the whole image as this layer sets it.
  out.push({ key: "image", layer, span: kw.nameSpan, valueSpan: valueSpanOf(kw.value), contexts, owner });
  const v = kw.value;
  if (v.kind === "literal" && typeof v.value === "string") {
    out.push({ key: "image.base_image", layer, span: v.via ? v.via.useSpan : v.span, valueSpan: v.span, contexts, owner });
    return;
  }
  if (v.kind !== "dict") return;
  for (const e of v.entries) {
    const field = e.key === "parent_image" ? "base_image" : e.key;
    if (field === "environment" && e.value.kind === "dict") {
      out.push({ key: "image.environment", layer, span: e.keySpan, valueSpan: e.value.span, contexts, owner });
      for (const env of e.value.entries) {
        out.push({ key: `image.environment.${env.key}`, layer, span: join(env.keySpan, useSpan(env.value)), valueSpan: env.value.span, contexts, owner });
      }
      continue;
    }
    out.push({ key: `image.${field}`, layer, span: join(e.keySpan, useSpan(e.value)), valueSpan: e.value.span, contexts, owner });
  }
}

const LAYER_SOURCE: Record<TargetLayer, Source> = { decorator: "decorator", configure: "configure", invocation: "invocation", checkpoint: "decorator" };

/** Whether a layer's candidate is the value this target writes (same layer, set within its span). */
export function isMine(c: { source: Source; origin?: Origin }, t: SettingTarget, file: string): boolean {
  if (c.source !== LAYER_SOURCE[t.layer]) return false;
  const o: Origin | undefined = c.origin;
  if (!o || "env" in o || o.file !== file) return false;
  const pos = { line: o.line, column: o.column ?? 1 };
  return contains(t.span, pos) || contains(t.valueSpan, pos);
}

/** The targets under a position, innermost first (an environment variable before its `image=` argument). */
export function targetsAt(targets: readonly SettingTarget[], pos: Position): SettingTarget[] {
  const hits = targets.filter((t) => contains(t.span, pos));
  if (!hits.length) return [];
  hits.sort((a, b) => size(a.span) - size(b.span));
  const inner = hits[0]!;
  // A constant used by several flows: the same span, several owners.
  return hits.filter((t) => sameSpan(t.span, inner.span) && t.key === inner.key);
}

export function contains(span: Span, pos: Position): boolean {
  return !before(pos, span.start) && !before(span.end, pos);
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}

function size(span: Span): number {
  return (span.end.line - span.start.line) * 100_000 + (span.end.column - span.start.column);
}

function sameSpan(a: Span, b: Span): boolean {
  return a.start.line === b.start.line && a.start.column === b.start.column && a.end.line === b.end.line && a.end.column === b.end.column;
}

function sameFunction(a: { span: Span } | null, b: { span: Span } | null): boolean {
  if (a === null || b === null) return a === b;
  return sameSpan(a.span, b.span);
}

function join(a: Span, b: Span): Span {
  return { start: a.start, end: b.end };
}

function valueSpanOf(v: PyValue): Span {
  return v.span;
}

/** Where a value is written at its use: a constant's name, not its definition. */
function useSpan(v: PyValue): Span {
  return v.via ? v.via.useSpan : v.span;
}
