import { test } from "node:test";
import assert from "node:assert/strict";
import {
  authOverrides,
  authRefusal,
  describeLogin,
  describeLogout,
  describeSettingOrigin,
  describeStackPicker,
  describeStackSwitch,
  envSourceText,
  resolveCommandLines,
  displayCommandLine,
  envelopeCommand,
  failureText,
  isStackId,
  knownStackName,
  loginTargetWarning,
  parseCliOutput,
  parseStack,
  parseStacks,
  sameStack,
  shortStackId,
  stackPinsInModule,
  urlCredentials,
  urlSecrets,
  validateLoginTarget,
  withoutCredentials,
  type CliFailure,
  type CliSuccess,
} from "../../src/core/kitaruCli";
import { readPythonModule } from "../../src/core/python/reader";
import type { Resolution, Setting } from "../../src/core/resolve";

// ---------------------------------------------------------------------------------------------
// The envelope

const ok = (stdout: string, stderr = "") => parseCliOutput({ stdout, stderr, exitCode: 0 });
const bad = (stdout: string, stderr: string, exitCode: number | null = 1) => parseCliOutput({ stdout, stderr, exitCode });

test("a single JSON line with item", () => {
  const r = ok('{"command": "stack.use", "item": {"id": "abc", "name": "gpu", "is_active": true}}\n') as CliSuccess;
  assert.equal(r.ok, true);
  assert.equal(r.command, "stack.use");
  assert.deepEqual(r.item, { id: "abc", name: "gpu", is_active: true });
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.text, []);
});

test("items and count; malformed items are dropped by parseStacks", () => {
  const r = ok('{"command":"stack.list","items":[{"id":"1","name":"default","is_active":true,"is_managed":false},{"id":"2","name":"prod","is_managed":true},"junk",{"x":1}],"count":4}') as CliSuccess;
  assert.equal(r.ok, true);
  assert.equal(r.items?.length, 3);
  assert.deepEqual(parseStacks(r), [
    { id: "1", name: "default", isActive: true, isManaged: false },
    { id: "2", name: "prod", isActive: false, isManaged: true },
  ]);
});

test("a line of text before the JSON", () => {
  const r = ok('Starting local Kitaru server...\nServer running at http://127.0.0.1:8383\n{"command":"login","item":{"mode":"local","url":"http://127.0.0.1:8383"}}\n') as CliSuccess;
  assert.equal(r.ok, true);
  assert.equal(r.item?.url, "http://127.0.0.1:8383");
  assert.deepEqual(r.text, ["Starting local Kitaru server...", "Server running at http://127.0.0.1:8383"]);
});

test("pretty-printed JSON over several lines, after text", () => {
  const r = ok('hello\n{\n  "command": "status",\n  "item": {"server_url": null}\n}\n') as CliSuccess;
  assert.equal(r.ok, true);
  assert.deepEqual(r.item, { server_url: null });
  assert.deepEqual(r.text, ["hello"]);
});

test("Warning: lines on stderr, with indented detail lines joined", () => {
  const r = ok('{"command":"login","item":{"mode":"local","url":"u"}}', "Warning: Auth environment variables are active (KITARU_SERVER_URL).\n  The local server will start.\nWarning: second\n") as CliSuccess;
  assert.equal(r.ok, true);
  assert.deepEqual(r.warnings, ["Auth environment variables are active (KITARU_SERVER_URL). The local server will start.", "second"]);
  assert.deepEqual(r.text, []);
});

test("error envelope on stderr, exit 1", () => {
  const r = bad("", 'Warning: careful\n{"command": "stack.use", "error": {"message": "No stack found with name or ID \'nope\'.", "type": "KeyError"}}\n') as CliFailure;
  assert.equal(r.ok, false);
  assert.equal(r.kind, "error-envelope");
  assert.equal(r.message, "No stack found with name or ID 'nope'.");
  assert.equal(r.errorType, "KeyError");
  assert.deepEqual(r.warnings, ["careful"]);
  assert.equal(failureText(r), "No stack found with name or ID 'nope'. (KeyError)");
});

