#!/usr/bin/env node
// The demo: build, provision a real VS Code, open examples/research-agent in
// it with the extension installed, photograph the workbench with the Kitaru
// view open, run the CLI on the same workspace, and keep VS Code running for
// a browser until Ctrl-C.
//
//   node scripts/demo.mjs [--once] [--port N]
//
//   --once    stop after the screenshot and the CLI run (exit 0 on success)
//   --port N  bind the VS Code server to 127.0.0.1:N (default: a free port)
//   env UPDATE_SCREENSHOTS=1  also copy the screenshot into docs/images/
//
// If examples/research-agent/.kitaru-home exists, it is the Kitaru config
// directory (KITARU_CONFIG_PATH) of both VS Code and the CLI.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { provision } from "./provision-vscode.mjs";
import { startVSCode } from "./vscode-server.mjs";
import {
  openViewContainer,
  waitForTreeRows,
  expandAllRows,
  resizeSideBar,
  saveScreenshot,
  dismissNotifications,
} from "../test/integration/ui.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WORKSPACE_REL = path.join("examples", "research-agent");
const WORKSPACE = path.join(ROOT, WORKSPACE_REL);
const SCREENSHOTS_DIR = path.join(ROOT, "test-results", "screenshots");

const fmt = (ms) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

function parseArgs(argv) {
  const opts = { once: false, port: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--once") opts.once = true;
    else if (a === "--port" || a.startsWith("--port=")) {
      const v = a.includes("=") ? a.slice("--port=".length) : argv[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port needs a port number, got ${v}`);
      opts.port = n;
    } else throw new Error(`unknown argument: ${a} (usage: node scripts/demo.mjs [--once] [--port N])`);
  }
  return opts;
}

function step(title) {
  const t0 = Date.now();
  console.log(`\n== ${title}`);
  return () => console.log(`   (${fmt(Date.now() - t0)})`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(WORKSPACE)) {
    throw new Error(`the demo workspace ${WORKSPACE_REL}/ does not exist (it is the example project the demo opens); nothing to show`);
  }
  const kitaruHome = path.join(WORKSPACE, ".kitaru-home");
  const env = fs.existsSync(kitaruHome) ? { KITARU_CONFIG_PATH: kitaruHome } : {};

  let done = step("build: node esbuild.mjs");
  const build = spawnSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) throw new Error(`node esbuild.mjs failed (exit ${build.status ?? build.signal})`);
  done();

  done = step("provision VS Code");
  await provision();
  done();

  done = step(`start VS Code on ${WORKSPACE_REL}`);
  if (env.KITARU_CONFIG_PATH) console.log(`   KITARU_CONFIG_PATH=${env.KITARU_CONFIG_PATH}`);
  const vs = await startVSCode({
    workspace: WORKSPACE,
    extensions: [ROOT],
    env,
    port: opts.port,
    log: (line) => console.log(`   ${line}`),
  });
  done();

  let ok = true;
  try {
    done = step("screenshot of the Kitaru view");
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const container = pkg.contributes?.viewsContainers?.activitybar?.[0];
    const view = container ? pkg.contributes?.views?.[container.id]?.[0] : undefined;
    await openViewContainer(vs.page, container?.title ?? "Kitaru");
    await resizeSideBar(vs.page, 560).catch((err) => console.log(`   note: could not widen the side bar: ${err.message}`));
    if (view) {
      try {
        await waitForTreeRows(vs.page, view.name, { timeout: 30_000 });
        await expandAllRows(vs.page, view.name, { timeout: 30_000 });
      } catch (err) {
        console.log(`   warning: the "${view.name}" view did not fill: ${err instanceof Error ? err.message.split("\n")[0] : err}`);
      }
    }
    await dismissNotifications(vs.page);
    const shot = await saveScreenshot(vs.page, SCREENSHOTS_DIR, "demo-workbench");
    console.log(`   screenshot: ${path.relative(ROOT, shot)}`);
    done();

    done = step(`CLI: node dist/cli.js resolve --workspace ${WORKSPACE_REL}`);
    const cli = spawnSync(process.execPath, [path.join("dist", "cli.js"), "resolve", "--workspace", WORKSPACE_REL], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: "utf8",
      timeout: 60_000,
    });
    if (cli.stdout) process.stdout.write(cli.stdout.replace(/^/gm, "   "));
    if (cli.stderr) process.stderr.write(cli.stderr.replace(/^/gm, "   "));
    if (cli.status !== 0) {
      ok = false;
      console.log(`   the CLI exited with ${cli.error ? cli.error.message : cli.status ?? cli.signal}`);
    }
    done();

    console.log(`\nVS Code: ${vs.url}`);
    console.log(`Screenshot: ${shot}`);
  } catch (err) {
    await vs.stop();
    throw err;
  }

  if (opts.once) {
    await vs.stop();
    return ok ? 0 : 1;
  }
  // The headless browser is no longer needed: the extension host follows the
  // browser that opens the URL.
  await vs.browser.close().catch(() => {});
  console.log(`\nOpen ${vs.url} in a browser (on another machine: ssh -L ${vs.port}:127.0.0.1:${vs.port} this-host).`);
  console.log("VS Code keeps running until Ctrl-C.");
  await new Promise(() => {}); // vscode-server.mjs's SIGINT handler stops the server and exits
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`\ndemo: FAILED: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
