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
