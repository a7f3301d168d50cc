/**
 * Static reader for Python modules: finds Kitaru flows, checkpoints, `configure(...)` calls,
 * `<flow>.run(...)` / `<flow>.deploy(...)` calls and imports, and evaluates keyword argument
 * values as far as the source text allows. It never executes anything and never throws.
 *
 * It works on the syntax tree of `@lezer/python`, with a small model of Python's scopes
 * (module, class, function, lambda, comprehension) so that names are resolved the way Python
 * would resolve them: a decorator `@flow` is only Kitaru's if `flow` is bound, where it is used,
 * by an import from `kitaru`.
 */
import { runInSlices, type SliceOptions } from "../slicedSteps";
import type { SyntaxNode, SyntaxNodeRef, Tree } from "@lezer/common";
import { lezerCommon, lezerPython } from "../libraries";
import type { Position, Span } from "../types";
import type {
  PyCallArgs,
  PyConfigureCall,
  PyDecorated,
  PyDictEntry,
  PyFlowCall,
  PyImport,
  PyKwarg,
  PySyntaxError,
  PyValue,
  PythonModuleSummary,
} from "./types";

/** Root modules whose names are never taken for flows in `<receiver>.run(...)`. */
const NOT_FLOW_MODULES = new Set(["kitaru", "asyncio", "subprocess", "trio", "anyio", "uvicorn"]);
const KITARU_SYMBOLS = new Set(["flow", "checkpoint", "configure", "ImageSettings"]);
const MAX_SYNTAX_ERRORS = 100;
const MAX_VALUE_DEPTH = 64;
const MAX_FOLLOW = 8;

type ScopeKind = "module" | "class" | "function" | "lambda" | "comprehension";

interface Scope {
  kind: ScopeKind;
  name: string | null;
  nameNode: SyntaxNode | null;
  parent: Scope | null;
  bindings: Map<string, Binding[]>;
  globals: Set<string>;
  /** Modules of `from M import *` (module scope only). */
  starModules: string[];
}

interface BindingBase {
  name: string;
  /** Offset from which the binding is in effect. */
  offset: number;
  scope: Scope;
  /** Inside an if/try/for/while/match block of its scope: it may not happen. Set by `bind`. */
  conditional?: boolean;
}

type Binding =
  | (BindingBase & { kind: "module"; modulePath: string })
  | (BindingBase & { kind: "from"; module: string; imported: string })
  | (BindingBase & { kind: "def"; node: SyntaxNode })
  | (BindingBase & { kind: "class" })
  | (BindingBase & { kind: "param" })
  | (BindingBase & {
      kind: "assign";
      /** `NAME = value` (a single name as target). */
      plain: boolean;
      /** The statement is directly in the module body (not inside if/try/for/with...). */
      topLevel: boolean;
      /** The assigned expression(s); several for an unparenthesised tuple; null for `yield`. */
      value: SyntaxNode[] | null;
    })
  | (BindingBase & { kind: "other"; what: string });

interface Lookup {
  /** The binding in effect, textually: the last one before the use (or the last one at all, for deferred uses). */
  binding: Binding;
  /**
   * Every binding that may be in effect: the last unconditional one and the conditional ones
   * after it (`try: from kitaru import flow` / `except ImportError: def flow(f): ...`). Last is `binding`.
   */
  candidates: Binding[];
  /** False when the use runs later than where it is written (inside a function body). */
  immediate: boolean;
}

type Target = PyFlowCall["target"];

// ---------------------------------------------------------------------------------------------
// Positions

function buildLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

// ---------------------------------------------------------------------------------------------
// Tree helpers

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name !== "Comment") out.push(c);
  }
  return out;
}

function childNamed(node: SyntaxNode, name: string): SyntaxNode | null {
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name === name) return c;
  return null;
}

/** Splits nodes at `,` tokens, dropping the commas and the listed bracket tokens. */
function splitByComma(nodes: SyntaxNode[], drop: ReadonlySet<string>): SyntaxNode[][] {
  const groups: SyntaxNode[][] = [];
  let cur: SyntaxNode[] = [];
  for (const n of nodes) {
    if (n.name === ",") {
      if (cur.length) groups.push(cur);
      cur = [];
    } else if (!drop.has(n.name)) cur.push(n);
  }
  if (cur.length) groups.push(cur);
  return groups;
}

const PARENS = new Set(["(", ")"]);
const BRACKETS = new Set(["[", "]", "(", ")"]);
const BRACES = new Set(["{", "}"]);