test("an error envelope wins even with exit code 0", () => {
  const r = ok("", '{"command":"x","error":{"message":"boom","type":"CLIError"}}');
  assert.equal(r.ok, false);
  assert.equal(failureText(r as CliFailure), "boom");
});

test("a traceback instead of JSON: the last exception line", () => {
  const stderr = [
    "Traceback (most recent call last):",
    '  File "/x/kitaru", line 8, in <module>',
    "    sys.exit(cli())",
    "zenml.exceptions.IllegalOperationError: The store is locked.",
    "",
  ].join("\n");
  const r = bad("", stderr) as CliFailure;
  assert.equal(r.kind, "traceback");
  assert.equal(r.message, "The store is locked.");
  assert.equal(r.errorType, "IllegalOperationError");
  assert.equal(failureText(r), "The store is locked. (IllegalOperationError)");
});

test("a chained traceback reports the final exception", () => {
  const stderr = "Traceback (most recent call last):\n  x\nKeyError: 'a'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  y\nRuntimeError: final\n";
  const r = bad("", stderr) as CliFailure;
  assert.equal(r.message, "final");
});

test("text-mode `Error: ...`", () => {
  const r = bad("", "Error: Invalid output format 'jsn'.\n") as CliFailure;
  assert.equal(r.kind, "text");
  assert.equal(r.message, "Invalid output format 'jsn'.");
});

test("non-zero exit with other text: its last line", () => {
  const r = bad("", "something odd\nreally odd\n", 2) as CliFailure;
  assert.equal(r.kind, "text");
  assert.equal(r.message, "really odd");
});

test("non-zero exit with nothing printed", () => {
  const r = bad("", "", 3) as CliFailure;
  assert.equal(r.kind, "no-output");
  assert.match(r.message, /exited with code 3/);
});

test("exit 0 without JSON", () => {
  const r = ok("All good\n") as CliFailure;
  assert.equal(r.ok, false);
  assert.equal(r.kind, "no-json");
  assert.match(r.message, /no JSON result.*All good/);
  assert.equal((ok("") as CliFailure).kind, "no-output");
});

test("a JSON line that is not an object is not an envelope", () => {
  assert.equal(ok('["a"]\n').ok, false);
});

test("secrets are removed from everything parsed", () => {
  // A secret of no recognisable shape: only the secrets list removes it.
  const key = "correct-horse-battery-staple";
  const r = bad("", `{"command":"login","error":{"message":"API key ${key} rejected","type":"CLIError"}}\nWarning: saw ${key}\n`, 1, ) as CliFailure;
  const again = parseCliOutput({ stdout: "", stderr: `{"command":"login","error":{"message":"API key ${key} rejected"}}\nWarning: saw ${key}\n`, exitCode: 1 }, [key]) as CliFailure;
  assert.ok(r.message.includes(key), "without the secrets list the text is as printed");
  assert.ok(!again.message.includes(key));
  assert.ok(!again.warnings.join(" ").includes(key));
  assert.match(again.message, /^API key \S*\*\*\*\* rejected$/);
  // A token shape is masked with or without the list.
  const shaped = "kat_supersecretvalue_123456";
  const plain = bad("", `{"command":"login","error":{"message":"API key ${shaped} rejected"}}\nWarning: saw ${shaped}\n`) as CliFailure;
  assert.equal(plain.message, "API key kat_**** rejected");
  assert.deepEqual(plain.warnings, ["saw kat_****"]);
});

// ---------------------------------------------------------------------------------------------
// Stacks

test("parseStack and sameStack (dashed and undashed ids, names)", () => {
  const s = parseStack({ id: "A51BF906-a221-46d7-81b8-c81f8adc5097", name: "default", is_active: true })!;
  assert.equal(s.name, "default");
  assert.ok(sameStack("a51bf906a22146d781b8c81f8adc5097", s));
  assert.ok(sameStack("default", s));
  assert.ok(!sameStack("gpu", s));
  assert.ok(!sameStack(5, s));
  assert.equal(parseStack({}), undefined);
});

// ---------------------------------------------------------------------------------------------
// Login targets

