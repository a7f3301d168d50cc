import * as vscode from "vscode";

/** One log channel for the extension (`Kitaru` in the Output panel). Never given a secret in clear. */
export type Logger = vscode.LogOutputChannel;

export function createLogger(context: vscode.ExtensionContext): Logger {
  const channel = vscode.window.createOutputChannel("Kitaru", { log: true });
  context.subscriptions.push(channel);
  return channel;
}

/** Shows an error with a "Show Logs" action and writes it to the log. */
export async function showError(logger: Logger, message: string): Promise<void> {
  logger.error(message);
  const choice = await vscode.window.showErrorMessage(message, "Show Logs");
  if (choice === "Show Logs") logger.show(true);
}