function hasError(node: SyntaxNode): boolean {
  if (node.type.isError) return true;
  const c = node.cursor();
  if (!c.firstChild()) return false;
  let depth = 1;
  for (;;) {
    if (c.type.isError) return true;
    if (c.firstChild()) {
      depth++;
      continue;
    }
    while (!c.nextSibling()) {
      if (!c.parent() || --depth === 0) return false;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Literal decoding

type Decoded = { ok: true; value: string } | { ok: false; reason: string };

const SIMPLE_ESCAPES: Record<string, string> = {
  "\n": "",
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** Decodes one string token (prefix, quotes, body) the way Python would. */
export function decodePythonString(token: string): Decoded {
  let i = 0;
  while (i < token.length && /[rRbBuUfF]/.test(token[i]!)) i++;
  const prefix = token.slice(0, i).toLowerCase();
  if (prefix.includes("b")) return { ok: false, reason: "byte string" };
  if (prefix.includes("f")) return { ok: false, reason: "f-string" };
  const raw = prefix.includes("r");
  const q = token[i];
  if (q !== "'" && q !== '"') return { ok: false, reason: "malformed string" };
  const triple = token.startsWith(q + q + q, i);
  const open = triple ? 3 : 1;
  let body = token.slice(i + open);
  const close = triple ? q + q + q : q;
  if (body.length < close.length || !body.endsWith(close)) return { ok: false, reason: "unterminated string" };
  body = body.slice(0, body.length - close.length);
  // An odd number of backslashes before the closing quote escapes it.
  let bs = 0;
  for (let k = body.length - 1; k >= 0 && body[k] === "\\"; k--) bs++;
  if (bs % 2 === 1) return { ok: false, reason: "unterminated string" };
  // Python reads source newlines as "\n", whatever the file uses.
  body = body.replace(/\r\n?/g, "\n");
  if (raw) return { ok: true, value: body };
  let out = "";
  for (let k = 0; k < body.length; k++) {
    const ch = body[k]!;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const e = body[k + 1];
    if (e === undefined) return { ok: false, reason: "malformed string" };
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      k++;
      continue;
    }
    if (e >= "0" && e <= "7") {
      let j = k + 1;
      let digits = "";
      while (j < body.length && digits.length < 3 && body[j]! >= "0" && body[j]! <= "7") digits += body[j++];
      out += String.fromCharCode(parseInt(digits, 8));
      k = j - 1;
      continue;
    }
    if (e === "x" || e === "u" || e === "U") {
      const len = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = body.slice(k + 2, k + 2 + len);
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) return { ok: false, reason: "invalid escape" };
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) return { ok: false, reason: "invalid escape" };
      out += String.fromCodePoint(code);
      k += 1 + len;
      continue;
    }
    if (e === "N") return { ok: false, reason: "\\N{...} escape" };
    // Unknown escapes keep their backslash.
    out += "\\" + e;
    k++;
  }
  return { ok: true, value: out };
}

type NumberResult = { ok: true; value: number } | { ok: false; reason: string };

export function parsePythonNumber(token: string): NumberResult {
  const t = token.replace(/_/g, "");
  if (/[jJ]$/.test(t)) return { ok: false, reason: "complex number" };
  let big: bigint | null = null;
  if (/^0[xX][0-9a-fA-F]+$/.test(t) || /^0[oO][0-7]+$/.test(t) || /^0[bB][01]+$/.test(t)) {
    big = BigInt(t.toLowerCase());
  } else if (/^[0-9]+$/.test(t)) {
    big = BigInt(t);
  }
  if (big !== null) {
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: "integer too large to represent exactly" };
    return { ok: true, value: Number(big) };
  }
  const v = Number(t);
  if (Number.isNaN(v)) return { ok: false, reason: "malformed number" };
  if (!Number.isFinite(v)) return { ok: false, reason: "number out of range" };
  return { ok: true, value: v };
}

function isKitaruModule(module: string): boolean {
  return module === "kitaru" || module.startsWith("kitaru.");
}

function joinModule(module: string, name: string): string {
  if (module === "") return name;
  return module.endsWith(".") ? module + name : module + "." + name;
}

function rootOfModule(module: string): string | null {
  if (module.startsWith(".")) return null;
  const dot = module.indexOf(".");
  return dot < 0 ? module : module.slice(0, dot);
}

// ---------------------------------------------------------------------------------------------
// The reader