test("validateLoginTarget follows Kitaru's _normalize_login_target", () => {
  const yes = (input: string, target: string, kind: "url" | "workspace") => assert.deepEqual(validateLoginTarget(input), { ok: true, target, kind }, input);
  const no = (input: string, re: RegExp) => {
    const v = validateLoginTarget(input);
    assert.equal(v.ok, false, input);
    if (!v.ok) assert.match(v.message, re, input);
  };
  yes("https://kitaru.example.com/", "https://kitaru.example.com", "url");
  yes("  http://127.0.0.1:8080//  ", "http://127.0.0.1:8080", "url");
  yes("https://host/path?q=1", "https://host/path?q=1", "url");
  yes("my-workspace", "my-workspace", "workspace");
  yes("0f8e3c2a", "0f8e3c2a", "workspace");
  no("", /cannot be empty/);
  no("   /// ", /cannot be empty/);
  no("http://", /http:\/\/ or https:\/\/ URL\.$/);
  no("https:example.com", /http:\/\/ or https:\/\/ URL\.$/);
  no("http:///path", /http:\/\/ or https:\/\/ URL\.$/);
  no("kitaru.example.com", /or pass a managed workspace name or ID/);
  no("localhost", /managed workspace/);
  no("localhost:8383", /managed workspace/);
  no("::1", /managed workspace/);
  no("ftp://x", /managed workspace/);
  no("HTTPS://x.example", /managed workspace/);
});

test("auth overrides: presence counts, even empty", () => {
  assert.deepEqual(authOverrides({ KITARU_SERVER_URL: "", PATH: "/bin" }), ["KITARU_SERVER_URL"]);
  assert.deepEqual(authOverrides({ ZENML_STORE_API_KEY: "k", KITARU_AUTH_TOKEN: "t" }), ["KITARU_AUTH_TOKEN", "ZENML_STORE_API_KEY"]);
  assert.equal(authRefusal("log out", {}), undefined);
  const msg = authRefusal("log in to a server", { KITARU_SERVER_URL: "https://x", KITARU_AUTH_TOKEN: "kat_x" }, { KITARU_SERVER_URL: { label: "kitaru.environment setting" }, KITARU_AUTH_TOKEN: { label: "env file .env", file: "/ws/.env", line: 4 } }, "/ws")!;
  assert.match(msg, /^cannot log in to a server while auth environment variables are set: KITARU_SERVER_URL \(kitaru\.environment setting\) and KITARU_AUTH_TOKEN \(\.env:4\)/);
  assert.ok(!msg.includes("kat_x"), "values are never quoted");
});

test("displayCommandLine masks --api-key and quotes", () => {
  const key = "kat_abcdefghijklmnop";
  assert.equal(displayCommandLine("/opt/venv/bin/kitaru", ["login", "https://x", "--api-key", key, "--project", "my project", "-o", "json"]), "/opt/venv/bin/kitaru login https://x --api-key **** --project 'my project' -o json");
  assert.equal(displayCommandLine("kitaru", ["login", `--api-key=${key}`]), "kitaru login --api-key=****");
  assert.ok(!displayCommandLine("kitaru", ["weird", key], [key]).includes(key));
});

// ---------------------------------------------------------------------------------------------
// What is effective now

function setting(key: string, value: string | null, source: Setting["source"], origin?: Setting["origin"], overridden: Setting["overridden"] = []): Setting {
  return { key, value, source, ...(origin ? { origin } : {}), overridden };
}

function resolution(settings: Record<string, Setting>): Resolution {
  return { version: 1, workspace: "/ws", cwd: "/ws", configDir: { path: "/home/u/.config/kitaru", source: "default", reason: "" }, settings, problems: [], looked: [], secrets: [] };
}

const GPU = { id: "7c0e2d4a-3b1f-4e8a-9d6c-5f2a1b3c4d5e", name: "gpu" };

test("stack switch: persisted stack now decides", () => {
  const r = resolution({ stack: setting("stack", GPU.id, "global", { file: "/home/u/.config/kitaru/config.yaml", line: 2 }) });
  const m = describeStackSwitch(r, GPU);
  assert.equal(m.text, "Active stack is now 'gpu'; this workspace runs on it.");
  assert.equal(m.severity, "info");
  assert.equal(m.open, undefined);
});

