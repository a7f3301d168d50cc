/** A setting written the way a user would set it: a [tool.kitaru] line, an `export` line. */
import { smolToml } from "./libraries";
import type { Setting } from "./resolve";
import type { JsonValue } from "./types";

const PYPROJECT_KEYS = /^(stack|cache|retries|image\.[a-z_]+|image\.environment\.[^.]+)$/;

/** `stack = "prod"` or `image.environment.LOG_LEVEL = "INFO"` (dotted keys are valid inside [tool.kitaru]). */
export function settingAsToml(s: Setting): string | undefined {
  if (s.masked || s.dynamic !== undefined || s.value === null || !PYPROJECT_KEYS.test(s.key)) return undefined;
  const path = s.key.split(".");
  // smol-toml writes a nested table for a nested object; a dotted key line is what fits under [tool.kitaru].
  const leaf = path.pop()!;
  const value = smolToml().stringify({ [leaf]: s.value as never }).trim();
  const quoted = path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p)));
  return `${quoted.length ? quoted.join(".") + "." : ""}${value}`;
}

const ENV_NAMES: Record<string, string> = {
  stack: "KITARU_STACK",
  cache: "KITARU_CACHE",
  retries: "KITARU_RETRIES",
  server_url: "KITARU_SERVER_URL",
  project: "KITARU_PROJECT",
  default_model: "KITARU_DEFAULT_MODEL",
  "log_store.backend": "KITARU_LOG_STORE_BACKEND",
  "log_store.endpoint": "KITARU_LOG_STORE_ENDPOINT",
  debug: "KITARU_DEBUG",
  analytics_opt_in: "KITARU_ANALYTICS_OPT_IN",
};

/** `export KITARU_STACK=prod`; image fields become a KITARU_IMAGE JSON object holding just that field. */
export function settingAsExport(s: Setting): string | undefined {
  if (s.masked || s.dynamic !== undefined || s.value === null) return undefined;
  if (s.key.startsWith("image.")) {
    const path = s.key.split(".").slice(1);
    const obj: Record<string, JsonValue> = path.length === 2 ? { [path[0]!]: { [path[1]!]: s.value } } : { [path[0]!]: s.value };
    return `export KITARU_IMAGE=${shellQuote(JSON.stringify(obj))}`;
  }
  const name = ENV_NAMES[s.key];
  if (!name) return undefined;
  const text = typeof s.value === "string" ? s.value : JSON.stringify(s.value);
  return `export ${name}=${shellQuote(text)}`;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Which "Copy as" forms a setting has (the tree offers only those). */
export function copyForms(s: Setting): { toml: boolean; export: boolean } {
  return { toml: settingAsToml(s) !== undefined, export: settingAsExport(s) !== undefined };
}
