// Integration-test scenarios: each runs in a fresh real VS Code (see run.mjs).
//
// A scenario:
//   name          unique; `node test/integration/run.mjs --scenario NAME`
//   workspace     (ctx) => absolute path of a folder or of a .code-workspace
//                 file (multi-root). May build a temp copy under ctx.tmpDir.
//   env           (ctx) => extra environment for the VS Code server, which the
//                 extension host (and so the extension) inherits. A value of
//                 undefined removes the variable.
//   settings      user settings.json content
//   suites        files of test/integration/suites/ to run, e.g. "smoke.test.ts"
//   trustWorkspace  default true; false starts in Restricted Mode
//   timeoutMs     whole-scenario deadline (default 5 minutes)
//   forbiddenOutput  texts (fixture secrets) that must not appear in any log
//                 file (server, extension host, output channels) or result
//   screenshots   optional async (page, outDir, ctx) => {...}: runs after the
//                 suites passed, with the same VS Code; use ./ui.mjs helpers.
//
// ctx: { name, root /* project root */, tmpDir /* removed afterwards */,
//        workspace /* set once workspace() returned */ }
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { cliScenarios } from "./cliScenarios.mjs";
import { fileCheckScenarios } from "./fileCheckScenarios.mjs";
import { pythonScenarios } from "./pythonScenarios.mjs";
import { sweepScenarios } from "./sweepScenarios.mjs";
import { spawnSync } from "node:child_process";
import { openViewContainer, resizeSideBar, saveScreenshot, dismissNotifications, waitForTreeRows, hover } from "./ui.mjs";

/** Secrets the environment scenario writes into its files; they must not appear in any log or result. */
export const ENV_SECRETS = {
  envToken: "kat_envfile_7Rq2Lm9Xv4Tn8Wz3Kd5H",
  logKey: "ddlogkey_committed_4Fh8Qp2Zs6Vb1Nx9",
  ghToken: "ghp_EnvFileImageToken0123456789abcdefAB",
  ignoredToken: "kat_ignoredfile_3Jw6Yt1Gc8Ms5Pq2",
  settingsToken: "zenml_settings_key_9Lk3Hd7Fs2Qa6Wm",
};

/** Secrets of the status-bar scenario's .vscode/settings.json: masked everywhere. */
export const STATUS_BAR_SECRETS = {
  urlPassword: "bobPw-4Kd8Zq2Lx7Rm",
  token: "kat_statusbar_9Vw3Lq7Zr2Xm",
};

/** A ZenML store with a `stack` table (id as 32 hex digits, name), written with sql.js in a child process (scenario setup is synchronous). */
function writeStackStore(file, stacks) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const script = `const initSqlJs = require("sql.js"); initSqlJs().then((SQL) => { const db = new SQL.Database(); db.run("CREATE TABLE stack (id CHAR(32) PRIMARY KEY, name VARCHAR NOT NULL)"); for (const [id, name] of ${JSON.stringify(stacks)}) db.run("INSERT INTO stack VALUES (?, ?)", [id, name]); require("fs").writeFileSync(${JSON.stringify(file)}, db.export()); });`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", ".."), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`could not write the test store ${file}: ${r.stderr}`);
}

/** Name of the first view in the Kitaru view container, from package.json. */
function firstKitaruView(ctx) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ctx.root, "package.json"), "utf8"));
  return pkg.contributes.views.kitaru[0].name;
}

/** Hermetic Kitaru config dir: the example's own, or an empty temp one. */
function kitaruHome(ctx, workspace) {
  const shipped = path.join(workspace, ".kitaru-home");
  if (fs.existsSync(shipped)) return shipped;
  const empty = path.join(ctx.tmpDir, "kitaru-home");
  fs.mkdirSync(empty, { recursive: true });
  return empty;
}

/** Environment that keeps the machine's own Kitaru/ZenML settings out of a test. */
function hermeticEnv(ctx, workspace) {
  return {
    KITARU_CONFIG_PATH: kitaruHome(ctx, workspace),
    ZENML_CONFIG_PATH: undefined,
    ZENML_REPOSITORY_PATH: undefined,
    XDG_CONFIG_HOME: path.join(ctx.tmpDir, "xdg-config"),
  };
}

