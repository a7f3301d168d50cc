/// <reference types="mocha" />
// Restricted Mode with the user's own kitaru (scenario restricted-env): the
// commands run it, but nothing the workspace chose reaches it. The workspace's
// settings set NODE_OPTIONS, PYTHONPATH and BASH_ENV to files of the repository,
// and so does the .env that a user-level kitaru.envFile names; the user's PATH
// starts with an empty entry (the working directory) and the repository holds a
// `node`, which the user's kitaru starts from PATH. Each payload writes a marker
// when it runs, and there must be none.
import * as assert from "assert";
import * as fs from "fs";
import * as vscode from "vscode";
import { api, filesUnder, type Api } from "./cliApi";
import { row, waitForTree } from "./kitaru";
import { waitFor } from "./util";

suite("Restricted Mode: the user's kitaru runs without the workspace's variables", () => {
  let a: Api;
  const markers = () => fs.readdirSync(process.env.KITARU_TEST_MARKERS!);
  const calls = () => (process.env.FAKE_KITARU_LOG && fs.existsSync(process.env.FAKE_KITARU_LOG) ? fs.readFileSync(process.env.FAKE_KITARU_LOG, "utf8").split("\n").filter(Boolean) : []);

  suiteSetup(async function () {
    this.timeout(90_000);
    a = await api();
    await a.ready;
  });

  test("the workspace is not trusted; the tree explains the user's .env and ignores the workspace's own kitaru.environment", async function () {
    this.timeout(30_000);
    assert.strictEqual(vscode.workspace.isTrusted, false);
    const rows = await waitForTree(a, (r) => (row(r, "Execution", "retries") ? r : undefined), "the Execution group", 20_000);
    assert.match(row(rows, "Execution", "retries")!.description ?? "", /^3 /, "KITARU_RETRIES from .env is explained");
    assert.match(row(rows, "Execution", "stack")!.description ?? "", /^restricted .*pyproject/, "KITARU_STACK from the workspace settings is ignored");
    assert.deepStrictEqual(markers(), []);
  });

  for (const [id, args] of [["kitaru.switchStack", ["gpu"]], ["kitaru.login", []], ["kitaru.logout", []], ["kitaru.switchStack", ["default"]]] as [string, unknown[]][]) {
    test(`${id}${args.length ? ` ${JSON.stringify(args[0])}` : ""}: the user's kitaru runs, and no payload of the workspace`, async function () {
      this.timeout(30_000);
      const before = calls().length;
      await vscode.commands.executeCommand(id, ...args);
      // Whichever comes first: the user's kitaru logging its call, or a payload of the workspace running instead.
      await waitFor(() => calls().length > before || markers().length > 0, { what: "a call of the user's kitaru", timeoutMs: 20_000 });
      assert.deepStrictEqual(markers(), [], "a payload of the workspace ran");
      const last = JSON.parse(calls().at(-1)!) as { env?: Record<string, string> };
      assert.strictEqual(last.env?.KITARU_STACK, undefined, "the workspace's KITARU_STACK did not reach kitaru");
    });
  }

  test("the log says which variables of the env file were withheld (names only)", async function () {
    this.timeout(15_000);
    const log = await waitFor(() => filesUnder(a.cli.logDirectory).map((f) => fs.readFileSync(f, "utf8")).find((t) => t.includes("Restricted Mode: ")), { what: "the withheld variables in the log", timeoutMs: 10_000 });
    assert.match(log, /Restricted Mode: BASH_ENV, KITARU_RETRIES, NODE_OPTIONS, PYTHONPATH from \.env are explained but not passed to kitaru/);
    assert.ok(!log.includes("evil-envfile"), "values are not logged");
    assert.match(log, /Restricted Mode: PATH entries that are empty, relative or inside the workspace are not passed to kitaru: ""\./);
    assert.match(log, /Running: .*\(in [^,]+, outside the workspace: Restricted Mode/);
  });
});