test("stack switch: pyproject still decides, with the line to open", () => {
  const r = resolution({ stack: setting("stack", "prod", "pyproject", { file: "/ws/pyproject.toml", line: 3, column: 1 }, [{ value: GPU.id, source: "global" }]) });
  const m = describeStackSwitch(r, GPU);
  assert.equal(m.text, "Active stack is now 'gpu'; this workspace still runs on 'prod' from pyproject.toml:3.");
  assert.equal(m.severity, "warning");
  assert.deepEqual(m.open, { file: "/ws/pyproject.toml", line: 3, column: 1 });
});

test("stack switch: KITARU_STACK decides (process env, setting, env file)", () => {
  assert.equal(describeStackSwitch(resolution({ stack: setting("stack", "prod", "env", { env: "KITARU_STACK" }) }), GPU).text, "Active stack is now 'gpu'; this workspace still runs on 'prod' from $KITARU_STACK.");
  assert.equal(describeStackSwitch(resolution({ stack: setting("stack", "prod", "env", { env: "KITARU_STACK", via: "kitaru.environment setting" }) }), GPU).text, "Active stack is now 'gpu'; this workspace still runs on 'prod' from $KITARU_STACK (kitaru.environment setting).");
  const fromFile = describeStackSwitch(resolution({ stack: setting("stack", "prod", "env", { env: "KITARU_STACK", file: "/ws/.env", line: 2, via: "env file .env" }) }), GPU);
  assert.equal(fromFile.text, "Active stack is now 'gpu'; this workspace still runs on 'prod' from $KITARU_STACK (.env:2).");
  assert.deepEqual(fromFile.open, { file: "/ws/.env", line: 2 });
});

test("stack switch: a higher layer naming the same stack", () => {
  const m = describeStackSwitch(resolution({ stack: setting("stack", "gpu", "pyproject", { file: "/ws/pyproject.toml", line: 3 }) }), GPU);
  assert.equal(m.text, "Active stack is now 'gpu'; this workspace runs on it (pyproject.toml:3 sets it too).");
  assert.equal(m.severity, "info");
});

test("stack switch: a repository .kitaru/config.yaml with another id, shown by name", () => {
  const r = resolution({ stack: setting("stack", "e4b5c6d7-8e9f-4a0b-b1c2-d3e4f5a6b7c8", "global", { file: "/ws/.kitaru/config.yaml", line: 1 }) });
  const m = describeStackSwitch(r, GPU, { stacks: [{ id: "e4b5c6d7-8e9f-4a0b-b1c2-d3e4f5a6b7c8", name: "prod", isActive: false, isManaged: true }] });
  assert.equal(m.text, "Active stack is now 'gpu'; this workspace still runs on 'prod' from the persisted active stack in .kitaru/config.yaml:1.");
});

test("stack switch: code that chooses its own stack is named", () => {
  const src = 'import kitaru\nfrom kitaru import flow\n\n@flow(stack="gpu-cluster")\ndef research(topic: str) -> str:\n    return topic\n\n@flow(stack="gpu")\ndef same(x): ...\n\nkitaru.configure(stack=None)\nresearch.run("x", stack=pick())\n';
  const pins = stackPinsInModule("/ws/agent.py", readPythonModule(src));
  assert.deepEqual(
    pins.map((p) => [p.kind, p.subject, p.value, p.dynamic, p.line]),
    [
      ["decorator", "research", "gpu-cluster", false, 4],
      ["decorator", "same", "gpu", false, 8],
      ["invocation", "research", "pick()", true, 12],
    ],
  );
  const m = describeStackSwitch(resolution({ stack: setting("stack", GPU.id, "global", { file: "/c/config.yaml", line: 2 }) }), GPU, { pins });
  // Every pin counts, also the one naming the stack just chosen: that flow keeps it whatever is chosen next.
  assert.equal(m.text, "Active stack is now 'gpu'; this workspace runs on it. Code still chooses its own stack in 3 places: @flow(stack='gpu-cluster') on research (agent.py:4); @flow(stack='gpu') on same (agent.py:8, the stack just chosen); and 1 more.");
  assert.equal(m.severity, "warning");
  assert.deepEqual(m.open, { file: "/ws/agent.py", line: 4, column: 13 });
});

