// Start a real VS Code (the VS Code 1.100.3 server + web workbench bundled in
// code-server, provisioned by scripts/provision-vscode.mjs) and open its
// workbench in headless Debian Chromium through playwright-core.
//
//   const vs = await startVSCode({ workspace, extensions, env, userSettings });
//   ... vs.page (a Playwright Page on the workbench) ...
//   await vs.stop();
//
// Every start gets fresh temporary data dirs. The server runs in its own
// process group; stop() closes the browser and kills the server's whole
// process tree (extension host, pty host, anything the extension spawned).
// Instances still running when this process exits (normally, on error, or on
// SIGINT/SIGTERM/SIGHUP) are killed too.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium } from "playwright-core";
import { paths as provisionPaths } from "./provision-vscode.mjs";

export const CHROMIUM_ARGS = [
  // Root in a container: Chromium's sandbox cannot start.
  "--no-sandbox",
  "--disable-gpu",
  // The machine's network is closed; without these Chromium keeps trying
  // (and failing) to reach Google's services at every start.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

// ---------------------------------------------------------------------------
// Extension folders

/** `<publisher>.<name>-<version>`, the folder name VS Code gives an installed extension. */
export function extensionInstallName(extensionPath) {
  const pkg = JSON.parse(fs.readFileSync(path.join(extensionPath, "package.json"), "utf8"));
  for (const key of ["publisher", "name", "version"]) {
    if (typeof pkg[key] !== "string" || !pkg[key]) {
      throw new Error(`${extensionPath}/package.json has no "${key}"`);
    }
  }
  return `${pkg.publisher}.${pkg.name}-${pkg.version}`;
}

/** Turn one .vscodeignore glob into a RegExp over '/'-separated relative paths. */
function globToRegExp(glob) {
  let g = glob.trim();
  const anchored = g.startsWith("/");
  if (anchored) g = g.slice(1);
  const dirOnly = g.endsWith("/");
  if (dirOnly) g = g.slice(0, -1);
  let re = "";
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === "*") {
      if (g[i + 1] === "*") {
        // "**/" matches zero or more directories; a trailing "**" matches everything.
        if (g[i + 2] === "/") {
          re += "(?:.*/)?";
          i += 2;
        } else {
          re += ".*";
          i += 1;
        }
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if ("\\^$.|+()[]{}".includes(c)) {
      re += "\\" + c;
    } else {
      re += c;
    }
  }
  // A pattern without a slash matches at any depth (gitignore semantics);
  // a pattern matching a directory also matches everything under it.
  const prefix = anchored || g.includes("/") ? "^" : "^(?:.*/)?";
  return new RegExp(`${prefix}${re}(?:/.*)?$`);
}

/**
 * Parse .vscodeignore text into a predicate `(relPath) => included`.
 * Last matching rule wins; `!pattern` re-includes. Only files are tested.
 */
export function parseVscodeignore(text) {
  const rules = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    rules.push({ negate, re: globToRegExp(negate ? line.slice(1) : line) });
  }
  return (relPath) => {
    let included = true;
    for (const rule of rules) {
      if (rule.re.test(relPath)) included = rule.negate;
    }
    return included;
  };
}

const ALWAYS_SKIPPED = new Set([".git", "node_modules", ".vscode-test"]);

/**
 * Copy an extension folder the way `vsce package` would ship it: following
 * its .vscodeignore (an allow-list: `**` then `!package.json`, `!dist/...`),
 * or, without one, everything except node_modules/.git. package.json is
 * always copied. Returns the list of copied relative paths.
 */