export function readPythonModule(text: string): PythonModuleSummary {
  const steps = readSteps(text);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * readPythonModule in slices of about `sliceMs` of work, with `pause()` between them (by default
 * a turn of the event loop), so a large module does not hold the thread for the whole parse.
 * `isCurrent() === false` stops early (the text was superseded); the partial summary is then returned.
 */
export async function readPythonModuleAsync(text: string, options: SliceOptions = {}): Promise<PythonModuleSummary> {
  // Dropped early: the caller will not use this text's summary.
  return (await runInSlices(readSteps(text), options)) ?? EMPTY_SUMMARY();
}

/** How much work happens between two yields of the reader's steps (each well under a millisecond). */
const PARSE_STEPS_PER_YIELD = 256;
const NODES_PER_YIELD = 2048;
const ITEMS_PER_YIELD = 16;

const EMPTY_SUMMARY = (): PythonModuleSummary => ({ importsKitaru: false, flows: [], checkpoints: [], configureCalls: [], flowCalls: [], imports: [], syntaxErrors: [] });

function* readSteps(text: string): Generator<void, PythonModuleSummary, void> {
  const summary: PythonModuleSummary = {
    importsKitaru: false,
    flows: [],
    checkpoints: [],
    configureCalls: [],
    flowCalls: [],
    imports: [],
    syntaxErrors: [],
  };
  if (typeof text !== "string") return summary;
  let reader: Reader;
  try {
    reader = new Reader(text, summary);
    yield* reader.scan();
  } catch (e) {
    summary.syntaxErrors.push({
      message: "Python reader failed: " + (e instanceof Error ? e.message : String(e)),
      span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    });
    return summary;
  }
  yield* reader.resolve();
  return summary;
}

class Reader {
  private readonly lineStarts: number[];
  private readonly moduleScope: Scope;
  private readonly decorated: { node: SyntaxNode; scope: Scope }[] = [];
  private readonly calls: { node: SyntaxNode; scope: Scope }[] = [];
  private readonly flowDefCache = new Map<number, boolean>();

  constructor(
    private readonly text: string,
    private readonly out: PythonModuleSummary,
  ) {
    this.lineStarts = buildLineStarts(text);
    this.moduleScope = newScope("module", null, null, null);
  }

  // -- positions ------------------------------------------------------------------------------

  private pos(offset: number): Position {
    const starts = this.lineStarts;
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    // Editors do not show a byte order mark: it takes no column.
    const bom = lo === 0 && o > 0 && this.text.charCodeAt(0) === 0xfeff ? 1 : 0;
    return { line: lo + 1, column: o - starts[lo]! + 1 - bom };
  }

  private span(from: number, to: number): Span {
    return { start: this.pos(from), end: this.pos(to) };
  }

  private nodeSpan(n: { from: number; to: number }): Span {
    return this.span(n.from, n.to);
  }

  private src(n: { from: number; to: number }): string {
    return this.text.slice(n.from, n.to);
  }

  // -- pass 1: scopes, bindings, interesting nodes ----------------------------------------------

  /** Pass 1, in steps: yields now and then, so a caller may pause between them (see readPythonModuleAsync). */
  *scan(): Generator<void, void, void> {
    // A byte order mark would be read as part of the first identifier: parse a newline instead
    // (same length, so offsets are unchanged; positions come from the original text).
    const parseText = this.text.charCodeAt(0) === 0xfeff ? "\n" + this.text.slice(1) : this.text;
    // parser.parse(), a step at a time.
    const parse = lezerPython().parser.startParse(parseText);
    let tree: Tree | null;
    for (let n = 1; !(tree = parse.advance()); n++) if (n % PARSE_STEPS_PER_YIELD === 0) yield;
    let scope = this.moduleScope;
    const stack: Scope[] = [];
    const push = (s: Scope) => {
      stack.push(scope);
      scope = s;
    };
    let lastErrorEnd = -1;

    const visitor = {
      enter: (ref: SyntaxNodeRef) => {
        if (ref.type.isError) {
          if (ref.from >= lastErrorEnd && ref.to >= lastErrorEnd) {
            this.addSyntaxError(ref.from, ref.to);
            lastErrorEnd = Math.max(ref.to, ref.from + 1);
          }
          return;
        }
        switch (ref.name) {
          case "ImportStatement":
            this.handleImport(ref.node, scope);
            break;
          case "FunctionDefinition": {
            const n = ref.node;
            const nameNode = childNamed(n, "VariableName");
            const name = nameNode ? this.src(nameNode) : null;
            if (name !== null) this.bind(scope, { kind: "def", name, offset: n.to, scope, node: n }, n);
            const s = newScope("function", name, nameNode, scope);
            const params = childNamed(n, "ParamList");
            if (params) this.bindParams(params, s);
            push(s);
            break;
          }
          case "ClassDefinition": {
            const n = ref.node;
            const nameNode = childNamed(n, "VariableName");
            const name = nameNode ? this.src(nameNode) : null;
            if (name !== null) this.bind(scope, { kind: "class", name, offset: n.to, scope }, n);
            push(newScope("class", name, nameNode, scope));
            break;
          }
          case "LambdaExpression": {
            const s = newScope("lambda", null, null, scope);
            const params = childNamed(ref.node, "ParamList");
            if (params) this.bindParams(params, s);
            push(s);
            break;
          }
          case "ComprehensionExpression":
          case "ArrayComprehensionExpression":
          case "DictionaryComprehensionExpression":
          case "SetComprehensionExpression": {
            const s = newScope("comprehension", null, null, scope);
            this.bindBetween(children(ref.node), "for", "in", s, "comprehension variable");
            push(s);
            break;
          }
          case "AssignStatement":
            this.handleAssign(ref.node, scope);
            break;
          case "UpdateStatement": {
            const first = ref.node.firstChild;
            if (first) this.bindTarget(first, scope, ref.to, "augmented assignment", 0);
            break;
          }
          case "ForStatement":
            this.bindBetween(children(ref.node), "for", "in", scope, "loop variable");
            break;
          case "WithStatement":
          case "TryStatement": {
            const kids = children(ref.node);
            for (let i = 0; i + 1 < kids.length; i++) {
              const k = kids[i]!;
              if ((k.name === "as" || (k.name === "," && ref.name === "TryStatement")) && kids[i + 1]!.name === "VariableName") {
                const v = kids[i + 1]!;
                this.bind(scope, { kind: "other", what: "with/except target", name: this.src(v), offset: v.to, scope }, v);
              }
            }
            break;
          }
          case "NamedExpression": {
            const first = ref.node.firstChild;
            if (first && first.name === "VariableName") {
              let s: Scope = scope;
              while (s.kind === "comprehension" && s.parent) s = s.parent;
              this.bind(s, { kind: "other", what: "assignment expression", name: this.src(first), offset: ref.to, scope: s }, first);
            }
            break;
          }
          case "ScopeStatement": {
            const kids = children(ref.node);
            if (kids[0]?.name === "global" && scope.kind !== "module") {
              for (const k of kids) if (k.name === "VariableName") scope.globals.add(this.src(k));
            }
            break;
          }
          case "DeleteStatement":
            for (const k of children(ref.node)) {
              if (k.name !== "del" && k.name !== ",") this.bindTarget(k, scope, ref.to, "del", 0);
            }
            break;
          case "CapturePattern":
          case "AsPattern":
          case "StarPattern": {
            const kids = children(ref.node);
            const v = ref.name === "AsPattern" ? kids[kids.length - 1] : kids.find((k) => k.name === "VariableName");
            if (v && v.name === "VariableName") {
              this.bind(scope, { kind: "other", what: "match capture", name: this.src(v), offset: v.to, scope }, v);
            }
            break;
          }
          case "MappingPattern": {
            const kids = children(ref.node);
            for (let i = 0; i + 1 < kids.length; i++) {
              if (kids[i]!.name === "**" && kids[i + 1]!.name === "VariableName") {
                const v = kids[i + 1]!;
                this.bind(scope, { kind: "other", what: "match capture", name: this.src(v), offset: v.to, scope }, v);
              }
            }
            break;
          }
          case "TypeDefinition": {
            const v = childNamed(ref.node, "VariableName");
            if (v) this.bind(scope, { kind: "other", what: "type alias", name: this.src(v), offset: ref.to, scope }, v);
            break;
          }
          case "DecoratedStatement":
            this.decorated.push({ node: ref.node, scope });
            break;
          case "CallExpression":
            this.calls.push({ node: ref.node, scope });
            break;
        }
        return;
      },
      leave: (ref: SyntaxNodeRef) => {
        switch (ref.name) {
          case "FunctionDefinition":
          case "ClassDefinition":
          case "LambdaExpression":
          case "ComprehensionExpression":
          case "ArrayComprehensionExpression":
          case "DictionaryComprehensionExpression":
          case "SetComprehensionExpression": {
            const prev = stack.pop();
            if (prev) scope = prev;
            break;
          }
        }
      },
    };
    // tree.iterate(visitor), with a yield now and then.
    let nodes = 0;
    for (const c = tree.cursor(lezerCommon().IterMode.IncludeAnonymous); ; ) {
      if (++nodes % NODES_PER_YIELD === 0) yield;
      let entered = false;
      if (c.type.isAnonymous || (visitor.enter(c) as unknown) !== false) {
        if (c.firstChild()) continue;
        entered = true;
      }
      for (;;) {
        if (entered && !c.type.isAnonymous) visitor.leave(c);
        if (c.nextSibling()) break;
        if (!c.parent()) return;
        entered = true;
      }
    }
  }

  private addSyntaxError(from: number, to: number): void {
    const errors = this.out.syntaxErrors;
    if (errors.length >= MAX_SYNTAX_ERRORS) return;
    const text = this.text;
    let message = "Python syntax error";
    let end = to;
    if (to > from) {
      // The range and the quote stay on the error's first line.
      const lineBreak = text.slice(from, to).search(/\r\n?|\n/);
      if (lineBreak > 0) end = from + lineBreak;
      let snippet = text.slice(from, to).split(/\r\n?|\n/)[0]!.trim();
      if (snippet.length > 30) snippet = snippet.slice(0, 30) + "…";
      // Control characters are shown escaped, never raw in a message.
      snippet = snippet.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
      if (snippet) message += ` near '${snippet}'`;
    } else if (from >= text.length || text.slice(from).trim() === "") {
      message += ": unexpected end of file";
    } else {
      // Mark the character where the parser got stuck, unless it is a line break.
      const c = text.charCodeAt(from);
      if (c !== 10 && c !== 13) end = from + (c >= 0xd800 && c < 0xdc00 ? 2 : 1);
    }
    const span = this.span(from, Math.min(end, text.length));
    const last = errors[errors.length - 1];
    if (last && last.span.start.line === span.start.line && last.span.start.column === span.start.column) return;
    errors.push({ message, span } satisfies PySyntaxError);
  }

  private bind(scope: Scope, b: Binding, at: SyntaxNode): void {
    b.conditional = isConditional(at);
    let target = scope;
    let binding = b;
    if (scope.kind !== "module" && scope.kind !== "class" && scope.globals.has(b.name)) {
      target = this.moduleScope;
      binding = { kind: "other", what: "global assigned in a function", name: b.name, offset: b.offset, scope: target, conditional: true };
    }
    const list = target.bindings.get(binding.name);
    if (list) list.push(binding);
    else target.bindings.set(binding.name, [binding]);
  }

  private bindParams(params: SyntaxNode, scope: Scope): void {
    let prev: SyntaxNode | null = null;
    for (let c = params.firstChild; c; c = c.nextSibling) {
      if (c.name === "Comment") continue;
      if (c.name === "VariableName" && prev?.name !== "AssignOp") {
        this.bind(scope, { kind: "param", name: this.src(c), offset: params.from, scope }, params);
      }
      prev = c;
    }
  }

  /** Binds the targets between each `startKw` and the following `endKw` child (for loops, comprehensions). */
  private bindBetween(kids: SyntaxNode[], startKw: string, endKw: string, scope: Scope, what: string): void {
    let inside = false;
    for (const k of kids) {
      if (k.name === startKw) inside = true;
      else if (k.name === endKw) inside = false;
      else if (inside && k.name !== "," && k.name !== "*") this.bindTarget(k, scope, k.to, what, 0);
    }
  }

  private bindTarget(node: SyntaxNode, scope: Scope, offset: number, what: string, depth: number): void {
    if (depth > MAX_VALUE_DEPTH) return;
    switch (node.name) {
      case "VariableName":
        this.bind(scope, { kind: "other", what, name: this.src(node), offset, scope }, node);
        return;
      case "TupleExpression":
      case "ArrayExpression":
      case "ParenthesizedExpression":
        for (let c = node.firstChild; c; c = c.nextSibling) this.bindTarget(c, scope, offset, what, depth + 1);
        return;
    }
  }

  private handleAssign(node: SyntaxNode, scope: Scope): void {
    const kids = children(node);
    let lastOp = -1;
    for (let i = 0; i < kids.length; i++) if (kids[i]!.name === "AssignOp") lastOp = i;
    if (lastOp < 0) return; // annotation only: binds nothing
    const valueNodes = kids.slice(lastOp + 1).filter((k) => k.name !== ",");
    const value = valueNodes.length === 0 || valueNodes.some((k) => k.name === "YieldExpression" || k.type.isError) ? null : valueNodes;
    const parent = node.parent;
    const topLevel =
      scope.kind === "module" &&
      !!parent &&
      (parent.name === "Script" || (parent.name === "StatementGroup" && parent.parent?.name === "Script"));
    let group: SyntaxNode[] = [];
    const flush = () => {
      const targets = group.filter((k) => k.name !== "TypeDef");
      group = [];
      if (targets.length === 1 && targets[0]!.name === "VariableName") {
        const name = this.src(targets[0]!);
        this.bind(scope, { kind: "assign", name, offset: node.to, scope, plain: true, topLevel, value }, node);
        return;
      }
      for (const t of targets) {
        if (t.name === "," || t.name === "*") continue;
        this.bindTarget(t, scope, node.to, "unpacking assignment", 0);
      }
    };
    for (let i = 0; i < lastOp; i++) {
      const k = kids[i]!;
      if (k.name === "AssignOp") flush();
      else group.push(k);
    }
    flush();
  }

  private handleImport(node: SyntaxNode, scope: Scope): void {
    const kids = children(node);
    const first = kids[0];
    if (!first) return;
    const record = (local: string, module: string, name: string | null, from: number, to: number) => {
      this.out.imports.push({ local, module, name, span: this.span(from, to) } satisfies PyImport);
      if (isKitaruModule(module)) this.out.importsKitaru = true;
    };
    if (first.name === "import") {
      for (const g of splitByComma(kids.slice(1), PARENS)) {
        const asIdx = g.findIndex((k) => k.name === "as");
        const pathNodes = asIdx < 0 ? g : g.slice(0, asIdx);
        const module = pathNodes.map((k) => this.src(k)).join("");
        const firstName = pathNodes[0];
        if (!firstName || firstName.name !== "VariableName" || !module) continue;
        const alias = asIdx >= 0 ? g[asIdx + 1] : undefined;
        const last = g[g.length - 1]!;
        if (alias && alias.name === "VariableName") {
          const local = this.src(alias);
          record(local, module, null, firstName.from, last.to);
          this.bind(scope, { kind: "module", name: local, offset: node.to, scope, modulePath: module }, node);
        } else {
          const local = this.src(firstName);
          record(local, module, null, firstName.from, last.to);
          this.bind(scope, { kind: "module", name: local, offset: node.to, scope, modulePath: local }, node);
        }
      }
      return;
    }
    if (first.name !== "from") return;
    const importIdx = kids.findIndex((k) => k.name === "import");
    if (importIdx < 0) return;
    const module = kids
      .slice(1, importIdx)
      .map((k) => this.src(k))
      .join("");
    if (!module) return;
    const rest = kids.slice(importIdx + 1);
    if (rest.length === 1 && rest[0]!.name === "*") {
      record("*", module, "*", rest[0]!.from, rest[0]!.to);
      if (scope.kind === "module") scope.starModules.push(module);
      return;
    }
    for (const g of splitByComma(rest, PARENS)) {
      const nameNode = g[0];
      if (!nameNode || nameNode.name !== "VariableName") continue;
      const imported = this.src(nameNode);
      const asIdx = g.findIndex((k) => k.name === "as");
      const alias = asIdx >= 0 ? g[asIdx + 1] : undefined;
      const local = alias && alias.name === "VariableName" ? this.src(alias) : imported;
      record(local, module, imported, nameNode.from, g[g.length - 1]!.to);
      this.bind(scope, { kind: "from", name: local, offset: node.to, scope, module, imported }, node);
    }
  }

  // -- name resolution --------------------------------------------------------------------------

  private lookup(name: string, scope: Scope, pos: number): Lookup | null {
    let s: Scope | null = scope;
    let immediate = true;
    while (s) {
      if (s.kind !== "module" && s.kind !== "class" && s.globals.has(name)) {
        immediate = false;
        s = this.moduleScope;
      }
      const list = s.bindings.get(name);
      if (list && list.length) return { ...pick(list, immediate ? pos : Infinity), immediate };
      if (s.kind === "function" || s.kind === "lambda") immediate = false;
      let p: Scope | null = s.parent;
      while (p && p.kind === "class") p = p.parent;
      s = p;
    }
    if (KITARU_SYMBOLS.has(name)) {
      const star = this.moduleScope.starModules.find(isKitaruModule);
      if (star !== undefined) {
        const binding: Binding = { kind: "from", name, offset: 0, scope: this.moduleScope, module: star, imported: name };
        return { binding, candidates: [binding], immediate };
      }
    }
    return null;
  }

  /**
   * The Kitaru symbol (`flow`, `checkpoint`, `configure`, `ImageSettings`) a dotted name refers to
   * through imports, e.g. `kt.flow` with `import kitaru as kt`; null if none of the bindings that
   * may be in effect makes it one.
   */
  private kitaruSymbolOfName(root: SyntaxNode, attrs: string[], scope: Scope): string | null {
    const found = this.lookup(this.src(root), scope, root.from);
    if (!found) return null;
    for (let i = found.candidates.length - 1; i >= 0; i--) {
      const b = found.candidates[i]!;
      let path: string[] | null = null;
      if (b.kind === "module") path = [...b.modulePath.split("."), ...attrs];
      else if (b.kind === "from") path = [...b.module.split("."), b.imported, ...attrs];
      const symbol = kitaruSymbolOf(path);
      if (symbol !== null) return symbol;
    }
    return null;
  }

  /** `a.b.c` as a root name node and attribute names; null for anything else (calls, subscripts). */
  private dotted(node: SyntaxNode): { root: SyntaxNode; attrs: string[] } | null {
    const attrs: string[] = [];
    let n: SyntaxNode | null = node;
    while (n && n.name === "MemberExpression") {
      const kids = children(n);
      const prop = kids[kids.length - 1];
      if (kids.length !== 3 || kids[1]!.name !== "." || !prop || prop.name !== "PropertyName") return null;
      attrs.push(this.src(prop));
      n = kids[0]!;
    }
    if (!n || n.name !== "VariableName") return null;
    attrs.reverse();
    return { root: n, attrs };
  }

  private kitaruSymbol(node: SyntaxNode, scope: Scope): string | null {
    const d = this.dotted(node);
    if (!d) return null;
    return this.kitaruSymbolOfName(d.root, d.attrs, scope);
  }

  // -- pass 2 -------------------------------------------------------------------------------------

  /** Pass 2, in steps like scan(). */
  *resolve(): Generator<void, void, void> {
    let n = 0;
    for (const item of this.decorated) {
      if (++n % ITEMS_PER_YIELD === 0) yield;
      try {
        this.readDecorated(item.node, item.scope);
      } catch {
        // Never let one construct hide the rest of the module.
      }
    }
    for (const item of this.calls) {
      if (++n % ITEMS_PER_YIELD === 0) yield;
      try {
        this.readCall(item.node, item.scope);
      } catch {
        // idem
      }
    }
  }

  private decoratorInfo(dec: SyntaxNode, scope: Scope): { symbol: string | null; argList: SyntaxNode | null; end: number } {
    const kids = children(dec);
    const names: SyntaxNode[] = [];
    let argList: SyntaxNode | null = null;
    let end = dec.from + 1;
    for (const k of kids) {
      if (k.name === "VariableName") names.push(k);
      else if (k.name === "ArgList") argList = k;
      end = Math.max(end, k.to);
    }
    const root = names[0];
    if (!root) return { symbol: null, argList, end };
    const attrs = names.slice(1).map((n) => this.src(n));
    return { symbol: this.kitaruSymbolOfName(root, attrs, scope), argList, end };
  }

  private isFlowDef(def: SyntaxNode, scope: Scope): boolean {
    const cached = this.flowDefCache.get(def.from);
    if (cached !== undefined) return cached;
    let result = false;
    const parent = def.parent;
    if (parent && parent.name === "DecoratedStatement") {
      for (let d = parent.firstChild; d; d = d.nextSibling) {
        if (d.name === "Decorator" && this.decoratorInfo(d, scope).symbol === "flow") result = true;
      }
    }
    this.flowDefCache.set(def.from, result);
    return result;
  }

  private scopeNames(scope: Scope): string[] {
    const names: string[] = [];
    for (let s: Scope | null = scope; s; s = s.parent) {
      if ((s.kind === "class" || s.kind === "function") && s.name !== null) names.push(s.name);
    }
    return names.reverse();
  }

  private enclosingFunction(scope: Scope): { name: string; span: Span } | null {
    for (let s: Scope | null = scope; s; s = s.parent) {
      if (s.kind === "function" && s.name !== null && s.nameNode) {
        return { name: s.name, span: this.nodeSpan(s.nameNode) };
      }
    }
    return null;
  }

  private readDecorated(node: SyntaxNode, scope: Scope): void {
    const def = childNamed(node, "FunctionDefinition");
    if (!def) return;
    const nameNode = childNamed(def, "VariableName");
    if (!nameNode) return;
    let called: string[] | undefined;
    for (let d = node.firstChild; d; d = d.nextSibling) {
      if (d.name !== "Decorator") continue;
      const info = this.decoratorInfo(d, scope);
      if (info.symbol !== "flow" && info.symbol !== "checkpoint") continue;
      const args = info.argList ? this.readArgs(info.argList, scope) : emptyArgs();
      const entry: PyDecorated = {
        name: this.src(nameNode),
        nameSpan: this.nodeSpan(nameNode),
        decoratorSpan: this.span(d.from, info.end),
        bare: info.argList === null,
        scope: this.scopeNames(scope),
        calledNames: (called ??= this.calledNames(def)),
        ...args,
      };
      (info.symbol === "flow" ? this.out.flows : this.out.checkpoints).push(entry);
    }
  }

  private readCall(node: SyntaxNode, scope: Scope): void {
    const kids = children(node);
    const callee = kids[0];
    const argList = kids[kids.length - 1];
    if (!callee || !argList || argList.name !== "ArgList" || callee === argList) return;
    if (this.kitaruSymbol(callee, scope) === "configure") {
      const enclosingFunction = this.enclosingFunction(scope);
      this.out.configureCalls.push({
        span: this.nodeSpan(node),
        enclosingFunction,
        mainGuard: enclosingFunction === null && this.underMainGuard(node),
        ...this.readArgs(argList, scope),
      } satisfies PyConfigureCall);
      return;
    }
    if (callee.name !== "MemberExpression") return;
    const parts = children(callee);
    const method = parts[parts.length - 1];
    const receiver = parts[0];
    if (parts.length !== 3 || !receiver || !method || method.name !== "PropertyName" || parts[1]!.name !== ".") return;
    const methodName = this.src(method);
    if (methodName !== "run" && methodName !== "deploy") return;
    const target = this.flowTarget(receiver, scope);
    if (!target) return;
    const enclosingFunction = this.enclosingFunction(scope);
    this.out.flowCalls.push({
      receiver: this.src(receiver),
      target,
      method: methodName,
      span: this.nodeSpan(node),
      methodSpan: this.nodeSpan(method),
      enclosingFunction,
      mainGuard: enclosingFunction === null && this.underMainGuard(node),
      ...this.readArgs(argList, scope),
    } satisfies PyFlowCall);
  }

  private flowTarget(receiver: SyntaxNode, scope: Scope): Target {
    const d = this.dotted(receiver);
    if (!d) return null;
    const found = this.lookup(this.src(d.root), scope, d.root.from);
    if (!found) return null;
    for (let i = found.candidates.length - 1; i >= 0; i--) {
      const target = this.targetThrough(found.candidates[i]!, d.attrs);
      if (target) return target;
    }
    return null;
  }

  private targetThrough(b: Binding, attrs: string[]): Target {
    if (attrs.length === 0) {
      if (b.kind === "def") return this.isFlowDef(b.node, b.scope) ? { kind: "local", name: b.name } : null;
      if (b.kind === "from") {
        const root = rootOfModule(b.module);
        if (root !== null && NOT_FLOW_MODULES.has(root)) return null;
        return { kind: "import", module: b.module, name: b.imported };
      }
      return null;
    }
    let base: string;
    if (b.kind === "module") base = b.modulePath;
    else if (b.kind === "from") base = joinModule(b.module, b.imported);
    else return null;
    const root = rootOfModule(base);
    if (root !== null && NOT_FLOW_MODULES.has(root)) return null;
    let module = base;
    for (const a of attrs.slice(0, -1)) module = joinModule(module, a);
    return { kind: "import", module, name: attrs[attrs.length - 1]! };
  }

  // -- arguments and values -------------------------------------------------------------------

  private readArgs(argList: SyntaxNode, scope: Scope): PyCallArgs {
    const args = emptyArgs();
    for (const g of splitByComma(children(argList), PARENS)) {
      const first = g[0]!;
      const second = g[1];
      const value = g[2];
      if (first.name === "VariableName" && second?.name === "AssignOp" && this.src(second) === "=" && value) {
        const last = g[g.length - 1]!;
        args.kwargs.push({
          name: this.src(first),
          nameSpan: this.nodeSpan(first),
          value: g.length === 3 ? this.evaluateTop(value, scope, 0, new Set()) : this.dynamic(value.from, last.to, "not a single expression"),
          span: this.span(first.from, last.to),
        } satisfies PyKwarg);
      } else if (first.name === "**") {
        this.readStarKwarg(g, scope, args);
      } else if (!(g.length === 1 && first.type.isError && first.from === first.to)) {
        args.positionalCount++;
      }
    }
    return args;
  }

  /**
   * `**{"retries": 4}`: a dict literal's string-keyed entries are keywords like any other; its
   * other entries (`**more`, `key: value`) and any other expression (`**opts`) are only known at
   * run time and may set any keyword.
   */
  private readStarKwarg(group: SyntaxNode[], scope: Scope, args: PyCallArgs): void {
    const star = group[0]!;
    const last = group[group.length - 1]!;
    const dict = group[1];
    if (group.length !== 2 || !dict || dict.name !== "DictionaryExpression" || hasError(dict)) {
      args.starKwargs.push({ text: this.text.slice(star.from, last.to), span: this.span(star.from, last.to) });
      return;
    }
    for (const g of splitByComma(children(dict), BRACES)) {
      const key = g[0]!;
      const end = g[g.length - 1]!;
      if (g.length === 3 && g[1]!.name === ":" && (key.name === "String" || key.name === "ContinuedString")) {
        const k = this.evaluate(key, scope, 0, new Set());
        if (k.kind === "literal" && typeof k.value === "string") {
          args.kwargs.push({ name: k.value, nameSpan: this.nodeSpan(key), value: this.evaluate(g[2]!, scope, 0, new Set()), span: this.span(key.from, end.to) } satisfies PyKwarg);
          continue;
        }
      }
      const text = this.text.slice(key.from, end.to);
      args.starKwargs.push({ text: key.name === "**" ? text : `**{${text}}`, span: this.span(key.from, end.to) });
    }
  }

  /** Names called in a function's body, directly (`name(...)`) or through an attribute (`name.submit(...)`). */
  private calledNames(def: SyntaxNode): string[] {
    const body = childNamed(def, "Body");
    if (!body) return [];
    const names = new Set<string>();
    const c = body.cursor();
    if (!c.firstChild()) return [];
    let depth = 1;
    for (;;) {
      if (c.name === "CallExpression") {
        let callee = c.node.firstChild;
        if (callee?.name === "MemberExpression") callee = callee.firstChild;
        if (callee?.name === "VariableName") names.add(this.src(callee));
      }
      if (c.firstChild()) {
        depth++;
        continue;
      }
      let done = false;
      while (!c.nextSibling()) {
        if (!c.parent() || --depth === 0) {
          done = true;
          break;
        }
      }
      if (done) break;
    }
    return [...names];
  }

  /** `if __name__ == "__main__":` (either operand order), in its `if`/`elif` branch, at module level. */
  private underMainGuard(node: SyntaxNode): boolean {
    let child: SyntaxNode = node;
    for (let p = node.parent; p; child = p, p = p.parent) {
      if (SCOPE_NODES.has(p.name) && p.name !== "Script") return false;
      if (p.name !== "IfStatement" || child.name !== "Body") continue;
      const test = child.prevSibling;
      if (test && this.isMainTest(test)) return true;
    }
    return false;
  }

  private isMainTest(node: SyntaxNode): boolean {
    if (node.name !== "BinaryExpression") return false;
    const kids = children(node);
    if (kids.length !== 3 || kids[1]!.name !== "CompareOp" || this.src(kids[1]!) !== "==") return false;
    const isName = (n: SyntaxNode) => n.name === "VariableName" && this.src(n) === "__name__";
    const isMain = (n: SyntaxNode) => {
      if (n.name !== "String") return false;
      const d = decodePythonString(this.src(n));
      return d.ok && d.value === "__main__";
    };
    return (isName(kids[0]!) && isMain(kids[2]!)) || (isMain(kids[0]!) && isName(kids[2]!));
  }

  private dynamic(from: number, to: number, reason: string): PyValue {
    return { kind: "dynamic", text: this.text.slice(from, to), span: this.span(from, to), reason };
  }

  /** Evaluates an expression that is not part of one already checked for syntax errors. */
  private evaluateTop(node: SyntaxNode, scope: Scope, depth: number, seen: Set<Binding>): PyValue {
    if (hasError(node)) return this.dynamic(node.from, node.to, "syntax error");
    return this.evaluate(node, scope, depth, seen);
  }

  private evaluate(node: SyntaxNode, scope: Scope, depth: number, seen: Set<Binding>): PyValue {
    const dyn = (reason: string) => this.dynamic(node.from, node.to, reason);
    if (depth > MAX_VALUE_DEPTH) return dyn("too deeply nested");
    if (node.type.isError) return dyn("syntax error");
    const span = this.nodeSpan(node);
    const text = this.src(node);
    switch (node.name) {
      case "String": {
        const d = decodePythonString(text);
        return d.ok ? { kind: "literal", value: d.value, span, text } : dyn(d.reason);
      }
      case "ContinuedString": {
        let value = "";
        for (const part of children(node)) {
          if (part.name === "FormatString") return dyn("f-string");
          if (part.name !== "String") return dyn("not a literal");
          const d = decodePythonString(this.src(part));
          if (!d.ok) return dyn(d.reason);
          value += d.value;
        }
        return { kind: "literal", value, span, text };
      }
      case "FormatString":
        return dyn("f-string");
      case "Number": {
        const r = parsePythonNumber(text);
        return r.ok ? { kind: "literal", value: r.value, span, text } : dyn(r.reason);
      }
      case "Boolean":
        return { kind: "literal", value: text === "True", span, text };
      case "None":
        return { kind: "literal", value: null, span, text };
      case "UnaryExpression": {
        const kids = children(node);
        const op = kids[0];
        const operand = kids[1];
        if (kids.length !== 2 || !op || !operand || op.name !== "ArithOp") return dyn("operator expression");
        const inner = this.evaluate(operand, scope, depth + 1, seen);
        if (inner.kind !== "literal" || typeof inner.value !== "number" || inner.via) {
          return dyn("operator expression");
        }
        const sign = this.src(op) === "-" ? -1 : 1;
        return { kind: "literal", value: sign * inner.value + 0, span, text };
      }
      case "ParenthesizedExpression": {
        const inner = children(node).filter((k) => k.name !== "(" && k.name !== ")");
        if (inner.length !== 1 || inner[0]!.name === "YieldExpression") return dyn("not a literal");
        const v = this.evaluate(inner[0]!, scope, depth + 1, seen);
        return v.via ? v : { ...v, span, text };
      }
      case "TupleExpression":
      case "ArrayExpression": {
        const groups = splitByComma(children(node), BRACKETS);
        const items: PyValue[] = [];
        for (const g of groups) {
          if (g[0]!.name === "*") return dyn("list with * unpacking");
          items.push(
            g.length === 1 ? this.evaluate(g[0]!, scope, depth + 1, seen) : this.dynamic(g[0]!.from, g[g.length - 1]!.to, "not a single expression"),
          );
        }
        return { kind: "list", items, span, text };
      }
      case "DictionaryExpression":
        return this.evaluateDict(node, scope, depth, seen);
      case "CallExpression":
        return this.evaluateCall(node, scope, depth, seen);
      case "VariableName":
        return this.evaluateName(node, scope, depth, seen);
      case "MemberExpression":
        return dyn(childNamed(node, "[") ? "subscript" : "attribute access");
      case "ConditionalExpression":
        return dyn("conditional expression");
      case "LambdaExpression":
        return dyn("lambda");
      case "ComprehensionExpression":
      case "ArrayComprehensionExpression":
      case "DictionaryComprehensionExpression":
      case "SetComprehensionExpression":
        return dyn("comprehension");
      case "SetExpression":
        return dyn("set");
      case "BinaryExpression":
        return dyn("operator expression");
      case "AwaitExpression":
        return dyn("await expression");
      case "NamedExpression":
        return dyn("assignment expression");
      case "Ellipsis":
        return dyn("Ellipsis");
      default:
        return dyn("not a literal");
    }
  }

  private evaluateDict(node: SyntaxNode, scope: Scope, depth: number, seen: Set<Binding>): PyValue {
    const entries: PyDictEntry[] = [];
    const dynamicEntries: string[] = [];
    for (const g of splitByComma(children(node), BRACES)) {
      const key = g[0]!;
      const last = g[g.length - 1]!;
      if (g.length === 3 && g[1]!.name === ":" && (key.name === "String" || key.name === "ContinuedString")) {
        const k = this.evaluate(key, scope, depth + 1, seen);
        if (k.kind === "literal" && typeof k.value === "string") {
          entries.push({ key: k.value, keySpan: this.nodeSpan(key), value: this.evaluate(g[2]!, scope, depth + 1, seen) });
          continue;
        }
      }
      dynamicEntries.push(this.text.slice(key.from, last.to));
    }
    return { kind: "dict", form: "dict", entries, dynamicEntries, span: this.nodeSpan(node), text: this.src(node) };
  }

  private evaluateCall(node: SyntaxNode, scope: Scope, depth: number, seen: Set<Binding>): PyValue {
    const kids = children(node);
    const callee = kids[0];
    const argList = kids[kids.length - 1];
    const dyn = (reason: string) => this.dynamic(node.from, node.to, reason);
    if (!callee || !argList || argList.name !== "ArgList" || callee === argList) return dyn("function call");
    let form: "dict" | "ImageSettings" | null = null;
    if (callee.name === "VariableName" && this.src(callee) === "dict" && !this.lookup("dict", scope, callee.from)) form = "dict";
    else if (this.kitaruSymbol(callee, scope) === "ImageSettings") form = "ImageSettings";
    if (form === null) return dyn("function call");
    const entries: PyDictEntry[] = [];
    const dynamicEntries: string[] = [];
    for (const g of splitByComma(children(argList), PARENS)) {
      const first = g[0]!;
      const last = g[g.length - 1]!;
      if (g.length === 3 && first.name === "VariableName" && g[1]!.name === "AssignOp" && this.src(g[1]!) === "=") {
        entries.push({ key: this.src(first), keySpan: this.nodeSpan(first), value: this.evaluate(g[2]!, scope, depth + 1, seen) });
      } else if (!(g.length === 1 && first.type.isError && first.from === first.to)) {
        dynamicEntries.push(this.text.slice(first.from, last.to));
      }
    }
    return { kind: "dict", form, entries, dynamicEntries, span: this.nodeSpan(node), text: this.src(node) };
  }

  private evaluateName(node: SyntaxNode, scope: Scope, depth: number, seen: Set<Binding>): PyValue {
    const name = this.src(node);
    const dyn = (reason: string) => this.dynamic(node.from, node.to, reason);
    const found = this.lookup(name, scope, node.from);
    if (!found) return dyn(`name '${name}' is not defined in this module`);
    const b = found.binding;
    if (b.scope !== this.moduleScope) {
      if (b.kind === "param") return dyn(`name '${name}' is a parameter`);
      return dyn(`name '${name}' is not a module-level constant`);
    }
    const all = this.moduleScope.bindings.get(name) ?? [];
    if (all.length > 1) return dyn(`name '${name}' is assigned more than once`);
    if (b.kind === "module" || b.kind === "from") return dyn(`name '${name}' is imported`);
    if (b.kind === "def") return dyn(`name '${name}' is a function`);
    if (b.kind === "class") return dyn(`name '${name}' is a class`);
    if (b.kind !== "assign" || !b.plain) return dyn(`name '${name}' is not a module-level constant`);
    if (!b.topLevel) return dyn(`name '${name}' is assigned inside a block`);
    if (!b.value) return dyn(`name '${name}' is not a module-level constant`);
    if (found.immediate && b.offset > node.from) return dyn(`name '${name}' is used before it is assigned`);
    if (seen.has(b)) return dyn(`name '${name}' refers to itself`);
    if (seen.size >= MAX_FOLLOW) return dyn("too many levels of indirection");
    const nextSeen = new Set(seen);
    nextSeen.add(b);
    const nodes = b.value;
    const firstNode = nodes[0]!;
    const lastNode = nodes[nodes.length - 1]!;
    let value: PyValue;
    if (nodes.length === 1) {
      value = this.evaluateTop(firstNode, this.moduleScope, depth + 1, nextSeen);
    } else {
      value = {
        kind: "list",
        items: nodes.map((n) => this.evaluateTop(n, this.moduleScope, depth + 1, nextSeen)),
        span: this.span(firstNode.from, lastNode.to),
        text: this.text.slice(firstNode.from, lastNode.to),
      };
    }
    return { ...value, via: { name, useSpan: this.nodeSpan(node) } };
  }
}

function newScope(kind: ScopeKind, name: string | null, nameNode: SyntaxNode | null, parent: Scope | null): Scope {
  return { kind, name, nameNode, parent, bindings: new Map(), globals: new Set(), starModules: [] };
}

/**
 * The binding in effect at `pos`: the last one before it, else (a use before any binding) the first;
 * with the bindings that may be in effect instead (conditional ones after the last unconditional one).
 */
function pick(list: Binding[], pos: number): { binding: Binding; candidates: Binding[] } {
  const before = list.filter((b) => b.offset <= pos);
  if (before.length === 0) return { binding: list[0]!, candidates: [list[0]!] };
  let start = before.length - 1;
  while (start > 0 && before[start]!.conditional) start--;
  return { binding: before[before.length - 1]!, candidates: before.slice(start) };
}

const SCOPE_NODES = new Set([
  "Script",
  "FunctionDefinition",
  "ClassDefinition",
  "LambdaExpression",
  "ComprehensionExpression",
  "ArrayComprehensionExpression",
  "DictionaryComprehensionExpression",
  "SetComprehensionExpression",
]);
const CONDITIONAL_NODES = new Set(["IfStatement", "TryStatement", "ForStatement", "WhileStatement", "MatchStatement"]);

function isConditional(at: SyntaxNode): boolean {
  for (let p = at.parent; p; p = p.parent) {
    if (SCOPE_NODES.has(p.name)) return false;
    if (CONDITIONAL_NODES.has(p.name)) return true;
  }
  return false;
}

function kitaruSymbolOf(path: string[] | null): string | null {
  if (!path || path.length < 2 || path[0] !== "kitaru") return null;
  const last = path[path.length - 1]!;
  return KITARU_SYMBOLS.has(last) ? last : null;
}

function emptyArgs(): PyCallArgs {
  return { kwargs: [], positionalCount: 0, starKwargs: [] };
}
