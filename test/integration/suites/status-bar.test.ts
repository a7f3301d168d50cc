/// <reference types="mocha" />
// The status bar item and its tooltip (scenario status-bar): KITARU_SERVER_URL with a
// password, a token, and KITARU_PROJECT set through kitaru.environment in
// .vscode/settings.json of a git repository. The Markdown source is checked here;
// scenarios.mjs checks the rendered tooltip in the 1400 px window.
import * as assert from "assert";
import { allText, kitaru, row, waitForTree, type KitaruApi } from "./kitaru";
import { waitFor } from "./util";

const SECRETS = ["bobPw-4Kd8Zq2Lx7Rm", "kat_statusbar_9Vw3Lq7Zr2Xm"];

suite("status bar", () => {
  let api: KitaruApi;

  suiteSetup(async function () {
    this.timeout(90_000);
    api = await kitaru();
  });

  test("the masked server URL reads as the core masked it: a code span, no Markdown escapes inside it", async () => {
    const tip = await waitFor(() => (api.statusBar().tooltip.includes("server_url") ? api.statusBar().tooltip : undefined), { what: "the tooltip" });
    assert.ok(tip.includes("- **server_url** `https://bob:****@server.example.com` — environment · $KITARU\\_SERVER\\_URL (kitaru.environment setting in .vscode/settings.json:3)"), tip);
    assert.ok(!tip.includes("\\*\\*\\*\\*"), `escaped inside a code span: ${tip}`);
    assert.ok(tip.includes("- **stack** `prod-cluster` — pyproject.toml · pyproject.toml:5"), tip);
    assert.ok(tip.includes("- **project** `demo` — environment"), tip);
    assert.strictEqual(api.statusBar().text, "$(cloud) prod-cluster · server.example.com");
  });

  test("the problem count is the tree's Problems group (secrets in .vscode/settings.json, which git does not ignore)", async function () {
    this.timeout(30_000);
    const rows = await waitForTree(api, (r) => (row(r, "Problems")?.description ? r : undefined), "the tree's Problems group");
    const problems = row(rows, "Problems")!;
    assert.ok(problems.children.some((p) => /KITARU_AUTH_TOKEN is a secret in plain text in \.vscode\/settings\.json/.test(p.label)), problems.children.map((p) => p.label).join("\n"));
    // The resolution itself has no problem: the warnings are the tree's own (env diagnostics).
    assert.deepStrictEqual(api.current()!.resolution.problems.filter((p) => p.severity !== "info").map((p) => p.code), []);
    await waitFor(async () => api.statusBar().tooltip.includes(`$(warning) ${row(await api.treeSnapshot(2), "Problems")!.description} — see Problems in the Kitaru view`), { what: `the tooltip to count ${problems.description}`, timeoutMs: 10_000 }).catch(() => undefined);
    const now = row(await api.treeSnapshot(2), "Problems")!.description;
    assert.ok(api.statusBar().tooltip.includes(`$(warning) ${now} — see Problems in the Kitaru view`), `tree: ${now}; tooltip: ${api.statusBar().tooltip}`);
    assert.ok(!api.statusBar().tooltip.includes("No problems"));
  });

  test("no secret in the status bar or the tree", async () => {
    const shown = `${JSON.stringify(api.statusBar())}\n${allText(await api.treeSnapshot(5))}`;
    for (const s of SECRETS) assert.ok(!shown.includes(s), `${s.slice(0, 4)}… shown`);
  });
});