test("stack switch: a decorator pin naming the chosen stack is counted (monorepo member, /tmp/w1)", () => {
  const src = 'import kitaru\nfrom kitaru import flow\n\n@flow(stack="gpu")\ndef alpha_flow(x): ...\n\nalpha_flow.run("hi", stack="prod")\n';
  const pins = stackPinsInModule("/w1/packages/alpha/src/flows.py", readPythonModule(src));
  const alpha = resolution({ stack: setting("stack", "alpha-stack", "pyproject", { file: "/w1/packages/alpha/pyproject.toml", line: 5 }) });
  const m = describeStackSwitch(alpha, GPU, { pins, base: "/w1" });
  assert.equal(m.text, "Active stack is now 'gpu'; this workspace still runs on 'alpha-stack' from packages/alpha/pyproject.toml:5. Code still chooses its own stack in 2 places: @flow(stack='gpu') on alpha_flow (packages/alpha/src/flows.py:4, the stack just chosen); alpha_flow.run(stack='prod') (packages/alpha/src/flows.py:7).");
  // The picker says the same about the same project and pins.
  assert.equal(describeStackPicker(alpha, pins, "/w1"), "Choose the active stack. Note: this workspace runs on 'alpha-stack' from packages/alpha/pyproject.toml:5 whatever is chosen here, and code chooses its own stack in 2 places (@flow(stack='gpu') on alpha_flow (packages/alpha/src/flows.py:4), …).");
  assert.equal(describeStackPicker(resolution({ stack: setting("stack", GPU.id, "global", { file: "/c/config.yaml", line: 2 }) }), pins.slice(0, 1), "/w1"), "Choose the active stack (kitaru stack use). Note: code chooses its own stack in one place (@flow(stack='gpu') on alpha_flow (packages/alpha/src/flows.py:4)), which this does not change.");
  assert.equal(describeStackPicker(undefined, []), "Choose the active stack (kitaru stack use)");
  // Only pins that name the chosen stack: said, but nothing to warn about.
  assert.equal(describeStackSwitch(resolution({ stack: setting("stack", GPU.id, "global", { file: "/c/config.yaml", line: 2 }) }), GPU, { pins: pins.slice(0, 1), base: "/w1" }).severity, "info");
});

test("a variable from kitaru.environment in a workspace settings file names the file and line", () => {
  const s = setting("stack", "prod", "env", { env: "KITARU_STACK", via: "kitaru.environment setting", file: "/ws/.vscode/settings.json", line: 4 });
  assert.equal(describeSettingOrigin(s, "/ws"), "$KITARU_STACK (kitaru.environment setting in .vscode/settings.json:4)");
  assert.equal(envSourceText({ via: "env file .env", file: "/ws/.env", line: 2 }, "/ws"), ".env:2");
  assert.equal(envSourceText({ via: "kitaru.environment setting" }), "kitaru.environment setting");
  assert.equal(envSourceText({}), "");
});

test("the command line that gives the explain view's answer: --dotenv, and kitaru.environment's names (never values)", () => {
  assert.deepEqual(resolveCommandLines({ workspace: "/ws", cwd: "/ws" }), ["Same answer on the command line: kitaru-config resolve --workspace /ws"]);
  assert.deepEqual(resolveCommandLines({ workspace: "/my ws", cwd: "/my ws/pkg", envFile: "/my ws/.env", call: "src/a.py:3", settingVariables: ["KITARU_STACK", "KITARU_AUTH_TOKEN"] }), [
    "Same answer on the command line: kitaru-config resolve --workspace '/my ws' --cwd '/my ws/pkg' --dotenv '/my ws/.env' --call src/a.py:3",
    "The command line cannot see the kitaru.environment setting: set KITARU_AUTH_TOKEN and KITARU_STACK in its environment first (they add these variables here).",
  ]);
  assert.deepEqual(resolveCommandLines({ workspace: "/ws", envFileUnread: "/ws/missing.env", settingVariables: ["KITARU_STACK"] }).slice(1), [
    "The command line cannot see the kitaru.environment setting: set KITARU_STACK in its environment first (it adds this variable here).",
    "kitaru.envFile names /ws/missing.env, which could not be read, so it is not passed.",
  ]);
});