function researchAgentOrMinimal(ctx) {
  const example = path.join(ctx.root, "examples", "research-agent");
  if (fs.existsSync(example)) return example;
  const dir = path.join(ctx.tmpDir, "minimal-workspace");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "pyproject.toml"), '[tool.kitaru]\nstack = "prod"\n');
  return dir;
}

/** @type {Array<object>} */
export const scenarios = [
  {
    name: "smoke",
    workspace: (ctx) => researchAgentOrMinimal(ctx),
    env: (ctx) => hermeticEnv(ctx, ctx.workspace),
    settings: {},
    suites: ["smoke.test.ts", "tree.test.ts"],
    screenshots: async (page, outDir, ctx) => {
      // README pictures of the real tree and status bar (UPDATE_SCREENSHOTS=1 copies them to docs/images/).
      await openViewContainer(page, "Kitaru");
      await resizeSideBar(page, 560);
      const view = firstKitaruView(ctx);
      await waitForTreeRows(page, view, { timeout: 20_000 });
      await dismissNotifications(page);
      await saveScreenshot(page, outDir, "tree");
      const status = page.locator('[id="kitaru.status"], [id$=".kitaru.status"]').first();
      await hover(page, status);
      await page.locator(".monaco-hover, .workbench-hover").first().waitFor({ state: "visible", timeout: 10_000 }).catch(() => undefined);
      await saveScreenshot(page, outDir, "status-bar");
    },
  },
  {
    // Issue 4: files inside and outside the workspace change while VS Code runs. The config
    // directory is reached through a symlink and starts without kitaru.yaml.
    name: "live-refresh",
    workspace: (ctx) => copyFixture(ctx, "live"),
    env: (ctx) => {
      const real = path.join(ctx.tmpDir, "real-kitaru-home");
      fs.mkdirSync(real, { recursive: true });
      fs.writeFileSync(path.join(real, "config.yaml"), "active_stack_id: a51bf906-a221-46d7-81b8-c81f8adc5097\n");
      // ZenML's default local store names the active stack; live.test.ts swaps in the second one.
      writeStackStore(path.join(real, "local_stores", "default_zen_store", "zenml.db"), [["a51bf906a22146d781b8c81f8adc5097", "live-default"]]);
      writeStackStore(path.join(ctx.tmpDir, "renamed-zenml.db"), [["a51bf906a22146d781b8c81f8adc5097", "live-renamed"]]);
      const link = path.join(ctx.tmpDir, "kitaru-home");
      fs.symlinkSync(real, link);
      return { ...hermeticEnv(ctx, ctx.workspace), KITARU_CONFIG_PATH: link, KITARU_TEST_RENAMED_STORE: path.join(ctx.tmpDir, "renamed-zenml.db"), XDG_CACHE_HOME: path.join(ctx.tmpDir, "cache") };
    },
    settings: {},
    suites: ["live.test.ts"],
    // The token live.test.ts writes into pyproject.toml.
    forbiddenOutput: ["kat_live_9Zq4wX2vLm7R8sTnB3yQ"],
  },
  {
    name: "multi-root",
    workspace: (ctx) => {
      const root = copyFixture(ctx, "multiroot");
      const file = path.join(root, "multiroot.code-workspace");
      fs.writeFileSync(file, JSON.stringify({ folders: [{ path: "alpha" }, { path: "beta" }] }, null, 2));
      return file;
    },
    env: (ctx) => hermeticEnv(ctx, ctx.tmpDir),
    settings: {},
    suites: ["multiroot.test.ts"],
  },
  {
    // The explained environment from files in the workspace: an env file that git does not
    // ignore, one that it does, a missing one, and kitaru.environment in .vscode/settings.json.
    name: "environment",
    workspace: (ctx) => {
      const dir = path.join(ctx.tmpDir, "env-workspace");
      fs.mkdirSync(path.join(dir, ".vscode"), { recursive: true });
      fs.writeFileSync(path.join(dir, "pyproject.toml"), '[project]\nname = "env-demo"\n\n[tool.kitaru]\nstack = "prod"\n');
      fs.writeFileSync(
        path.join(dir, ".env"),
        [
          "# local overrides",
          "KITARU_SERVER_URL=https://kitaru.example.com",
          `KITARU_AUTH_TOKEN=${ENV_SECRETS.envToken}`,
          "KITARU_DEFAULT_MODEL=",
          `KITARU_LOG_STORE_API_KEY=${ENV_SECRETS.logKey}`,
          "BROKEN LINE WITHOUT EQUALS",
          `KITARU_IMAGE='{"environment": {"GH_TOKEN": "${ENV_SECRETS.ghToken}"}}'`,
          "",
        ].join("\n"),
      );
      fs.writeFileSync(path.join(dir, "ignored.env"), `KITARU_SERVER_URL=https://kitaru.example.com\nKITARU_AUTH_TOKEN=${ENV_SECRETS.ignoredToken}\n`);
      fs.writeFileSync(path.join(dir, ".gitignore"), "ignored.env\n");
      fs.writeFileSync(
        path.join(dir, ".vscode", "settings.json"),
        JSON.stringify({ "kitaru.envFile": ".env", "kitaru.environment": { KITARU_PROJECT: "demo", ZENML_STORE_API_KEY: ENV_SECRETS.settingsToken } }, null, 2) + "\n",
      );
      // A repository, so VS Code's git extension can say which files git ignores.
      const git = spawnSync("git", ["init", "-q", dir], { encoding: "utf8" });
      if (git.status !== 0) throw new Error(`git init failed: ${git.stderr}`);
      return dir;
    },
    env: (ctx) => ({ ...hermeticEnv(ctx, ctx.workspace), KITARU_AUTH_TOKEN: undefined, KITARU_SERVER_URL: undefined, KITARU_PROJECT: undefined, ZENML_STORE_API_KEY: undefined, ZENML_STORE_URL: undefined }),
    settings: {},
    suites: ["environment.test.ts"],
    forbiddenOutput: Object.values(ENV_SECRETS),
  },
  {
    // A folder with nothing of Kitaru's: the welcome instead of a tree of defaults, no status bar item.
    name: "welcome",
    workspace: (ctx) => {
      const dir = path.join(ctx.tmpDir, "empty-folder");
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "notes.md"), "# Not a Kitaru project\n");
      fs.writeFileSync(path.join(dir, "tool.py"), "import json\nprint(json.dumps({}))\n");
      return dir;
    },
    env: (ctx) => hermeticEnv(ctx, ctx.workspace),
    settings: {},
    suites: ["welcome.test.ts"],
    screenshots: async (page, outDir, ctx) => {
      // The welcome is what a person sees: its text and buttons in the view, and no status bar item.
      const sidebar = await openViewContainer(page, "Kitaru");
      const welcome = sidebar.locator(".welcome-view-content");
      await welcome.getByText("No Kitaru project found in this workspace", { exact: false }).waitFor({ state: "visible", timeout: 20_000 });
      const add = welcome.getByRole("button", { name: "Add Kitaru Settings to pyproject.toml" });
      await add.waitFor({ state: "visible", timeout: 10_000 });
      await welcome.getByRole("button", { name: "Open the Configuration Guide" }).waitFor({ state: "visible", timeout: 10_000 });
      if ((await page.locator('[id="kitaru.status"], [id$=".kitaru.status"]').count()) !== 0 && (await page.locator('[id="kitaru.status"], [id$=".kitaru.status"]').first().isVisible())) throw new Error("the Kitaru status bar item is visible in an empty folder");
      await saveScreenshot(page, outDir, "welcome");
      // Its button adds [tool.kitaru]: the tree replaces the welcome.
      await add.click();
      await waitForTreeRows(page, firstKitaruView(ctx), { timeout: 20_000 });
      await page.locator('[id="kitaru.status"], [id$=".kitaru.status"]').first().waitFor({ state: "visible", timeout: 10_000 });
    },
  },
  {
    // The tester's status bar: KITARU_SERVER_URL with a password and a token, set through
    // kitaru.environment in .vscode/settings.json of a git repository (so the tree warns about
    // them), in a 1400 px window. The tooltip's code spans show the masked URL as it is, every
    // winning layer fits, and its problem count is the tree's.
    name: "status-bar",
    workspace: (ctx) => {
      const dir = path.join(ctx.tmpDir, "status-bar-workspace");
      fs.mkdirSync(path.join(dir, ".vscode"), { recursive: true });
      fs.writeFileSync(path.join(dir, "pyproject.toml"), '[project]\nname = "status-demo"\n\n[tool.kitaru]\nstack = "prod-cluster"\nretries = 2\n');
      fs.writeFileSync(
        path.join(dir, ".vscode", "settings.json"),
        JSON.stringify({ "kitaru.environment": { KITARU_SERVER_URL: `https://bob:${STATUS_BAR_SECRETS.urlPassword}@server.example.com`, KITARU_AUTH_TOKEN: STATUS_BAR_SECRETS.token, KITARU_PROJECT: "demo" } }, null, 2) + "\n",
      );
      const git = spawnSync("git", ["init", "-q", dir], { encoding: "utf8" });
      if (git.status !== 0) throw new Error(`git init failed: ${git.stderr}`);
      return dir;
    },
    env: (ctx) => ({ ...hermeticEnv(ctx, ctx.workspace), KITARU_AUTH_TOKEN: undefined, KITARU_SERVER_URL: undefined, KITARU_PROJECT: undefined, ZENML_STORE_API_KEY: undefined, ZENML_STORE_URL: undefined, KITARU_STACK: undefined }),
    settings: {},
    suites: ["status-bar.test.ts"],
    forbiddenOutput: Object.values(STATUS_BAR_SECRETS),
    screenshots: async (page, outDir) => {
      // The tooltip as VS Code renders it (viewport 1400 x 900, the tester's window).
      await dismissNotifications(page);
      const status = page.locator('[id="kitaru.status"], [id$=".kitaru.status"]').first();
      const widget = await hover(page, status);
      await widget.getByText("server_url", { exact: false }).first().waitFor({ state: "visible", timeout: 10_000 });
      await saveScreenshot(page, outDir, "status-bar-tooltip");
      const check = await widget.evaluate((hoverEl) => {
        const box = hoverEl.getBoundingClientRect();
        const text = hoverEl.innerText;
        // Anything drawn past the hover's right edge is cut off (the hover clips its content).
        const clipped = [...hoverEl.querySelectorAll("*")]
          .filter((el) => el.children.length === 0 && el.textContent.trim())
          .filter((el) => el.getBoundingClientRect().right > box.right + 1)
          .map((el) => el.textContent.trim().slice(0, 60));
        return { text, clipped, right: box.right, width: box.width, viewport: window.innerWidth };
      });
      const problems = [];
      if (!check.text.includes("https://bob:****@server.example.com")) problems.push(`the masked URL is not shown as is: ${JSON.stringify(check.text)}`);
      if (check.text.includes("\\*")) problems.push(`backslashes shown in the tooltip: ${JSON.stringify(check.text)}`);
      if (!check.text.includes("kitaru.environment setting in .vscode/settings.json")) problems.push(`the winning layer of server_url is not shown: ${JSON.stringify(check.text)}`);
      if (check.clipped.length) problems.push(`cut off at the hover's right edge (${Math.round(check.width)} px wide): ${JSON.stringify(check.clipped)}`);
      if (check.right > check.viewport) problems.push(`the hover ends at ${check.right} px, past the ${check.viewport} px window`);
      if (problems.length) throw new Error(`status bar tooltip: ${problems.join("; ")}`);
    },
  },
  ...cliScenarios,
  ...fileCheckScenarios,
  ...pythonScenarios,
  ...sweepScenarios,
];

/** A temp copy of test/fixtures/NAME, so tests may edit it freely. */
function copyFixture(ctx, name) {
  const target = path.join(ctx.tmpDir, name);
  fs.cpSync(path.join(ctx.root, "test", "fixtures", name), target, { recursive: true });
  return target;
}

export default scenarios;
