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

/** Whether a value read back from a cache is a LayerValues map as the core makes them (values with string files or env names). */
export function isLayerValues(values: unknown): values is LayerValues {
  if (!(values instanceof Map)) return false;
  for (const [key, v] of values) {
    if (typeof key !== "string" || v === null || typeof v !== "object" || !("value" in v)) return false;
    const origin = (v as LayerValue).origin as Record<string, unknown> | undefined;
    if (origin !== undefined && (origin === null || typeof origin !== "object" || (typeof origin.file !== "string" && typeof origin.env !== "string"))) return false;
    if (origin?.line !== undefined && typeof origin.line !== "number") return false;
  }
  return true;
}
