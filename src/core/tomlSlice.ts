/**
 * Speed for big pyproject.toml files: toml-eslint-parser (which gives every key
 * and value a position) costs ~8 ms per 1,000 lines, smol-toml a tenth of
 * that. So the whole file is checked with smol-toml (Kitaru refuses the whole
 * file on any syntax error), and only the parts that can hold `tool.kitaru`
 * go through toml-eslint-parser: the top-level keys before the first header,
 * `[tool]` and `[tool.kitaru…]` tables. Every other line is blanked, so line
 * and column numbers are those of the real text.
 */

/** The text with every line outside the regions that can define `tool.kitaru` emptied; undefined when nothing was removed. */
export function kitaruRegions(text: string): string | undefined {
  const headers = tableHeaders(text);
  if (headers.length === 0) return undefined;
  // A header that could not be read is kept: parsing it costs little, missing it would cost a table.
  const keep = (path: string[] | undefined) => path === undefined || (path[0] === "tool" && (path.length === 1 || path[1] === "kitaru"));
  // Regions: [offset where it starts, kept?]; the first (top-level keys) is always kept.
  const regions: { start: number; kept: boolean }[] = [{ start: 0, kept: true }];
  for (const h of headers) regions.push({ start: h.offset, kept: keep(h.path) });
  if (regions.every((r) => r.kept)) return undefined;
  let out = "";
  for (let i = 0; i < regions.length; i++) {
    const { start, kept } = regions[i]!;
    const end = regions[i + 1]?.start ?? text.length;
    const part = text.slice(start, end);
    // Blank a region but keep its line breaks (CRLF, LF or CR) so positions after it do not move.
    out += kept ? part : part.replace(/[^\r\n]+/g, "");
  }
  return out;
}

interface Header {
  /** Offset of the `[` that starts the header line. */
  offset: number;
  /** The header's key path, or undefined when it could not be read (then the region is kept). */
  path: string[] | undefined;
}

/**
 * Offsets of `[table]` / `[[array]]` header lines: a `[` first on its line,
 * outside strings, comments and multi-line arrays. A small lexer: strings
 * (basic, literal, multi-line), comments, bracket depth.
 */
export function tableHeaders(text: string): Header[] {
  const headers: Header[] = [];
  let depth = 0;
  let lineStart = true; // only whitespace so far on this line
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      lineStart = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 35 /* # */) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      continue;
    }
    if (c === 34 /* " */ || c === 39 /* ' */) {
      i = skipString(text, i);
      lineStart = false;
      continue;
    }
    if (c === 91 /* [ */ && lineStart && depth === 0) {
      const end = headerEnd(text, i);
      headers.push({ offset: i, path: headerPath(text.slice(i, end)) });
      i = end;
      lineStart = false;
      continue;
    }
    if (c === 91 || c === 123 /* { */) depth++;
    else if ((c === 93 /* ] */ || c === 125) /* } */ && depth > 0) depth--;
    lineStart = false;
    i++;
  }
  return headers;
}

/**
 * The text with every string literal longer than `limit` characters emptied (`""`), its
 * characters turned into spaces after the closing quote (line breaks kept), so every position
 * stays where it was. toml-eslint-parser builds each string with one call taking all of its
 * characters as arguments, which overflows the stack from about 100,000 characters.
 */
export function withLongStringsEmptied(text: string, limit: number): string {
  let out = "";
  let copied = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 35 /* # */) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      continue;
    }
    if (c !== 34 /* " */ && c !== 39 /* ' */) {
      i++;
      continue;
    }
    const end = skipString(text, i);
    if (end - i > limit) {
      const q = text[i]!;
      out += text.slice(copied, i) + q + q + text.slice(i + 2, end).replace(/[^\r\n]/g, " ");
      copied = end;
    }
    i = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Index just after the string starting at `i` (unterminated: end of line, or of text for multi-line). */
function skipString(text: string, i: number): number {
  const q = text[i]!;
  const basic = q === '"';
  if (text.startsWith(q + q + q, i)) {
    let j = i + 3;
    while (j < text.length) {
      if (basic && text[j] === "\\") {
        j += 2;
        continue;
      }
      if (text.startsWith(q + q + q, j)) {
        j += 3;
        // Up to two more quotes belong to the content: `""""` ends with a quote inside.
        for (let extra = 0; extra < 2 && text[j] === q; extra++) j++;
        return j;
      }
      j++;
    }
    return j;
  }
  let j = i + 1;
  while (j < text.length) {
    const ch = text[j];
    if (ch === "\n" || ch === "\r") return j;
    if (basic && ch === "\\") {
      j += 2;
      continue;
    }
    if (ch === q) return j + 1;
    j++;
  }
  return j;
}

/** Index just after a header's closing `]` / `]]` (quoted keys may hold brackets). */
function headerEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length && text[j] === "[") j++;
  while (j < text.length) {
    const ch = text[j];
    if (ch === '"' || ch === "'") {
      j = skipString(text, j);
      continue;
    }
    if (ch === "\n" || ch === "\r") return j;
    if (ch === "]") {
      while (j < text.length && text[j] === "]") j++;
      return j;
    }
    j++;
  }
  return j;
}

/** `[ "tool" . 'kitaru' ]` → ["tool", "kitaru"]; undefined when the key is not plain enough to be sure. */
function headerPath(header: string): string[] | undefined {
  const inner = header.replace(/^\[\[?/, "").replace(/\]\]?$/, "");
  const parts: string[] = [];
  let i = 0;
  while (i <= inner.length) {
    while (inner[i] === " " || inner[i] === "\t") i++;
    let part: string;
    const ch = inner[i];
    if (ch === '"' || ch === "'") {
      const end = inner.indexOf(ch, i + 1);
      if (end < 0) return undefined;
      part = inner.slice(i + 1, end);
      if (ch === '"' && part.includes("\\")) return undefined; // escapes: not worth decoding here
      i = end + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(inner.slice(i));
      if (!m) return undefined;
      part = m[0];
      i += part.length;
    }
    parts.push(part);
    while (inner[i] === " " || inner[i] === "\t") i++;
    if (i >= inner.length) return parts;
    if (inner[i] !== ".") return undefined;
    i++;
  }
  return parts;
}
