#!/usr/bin/env node
// A test double for the `kitaru` CLI (Kitaru 0.4.0's documented `-o json`
// behaviour), used by the unit and integration tests. Nothing in src/ knows
// about it. Dependency-free, so it also runs when copied elsewhere.
//
//   kitaru stack list|current -o json
//   kitaru stack use NAME_OR_ID -o json
//   kitaru login [SERVER] [--api-key K] [--project P] -o json
//   kitaru logout -o json
//   kitaru status -o json
//
// State lives in the config directory (KITARU_CONFIG_PATH, else
// ZENML_CONFIG_PATH, else ~/.config/kitaru): config.yaml holds
// active_stack_id and the store; credentials.yaml the API key or token.
//
// Misbehaviour on request, FAKE_KITARU_MODE (comma-separated):
//   fail              error envelope on stderr, exit 1
//   hang              start a grandchild, write FAKE_KITARU_PIDFILE, never finish
//   warn              "Warning: ..." lines on stderr first, then succeed
//   traceback         a Python traceback instead of JSON, exit 1
//   text-before-json  a line of text on stdout before the JSON
//   no-json           exit 0 with text only
//   wrong-command     exit 0 with a stack.list result, whatever the command (does nothing)
//   leak              fail, echoing in free text (no NAME=value shape) everything
//                     secret it was given: argv (the API key, a URL with a password)
//                     and the values of the secret-named variables of its environment
// FAKE_KITARU_LOG: append one JSON line per call (argv with the API key masked).
// FAKE_KITARU_DEVICE_MS: how long the device-flow login waits (default 800).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const STACKS = [
  { id: "a51bf906-a221-46d7-81b8-c81f8adc5097", name: "default", is_managed: false },
  { id: "7c0e2d4a-3b1f-4e8a-9d6c-5f2a1b3c4d5e", name: "gpu", is_managed: false },
  { id: "e4b5c6d7-8e9f-4a0b-b1c2-d3e4f5a6b7c8", name: "prod", is_managed: true },
];
const LOCAL_URL = "http://127.0.0.1:8383";
const AUTH_VARS = ["KITARU_SERVER_URL", "KITARU_AUTH_TOKEN", "ZENML_STORE_URL", "ZENML_STORE_API_KEY"];

const argv = process.argv.slice(2);
const modes = new Set((process.env.FAKE_KITARU_MODE ?? "").split(",").map((m) => m.trim()).filter(Boolean));

// ---------------------------------------------------------------------------------------------
// Arguments

const positional = [];
const options = {};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "-o" || a === "--output") options.output = argv[++i];
  else if (a.startsWith("--output=")) options.output = a.slice(9);
  else if (a === "--api-key") options.apiKey = argv[++i];
  else if (a.startsWith("--api-key=")) options.apiKey = a.slice(10);
  else if (a === "--project") options.project = argv[++i];
  else if (a === "--refresh" || a === "--no-verify-ssl") options[a.slice(2)] = true;
  else if (a.startsWith("--")) options[a.slice(2)] = argv[++i];
  else positional.push(a);
}
const command = positional.slice(0, positional[0] === "stack" ? 2 : 1).join(".") || "help";
const json = options.output === "json";

logCall();

// ---------------------------------------------------------------------------------------------
// Output helpers

function emit(item) {
  if (modes.has("text-before-json")) process.stdout.write("Connecting to the Kitaru server...\n");
  if (!json) {
    process.stdout.write(`${JSON.stringify(item)}\n`);
    process.exit(0);
  }
  process.stdout.write(`${JSON.stringify({ command, ...item })}\n`);
  process.exit(0);
}

function fail(message, type = "CLIError") {
  if (json) process.stderr.write(`${JSON.stringify({ command, error: { message, type } })}\n`);
  else process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

function warn(message, detail) {
  process.stderr.write(`Warning: ${message}\n`);
  if (detail) process.stderr.write(`  ${detail}\n`);
}

function logCall() {
  const file = process.env.FAKE_KITARU_LOG;
  if (!file) return;
  const shown = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--api-key") {
      shown.push("--api-key", "<api-key>");
      i++;
    } else shown.push(argv[i].startsWith("--api-key=") ? "--api-key=<api-key>" : argv[i]);
  }
  const record = {
    argv: shown,
    apiKeyGiven: options.apiKey !== undefined,
    cwd: process.cwd(),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    modes: [...modes],
    env: Object.fromEntries(["KITARU_STACK", "KITARU_CONFIG_PATH", "FAKE_MARKER", ...AUTH_VARS].filter((k) => process.env[k] !== undefined).map((k) => [k, k.includes("TOKEN") || k.includes("KEY") ? "<set>" : process.env[k]])),
    pid: process.pid,
    at: new Date().toISOString(),
  };
  fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
}

// ---------------------------------------------------------------------------------------------
// The config directory: a minimal YAML reader/writer for the files this fake owns

