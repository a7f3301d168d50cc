/** What one configuration layer contributes: contract key → value with its origin. */
import type { JsonValue, Span } from "./types";

export type Source = "invocation" | "decorator" | "configure" | "env" | "zenml-env" | "pyproject" | "global" | "default";

export const SOURCES: readonly Source[] = ["invocation", "decorator", "configure", "env", "zenml-env", "pyproject", "global", "default"];

export type Origin =
  | { file: string; line: number; column?: number; span?: Span }
  | { env: string; file?: string; line?: number; via?: string };

export interface LayerValue {
  value: JsonValue;
  origin?: Origin;
  /** The value is a secret; `value` holds its masked form. */
  masked?: boolean;
  /** Python source text of a value that cannot be known without running the code. */
  dynamic?: string;
  /** A short note shown with the value (e.g. "stack id; name not found"). */
  note?: string;
}

export type LayerValues = Map<string, LayerValue>;

export function fileOrigin(file: string, span: Span | undefined): Origin {
  return span ? { file, line: span.start.line, column: span.start.column, span } : { file, line: 1 };
}
