// `kitaru-config check` (CI, pre-commit) warns about a clear-text secret in an
// env file inside the workspace that git does not ignore, as the editor does.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../dist/cli.js");
const TOKEN = "kat_checksecret_0123456789";

function run(cwd: string, args: string[]) {
  const env = { PATH: process.env.PATH ?? "", HOME: cwd, LANG: "C.UTF-8" };
  return spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: "utf8" });
}

test("check --dotenv: a token in a .env that git does not ignore is a warning at its line; ignored, it is not", () => {
  assert.ok(fs.existsSync(CLI), "dist/cli.js is missing: run npm run build first (npm test does)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-check-secrets-"));
  try {
    fs.writeFileSync(path.join(dir, "pyproject.toml"), '[tool.kitaru]\nstack = "a"\n');
    fs.writeFileSync(path.join(dir, ".env"), `KITARU_SERVER_URL=https://k.example.com\nKITARU_AUTH_TOKEN=${TOKEN}\nKITARU_PROJECT=p\n`);
    const git = spawnSync("git", ["init", "-q"], { cwd: dir });
    const committed = run(dir, ["check", "--workspace", dir, "--dotenv", ".env"]);
    assert.equal(committed.status, 0, committed.stderr);
    assert.match(committed.stdout, /^\.env:2:1: warning: KITARU_AUTH_TOKEN is a secret in plain text in \.env, a file git does not ignore \(likely committed\)\..*\[secret-in-file\]$/m);
    assert.doesNotMatch(committed.stdout + committed.stderr, new RegExp(TOKEN));
    if (git.status === 0) {
      fs.writeFileSync(path.join(dir, ".gitignore"), ".env\n");
      const ignored = run(dir, ["check", "--workspace", dir, "--dotenv", ".env"]);
      assert.doesNotMatch(ignored.stdout, /secret-in-file/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
