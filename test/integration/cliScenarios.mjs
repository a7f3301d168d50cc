// Scenarios for the kitaru CLI commands (Switch Stack, Log In, Log In to
// Server…, Log Out), listed in ./scenarios.mjs. Each builds its own workspace
// and config directory under ctx.tmpDir; the CLI is the fake in
// test/fake-kitaru (on PATH, or inside the workspace for Restricted Mode).
import * as fs from "node:fs";
import * as path from "node:path";
import { isolatedKitaruEnv } from "./isolatedEnv.mjs";
import { fileURLToPath } from "node:url";

const FAKE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "fake-kitaru");

/** The API key, token and URL password the suites type; they must not appear in any log or result. */
export const CLI_SECRETS = ["kat_fake_9f3Kx7Qm2Lp8Vw4Zr6Tn", "kat_ci_token_5Hq2Wz8Kd3Xv7Lm1", "alicePw-7Hq2Zx9Lm4Tn"];

const DEFAULT_STACK_ID = "a51bf906-a221-46d7-81b8-c81f8adc5097";

function fakeDir() {
  return FAKE_DIR;
}

function workspace(ctx, name, pyproject) {
  const dir = path.join(ctx.tmpDir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "pyproject.toml"), pyproject);
  return dir;
}

/** A config directory outside the workspace, with the default stack active, and nothing else of the machine's. */
function hermetic(ctx, extra) {
  const home = path.join(ctx.tmpDir, "kitaru-home");
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(path.join(home, "config.yaml"), `active_stack_id: ${DEFAULT_STACK_ID}\nstore:\n  type: sql\n  url: sqlite:///${home}/local_stores/default_zen_store/zenml.db\nversion: 0.94.2\n`);
  return {
    ...isolatedKitaruEnv(ctx, home),
    FAKE_KITARU_MODE: undefined,
    FAKE_KITARU_NODE: process.execPath,
    FAKE_KITARU_LOG: path.join(ctx.tmpDir, "fake-kitaru-calls.jsonl"),
    FAKE_KITARU_DEVICE_MS: "1500",
    ...extra,
  };
}

/** PATH without any directory holding a `kitaru` (the machine's own, if any). */
function pathWithoutKitaru() {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir && !fs.existsSync(path.join(dir, process.platform === "win32" ? "kitaru.exe" : "kitaru")))
    .join(path.delimiter);
}

