/**
 * What the static Python reader reports about one module. It never runs code:
 * values it cannot know from the source text are `dynamic`, with their text.
 */
import type { Span } from "../types";

export type PyValue =
  | { kind: "literal"; value: string | number | boolean | null; span: Span; text: string; via?: PyBinding }
  | { kind: "list"; items: PyValue[]; span: Span; text: string; via?: PyBinding }
  | {
      kind: "dict";
      /** `dict` for `{...}` and `dict(...)`, `ImageSettings` for `kitaru.ImageSettings(...)` under any alias. */
      form: "dict" | "ImageSettings";
      entries: PyDictEntry[];
      /** Entries whose key is not a string literal, or `**spread`: their text. */
      dynamicEntries: string[];
      span: Span;
      text: string;
      via?: PyBinding;
    }
  | { kind: "dynamic"; text: string; span: Span; reason: string; via?: PyBinding };

/** Set when the value was reached through a module-level name bound exactly once (`IMAGE = ...`). */
export interface PyBinding {
  name: string;
  /** Where the name is used (the argument expression). */
  useSpan: Span;
}

export interface PyDictEntry {
  key: string;
  keySpan: Span;
  value: PyValue;
}

export interface PyKwarg {
  name: string;
  nameSpan: Span;
  value: PyValue;
  /** `name=value` as a whole. */
  span: Span;
}

/** A `**expr` argument whose keywords are only known at run time (`**opts`). */
export interface PyStarKwarg {
  /** `**opts` as written. */
  text: string;
  span: Span;
}

export interface PyCallArgs {
  /** `name=value` arguments, and the string-keyed entries of a `**{"name": value}` dict literal. */
  kwargs: PyKwarg[];
  /** Positional arguments' count and the `**kwargs` not read as keywords, so callers can say "dynamic" instead of guessing. */
  positionalCount: number;
  starKwargs: PyStarKwarg[];
}

export interface PyDecorated extends PyCallArgs {
  /** The decorated function's name. */
  name: string;
  nameSpan: Span;
  /** The whole decorator, from `@` to the end of the expression. */
  decoratorSpan: Span;
  /** True for `@flow` / `@checkpoint` without parentheses. */
  bare: boolean;
  /** Enclosing class or function names, outermost first; empty at module level. */
  scope: string[];
  /**
   * Names the function body calls directly: `fetch(x)` and `fetch.submit(x)` both give `fetch`
   * (nested functions and lambdas included), in order of first appearance.
   */
  calledNames: string[];
}

export interface PyConfigureCall extends PyCallArgs {
  span: Span;
  /** `null` at module level; otherwise the innermost enclosing function. */
  enclosingFunction: { name: string; span: Span } | null;
  /** Inside an `if __name__ == "__main__":` block: it runs only when the module is the script, not when it is imported. */
  mainGuard: boolean;
}

export interface PyFlowCall extends PyCallArgs {
  /** The expression before `.run` / `.deploy`, e.g. `research` or `flows.research`. */
  receiver: string;
  /** Resolved reference to the flow object, when the receiver is a plain name or `module.name`. */
  target: { kind: "local"; name: string } | { kind: "import"; module: string; name: string } | null;
  method: "run" | "deploy";
  /** The whole call expression; `span.start.line` is the line of the receiver. */
  span: Span;
  /** The `run`/`deploy` attribute name. */
  methodSpan: Span;
  enclosingFunction: { name: string; span: Span } | null;
  /** Inside an `if __name__ == "__main__":` block. */
  mainGuard: boolean;
}

export interface PyImport {
  /** The name bound in this module. */
  local: string;
  /** Dotted module path as written, relative imports keep their leading dots (`.flows`). */
  module: string;
  /** The imported attribute for `from M import name`; null for `import M`. */
  name: string | null;
  span: Span;
}

export interface PySyntaxError {
  message: string;
  span: Span;
}

export interface PythonModuleSummary {
  /** True when the module imports `kitaru` in any form. */
  importsKitaru: boolean;
  flows: PyDecorated[];
  checkpoints: PyDecorated[];
  configureCalls: PyConfigureCall[];
  flowCalls: PyFlowCall[];
  imports: PyImport[];
  syntaxErrors: PySyntaxError[];
}