test("login: local, remote, and still overridden by KITARU_SERVER_URL", () => {
  const persisted = resolution({ server_url: setting("server_url", "http://127.0.0.1:8383", "global", { file: "/c/config.yaml", line: 5 }) });
  assert.equal(describeLogin(persisted, { mode: "local", url: "http://127.0.0.1:8383" }).text, "Connected to the local Kitaru server at http://127.0.0.1:8383; this workspace now connects to it.");
  const remote = resolution({ server_url: setting("server_url", "https://k.example.com", "global", { file: "/c/config.yaml", line: 5 }) });
  assert.equal(describeLogin(remote, { mode: "remote", url: "https://k.example.com/", project: "demo" }).text, "Logged in to https://k.example.com (project demo); this workspace now connects to it.");
  const env = resolution({ server_url: setting("server_url", "https://ci.example.com", "env", { env: "KITARU_SERVER_URL", file: "/ws/.env", line: 1 }) });
  const m = describeLogin(env, { mode: "local", url: "http://127.0.0.1:8383" });
  assert.equal(m.text, "Connected to the local Kitaru server at http://127.0.0.1:8383; this workspace still connects to https://ci.example.com from $KITARU_SERVER_URL (.env:1).");
  assert.equal(m.severity, "warning");
  assert.deepEqual(m.open, { file: "/ws/.env", line: 1 });
});

test("logout messages by mode", () => {
  const none = resolution({ server_url: setting("server_url", null, "default") });
  assert.equal(describeLogout(none, { mode: "remote_server", target: "https://k.example.com" }).text, "Logged out from https://k.example.com; its stored credentials were removed. Runs from this workspace now use the local store.");
  assert.equal(describeLogout(none, { mode: "local_server" }).text, "Logged out from the local Kitaru server. Runs from this workspace now use the local store.");
  assert.match(describeLogout(none, { mode: "local_store" }).text, /already using its local store/);
  assert.equal(describeLogout(undefined, undefined).text, "Logged out. Runs from this workspace now use the local store.");
});

// ---------------------------------------------------------------------------------------------
// A password inside a server URL (the tester's Log In to Server… with https://alice:<pw>@host)

const PW = "Tr0ub4dor-Alice-9x";
const ALICE = `https://alice:${PW}@kitaru.example.com`;

