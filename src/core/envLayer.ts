/** The KITARU_* variables (source `env`) and the ZENML_* compatibility variables (source `zenml-env`). */
import type { Host } from "./host";
import { flattenImage } from "./image";
import type { LayerValues, Origin } from "./layer";
import type { Problem } from "./problems";
import { parseBoolWord, parsePythonInt, pythonStrip } from "./pythonText";
import { kitaruSchemas } from "./libraries";
import { didYouMean } from "./didYouMean";
import { credentialValueWarning, isSecretName, maskSecret, maskSecretsInText, secretValueKind } from "./secrets";
import { describeIssue, formatPath, issuesOf, valueAt } from "./validation";

/** Every KITARU_* variable Kitaru reads (others are ignored, and reported as info only). */
export const KNOWN_KITARU_VARIABLES = [
  "KITARU_STACK",
  "KITARU_CACHE",
  "KITARU_RETRIES",
  "KITARU_IMAGE",
  "KITARU_SERVER_URL",
  "KITARU_AUTH_TOKEN",
  "KITARU_PROJECT",
  "KITARU_DEFAULT_MODEL",
  "KITARU_LLM_MOCK_RESPONSE",
  "KITARU_MODEL_REGISTRY",
  "KITARU_LOG_STORE_BACKEND",
  "KITARU_LOG_STORE_ENDPOINT",
  "KITARU_LOG_STORE_API_KEY",
  "KITARU_CONFIG_PATH",
  "KITARU_DEBUG",
  "KITARU_ANALYTICS_OPT_IN",
] as const;

export function envOrigin(host: Host, name: string): Origin {
  const from = host.envOrigins?.[name];
  if (!from) return { env: name };
  return { env: name, via: from.label, ...(from.file ? { file: from.file, line: from.line ?? 1 } : {}) };
}

/** A connection-style variable: blank means unset (Kitaru's _normalized_kitaru_env); the value as Kitaru strips it. */
export function nonBlank(host: Host, name: string): string | undefined {
  const v = host.env[name];
  if (v === undefined) return undefined;
  const stripped = pythonStrip(v);
  return stripped === "" ? undefined : stripped;
}

function envProblem(host: Host, name: string, message: string, code: Problem["code"] = "invalid-env", key?: string): Problem {
  const from = host.envOrigins?.[name];
  return {
    severity: "error",
    code,
    env: name,
    ...(key ? { key } : {}),
    ...(from?.file ? { file: from.file, span: { start: { line: from.line ?? 1, column: 1 }, end: { line: from.line ?? 1, column: 1 + name.length } } } : {}),
    message,
  };
}

