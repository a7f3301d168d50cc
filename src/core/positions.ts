import type { Position, Span } from "./types";

/** Maps string offsets (UTF-16 code units, as JavaScript counts) to 1-based line/column. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) this.starts.push(i + 1);
    }
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - (this.starts[lo] ?? 0) + 1 };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }

  /** Offset of a 1-based line/column; clamps to the text. */
  offset(pos: Position): number {
    const start = this.starts[Math.max(0, Math.min(pos.line - 1, this.starts.length - 1))] ?? 0;
    return Math.min(this.text.length, start + Math.max(0, pos.column - 1));
  }

  /** The position itself when it is in the text, else the nearest one that is (a parser's column past the end of its line). */
  clamp(pos: Position): Position {
    const line = Math.max(1, Math.min(Math.floor(pos.line) || 1, this.starts.length));
    const start = this.starts[line - 1] ?? 0;
    let end = this.starts[line] ?? this.text.length + 1;
    // The line's length: up to its line break (CRLF, LF or CR), or the end of the text.
    end = line < this.starts.length ? end - (this.text.charCodeAt(end - 2) === 13 && this.text.charCodeAt(end - 1) === 10 ? 2 : 1) : this.text.length;
    return { line, column: Math.max(1, Math.min(Math.floor(pos.column) || 1, end - start + 1)) };
  }

  get lineCount(): number {
    return this.starts.length;
  }
}