test("a URL password is masked in every message built from CLI input or output", () => {
  // The notification after login: from the URL typed and the URL kitaru echoes.
  const persisted = resolution({ server_url: setting("server_url", "https://alice:****@kitaru.example.com", "global", { file: "/c/config.yaml", line: 5 }) });
  assert.equal(describeLogin(persisted, { mode: "remote", url: ALICE, project: "proj-x" }).text, "Logged in to https://alice:****@kitaru.example.com (project proj-x); this workspace now connects to it.");
  assert.equal(describeLogin(undefined, { mode: "remote", url: `${ALICE}/` }).text, "Logged in to https://alice:****@kitaru.example.com.");
  // Log Out: kitaru's item names the server it left.
  const none = resolution({ server_url: setting("server_url", null, "default") });
  assert.equal(describeLogout(none, { mode: "remote_server", target: ALICE }).text, "Logged out from https://alice:****@kitaru.example.com; its stored credentials were removed. Runs from this workspace now use the local store.");
  assert.ok(!describeLogout(none, { mode: "remote_store", target: ALICE }).text.includes(PW));
  // The command line in Output › Kitaru.
  const line = displayCommandLine("/opt/venv/bin/kitaru", ["login", ALICE, "--api-key", "kat_abcdefghijklmnop", "--project", "proj-x", "-o", "json"]);
  assert.equal(line, "/opt/venv/bin/kitaru login https://alice:****@kitaru.example.com --api-key **** --project proj-x -o json");
  // Errors, warnings and other text kitaru printed, also when no secrets list names the password.
  const failed = parseCliOutput({ stdout: `Connecting to ${ALICE} ...\n`, stderr: `Warning: retrying ${ALICE}\n{"command":"login","error":{"message":"cannot reach ${ALICE}: 401","type":"AuthorizationException"}}\n`, exitCode: 1 }) as CliFailure;
  assert.equal(failed.message, "cannot reach https://alice:****@kitaru.example.com: 401");
  assert.deepEqual(failed.warnings, ["retrying https://alice:****@kitaru.example.com"]);
  assert.deepEqual(failed.text, ["Connecting to https://alice:****@kitaru.example.com ..."]);
  assert.ok(!failureText({ ...failed, message: `bad ${ALICE}` }).includes(PW));
  const traceback = parseCliOutput({ stdout: "", stderr: `Traceback (most recent call last):\n  File "x"\nrequests.exceptions.ConnectionError: ${ALICE} refused\n`, exitCode: 1 }) as CliFailure;
  assert.equal(traceback.message, "https://alice:****@kitaru.example.com refused");
  // Token shapes too, whatever printed them.
  const token = parseCliOutput({ stdout: "", stderr: "Error: token ghp_abcdefghijklmnopqrstuvwxyz0123 rejected\n", exitCode: 1 }) as CliFailure;
  assert.equal(token.message, "token ghp_**** rejected");
  // Refusals name variables, never values; the text is masked all the same.
  assert.ok(!authRefusal("log out", { KITARU_SERVER_URL: ALICE }, { KITARU_SERVER_URL: { label: `via ${ALICE}` } })!.includes(PW));
});

test("the login box warns about credentials in the URL (allowed: Kitaru passes them on)", () => {
  assert.deepEqual(urlCredentials(ALICE), { user: "alice", password: PW });
  assert.deepEqual(urlCredentials("https://bob@host.example"), { user: "bob" });
  assert.equal(urlCredentials("https://kitaru.example.com/a@b"), undefined, "an @ in the path is not userinfo");
  assert.equal(urlCredentials("my-workspace"), undefined);
  assert.equal(withoutCredentials(`${ALICE}/`), "https://kitaru.example.com/");
  assert.deepEqual(urlSecrets("https://alice:p%40ss-w0rd@h.example"), ["p%40ss-w0rd", "p@ss-w0rd"]);
  assert.deepEqual(urlSecrets("https://kitaru.example.com"), []);
  const warning = loginTargetWarning(ALICE)!;
  assert.equal(warning, "This URL carries credentials (alice:****@). Kitaru passes them on and stores the server URL, password included, in its config.yaml and credentials.yaml in clear. Prefer a URL without them (https://kitaru.example.com) and the API key in the next step. Press Enter to use it anyway.");
  assert.ok(!warning.includes(PW));
  assert.match(loginTargetWarning("https://bob@host.example")!, /a user name before @/);
  assert.equal(loginTargetWarning("https://kitaru.example.com"), undefined);
  // Still a valid target for Kitaru.
  assert.deepEqual(validateLoginTarget(ALICE), { ok: true, target: ALICE, kind: "url" });
});

test("stack switch in a monorepo member: names the project, and labels deploy() pins as deploy", () => {
  const src = 'import kitaru\nfrom kitaru import flow\n\n@flow(stack="gpu")\ndef report(x): ...\n\nreport.deploy("hi", stack="prod")\nreport.run("hi", stack="cpu")\n';
  const pins = stackPinsInModule("/w/packages/c/app/main.py", readPythonModule(src));
  assert.deepEqual(pins.map((p) => [p.kind, p.method ?? "", p.value, p.line]), [["decorator", "", "gpu", 4], ["invocation", "deploy", "prod", 7], ["invocation", "run", "cpu", 8]]);
  const c = resolution({ stack: setting("stack", GPU.id, "global", { file: "/c/config.yaml", line: 2 }) });
  const m = describeStackSwitch(c, GPU, { pins: pins.slice(0, 2), base: "/w", project: "packages/c" });
  assert.equal(m.text, "Active stack is now 'gpu'; packages/c runs on it. Code still chooses its own stack in 2 places: @flow(stack='gpu') on report (packages/c/app/main.py:4, the stack just chosen); report.deploy(stack='prod') (packages/c/app/main.py:7).");
  const a = resolution({ stack: setting("stack", "a-stack", "pyproject", { file: "/w/packages/a/pyproject.toml", line: 3 }) });
  assert.equal(describeStackSwitch(a, GPU, { base: "/w", project: "packages/a" }).text, "Active stack is now 'gpu'; packages/a still runs on 'a-stack' from packages/a/pyproject.toml:3.");
  assert.equal(describeStackPicker(a, pins.slice(1, 2), "/w", "packages/a"), "Choose the active stack. Note: packages/a runs on 'a-stack' from packages/a/pyproject.toml:3 whatever is chosen here, and code chooses its own stack in one place (report.deploy(stack='prod') (packages/c/app/main.py:7)).");
});

