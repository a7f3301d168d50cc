/**
 * Hovers on the configuration keyword arguments of `@flow(...)`, `kitaru.configure(...)`,
 * `.run(...)`/`.deploy(...)` and `@checkpoint(cache=...)`: what the setting means, the value
 * it ends up with and from which layer, whether this argument wins, what it overrides or what
 * overrides it. Values come from the resolution, so secrets arrive masked.
 */
import * as vscode from "vscode";
import { describeWinner, showValue } from "../../core/documentChecks";
import { isSpread, layerLabel, type InvocationMethod } from "../../core/flowSummary";
import { code, imageEnvironmentLines } from "../../core/hoverInfo";
import { SOURCES, type Source } from "../../core/layer";
import { isMine, settingTargets, targetsAt, type SettingTarget, type TargetContext, type TargetLayer } from "../../core/pythonTargets";
import type { Candidate, Setting } from "../../core/resolve";
import { SOURCE_LABELS, settingInfo } from "../../core/settingsInfo";
import type { Span } from "../../core/types";
import type { FlowResolution, FlowResolutions } from "./flowResolutions";
import type { WorkspaceFlows } from "./workspaceFlows";

const LAYER_WORDS: Record<TargetLayer, string> = { decorator: "@flow decorator", configure: "kitaru.configure()", invocation: "call", checkpoint: "@checkpoint" };
const MAX_CONTEXTS = 4;

export class FlowHoverProvider implements vscode.HoverProvider {
  private readonly targets = new Map<string, { version: number; targets: SettingTarget[] }>();

  constructor(
    private readonly flows: WorkspaceFlows,
    private readonly resolutions: FlowResolutions,
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    if (document.uri.scheme !== "file") return undefined;
    await this.flows.sync(document);
    const file = document.uri.fsPath;
    const hits = targetsAt(this.targetsOf(file), { line: position.line + 1, column: position.character + 1 });
    if (!hits.length) return undefined;
    const text = this.render(file, hits);
    const target = hits[0]!;
    return new vscode.Hover(text, toRange(target.span));
  }

  /** Targets of a module, cached per index version (call links may change with other files). */
  targetsOf(file: string): SettingTarget[] {
    const version = this.flows.index.version;
    const hit = this.targets.get(file);
    if (hit && hit.version === version) return hit.targets;
    const module = this.flows.index.get(file);
    const targets = module ? settingTargets(module.summary, { linkedCalls: this.flows.index.callsIn(file).map((c) => c.call) }) : [];
    this.targets.set(file, { version, targets });
    return targets;
  }

  /** The same form as the `[tool.kitaru]` hovers (src/core/hoverInfo.ts): meaning, type, then the value in effect per flow or call. */
  private render(file: string, hits: SettingTarget[]): vscode.MarkdownString {
    const t = hits[0]!;
    const owners = [...new Set(hits.map((h) => h.owner))];
    const lines: string[] = [`**${code(t.key)}** — ${LAYER_WORDS[t.layer]} argument of ${owners.map(code).join(", ")}`];
    const info = settingInfo(t.key);
    if (info) {
      lines.push("", info.description);
      const facts = [`*Type:* ${info.type}`];
      if (info.env && !t.key.startsWith("checkpoint.")) facts.push(`*Environment variable:* ${code(info.env)}`);
      lines.push("", facts.join("  \n"));
    }
    const contexts = dedupeContexts(hits.flatMap((h) => h.contexts));
    const links: string[] = [];
    const shown = contexts.slice(0, MAX_CONTEXTS);
    for (const ctx of shown) {
      const r = "flow" in ctx ? this.resolutions.forFlow(file, ctx.flow) : this.resolutions.forCall(file, ctx.call);
      if (!r?.ok) continue;
      lines.push("");
      if (contexts.length > 1) lines.push(`*${"flow" in ctx ? `In flow ${code(ctx.flow)}` : `In the call on line ${ctx.call}`}:*  `);
      lines.push(...(t.key === "image" ? this.imageLines(t, file, r) : t.key === "image.environment" ? this.environmentLines(t, file, r) : this.settingLines(t, file, r)));
      links.push(`[Explain ${"flow" in ctx ? `flow ${code(ctx.flow)}` : `the call on line ${ctx.call}`}](${explainLink(r)})`);
    }
    if (contexts.length > shown.length) lines.push("", `*…and ${contexts.length - shown.length} more.*`);
    if (!shown.length) lines.push("", ...this.withoutContext(t, file));
    if (links.length) lines.push("", links.join(" · "));
    const text = new vscode.MarkdownString(lines.join("\n"));
    // Command links only to the explain command, nothing else.
    text.isTrusted = { enabledCommands: ["kitaru.explain"] };
    return text;
  }

