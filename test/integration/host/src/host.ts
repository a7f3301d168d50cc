// The in-host test runner: a tiny extension, installed next to the extension
// under test by test/integration/run.mjs, that runs mocha suites inside the
// real extension host (where `import * as vscode from "vscode"` works) and
// reports through a JSON file, since the VS Code server ignores
// --extensionTestsPath.
//
// Environment (inherited from the server process):
//   KITARU_TEST_SUITES      compiled suite files, path.delimiter-separated
//   KITARU_TEST_RESULTS     JSON file to write (rewritten as tests progress;
//                           `done: true` once the run has finished)
//   KITARU_TEST_MOCHA       folder of the `mocha` package to load
//   KITARU_TEST_TIMEOUT_MS  per-test timeout (default 60000)
//   KITARU_TEST_GREP        only run tests whose full title matches
// Without KITARU_TEST_SUITES/KITARU_TEST_RESULTS the extension does nothing.
import * as fs from "fs";
import * as path from "path";
import * as util from "util";
import * as vscode from "vscode";
import type Mocha from "mocha";

type State = "passed" | "failed" | "pending";

interface TestError {
  message: string;
  stack?: string;
  actual?: string;
  expected?: string;
}

interface TestRecord {
  title: string;
  fullTitle: string;
  file?: string;
  state: State;
  durationMs: number;
  error?: TestError;
}

interface Results {
  passed: number;
  failed: number;
  pending: number;
  tests: TestRecord[];
  done: boolean;
  /** Full title of the test running now (for diagnosing a hang). */
  current?: string;
  suites: string[];
  vscodeVersion: string;
  startedAt: string;
  finishedAt?: string;
  /** Set when the run itself could not happen (mocha or a suite failed to load). */
  fatal?: TestError;
}

let started = false;

export function activate(context: vscode.ExtensionContext): void {
  const suitesEnv = process.env.KITARU_TEST_SUITES;
  const resultsFile = process.env.KITARU_TEST_RESULTS;
  if (!suitesEnv || !resultsFile || started) {
    return;
  }
  started = true;
  const channel = vscode.window.createOutputChannel("Kitaru Integration Tests", { log: true });
  context.subscriptions.push(channel);
  const suites = suitesEnv.split(path.delimiter).filter((s) => s.length > 0);
  const results: Results = {
    passed: 0,
    failed: 0,
    pending: 0,
    tests: [],
    done: false,
    suites,
    vscodeVersion: vscode.version,
    startedAt: new Date().toISOString(),
  };
  const write = (): void => writeResults(resultsFile, results);
  write();
  channel.info(`running ${suites.length} suite(s) in VS Code ${vscode.version}: ${suites.join(", ")}`);
  try {
    runSuites(suites, results, write, channel);
  } catch (err) {
    results.fatal = toTestError(err);
    results.failed += 1;
    results.done = true;
    results.finishedAt = new Date().toISOString();
    channel.error(`test run could not start: ${results.fatal.stack ?? results.fatal.message}`);
    write();
  }
}

export function deactivate(): void {
  // nothing to release: the results file is complete or shows where it stopped
}

function runSuites(
  suites: string[],
  results: Results,
  write: () => void,
  channel: vscode.LogOutputChannel,
): void {
  const mochaDir = process.env.KITARU_TEST_MOCHA;
  if (!mochaDir) {
    throw new Error("KITARU_TEST_MOCHA (folder of the mocha package) is not set");
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const MochaCtor = require(mochaDir) as typeof Mocha;
  const timeout = Number(process.env.KITARU_TEST_TIMEOUT_MS ?? "60000");

  const record = (test: Mocha.Runnable, state: State, err?: unknown): void => {
    const entry: TestRecord = {
      title: test.title,
      fullTitle: test.fullTitle(),
      state,
      durationMs: test.duration ?? 0,
    };
    if (test.file) entry.file = test.file;
    if (err !== undefined) entry.error = toTestError(err);
    results.tests.push(entry);
    results[state] += 1;
    delete results.current;
    const mark = state === "passed" ? "✓" : state === "failed" ? "✗" : "-";
    channel.info(`${mark} ${entry.fullTitle} (${entry.durationMs} ms)${entry.error ? `: ${entry.error.message}` : ""}`);
    write();
  };

  class HostReporter {
    constructor(runner: Mocha.Runner) {
      runner.on("test", (test) => {
        results.current = test.fullTitle();
        write();
      });
      runner.on("pass", (test) => record(test, "passed"));
      runner.on("pending", (test) => record(test, "pending"));
      // Also fired for failing hooks (before/after...), with the hook.
      runner.on("fail", (runnable, err) => record(runnable, "failed", err));
    }
  }

  const options: Mocha.MochaOptions = {
    ui: "tdd",
    timeout,
    color: false,
    reporter: HostReporter as unknown as Mocha.ReporterConstructor,
  };
  if (process.env.KITARU_TEST_GREP) options.grep = process.env.KITARU_TEST_GREP;
  const mocha = new MochaCtor(options);
  for (const file of suites) mocha.addFile(file);
  mocha.run(() => {
    results.done = true;
    results.finishedAt = new Date().toISOString();
    delete results.current;
    channel.info(`done: ${results.passed} passed, ${results.failed} failed, ${results.pending} pending`);
    write();
  });
}

function toTestError(err: unknown): TestError {
  if (err instanceof Error) {
    const out: TestError = { message: err.message };
    if (err.stack) out.stack = err.stack;
    const e = err as Error & { actual?: unknown; expected?: unknown; showDiff?: boolean };
    if ("expected" in e || "actual" in e) {
      out.actual = util.inspect(e.actual, { depth: 6 });
      out.expected = util.inspect(e.expected, { depth: 6 });
    }
    return out;
  }
  return { message: util.inspect(err) };
}

/** Write atomically, so the runner never reads half a file. */
function writeResults(file: string, results: Results): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2) + "\n");
  fs.renameSync(tmp, file);
}
