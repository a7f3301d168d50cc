import type { Span } from "./types";

export type Severity = "error" | "warning" | "info";

/** Stable codes: diagnostics, quick fixes and tests match on these, never on message text. */
export type ProblemCode =
  | "toml-syntax"
  | "yaml-syntax"
  | "file-unreadable"
  /** kitaru.envFile names a file that does not exist (editor setting). */
  | "env-file-missing"
  /** A line of the env file that sets nothing (no `=`). */
  | "env-file-line"
  | "file-bom"
  /** A pyproject.toml or YAML file that is not valid UTF-8 (Kitaru's readers refuse it). */
  | "file-not-utf8"
  /** A pyproject.toml too large to analyse here (Kitaru still reads it): a warning. */
  | "file-too-large"
  | "not-a-mapping"
  | "invalid-value"
  | "unknown-key"
  | "forbidden-key"
  | "renamed-key"
  | "renamed-env"
  | "invalid-env"
  | "unused-connection-key"
  | "secret-in-file"
  | "connection-pair"
  | "project-required"
  | "log-store-env"
  | "unknown-alias"
  | "duplicate-alias"
  | "python-syntax"
  | "python-invalid-value"
  | "flow-not-found"
  | "call-not-found"
  | "dynamic-value"
  | "checkpoint-cache-replaced"
  /** A Python module over the reader's size limit: not analysed (information). */
  | "module-too-large"
  | "overridden";

export interface Problem {
  severity: Severity;
  code: ProblemCode;
  message: string;
  /** Absolute path of the file the problem is in, when there is one. */
  file?: string;
  /** The range the problem covers (1-based lines and UTF-16 columns). */
  span?: Span;
  /** The setting concerned, in the CLI contract's key names (`stack`, `image.base_image`, …). */
  key?: string;
  /** The environment variable concerned. */
  env?: string;
  /** Data for a quick fix: a replacement key name, a quoted value, … */
  fix?: ProblemFix;
}

export type ProblemFix =
  | { kind: "rename-key"; to: string }
  /** Quote the scalar at the problem's span as written (the text is read from the document, never carried here: it may be a secret). */
  | { kind: "quote-value" }
  | { kind: "remove-key" };