export function readKitaruEnv(host: Host): { values: LayerValues; problems: Problem[] } {
  const values: LayerValues = new Map();
  const problems: Problem[] = [];
  const env = host.env;

  if (env.KITARU_RUNNER !== undefined) {
    problems.push(envProblem(host, "KITARU_RUNNER", "KITARU_RUNNER was renamed to KITARU_STACK. Kitaru refuses KITARU_RUNNER: set KITARU_STACK instead and unset KITARU_RUNNER.", "renamed-env", "stack"));
  }

  const stack = env.KITARU_STACK;
  if (stack !== undefined) {
    if (pythonStrip(stack) === "") problems.push(envProblem(host, "KITARU_STACK", "KITARU_STACK is set but empty. Set it to a stack name, or unset it to use the next layer.", "invalid-env", "stack"));
    else values.set("stack", { value: pythonStrip(stack), origin: envOrigin(host, "KITARU_STACK") });
  }

  const cache = env.KITARU_CACHE;
  if (cache !== undefined) {
    const parsed = parseBoolWord(cache);
    if (parsed === undefined) {
      problems.push(envProblem(host, "KITARU_CACHE", `KITARU_CACHE must be one of 1/true/t/yes/y/on or 0/false/f/no/n/off, not ${JSON.stringify(cache)}.`, "invalid-env", "cache"));
    } else values.set("cache", { value: parsed, origin: envOrigin(host, "KITARU_CACHE") });
  }

  const retries = env.KITARU_RETRIES;
  if (retries !== undefined) {
    const parsed = parsePythonInt(retries);
    if (parsed === undefined) {
      problems.push(envProblem(host, "KITARU_RETRIES", `KITARU_RETRIES must be a whole number (Python int()), not ${JSON.stringify(retries)}.`, "invalid-env", "retries"));
    } else if (parsed < 0) {
      problems.push(envProblem(host, "KITARU_RETRIES", `KITARU_RETRIES must be 0 or more, not ${parsed}.`, "invalid-env", "retries"));
    } else values.set("retries", { value: parsed, origin: envOrigin(host, "KITARU_RETRIES") });
  }

  const image = env.KITARU_IMAGE;
  if (image !== undefined) readImageVariable(host, image, values, problems);

  for (const [name, key, secret] of [
    ["KITARU_SERVER_URL", "server_url", false],
    ["KITARU_AUTH_TOKEN", "auth_token", true],
    ["KITARU_PROJECT", "project", false],
  ] as const) {
    const v = nonBlank(host, name);
    if (v === undefined) continue;
    if (key === "server_url") values.set(key, { value: v.replace(/\/+$/, ""), origin: envOrigin(host, name) });
    else values.set(key, secret ? { value: maskSecret(v), masked: true, origin: envOrigin(host, name) } : { value: v, origin: envOrigin(host, name) });
  }

  // Kitaru copies these to ZENML_DEBUG / ZENML_ANALYTICS_OPT_IN (blank: not copied), which ZenML reads
  // with its own short list of words, falling back to the default for anything else.
  for (const [name, key] of [
    ["KITARU_DEBUG", "debug"],
    ["KITARU_ANALYTICS_OPT_IN", "analytics_opt_in"],
  ] as const) {
    if (nonBlank(host, name) === undefined) continue;
    const raw = env[name]!;
    const parsed = zenmlBool(raw);
    if (parsed === undefined) {
      problems.push({ ...envProblem(host, name, `ZenML, which reads ${name}, only understands 1/y/yes/true/True and 0/n/no/false/False (exactly, without spaces); it ignores ${JSON.stringify(raw)} and keeps the default.`, "invalid-env", key), severity: "warning" });
    } else values.set(key, { value: parsed, origin: envOrigin(host, name) });
  }

  for (const name of Object.keys(env)) {
    if (!name.startsWith("KITARU_") || name === "KITARU_RUNNER" || (KNOWN_KITARU_VARIABLES as readonly string[]).includes(name)) continue;
    // Only likely typos: other KITARU_* names (tools, tests) are none of Kitaru's business.
    const suggestion = didYouMean(name, KNOWN_KITARU_VARIABLES);
    if (!suggestion) continue;
    problems.push({
      severity: "info",
      code: "invalid-env",
      env: name,
      message: `${name} is not a variable Kitaru reads; did you mean ${suggestion}? Kitaru ignores it.`,
    });
  }
  return { values, problems };
}