function configDir() {
  const blank = (v) => v === undefined || v.trim() === "";
  if (!blank(process.env.KITARU_CONFIG_PATH)) return path.resolve(process.env.KITARU_CONFIG_PATH);
  if (!blank(process.env.ZENML_CONFIG_PATH)) return path.resolve(process.env.ZENML_CONFIG_PATH);
  const xdg = process.env.XDG_CONFIG_HOME;
  return path.join(xdg !== undefined ? xdg : path.join(os.homedir(), ".config"), "kitaru");
}

/** Nested `key: value` mappings by indentation: all this fake writes (no lists, no flow style). */
function readYaml(file) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return {};
  }
  const root = {};
  const stack = [{ indent: -1, map: root }];
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim() || raw.trim().startsWith("#")) continue;
    const m = /^(\s*)("[^"]*"|[^:\s][^]*?):(?:\s+(.*))?$/.exec(raw);
    if (!m) continue;
    const indent = m[1].length;
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop();
    const parent = stack[stack.length - 1].map;
    const key = m[2].startsWith('"') ? JSON.parse(m[2]) : m[2];
    const value = m[3] === undefined ? "" : unquote(m[3].trim());
    if (value === "") {
      const map = {};
      parent[key] = map;
      stack.push({ indent, map });
    } else parent[key] = value;
  }
  return root;
}

function unquote(v) {
  return v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) ? v.slice(1, -1) : v;
}

function writeYaml(file, data) {
  const lines = [];
  const walk = (map, indent) => {
    for (const [k, v] of Object.entries(map)) {
      const key = /[:#\s]/.test(k) ? JSON.stringify(k) : k;
      if (v && typeof v === "object") {
        lines.push(`${indent}${key}:`);
        walk(v, `${indent}  `);
      } else lines.push(`${indent}${key}: ${v}`);
    }
  };
  walk(data, "");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.length ? `${lines.join("\n")}\n` : "{}\n");
}

const dir = configDir();
const configFile = path.join(dir, "config.yaml");
const credentialsFile = path.join(dir, "credentials.yaml");

function activeStack() {
  const id = readYaml(configFile).active_stack_id;
  return STACKS.find((s) => s.id === id) ?? STACKS[0];
}

function localStore() {
  return { type: "sql", url: `sqlite:///${path.join(dir, "local_stores", "default_zen_store", "zenml.db")}` };
}

function setConfig(patch) {
  const data = { version: "0.94.2", ...readYaml(configFile), ...patch };
  for (const [k, v] of Object.entries(data)) if (v === undefined) delete data[k];
  writeYaml(configFile, data);
}

// ---------------------------------------------------------------------------------------------
// Misbehaviour

if (modes.has("hang")) {
  // A grandchild in the same process group holding our stdout: only a tree kill ends both.
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "inherit", "inherit"] });
  if (process.env.FAKE_KITARU_PIDFILE) fs.writeFileSync(process.env.FAKE_KITARU_PIDFILE, JSON.stringify({ pid: process.pid, child: child.pid }));
  process.stdout.write("Waiting for the server...\n");
  setInterval(() => {}, 1000);
} else {
  main();
}

function main() {
  if (modes.has("warn")) warn("This is a fake warning before the result.", "It has an indented detail line.");
  if (modes.has("leak")) {
    // What a careless CLI might print: the secrets as plain words, which no shape or name gives away.
    const given = Object.entries(process.env).filter(([k, v]) => /^(KITARU|ZENML)_/.test(k) && /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|AUTH/i.test(k) && v).map(([, v]) => v);
    const store = readYaml(configFile).store;
    const storeUrl = store && typeof store === "object" ? store.url : undefined;
    fail(`could not run ${argv.join(" ")} (api key ${options.apiKey ?? "none"}, store ${storeUrl ?? "none"}); tried the credentials ${given.join(" and ") || "none"}`, "AuthenticationError");
  }
  if (modes.has("fail")) fail("Fake failure requested (FAKE_KITARU_MODE=fail).", "RuntimeError");
  if (modes.has("wrong-command")) {
    process.stdout.write(`${JSON.stringify({ command: "stack.list", items: [], count: 0 })}\n`);
    process.exit(0);
  }
  if (modes.has("traceback")) {
    process.stderr.write(
      [
        "Traceback (most recent call last):",
        '  File "/opt/venv/bin/kitaru", line 8, in <module>',
        "    sys.exit(cli())",
        '  File "/opt/venv/lib/python3.12/site-packages/kitaru/cli.py", line 120, in cli',
        "    GlobalConfiguration().zen_store",
        "zenml.exceptions.IllegalOperationError: The fake store is locked (traceback requested).",
        "",
      ].join("\n"),
    );
    process.exit(1);
  }
  if (modes.has("no-json")) {
    process.stdout.write("Everything is fine, but no JSON.\n");
    process.exit(0);
  }

  switch (command) {
    case "stack.list": {
      const active = activeStack();
      const items = STACKS.map((s) => ({ id: s.id, name: s.name, is_active: s.id === active.id, is_managed: s.is_managed }));
      return emitItems(items);
    }
    case "stack.current": {
      const s = activeStack();
      return emit({ item: { id: s.id, name: s.name, is_active: true } });
    }
    case "stack.use": {
      const wanted = positional[2];
      if (!wanted) return fail("Missing argument NAME_OR_ID.");
      const s = STACKS.find((x) => x.name === wanted || x.id === wanted || x.id.replace(/-/g, "") === wanted);
      if (!s) return fail(`No stack found with name or ID '${wanted}'.`, "KeyError");
      setConfig({ active_stack_id: s.id });
      return emit({ item: { id: s.id, name: s.name, is_active: true } });
    }
    case "login":
      return login();
    case "logout":
      return logout();
    case "status":
    case "info":
      return status();
    default:
      return fail(`Unknown command: ${positional.join(" ") || "(none)"}`);
  }
}

