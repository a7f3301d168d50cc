// kitaru-config writes its output with fs.writeSync: a reader that stops early
// (`| head`) ends the output, not the command's exit status.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../dist/cli.js");

test("check piped into head keeps exit status 1 for errors (pipefail sees it); the full output is whole", () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-cli-output-"));
  // 3,000 flows with a bad retries value: far more output than a pipe holds.
  const flows = Array.from({ length: 3000 }, (_, i) => `@flow(retries="x${i}")\ndef f${i}():\n    pass\n`).join("\n");
  fs.writeFileSync(path.join(ws, "m.py"), `import kitaru\nfrom kitaru import flow\n\n${flows}`);
  for (const json of ["", " --json"]) {
    const piped = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${CLI}" check${json} --workspace "${ws}" | head -c 100 >/dev/null`], { encoding: "utf8" });
    assert.equal(piped.status, 1, `check${json} | head: ${piped.stderr}`);
    assert.equal(piped.stderr, "");
  }
  const whole = spawnSync(process.execPath, [CLI, "check", "--json", "--workspace", ws], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(whole.status, 1);
  assert.equal((JSON.parse(whole.stdout) as { problems: unknown[] }).problems.length >= 3000, true);
});

test("an output that cannot be written (a full disk) is one line on stderr and exit status 4, not an internal error", { skip: fs.existsSync("/dev/full") ? false : "no /dev/full" }, () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-cli-full-"));
  fs.writeFileSync(path.join(ws, "pyproject.toml"), '[tool.kitaru]\nstack = "prod"\n');
  for (const args of [["resolve"], ["resolve", "--json"], ["check"], ["--help"], ["schema"]]) {
    const full = fs.openSync("/dev/full", "w");
    try {
      const r = spawnSync(process.execPath, [CLI, ...args, ...(args[0] === "--help" || args[0] === "schema" ? [] : ["--workspace", ws])], { stdio: ["ignore", full, "pipe"], encoding: "utf8", env: { ...process.env, KITARU_CONFIG_NO_CACHE: "1" } });
      assert.equal(r.status, 4, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr, "kitaru-config: cannot write the output: no space left on device (ENOSPC)\n", args.join(" "));
    } finally {
      fs.closeSync(full);
    }
  }
});
