// Nothing lost: src/core and src/extension never write, rename or delete a file
// themselves. The only writes are the user's own, through a WorkspaceEdit (undoable)
// that a command applies; Kitaru's config.yaml and kitaru.yaml are written by the
// kitaru CLI, never by this code. Each allowed call site is listed with its reason.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** Node's fs calls that change the file system (sync, callback and promise forms share these names). */
const FS_WRITES = [
  "writeFile", "writeFileSync", "appendFile", "appendFileSync", "rename", "renameSync", "unlink", "unlinkSync",
  "rm", "rmSync", "rmdir", "rmdirSync", "mkdir", "mkdirSync", "mkdtemp", "mkdtempSync", "copyFile", "copyFileSync",
  "cp", "cpSync", "createWriteStream", "symlink", "symlinkSync", "link", "linkSync", "truncate", "truncateSync",
  "ftruncate", "ftruncateSync", "chmod", "chmodSync", "chown", "chownSync", "utimes", "utimesSync", "write", "writeSync", "writev", "writevSync",
];
/** VS Code's file system API and document/edit calls that write. */
const VSCODE_WRITES = ["writeFile", "delete", "rename", "copy", "createDirectory"];

interface Hit {
  file: string;
  line: number;
  api: string;
  text: string;
}

/** Every write-capable call in a source text. */
export function writeCalls(file: string, source: string): Hit[] {
  const hits: Hit[] = [];
  const lines = source.split("\n");
  const fsNames = FS_WRITES.join("|");
  const patterns: [RegExp, (m: RegExpMatchArray) => string][] = [
    // fs.writeFileSync(...), fsp.rm(...), fs.promises.mkdir(...), promises.rename(...)
    [new RegExp(`(?<![.\\w])(?:fs|fsp|fsPromises|promises|fs\\.promises)\\s*\\.\\s*(${fsNames})\\s*\\(`, "g"), (m) => `fs.${m[1]}`],
    // import { writeFileSync } from "node:fs" (then called bare)
    [new RegExp(`import\\s*\\{[^}]*\\b(${fsNames})\\b[^}]*\\}\\s*from\\s*["'](?:node:)?fs(?:/promises)?["']`, "g"), (m) => `import ${m[1]}`],
    [new RegExp(`require\\(["'](?:node:)?fs(?:/promises)?["']\\)\\s*\\.\\s*(${fsNames})\\b`, "g"), (m) => `fs.${m[1]}`],
    // fs.openSync(file, "w") and friends: any flag but plain reading
    [/\b(?:fs|fsp|promises)\s*\.\s*(open|openSync)\s*\([^)]*,\s*["'](?!r["'])[^"']*["']/g, (m) => `fs.${m[1]} for writing`],
    // vscode.workspace.fs.writeFile(...), workspace.fs.delete(...)
    [new RegExp(`\\bworkspace\\s*\\.\\s*fs\\s*\\.\\s*(${VSCODE_WRITES.join("|")})\\s*\\(`, "g"), (m) => `workspace.fs.${m[1]}`],
    [/\bworkspace\s*\.\s*(applyEdit|saveAll|save|saveAs)\s*\(/g, (m) => `workspace.${m[1]}`],
    [/\b(?:doc|document|editor\.document|textDocument)\s*\.\s*(save)\s*\(/g, (m) => `document.${m[1]}`],
  ];
  lines.forEach((text, i) => {
    if (/^\s*(\/\/|\*|\/\*)/.test(text)) return; // comments
    for (const [re, name] of patterns) {
      for (const m of text.matchAll(re)) hits.push({ file, line: i + 1, api: name(m), text: text.trim() });
    }
  });
  return hits;
}

/** The allowed writes: file, API, and why. Keep it short. */
const ALLOWED: { file: string; api: string; reason: string }[] = [
  {
    file: "src/extension/extension.ts",
    api: "workspace.applyEdit",
    reason: "Add [tool.kitaru] to pyproject.toml (the welcome's button, kitaru.createProjectConfig): an explicit command, applied as a WorkspaceEdit (undoable)",
  },
  {
    file: "src/extension/extension.ts",
    api: "document.save",
    reason: "the same command saves the pyproject.toml it just edited, so Kitaru (which reads the file on disk) sees the new section",
  },
  ...["fs.mkdirSync", "fs.writeFileSync", "fs.renameSync"].map((api) => ({
    file: "src/core/userCache.ts",
    api,
    reason:
      "this tool's own cache files in the user cache directory (~/.cache/kitaru-config, mode 0700; files written atomically with mode 0600): the stack-name cache shared by kitaru-config and the extension (store paths, ids and names only), so sql.js starts only when a store changed, and kitaru-config's analyses of pyproject.toml, kitaru.yaml and config.yaml (secrets masked)",
  })),
];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

test("the scanner finds each kind of write (so the sweep below can fail)", () => {
  const sample = [
    'import * as fs from "node:fs";',
    "fs.writeFileSync(file, text);",
    "await fs.promises.rename(a, b);",
    "fsp.rm(dir, { recursive: true });",
    'import { appendFileSync } from "fs";',
    'const fd = fs.openSync(file, "a");',
    'const ro = fs.openSync(file, "r");',
    "await vscode.workspace.fs.writeFile(uri, bytes);",
    "await vscode.workspace.applyEdit(edit);",
    "await doc.save();",
    "// fs.unlinkSync(file) in a comment",
    "fs.readFileSync(file);",
  ].join("\n");
  assert.deepEqual(
    writeCalls("sample.ts", sample).map((h) => `${h.line} ${h.api}`),
    ["2 fs.writeFileSync", "3 fs.rename", "4 fs.rm", "5 import appendFileSync", "6 fs.openSync for writing", "8 workspace.fs.writeFile", "9 workspace.applyEdit", "10 document.save"],
  );
});

test("src/core and src/extension write no file except through the allow-list", () => {
  const files = [...sources(path.join(ROOT, "src", "core")), ...sources(path.join(ROOT, "src", "extension"))];
  assert.ok(files.length > 40, `${files.length} source files scanned`);
  const hits = files.flatMap((f) => writeCalls(path.relative(ROOT, f).split(path.sep).join("/"), fs.readFileSync(f, "utf8")));
  const unexpected = hits.filter((h) => !ALLOWED.some((a) => a.file === h.file && a.api === h.api));
  assert.deepEqual(unexpected.map((h) => `${h.file}:${h.line} ${h.api}: ${h.text}`), [], "writes outside the allow-list (add a reason to ALLOWED only for an explicit user action)");
  // Every allow-list entry is still used: a stale entry would hide a new write at the same API.
  const stale = ALLOWED.filter((a) => !hits.some((h) => h.file === a.file && h.api === a.api));
  assert.deepEqual(stale, [], "allow-list entries no longer needed");
});

test("nothing in src/ names Kitaru's or ZenML's own files for writing", () => {
  // The CLI twin too: config.yaml, kitaru.yaml and credentials.yaml are the kitaru CLI's to write.
  const files = sources(path.join(ROOT, "src"));
  const hits = files.flatMap((f) => writeCalls(f, fs.readFileSync(f, "utf8")).filter((h) => /config\.yaml|kitaru\.yaml|credentials\.yaml|configFile|credentials/i.test(h.text)));
  assert.deepEqual(hits, []);
});