export const cliScenarios = [
  {
    // Every command against the fake CLI on PATH: stacks, overrides, failures, hangs, logins.
    name: "cli-commands",
    workspace: (ctx) => workspace(ctx, "cli-workspace", '[project]\nname = "cli-demo"\n\n[tool.kitaru]\nretries = 1\n'),
    env: (ctx) => hermetic(ctx, {}),
    // The extension host's PATH is the login shell's (VS Code resolves it), so the
    // fake is named by the setting; the suite also walks the .venv and PATH steps.
    settings: { "kitaru.path": path.join(FAKE_DIR, "kitaru") },
    suites: ["cli.test.ts"],
    forbiddenOutput: CLI_SECRETS,
    timeoutMs: 6 * 60_000,
  },
  {
    // The tester's /tmp/w1: a monorepo whose member pins its own stack, and code that
    // pins stacks in @flow(...) and .run(...). The picker's note and the message after
    // switching describe the same project (the one in the tree) and count every pin.
    name: "cli-monorepo",
    workspace: (ctx) => {
      const dir = workspace(ctx, "monorepo", '[project]\nname = "mono-root"\n\n[tool.kitaru]\nstack = "root-stack"\nretries = 1\n');
      const alpha = path.join(dir, "packages", "alpha");
      fs.mkdirSync(path.join(alpha, "src"), { recursive: true });
      fs.writeFileSync(path.join(alpha, "pyproject.toml"), '[project]\nname = "alpha"\n\n[tool.kitaru]\nstack = "alpha-stack"\ncache = true\n');
      fs.writeFileSync(
        path.join(alpha, "src", "flows.py"),
        'import kitaru\nfrom kitaru import flow\n\n\n@flow(stack="gpu")\ndef alpha_flow(x: str) -> str:\n    return x\n\n\nif __name__ == "__main__":\n    alpha_flow.run("hi", stack="prod")\n',
      );
      fs.writeFileSync(path.join(dir, "root_flows.py"), 'from kitaru import flow\n\n\n@flow(stack="root-pinned")\ndef root_flow() -> None:\n    pass\n');
      // The tester's packages/c: no stack of its own (persisted decides), a flow pinned to gpu,
      // and a deploy() call pinned to prod at line 16.
      const c = path.join(dir, "packages", "c");
      fs.mkdirSync(path.join(c, "app"), { recursive: true });
      fs.writeFileSync(path.join(c, "pyproject.toml"), '[project]\nname = "c"\n\n[tool.kitaru]\nretries = 3\n');
      fs.writeFileSync(
        path.join(c, "app", "main.py"),
        [
          "import kitaru",
          "from kitaru import flow",
          "",
          "",
          '@flow(stack="gpu")',
          "def report(topic: str) -> str:",
          "    return topic",
          "",
          "",
          "def nightly() -> None:",
          '    report.run("daily")',
          "",
          "",
          "def ship() -> None:",
          "    # deployed on the production stack",
          '    report.deploy("weekly", stack="prod")',
          "",
        ].join("\n"),
      );
      return dir;
    },
    env: (ctx) => hermetic(ctx, {}),
    // Unsaved edits stay unsaved (the explain view's note about them).
    settings: { "kitaru.path": path.join(FAKE_DIR, "kitaru"), "files.autoSave": "off" },
    suites: ["cli-monorepo.test.ts"],
  },
  {
    // No kitaru anywhere: one clear message per command, the tree keeps working.
    name: "cli-missing",
    workspace: (ctx) => workspace(ctx, "cli-missing", '[project]\nname = "no-cli"\n\n[tool.kitaru]\nstack = "prod"\n'),
    env: (ctx) => hermetic(ctx, {}),
    // The explained PATH, without any kitaru (the host's own PATH comes from the login shell).
    settings: { "kitaru.environment": { PATH: pathWithoutKitaru() } },
    suites: ["cli-missing.test.ts"],
    forbiddenOutput: CLI_SECRETS,
  },
  {
    // Restricted Mode: every feature and command driven in a workspace full of executables
    // (.venv/bin/kitaru and python, venv/, bin/kitaru named by kitaru.path and PATH in its
    // settings) that each leave a marker file when run. No marker may appear.
    name: "restricted-no-exec",
    workspace: (ctx) => {
      const dir = path.join(ctx.tmpDir, "restricted-demo");
      fs.cpSync(path.join(ctx.root, "examples", "research-agent"), dir, { recursive: true });
      fs.rmSync(path.join(dir, ".kitaru-home"), { recursive: true, force: true });
      const markers = path.join(ctx.tmpDir, "markers");
      fs.mkdirSync(markers, { recursive: true });
      const trap = (rel) => {
        const file = path.join(dir, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `#!/bin/sh\necho "$0 $*" > "${markers}/$(echo ${rel} | tr / _)-$$"\necho '{"command": "x", "items": [], "count": 0}'\n`);
        fs.chmodSync(file, 0o755);
      };
      for (const rel of [".venv/bin/kitaru", ".venv/bin/python", ".venv/bin/python3", "venv/bin/kitaru", "venv/bin/python", "bin/kitaru", "bin/python", "bin/python3", "bin/git"]) trap(rel);
      fs.mkdirSync(path.join(dir, ".vscode"), { recursive: true });
      fs.writeFileSync(
        path.join(dir, ".vscode", "settings.json"),
        JSON.stringify({ "kitaru.path": "./bin/kitaru", "python.defaultInterpreterPath": ".venv/bin/python", "kitaru.environment": { PATH: `${path.join(dir, "bin")}:${pathWithoutKitaru()}` } }, null, 2) + "\n",
      );
      return dir;
    },
    env: (ctx) => ({ ...hermetic(ctx, {}), KITARU_TEST_MARKERS: path.join(ctx.tmpDir, "markers") }),
    // The workspace's own kitaru.environment (above) is ignored in Restricted Mode; a user whose
    // PATH lists the repository's bin/ is the case left, and that kitaru is refused as well.
    settings: (ctx) => ({ "kitaru.environment": { PATH: `${path.join(ctx.workspace, "bin")}:${pathWithoutKitaru()}` } }),
    trustWorkspace: false,
    suites: ["restricted-no-exec.test.ts"],
  },
  {
    // Restricted Mode with the user's own kitaru (user kitaru.path, outside the workspace): it runs,
    // but nothing the workspace chose reaches it: its settings set NODE_OPTIONS, PYTHONPATH and
    // BASH_ENV, and so does the .env a user-level kitaru.envFile names; each payload leaves a marker.
    name: "restricted-env",
    workspace: (ctx) => {
      const dir = workspace(ctx, "restricted-env", '[project]\nname = "untrusted"\n\n[tool.kitaru]\nstack = "restricted"\n');
      const markers = path.join(ctx.tmpDir, "markers");
      fs.mkdirSync(markers, { recursive: true });
      const mark = (name) => JSON.stringify(path.join(markers, name));
      fs.writeFileSync(path.join(dir, "evil-setting.js"), `require("fs").writeFileSync(${mark("node-options-setting")}, "ran");\n`);
      fs.writeFileSync(path.join(dir, "evil-envfile.js"), `require("fs").writeFileSync(${mark("node-options-envfile")}, "ran");\n`);
      fs.writeFileSync(path.join(dir, "evil-setting.sh"), `echo ran > ${mark("bash-env-setting")}\n`);
      fs.writeFileSync(path.join(dir, "evil-envfile.sh"), `echo ran > ${mark("bash-env-envfile")}\n`);
      fs.writeFileSync(path.join(dir, "sitecustomize.py"), `open(${mark("pythonpath")}, "w").write("ran")\n`);
      // The fake kitaru starts `node` from PATH, whose first entry is empty (the working directory).
      fs.writeFileSync(path.join(dir, "node"), `#!/bin/sh\necho ran > ${mark("workspace-node")}\n`);
      fs.chmodSync(path.join(dir, "node"), 0o755);
      fs.writeFileSync(path.join(dir, ".env"), "NODE_OPTIONS=--require ./evil-envfile.js\nBASH_ENV=./evil-envfile.sh\nPYTHONPATH=.\nKITARU_RETRIES=3\n");
      fs.mkdirSync(path.join(dir, ".vscode"), { recursive: true });
      fs.writeFileSync(
        path.join(dir, ".vscode", "settings.json"),
        JSON.stringify({ "kitaru.environment": { NODE_OPTIONS: "--require ./evil-setting.js", BASH_ENV: "./evil-setting.sh", PYTHONPATH: ".", KITARU_STACK: "from-workspace-setting" }, "kitaru.envFile": ".env.workspace" }, null, 2) + "\n",
      );
      // The user's kitaru: a bash script (bash reads BASH_ENV) that runs the fake kitaru (Node reads NODE_OPTIONS).
      const tools = path.join(ctx.tmpDir, "tools");
      fs.mkdirSync(tools, { recursive: true });
      fs.writeFileSync(path.join(tools, "kitaru"), `#!/bin/bash\nexec ${JSON.stringify(path.join(fakeDir(), "kitaru"))} "$@"\n`);
      fs.chmodSync(path.join(tools, "kitaru"), 0o755);
      return dir;
    },
    env: (ctx) => ({ ...hermetic(ctx, { FAKE_KITARU_NODE: undefined }), KITARU_TEST_MARKERS: path.join(ctx.tmpDir, "markers") }),
    settings: (ctx) => ({
      "kitaru.path": path.join(ctx.tmpDir, "tools", "kitaru"),
      "kitaru.envFile": ".env",
      // As `PATH="$EXTRA:$PATH"` with EXTRA unset leaves it: an empty first entry.
      "kitaru.environment": { PATH: `:${path.dirname(process.execPath)}:/usr/bin:/bin` },
    }),
    trustWorkspace: false,
    suites: ["restricted-env.test.ts"],
  },
  {
    // Restricted Mode with a kitaru inside the workspace (.venv/bin): never run.
    name: "cli-restricted",
    workspace: (ctx) => {
      const dir = workspace(ctx, "cli-restricted", '[project]\nname = "untrusted"\n\n[tool.kitaru]\nretries = 1\n');
      const bin = path.join(dir, ".venv", "bin");
      fs.mkdirSync(bin, { recursive: true });
      for (const file of ["kitaru", "kitaru.mjs"]) fs.copyFileSync(path.join(fakeDir(), file), path.join(bin, file));
      fs.chmodSync(path.join(bin, "kitaru"), 0o755);
      return dir;
    },
    env: (ctx) => hermetic(ctx, {}),
    settings: { "kitaru.environment": { PATH: pathWithoutKitaru() } },
    trustWorkspace: false,
    suites: ["cli-restricted.test.ts"],
  },
];