export function copyExtension(src, dest) {
  const ignoreFile = path.join(src, ".vscodeignore");
  const included = fs.existsSync(ignoreFile) ? parseVscodeignore(fs.readFileSync(ignoreFile, "utf8")) : () => true;
  const copied = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(src, rel), { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (ALWAYS_SKIPPED.has(entry.name) && !rel) continue;
      if (ALWAYS_SKIPPED.has(entry.name) && entry.isDirectory()) continue;
      if (entry.isDirectory()) {
        walk(relPath);
      } else if (entry.isFile() && (relPath === "package.json" || included(relPath))) {
        const to = path.join(dest, relPath);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(path.join(src, relPath), to);
        copied.push(relPath);
      }
    }
  };
  walk("");
  const pkg = JSON.parse(fs.readFileSync(path.join(src, "package.json"), "utf8"));
  if (pkg.main) {
    const main = path.join(dest, pkg.main);
    if (!fs.existsSync(main) && !fs.existsSync(`${main}.js`)) {
      throw new Error(`${src}: "main" is ${pkg.main}, but that file was not copied (not built, or not in the .vscodeignore allow-list)`);
    }
  }
  return copied;
}

// ---------------------------------------------------------------------------
// Process cleanup

const live = new Set();

/** PIDs of `pid` and all its descendants (Linux /proc); best effort elsewhere. */
function processTree(pid) {
  const children = new Map();
  try {
    for (const name of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
        // pid (comm) state ppid ...  — comm may contain spaces/parens.
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (!children.has(ppid)) children.set(ppid, []);
        children.get(ppid).push(Number(name));
      } catch {
        // process vanished
      }
    }
  } catch {
    return [pid];
  }
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kill a server's process group and every descendant, synchronously. */
function killTreeSync(pid, signal) {
  const pids = processTree(pid);
  try {
    process.kill(-pid, signal); // the group (the server was spawned detached)
  } catch {
    // group already gone
  }
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
  return pids;
}

async function killTree(pid, graceMs = 3000) {
  const pids = killTreeSync(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(isAlive)) await delay(50);
  const stubborn = pids.filter(isAlive);
  for (const p of stubborn) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone
    }
  }
  killTreeSync(pid, "SIGKILL");
}