function readImageVariable(host: Host, text: string, values: LayerValues, problems: Problem[]): void {
  const origin = envOrigin(host, "KITARU_IMAGE");
  const stripped = pythonStrip(text);
  const refuse = (message: string) => problems.push(envProblem(host, "KITARU_IMAGE", `${message} Kitaru refuses KITARU_IMAGE until this is fixed.`, "invalid-env", "image"));
  if (stripped === "") {
    problems.push(envProblem(host, "KITARU_IMAGE", "KITARU_IMAGE is set but empty. Set a base image, a JSON ImageSettings object, or unset it.", "invalid-env", "image"));
    return;
  }
  // Python's json.loads also reads NaN and Infinity (as floats), which are not an image.
  if (/^-?(?:NaN|Infinity)$/.test(stripped)) {
    refuse(`KITARU_IMAGE is the JSON number ${stripped}: it must be a JSON object (ImageSettings), a JSON string or a plain image name.`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripped);
  } catch (error) {
    // Not JSON: the whole text is the base image. Text that was meant as JSON deserves a word.
    if (/^[[{"]/.test(stripped)) {
      problems.push({ ...envProblem(host, "KITARU_IMAGE", `KITARU_IMAGE looks like JSON but does not parse (${jsonErrorText(error)}), so Kitaru uses the whole text as the base image name. Fix the JSON.`, "invalid-env", "image"), severity: "warning" });
      values.set("image.base_image", { value: maskSecretsInText(stripped), origin, ...(maskSecretsInText(stripped) !== stripped ? { masked: true } : {}) });
      return;
    }
    values.set("image.base_image", { value: stripped, origin });
    return;
  }
  if (parsed === null) return;
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    if (typeof parsed === "string") {
      if (pythonStrip(parsed) === "") refuse("KITARU_IMAGE is an empty JSON string: Image string values cannot be empty.");
      else values.set("image.base_image", { value: pythonStrip(parsed), origin });
      return;
    }
    refuse(`KITARU_IMAGE must be a JSON object (ImageSettings), a JSON string or a plain image name, not a JSON ${Array.isArray(parsed) ? "array" : typeof parsed}.`);
    return;
  }
  const result = kitaruSchemas().imageSettingsSchema.safeParse(parsed);
  if (!result.success) {
    for (const issue of issuesOf(result.error)) {
      refuse(
        issue.code === "unrecognized_keys"
          ? `KITARU_IMAGE has keys ImageSettings does not allow: ${issue.keys.join(", ")}.`
          : describeIssue(`KITARU_IMAGE ${formatPath(issue.path)}`, ["image", ...issue.path], issue, valueAt(parsed, issue.path), issue.path[0] === "environment", "json"),
      );
    }
    return;
  }
  flattenImage(result.data, () => origin, values);
  // A credential under a harmless name: Kitaru redacts image.environment only by name.
  for (const [name, value] of Object.entries(result.data.environment ?? {})) {
    const kind = isSecretName(name) ? undefined : secretValueKind(value);
    if (kind) problems.push({ ...envProblem(host, "KITARU_IMAGE", credentialValueWarning(`KITARU_IMAGE's environment.${name}`, kind), "secret-in-file", `image.environment.${name}`), severity: "warning" });
  }
}

/** JSON.parse's complaint without the text it quotes (which could hold a secret). */
function jsonErrorText(error: unknown): string {
  const m = /position (\d+)/.exec((error as Error).message ?? "");
  return m ? `invalid JSON at character ${Number(m[1]) + 1}` : "invalid JSON";
}

/** ZenML's handle_bool_env_var words; undefined for anything it ignores. */
function zenmlBool(raw: string): boolean | undefined {
  if (["1", "y", "yes", "True", "true"].includes(raw)) return true;
  if (["0", "n", "no", "False", "false"].includes(raw)) return false;
  return undefined;
}

/**
 * The ZENML_* names Kitaru also reads (below KITARU_*). Kitaru passes them through
 * unstripped, so a blank one is refused, unless the KITARU_* name it copies over it is set.
 * A set one is read even when the KITARU_* name is set too: the merge then lists it among the
 * values that name overrode (source zenml-env), masked like any other secret.
 */
export function readZenmlEnv(host: Host, problems: Problem[] = []): LayerValues {
  const values: LayerValues = new Map();
  for (const [name, key, secret, kitaruName] of [
    ["ZENML_STORE_URL", "server_url", false, "KITARU_SERVER_URL"],
    ["ZENML_STORE_API_KEY", "auth_token", true, "KITARU_AUTH_TOKEN"],
    ["ZENML_ACTIVE_PROJECT_ID", "project", false, "KITARU_PROJECT"],
  ] as const) {
    if (host.env[name] === undefined) continue;
    const v = nonBlank(host, name);
    if (v === undefined) {
      // Covered: Kitaru copies the KITARU_* value over the blank one.
      if (nonBlank(host, kitaruName) !== undefined) continue;
      problems.push(envProblem(host, name, `${name} is set but empty, and Kitaru refuses an empty ${key}. Unset ${name} (or set ${kitaruName}).`, "invalid-env", key));
      continue;
    }
    if (key === "server_url") values.set(key, { value: v.replace(/\/+$/, ""), origin: envOrigin(host, name) });
    else values.set(key, secret ? { value: maskSecret(v), masked: true, origin: envOrigin(host, name) } : { value: v, origin: envOrigin(host, name) });
  }
  for (const [name, key, kitaruName] of [
    ["ZENML_DEBUG", "debug", "KITARU_DEBUG"],
    ["ZENML_ANALYTICS_OPT_IN", "analytics_opt_in", "KITARU_ANALYTICS_OPT_IN"],
  ] as const) {
    // Kitaru copies a non-blank KITARU_* over it: when that word is one ZenML cannot read, ZenML
    // sees it (not this value) and keeps the default. A readable one outranks this value anyway.
    const copied = nonBlank(host, kitaruName);
    if (copied !== undefined && zenmlBool(host.env[kitaruName]!) === undefined) continue;
    const v = host.env[name];
    const parsed = v === undefined ? undefined : zenmlBool(v);
    if (parsed !== undefined) values.set(key, { value: parsed, origin: envOrigin(host, name) });
  }
  return values;
}