function emitItems(items) {
  if (modes.has("text-before-json")) process.stdout.write("Connecting to the Kitaru server...\n");
  process.stdout.write(`${JSON.stringify({ command, items, count: items.length })}\n`);
  process.exit(0);
}

function authOverrides() {
  return AUTH_VARS.filter((n) => process.env[n] !== undefined);
}

function login() {
  const server = positional[1];
  if (!server) {
    for (const flag of ["apiKey", "project", "refresh"]) {
      if (options[flag] !== undefined) return fail(`--${flag === "apiKey" ? "api-key" : flag} is only used when connecting to a remote server.`);
    }
    const present = authOverrides();
    if (present.length) warn(`Auth environment variables are active (${present.join(", ")}).`, "The local server will start, but runtime connections may still use those environment variables.");
    setConfig({ store: { type: "rest", url: LOCAL_URL, verify_ssl: "true" } });
    return emit({ item: { mode: "local", url: LOCAL_URL } });
  }
  const present = authOverrides();
  if (present.length) return fail(`Kitaru login/logout cannot override existing auth environment variables (${present.join(", ")}). Unset them first, or rely on those environment variables directly.`);
  const target = server.trim().replace(/\/+$/, "");
  let url;
  if (/^https?:/.test(target)) {
    if (!/^https?:\/\/[^/?#]+/.test(target)) return fail("Invalid Kitaru server URL. Please use an http:// or https:// URL.", "ValueError");
    url = target;
  } else if (/[.:/]/.test(target)) {
    return fail("Invalid Kitaru server URL. Please use an http:// or https:// URL, or pass a managed workspace name or ID.", "ValueError");
  } else {
    url = `https://${target}.cloud.kitaru.example`;
  }
  const finish = (credential) => {
    const creds = readYaml(credentialsFile);
    creds[url] = { url, ...credential };
    writeYaml(credentialsFile, creds);
    setConfig({ store: { type: "rest", url, verify_ssl: "true" }, ...(options.project ? { active_project_id: `project-${options.project}` } : {}) });
    emit({ item: { mode: "remote", url, project: options.project ?? null } });
  };
  if (options.apiKey !== undefined) {
    if (!options.apiKey) return fail("API key cannot be empty.");
    return finish({ api_key: options.apiKey });
  }
  // Browser device flow: say where to go, wait, succeed.
  const code = "WXYZ-1234";
  process.stderr.write(`If your browser did not open automatically, open ${url}/devices/verify?code=${code} and confirm code ${code}.\n`);
  setTimeout(() => finish({ api_token: { access_token: "fake-session-token-0123456789" } }), Number(process.env.FAKE_KITARU_DEVICE_MS ?? "800"));
}

function logout() {
  const present = authOverrides();
  if (present.length) return fail(`Kitaru login/logout cannot override existing auth environment variables (${present.join(", ")}). Unset them first, or rely on those environment variables directly.`);
  const store = readYaml(configFile).store;
  const url = store && typeof store === "object" ? store.url : undefined;
  if (!url || !/^https?:/.test(url)) return emit({ item: { mode: "local_store", target: null, local_fallback_available: true, local_server_stopped: false } });
  setConfig({ store: localStore() });
  if (/^https?:\/\/(127\.0\.0\.1|localhost)/.test(url)) return emit({ item: { mode: "local_server", target: null, local_fallback_available: true, local_server_stopped: true } });
  const creds = readYaml(credentialsFile);
  delete creds[url];
  writeYaml(credentialsFile, creds);
  return emit({ item: { mode: "remote_server", target: url, local_fallback_available: true, local_server_stopped: false } });
}

function status() {
  const store = readYaml(configFile).store;
  const url = store && typeof store === "object" && /^https?:/.test(store.url ?? "") ? store.url : null;
  const environment = Object.keys(process.env)
    .filter((k) => k.startsWith("KITARU_"))
    .sort()
    .map((name) => ({ name, value: /KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|AUTH/i.test(name) ? "****" : process.env[name] }));
  return emit({ item: { config_directory: dir, server_url: url, active_stack: activeStack().name, connection: url ? (url === LOCAL_URL ? "local server" : "remote server") : "local database", environment } });
}