let handlersInstalled = false;
function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Last resort, synchronous: the process is going away.
  process.on("exit", () => {
    for (const inst of live) {
      if (inst.serverPid) killTreeSync(inst.serverPid, "SIGKILL");
    }
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, async () => {
      if (live.size) console.error(`\n${sig}: stopping ${live.size} VS Code instance(s)...`);
      const timer = setTimeout(() => process.exit(130), 8000);
      await Promise.allSettled([...live].map((inst) => inst.stop()));
      clearTimeout(timer);
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
  }
}

// ---------------------------------------------------------------------------
// Helpers

function delay(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function workbenchQuery(workspace) {
  const abs = path.resolve(workspace);
  const key = abs.endsWith(".code-workspace") ? "workspace" : "folder";
  return `?${key}=${encodeURIComponent(abs).replace(/%2F/g, "/")}`;
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

/**
 * Start VS Code and open its workbench.
 *
 * @param {object} options
 * @param {string} options.workspace       folder path, or a .code-workspace file path
 * @param {string[]} [options.extensions]  extension folders to install (copied, .vscodeignore allow-list)
 * @param {Record<string,string|undefined>|((info: {dataDirs: object, installedExtensions: object[]}) => Record<string,string|undefined>)} [options.env]
 *        extra env for the server process (the extension host inherits it);
 *        undefined removes a variable
 * @param {object} [options.userSettings]  written to the user settings.json
 * @param {boolean} [options.trustWorkspace=true]  false: leave Workspace Trust on (Restricted Mode)
 * @param {number} [options.port=0]         0: any free port
 * @param {string} [options.host="127.0.0.1"]
 * @param {boolean} [options.keepDataDirs=false]  keep the temp dirs after stop() (for debugging)
 * @param {{width:number,height:number}} [options.viewport]
 * @param {number} [options.startTimeoutMs=60000]
 * @param {(line: string) => void} [options.log]  progress lines (default: silent)
 */
export async function startVSCode(options) {
  const {
    workspace,
    extensions = [],
    env = {},
    userSettings = {},
    trustWorkspace = true,
    port = 0,
    host = "127.0.0.1",
    keepDataDirs = false,
    viewport = { width: 1400, height: 900 },
    startTimeoutMs = 60_000,
    log = () => {},
  } = options;
  if (!workspace) throw new Error("startVSCode: `workspace` is required");
  if (!fs.existsSync(workspace)) throw new Error(`startVSCode: workspace ${workspace} does not exist`);
  if (!fs.existsSync(provisionPaths.serverMain)) {
    throw new Error(`VS Code is not provisioned (${provisionPaths.serverMain} missing): run node scripts/provision-vscode.mjs`);
  }
  installExitHandlers();

  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kitaru-vscode-"));
  const dataDirs = {
    root,
    serverData: path.join(root, "server-data"),
    userData: path.join(root, "user-data"),
    extensions: path.join(root, "server-data", "extensions"),
    logs: path.join(root, "logs"),
  };
  for (const d of [dataDirs.serverData, dataDirs.userData, dataDirs.extensions, dataDirs.logs]) fs.mkdirSync(d, { recursive: true });
  const serverLogs = path.join(dataDirs.logs, "server.log");

  const inst = {
    serverPid: undefined,
    browser: undefined,
    stopped: false,
    stop: async () => {},
  };
  let child;
  let logStream;

  inst.stop = async () => {
    if (inst.stopped) return;
    inst.stopped = true;
    try {
      if (inst.browser) {
        await Promise.race([inst.browser.close().catch(() => {}), delay(5000)]);
      }
    } finally {
      if (inst.serverPid) await killTree(inst.serverPid);
      live.delete(inst);
      await new Promise((r) => (logStream ? logStream.end(r) : r()));
      // Callers that want the logs copy them first (collectLogs).
      if (!keepDataDirs) fs.rmSync(root, { recursive: true, force: true });
    }
  };
  live.add(inst);

  try {
    // Extensions
    const installedExtensions = [];
    for (const ext of extensions) {
      const name = extensionInstallName(ext);
      const dest = path.join(dataDirs.extensions, name);
      const files = copyExtension(ext, dest);
      const pkg = JSON.parse(fs.readFileSync(path.join(ext, "package.json"), "utf8"));
      installedExtensions.push({ id: `${pkg.publisher}.${pkg.name}`, source: ext, path: dest, files });
      log(`installed ${pkg.publisher}.${pkg.name} (${files.length} files) into ${dest}`);
    }

    // Settings. The web workbench keeps user settings on the server, in
    // <user-data-dir>/User/settings.json (the server also puts its logs and
    // Machine settings under --user-data-dir, not --server-data-dir). Workspace Trust: trusting the
    // folder up front through settings is not possible (trust is stored
    // state), so "trusted" means turning the feature off.
    const settings = {
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "workbench.enableExperiments": false,
      "telemetry.telemetryLevel": "off",
      "update.mode": "none",
      "extensions.autoCheckUpdates": false,
      "extensions.autoUpdate": false,
      "extensions.ignoreRecommendations": true,
      "chat.commandCenter.enabled": false,
      "workbench.colorTheme": "Default Dark Modern",
      "window.commandCenter": false,
      // Screenshots: no "code-server" product name in the title, and no
      // "a git repository was found in the parent folders" notification.
      "window.title": "${dirty}${activeEditorShort}${separator}${rootName}",
      "git.openRepositoryInParentFolders": "never",
      ...(trustWorkspace ? { "security.workspace.trust.enabled": false } : { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never" }),
      ...userSettings,
    };
    writeJson(path.join(dataDirs.userData, "User", "settings.json"), settings);

    const extraEnv = typeof env === "function" ? env({ dataDirs, installedExtensions }) : env;

    // Server
    const args = [
      provisionPaths.serverMain,
      "--host", host,
      "--port", String(port),
      "--without-connection-token",
      "--accept-server-license-terms",
      "--server-data-dir", dataDirs.serverData,
      "--user-data-dir", dataDirs.userData,
      "--extensions-dir", dataDirs.extensions,
      "--telemetry-level", "off",
      "--disable-update-check",
    ];
    logStream = fs.createWriteStream(serverLogs);
    child = spawn(process.execPath, args, {
      cwd: provisionPaths.vscodeDir,
      env: mergeEnv(process.env, extraEnv),
      detached: true, // own process group, so the whole tree can be killed
      stdio: ["ignore", "pipe", "pipe"],
    });
    inst.serverPid = child.pid;
    let output = "";
    let exited;
    const onData = (d) => {
      logStream.write(d);
      if (output.length < 200_000) output += d.toString();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      logStream.write(`\n[server process exited: ${signal ?? `code ${code}`}]\n`);
    });
    child.on("error", (err) => {
      exited = { code: -1, signal: String(err) };
    });

    const deadline = Date.now() + startTimeoutMs;
    let boundPort;
    while (!boundPort) {
      const m = /Extension host agent listening on (\d+)/.exec(output);
      if (m) boundPort = Number(m[1]);
      else if (exited) throw new Error(`VS Code server exited during start (${exited.signal ?? `code ${exited.code}`}); log: ${serverLogs}\n${output.slice(-3000)}`);
      else if (Date.now() > deadline) throw new Error(`VS Code server did not start within ${startTimeoutMs} ms; log: ${serverLogs}\n${output.slice(-3000)}`);
      else await delay(50);
    }
    const baseUrl = `http://${host}:${boundPort}/`;
    const url = `${baseUrl}${workbenchQuery(workspace)}`;
    log(`server listening on ${baseUrl} (pid ${child.pid})`);

    // Browser
    inst.browser = await chromium.launch({
      executablePath: provisionPaths.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      // Our own handlers stop the server first; playwright still kills the
      // browser on process exit.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    const context = await inst.browser.newContext({ viewport });
    const page = await context.newPage();
    const browserLog = [];
    page.on("console", (msg) => {
      if (msg.type() === "error" || msg.type() === "warning") browserLog.push(`[${msg.type()}] ${msg.text()}`);
    });
    page.on("pageerror", (err) => browserLog.push(`[pageerror] ${err.message}`));
    await page.goto(url, { waitUntil: "domcontentloaded", timeout: Math.max(1000, deadline - Date.now()) });
    await page.waitForSelector(".monaco-workbench", { timeout: Math.max(1000, deadline - Date.now()) });
    log(`workbench loaded: ${url}`);

    return {
      url,
      baseUrl,
      port: boundPort,
      page,
      context,
      browser: inst.browser,
      serverLogs,
      /** Last `lines` lines of the server log. */
      serverLogTail: (lines = 60) => output.split(/\r?\n/).slice(-lines).join("\n"),
      /** Console errors/warnings and page errors of the workbench page. */
      browserLog,
      dataDirs,
      installedExtensions,
      serverProcess: child,
      /** Has the server process exited (crashed)? */
      serverExited: () => exited,
      /** Log files the server wrote (extension host logs etc.). */
      logFiles: () => listFiles(path.join(dataDirs.userData, "logs")),
      /** Copy server.log, the server's own logs and the browser console to `dest`. */
      collectLogs: (dest) => {
        fs.mkdirSync(dest, { recursive: true });
        if (fs.existsSync(serverLogs)) fs.copyFileSync(serverLogs, path.join(dest, "server.log"));
        const logsRoot = path.join(dataDirs.userData, "logs");
        if (fs.existsSync(logsRoot)) fs.cpSync(logsRoot, path.join(dest, "vscode-logs"), { recursive: true });
        fs.writeFileSync(path.join(dest, "browser-console.log"), browserLog.join("\n") + "\n");
        return dest;
      },
      stop: inst.stop,
    };
  } catch (err) {
    await inst.stop().catch(() => {});
    throw err;
  }
}

/** `base` plus `extra`; an `extra` value of undefined/null removes the variable. */
function mergeEnv(base, extra) {
  const env = { ...base };
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined || v === null) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}
