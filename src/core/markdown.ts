/**
 * Text inside Markdown (tooltips, hovers): no `vscode` here, so it is tested
 * in plain Node. VS Code renders MarkdownString with a CommonMark renderer.
 */

/** Escapes the characters that start Markdown inline syntax, for plain text (not inside a code span). */
export function mdEscape(text: string): string {
  return text.replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`);
}

/**
 * A code span holding `text` literally. Inside a code span backslashes are
 * not escapes (`\*` shows both characters), so nothing is escaped: the fence
 * is a run of backticks longer than none and unequal to every run inside,
 * padded with a space when the text starts or ends with a backtick (or with
 * a space at both ends, which CommonMark would strip). Line breaks become
 * spaces, as a code span would show them.
 */
export function mdCode(text: string): string {
  const oneLine = text.replace(/\r\n|\r|\n/g, " ");
  if (!oneLine.trim()) return oneLine ? `\`${"\u00a0".repeat(oneLine.length)}\`` : "` `";
  const runs = new Set((oneLine.match(/`+/g) ?? []).map((r) => r.length));
  let n = 1;
  while (runs.has(n)) n++;
  const fence = "`".repeat(n);
  const pad = oneLine.startsWith("`") || oneLine.endsWith("`") || (oneLine.startsWith(" ") && oneLine.endsWith(" ")) ? " " : "";
  return `${fence}${pad}${oneLine}${pad}${fence}`;
}
