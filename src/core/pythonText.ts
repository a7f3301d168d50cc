/**
 * How Python and Kitaru read a text: str.strip(), int(), Kitaru's boolean
 * words, urlparse()'s http(s) check. Plain functions, no zod, so the parts of
 * the core that only read environment texts never load the schemas.
 */
export const TRUE_WORDS = ["1", "true", "t", "yes", "y", "on"];
export const FALSE_WORDS = ["0", "false", "f", "no", "n", "off"];

/**
 * Python's str.strip(): whitespace as str.isspace() sees it. JavaScript's trim()
 * differs at the edges: it also strips U+FEFF and keeps U+001C–U+001F.
 */
const PY_SPACE = /^[\p{White_Space}\x1c-\x1f]+|[\p{White_Space}\x1c-\x1f]+$/gu;
export function pythonStrip(text: string): string {
  // Most texts start and end with printable ASCII, which is never whitespace: no regular
  // expression to run (or, in a short CLI run, to compile: Unicode classes are costly).
  if (text === "" || (plainAscii(text.charCodeAt(0)) && plainAscii(text.charCodeAt(text.length - 1)))) return text;
  return text.replace(PY_SPACE, "");
}

const plainAscii = (code: number) => code > 0x20 && code < 0x7f;

/** The value of a Unicode decimal digit: Nd digits come in contiguous runs of 0–9. */
function digitValue(digit: string): number {
  const cp = digit.codePointAt(0)!;
  let start = cp;
  while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** Environment booleans: Kitaru's own parser strips and lower-cases the text. */
export function parseBoolWord(text: string): boolean | undefined {
  const w = pythonStrip(text).toLowerCase();
  if (TRUE_WORDS.includes(w)) return true;
  if (FALSE_WORDS.includes(w)) return false;
  return undefined;
}

/** Python's int() of a stripped text (any Unicode decimal digits, single underscores); undefined when int() would raise. */
export function parsePythonInt(text: string): number | undefined {
  const t = pythonStrip(text);
  // ASCII digits need no Unicode tables.
  if (/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(t)) return Number(t.replace(/_/g, ""));
  if (!/^[+-]?\p{Nd}+(?:_\p{Nd}+)*$/u.test(t)) return undefined;
  return Number(t.replace(/_/g, "").replace(/\p{Nd}/gu, (d) => String(digitValue(d))));
}

/** Python's urlparse(...).scheme in {http, https} with a non-empty netloc (what Kitaru checks). */
export function isHttpUrlWithHost(text: string): boolean {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(text);
  if (!m || !["http", "https"].includes(m[1]!.toLowerCase())) return false;
  const rest = m[2]!;
  if (!rest.startsWith("//")) return false;
  const netloc = rest.slice(2).split(/[/?#]/, 1)[0] ?? "";
  return netloc !== "";
}
