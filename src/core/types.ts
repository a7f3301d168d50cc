/** Plain data shared by the resolution core, the CLI and the extension. No `vscode` here. */

/** 1-based line, 1-based column counted in UTF-16 code units (as editors count). */
export interface Position {
  line: number;
  column: number;
}

/** A half-open range in a text: `end` is the position just after the last character. */
export interface Span {
  start: Position;
  end: Position;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
