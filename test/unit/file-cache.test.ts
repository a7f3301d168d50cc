// The extension's refreshes read a file again only when it changed on disk, and
// reuse the parse of a text they have seen (FileTextCache, memoPerFile).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { FileTextCache, nodeHost } from "../../src/core/host";
import { memoPerFile } from "../../src/core/memo";

function tempFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-file-cache-"));
  const file = path.join(dir, "pyproject.toml");
  fs.writeFileSync(file, text);
  return file;
}

test("an unchanged file is stat'ed, not read; a changed one is read again, even at the same size", () => {
  const file = tempFile("retries = 1\n");
  const cache = new FileTextCache();
  const host = nodeHost({ fileCache: cache });
  assert.equal(host.readText(file), "retries = 1\n");
  assert.equal(host.readText(file), "retries = 1\n");
  assert.deepEqual(cache.counts, { read: 1, unchanged: 1, missing: 0 });
  // Same size, a later modification time.
  fs.writeFileSync(file, "retries = 2\n");
  const later = new Date(Date.now() + 5_000);
  fs.utimesSync(file, later, later);
  assert.equal(host.readText(file), "retries = 2\n");
  assert.equal(cache.counts.read, 2);
  // An atomic replace: a new inode.
  fs.writeFileSync(`${file}.tmp`, "retries = 3\n");
  fs.renameSync(`${file}.tmp`, file);
  assert.equal(host.readText(file), "retries = 3\n");
  assert.equal(cache.counts.read, 3);
});

test("a missing file is answered by its stat; a directory still fails as a read does; clear() forgets", () => {
  const file = tempFile("x = 1\n");
  const cache = new FileTextCache();
  const host = nodeHost({ fileCache: cache });
  assert.equal(host.readText(path.join(path.dirname(file), "kitaru.yaml")), null);
  assert.equal(host.readText(path.join(file, "below-a-file")), null);
  assert.deepEqual(cache.counts, { read: 0, unchanged: 0, missing: 2 });
  assert.throws(() => host.readText(path.dirname(file)), /EISDIR/);
  host.readText(file);
  cache.clear();
  host.readText(file);
  assert.equal(cache.counts.read, 3);
  // A file that disappears is not served from the cache.
  fs.rmSync(file);
  assert.equal(host.readText(file), null);
});

test("memoPerFile: the same text gives the same result object; another text or option is analysed again", () => {
  let calls = 0;
  const analyze = memoPerFile((file: string, text: string, options: { strict: boolean }) => ({ file, text, options, n: ++calls }));
  const a = analyze("/p", "a", { strict: true });
  assert.equal(analyze("/p", "a", { strict: true }), a);
  assert.notEqual(analyze("/p", "a", { strict: false }), a);
  assert.notEqual(analyze("/p", "b", { strict: false }), a);
  assert.equal(calls, 3);
});
