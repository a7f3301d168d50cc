// Helpers shared by the integration suites (bundled into each compiled suite).
import * as vscode from "vscode";

/** The extension under test. */
export const EXTENSION_ID = "kitaru-tools.kitaru-config";

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Poll this often (default 100 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/**
 * Poll `probe` until it returns a value other than undefined/null/false, or
 * the deadline passes. Errors thrown by the probe count as "not yet"; the
 * last one is reported on timeout. Use this instead of fixed sleeps.
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 30_000, intervalMs = 100, what = "condition" }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: last error: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The extension under test, activated (activating it if needed). */
export async function activeExtension(timeoutMs = 60_000): Promise<vscode.Extension<unknown>> {
  const ext = await waitFor(() => vscode.extensions.getExtension(EXTENSION_ID), {
    timeoutMs,
    what: `extension ${EXTENSION_ID} to be installed`,
  });
  if (!ext.isActive) {
    // Rejects with the activation error if activate() throws.
    await ext.activate();
  }
  await waitFor(() => ext.isActive, { timeoutMs, what: `extension ${EXTENSION_ID} to be active` });
  return ext;
}