  private settingLines(t: SettingTarget, file: string, r: FlowResolution): string[] {
    const method = r.resolution.python?.call?.method;
    const where = (c: Candidate) => describeLayer(c, r.workspace, method);
    const value = (c: Candidate) => `${code(showValue(c))}${c.masked ? " *(masked)*" : ""}`;
    const s = r.resolution.settings[t.key];
    if (!s) return ["**In effect:** unset (no layer sets it)."];
    const chain = [s, ...s.overridden];
    const mine = chain.find((c) => isMine(c, t, file));
    const lower = (list: Candidate[]) => list.filter((c) => !(c.source === "default" && c.value === null)).map((c) => `${value(c)} from ${where(c)}`);
    const spread = isSpread(s);
    if (t.layer === "checkpoint") {
      if (mine === s) return [`**In effect:** ${value(s)}, set here (@checkpoint): no execution-level cache is set.`];
      if (spread) return [`**May be replaced** at run time: ${code(s.dynamic!)} from ${where(s)} may set the execution-level cache, which then applies to every checkpoint of the run.`];
      return [`**Replaced** by the execution-level cache from ${where(s)}: Kitaru uses ${value(s)} for every checkpoint of the run.`];
    }
    if (mine === s) {
      const out = [`**In effect:** ${value(s)}, set here (${layerLabel(s.source, method)}).`];
      const overrides = lower(s.overridden);
      if (overrides.length) out.push(`Overrides: ${overrides.join("; ")}.`);
      return out;
    }
    if (mine) {
      const above = chain.slice(0, chain.indexOf(mine));
      const certain = above.find((c) => !isSpread(c));
      const spreads = above.filter(isSpread).map((c) => code(c.dynamic!));
      const out = certain
        ? [`**Overridden** by ${where(certain)}: Kitaru uses ${value(certain)}${certain === s ? "" : ` unless ${spreads.join(" or ")} sets it at run time`}; this argument sets ${value(mine)}.`]
        : // Only `**opts` spreads above it: they may set the key or not, and this argument applies when they do not.
          [`**May be overridden** at run time by ${spreads.join(" or ")} from ${above.map(where).join("; ")}: this argument sets ${value(mine)}, which applies if ${spreads.length > 1 ? "they do" : "it does"} not set it.`];
      const overrides = lower(chain.slice(chain.indexOf(mine) + 1));
      if (overrides.length) out.push(`It overrides: ${overrides.join("; ")}.`);
      return out;
    }
    return [`**In effect:** ${value(s)} from ${where(s)}.`, "This argument sets no value here (None, or a value Kitaru would refuse: see Problems)."];
  }

  /** `environment=`: no single setting, but the merged environment, variable by variable. */
  private environmentLines(t: SettingTarget, file: string, r: FlowResolution): string[] {
    const method = r.resolution.python?.call?.method;
    return imageEnvironmentLines(r.resolution.settings, { isMine: (c) => isMine(c, t, file), where: (c) => describeLayer(c, r.workspace, method) });
  }

  private imageLines(t: SettingTarget, file: string, r: FlowResolution): string[] {
    const method = r.resolution.python?.call?.method;
    const rows: string[] = [];
    let myLayer: Source | undefined;
    for (const [key, s] of Object.entries(r.resolution.settings) as [string, Setting][]) {
      if (key !== "image" && !key.startsWith("image.")) continue;
      const mine = [s, ...s.overridden].find((c) => isMine(c, t, file));
      if (!mine) continue;
      myLayer = mine.source;
      const field = key === "image" ? "image" : key.slice("image.".length);
      rows.push(
        mine === s
          ? `- ${code(field)} = ${code(showValue(s))}: in effect${s.overridden.length ? `, overrides ${code(showValue(s.overridden[0]!))} from ${describeLayer(s.overridden[0]!, r.workspace, method)}` : ""}`
          : `- ${code(field)} = ${code(showValue(mine))}: **overridden** by ${describeLayer(s, r.workspace, method)}, Kitaru uses ${code(showValue(s))}`,
      );
    }
    if (!rows.length) return ["This argument sets no image field the reader can see."];
    const out = ["Image fields from this argument (merged field by field, and environment variable by variable, with the other layers):", "", ...rows];
    // `**opts` (or image=<expression>) in a higher layer may set any field over these at run time.
    const whole = r.resolution.settings.image;
    if (whole?.dynamic !== undefined && myLayer && SOURCES.indexOf(whole.source) < SOURCES.indexOf(myLayer)) {
      out.push("", `**May be overridden** at run time: ${code(whole.dynamic)} from ${describeLayer(whole, r.workspace, method)} may set image fields over these.`);
    }
    return out;
  }

  /** A checkpoint in a module without flows, a configure() that precedes no call: what every run inherits. */
  private withoutContext(t: SettingTarget, file: string): string[] {
    const r = this.resolutions.forProject(file);
    if (!r) return [];
    if (t.layer === "checkpoint") {
      const cache = r.resolution.settings.cache;
      if (cache && cache.source !== "default") return [`**Replaced** in every run: the execution-level cache ${code(showValue(cache))} comes from ${describeWinner(cache, r.workspace)}.`];
      return ["Applies unless a run sets an execution-level cache (run(), @flow, configure(), KITARU_CACHE or pyproject)."];
    }
    const s = r.resolution.settings[t.key];
    const below = s && !(s.source === "default" && s.value === null) ? ` Below it: ${code(showValue(s))} from ${describeWinner(s, r.workspace)}.` : "";
    return [`Applies to flows started after it in this process, above the environment, pyproject.toml and persisted settings.${below}`];
  }
}

function dedupeContexts(list: TargetContext[]): TargetContext[] {
  const seen = new Set<string>();
  return list.filter((c) => {
    const k = "flow" in c ? `f:${c.flow}` : `c:${c.call}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

/** `@flow decorator (file:line)`, `deploy() argument (file:line)` for a deploy call's own arguments. */
function describeLayer(c: Candidate, base: string, method: InvocationMethod | undefined): string {
  const text = describeWinner(c, base);
  return c.source === "invocation" && method === "deploy" && text.startsWith(SOURCE_LABELS.invocation) ? layerLabel("invocation", method) + text.slice(SOURCE_LABELS.invocation.length) : text;
}

export function explainLink(r: FlowResolution): string {
  const request = { dir: r.project.dir, [r.kind]: r.spec };
  return `command:kitaru.explain?${encodeURIComponent(JSON.stringify([request]))}`;
}

export function toRange(span: Span): vscode.Range {
  return new vscode.Range(span.start.line - 1, span.start.column - 1, span.end.line - 1, span.end.column - 1);
}
