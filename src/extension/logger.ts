import * as vscode from "vscode";
import { maskSecretsInText } from "../core/secrets";

/** One log channel for the extension (`Kitaru` in the Output panel). Never given a secret in clear. */
export type Logger = vscode.LogOutputChannel;

/** The channel's methods that write text: each masks what it is given. */
const WRITERS = new Set<PropertyKey>(["trace", "debug", "info", "warn", "error", "append", "appendLine", "replace"]);

/**
 * The channel, with every line it writes masked (URL passwords, token shapes,
 * secret-named fields): messages are built from CLI output, file contents and
 * errors of other libraries, and a line that forgot to mask must not leak.
 */
export function maskingLogger(channel: vscode.LogOutputChannel): Logger {
  return new Proxy(channel, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (typeof value !== "function") return value;
      if (!WRITERS.has(prop)) return (value as (...a: unknown[]) => unknown).bind(target);
      return (message: unknown, ...args: unknown[]) => (value as (...a: unknown[]) => unknown).call(target, maskLogArgument(message), ...args.map(maskLogArgument));
    },
  });
}

function maskLogArgument(value: unknown): unknown {
  if (typeof value === "string") return maskSecretsInText(value);
  if (value instanceof Error) return maskSecretsInText(value.stack ?? `${value.name}: ${value.message}`);
  return value;
}

export function createLogger(context: vscode.ExtensionContext): Logger {
  const channel = vscode.window.createOutputChannel("Kitaru", { log: true });
  context.subscriptions.push(channel);
  return maskingLogger(channel);
}

/** Shows an error with a "Show Logs" action and writes it to the log. */
export async function showError(logger: Logger, message: string): Promise<void> {
  const text = maskSecretsInText(message);
  logger.error(text);
  const choice = await vscode.window.showErrorMessage(text, "Show Logs");
  if (choice === "Show Logs") logger.show(true);
}