test("the explain view's command line says which unsaved files the answer includes", () => {
  assert.deepEqual(resolveCommandLines({ workspace: "/w", cwd: "/w/packages/a", unsaved: ["packages/a/pyproject.toml"] }), [
    "This answer includes unsaved edits to packages/a/pyproject.toml. The command line reads it from disk: it gives the same answer once it is saved: kitaru-config resolve --workspace /w --cwd /w/packages/a",
  ]);
  assert.match(resolveCommandLines({ workspace: "/w", unsaved: ["pyproject.toml", "src/flows.py"] })[0]!, /^This answer includes unsaved edits to pyproject\.toml and src\/flows\.py\. The command line reads these files from disk: it gives the same answer once they are saved: /);
  assert.match(resolveCommandLines({ workspace: "/w", unsaved: [] })[0]!, /^Same answer on the command line: /);
});

test("a persisted stack id the local store could not name: the name kitaru reported, else a short id", () => {
  const known = [{ id: GPU.id, name: "gpu", via: "kitaru stack use" as const }];
  assert.deepEqual(knownStackName({ value: GPU.id, source: "global" }, known), known[0]);
  assert.deepEqual(knownStackName({ value: GPU.id.replace(/-/g, "").toUpperCase(), source: "zenml-env" }, known), known[0], "undashed, any case");
  assert.equal(knownStackName({ value: GPU.id, source: "pyproject" }, known), undefined, "only persisted layers hold ids this way");
  assert.equal(knownStackName({ value: "gpu", source: "global" }, known), undefined, "already a name");
  assert.equal(knownStackName({ value: "a51bf906-a221-46d7-81b8-c81f8adc5097", source: "global" }, known), undefined, "another id");
  assert.ok(isStackId(GPU.id) && isStackId(GPU.id.replace(/-/g, "")) && !isStackId("gpu"));
  assert.equal(shortStackId(GPU.id), "7c0e2d4a…");
  assert.equal(shortStackId("gpu"), "gpu");
});

test("a JSON result for another command than the one run is a failure, not that command's success", () => {
  assert.equal(envelopeCommand(["login", "-o", "json"]), "login");
  assert.equal(envelopeCommand(["logout", "-o", "json"]), "logout");
  assert.equal(envelopeCommand(["stack", "use", "prod", "-o", "json"]), "stack.use");
  const reply = { stdout: '{"command": "stack.list", "items": [], "count": 0}\n', stderr: "", exitCode: 0 };
  for (const command of ["login", "logout"]) {
    const o = parseCliOutput(reply, [], command) as CliFailure;
    assert.equal(o.ok, false, command);
    assert.equal(o.kind, "wrong-command");
    assert.match(failureText(o), new RegExp(`another command \\("stack\\.list", not "${command}"\\)`));
  }
  // The command it was run for, or an envelope without a command, is a success.
  assert.equal(parseCliOutput(reply, [], "stack.list").ok, true);
  assert.equal(parseCliOutput({ ...reply, stdout: '{"command": "login", "item": {"mode": "local", "url": "http://127.0.0.1:8383"}}\n' }, [], "login").ok, true);
  assert.equal(parseCliOutput({ ...reply, stdout: '{"item": {"mode": "local"}}\n' }, [], "login").ok, true);
});
