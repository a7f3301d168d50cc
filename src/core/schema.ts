/**
 * Zod definitions of what Kitaru accepts in `[tool.kitaru]`, `KITARU_IMAGE`
 * and `kitaru.yaml`. Kitaru validates with pydantic in lax mode, so these accept
 * exactly the lax forms (`cache = "false"`, `retries = "2"`) and transform
 * them to the values Kitaru uses. The same definitions produce the JSON Schemas
 * shipped for other editors (`npm run schemas`).
 */
import { z } from "zod";

const TRUE_WORDS = ["1", "true", "t", "yes", "y", "on"];
const FALSE_WORDS = ["0", "false", "f", "no", "n", "off"];

/**
 * Python's str.strip(): whitespace as str.isspace() sees it. JavaScript's trim()
 * differs at the edges: it also strips U+FEFF and keeps U+001C–U+001F.
 */
const PY_SPACE = /^[\p{White_Space}\x1c-\x1f]+|[\p{White_Space}\x1c-\x1f]+$/gu;
export function pythonStrip(text: string): string {
  return text.replace(PY_SPACE, "");
}

/** The value of a Unicode decimal digit: Nd digits come in contiguous runs of 0–9. */
function digitValue(digit: string): number {
  const cp = digit.codePointAt(0)!;
  let start = cp;
  while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** Environment booleans: Kitaru's own parser strips and lower-cases the text. */
export function parseBoolWord(text: string): boolean | undefined {
  const w = pythonStrip(text).toLowerCase();
  if (TRUE_WORDS.includes(w)) return true;
  if (FALSE_WORDS.includes(w)) return false;
  return undefined;
}

/** Python's int() of a stripped text (any Unicode decimal digits, single underscores); undefined when int() would raise. */
export function parsePythonInt(text: string): number | undefined {
  const t = pythonStrip(text);
  if (!/^[+-]?\p{Nd}+(?:_\p{Nd}+)*$/u.test(t)) return undefined;
  return Number(t.replace(/_/g, "").replace(/\p{Nd}/gu, (d) => String(digitValue(d))));
}

/** pydantic's lax bool from a string: the same words, any case, but not stripped (no `i` flag: JSON Schema patterns carry none). */
const anyCase = (word: string) => word.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
const PYDANTIC_BOOL_TEXT = new RegExp(`^(?:${[...TRUE_WORDS, ...FALSE_WORDS].map(anyCase).join("|")})$`);
/** pydantic's lax int from a string: ASCII digits, single underscores, an optional `.0`, surrounding whitespace. */
const PYDANTIC_INT_TEXT = /^\p{White_Space}*[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?\p{White_Space}*$/u;

export const laxBool = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.string().regex(PYDANTIC_BOOL_TEXT)])
  .transform((v) => (typeof v === "string" ? TRUE_WORDS.includes(v.toLowerCase()) : v === true || v === 1));

/**
 * A whole number of any size: pydantic's int has no upper bound and TOML allows
 * integers above 2^53 (zod's z.int() stops at Number.MAX_SAFE_INTEGER), and lax
 * mode takes a float with no fractional part (`2.0`).
 */
const wholeNumber = z.number().check((ctx) => {
  if (!Number.isInteger(ctx.value)) ctx.issues.push({ code: "invalid_type", expected: "int", input: ctx.value });
});

const laxInt = z
  .union([wholeNumber, z.boolean(), z.string().regex(PYDANTIC_INT_TEXT)])
  .transform((v) => (typeof v === "string" ? Number(v.replace(/\p{White_Space}|_/gu, "").replace(/\.0+$/, "")) : Number(v)));

export const laxNonNegativeInt = laxInt.pipe(wholeNumber.min(0));

/** A text Kitaru strips and refuses when nothing is left (its field validators). */
const NOT_BLANK = { pattern: "[^\\s\\x1c-\\x1f]" };
const strippedText = (empty: string) => z.string().transform(pythonStrip).pipe(z.string().min(1, empty)).meta(NOT_BLANK);

/** Kitaru's _normalize_server_url: stripped, trailing slashes dropped, http(s) with a host. */
export const serverUrl = z
  .string()
  .transform((s) => pythonStrip(s).replace(/\/+$/, ""))
  .pipe(z.string().min(1, "cannot be empty").refine(isHttpUrlWithHost, "must be an http:// or https:// URL with a host"))
  .meta({ pattern: "^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]" });


const imageText = strippedText("Image string values cannot be empty");
const nonEmptyList = (empty: string) => z.array(strippedText(empty));

/** Kitaru strips environment keys and refuses an empty one; values must already be strings. */
const imageEnvironment = z.record(z.string(), z.string()).transform((env, ctx) => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const name = pythonStrip(key);
    if (name === "") ctx.issues.push({ code: "custom", message: "Image environment keys cannot be empty", input: key, path: [key] });
    else out[name] = value;
  }
  return out;
});

/**
 * kitaru.ImageSettings: unknown keys are refused; `parent_image` is accepted for
 * `base_image` only when base_image is absent (with both, it is an unknown key).
 * `null` (JSON in KITARU_IMAGE) means unset, as pydantic's `| None = None` fields do.
 */
export const imageSettingsSchema = z
  .strictObject({
    base_image: imageText.nullish().describe("Base image the remote container is built on."),
    parent_image: imageText.nullish().describe("Older name of base_image; Kitaru still accepts it when base_image is absent."),
    requirements: nonEmptyList("Image requirements cannot contain empty strings").nullish().describe("Python requirements installed into the image."),
    dockerfile: imageText.nullish().describe("Path of a Dockerfile to build the image from."),
    build_context_root: imageText.nullish().describe("Build context directory for the Dockerfile."),
    environment: imageEnvironment.nullish().describe("Non-secret environment variables baked into the image. Use secret_environment_from for credentials."),
    secret_environment_from: nonEmptyList("Image secret_environment_from cannot contain empty strings").nullish().describe("Names of secrets whose values are injected as environment variables at run time, never stored in the image."),
    apt_packages: z.array(z.string()).nullish().describe("System packages installed with apt."),
    replicate_local_python_environment: laxBool.nullish().describe("Install every locally installed package (pip freeze) into the image."),
    image_tag: imageText.nullish().describe("Tag of the built image."),
    target_repository: imageText.nullish().describe("Registry repository the built image is pushed to."),
    user: imageText.nullish().describe("User the container runs as."),
    platform: imageText.nullish().describe("Target platform of the image, e.g. linux/amd64."),
  })
  .meta({ not: { required: ["base_image", "parent_image"] } })
  .check((ctx) => {
    const v = ctx.value;
    if (v.parent_image != null && v.base_image != null) {
      ctx.issues.push({ code: "custom", message: "parent_image is only accepted when base_image is absent; with both, Kitaru refuses it as an unknown key. Remove parent_image", input: v.parent_image, path: ["parent_image"] });
    }
  });

export type ImageField = Exclude<keyof z.input<typeof imageSettingsSchema>, "parent_image">;
export const IMAGE_FIELDS = Object.keys(imageSettingsSchema.shape).filter((k) => k !== "parent_image") as ImageField[];

export const imageSchema = z.union([imageText, imageSettingsSchema]);

const configText = strippedText("Configuration string values cannot be empty");

/** `[tool.kitaru]`: unknown keys are ignored by Kitaru, so the object is loose; they become warnings. */
export const toolKitaruSchema = z.looseObject({
  stack: configText.describe("Stack the flow executes on. Overrides the persisted active stack (`kitaru stack use`)."),
  cache: laxBool.describe("Execution-wide cache setting; when set it replaces every @checkpoint(cache=...)."),
  retries: laxNonNegativeInt.describe("How many times a failed execution is retried (0 = never)."),
  image: imageSchema.describe("Container image settings for remote execution: a base image string, or an ImageSettings table."),
  server_url: serverUrl.describe("Parsed by Kitaru but never used for the connection: use KITARU_SERVER_URL or `kitaru login`."),
  auth_token: configText.describe("Parsed by Kitaru but never used for the connection: use KITARU_AUTH_TOKEN."),
  project: configText.describe("Parsed by Kitaru but never used for the connection: use KITARU_PROJECT."),
}).partial();

export const TOOL_KITARU_KEYS = Object.keys(toolKitaruSchema.shape);

const LOG_BACKEND = /^[a-z0-9][a-z0-9._-]*$/;
export const ALIAS_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Kitaru's LogStoreOverride: other keys are ignored. */
export const logStoreSchema = z.looseObject({
  backend: z
    .string()
    .transform((s) => pythonStrip(s).toLowerCase())
    .pipe(z.string().min(1, "Log-store backend cannot be empty").regex(LOG_BACKEND).refine((s) => s !== "artifact-store", "artifact-store is the default; remove log_store instead"))
    .describe("Log backend Kitaru ships logs to, e.g. datadog."),
  endpoint: z
    .string()
    .transform((s) => pythonStrip(s).replace(/\/+$/, ""))
    .pipe(z.string().min(1, "Log-store endpoint cannot be empty").refine(isHttpUrlWithHost, "must be an http(s) URL with a host"))
    .describe("http(s) URL of the log intake."),
  api_key: strippedText("Log-store API key cannot be empty").nullish().describe("API key of the log backend. A secret: prefer KITARU_LOG_STORE_API_KEY."),
});

export const modelAliasSchema = z.looseObject({
  model: strippedText("Model identifier cannot be empty").describe("provider/model string passed to the LLM client."),
  secret: strippedText("Secret reference cannot be empty").nullish().describe("Name of the secret holding the provider's credentials."),
});

/** An alias name as Kitaru normalizes it (stripped, lower-cased) before checking it. */
const aliasName = z
  .string()
  .transform((s) => pythonStrip(s).toLowerCase())
  .pipe(z.string().min(1, "Model alias cannot be empty").regex(ALIAS_NAME, "alias names use lowercase letters, digits, - and _, and start with a letter or digit"))
  .meta({ pattern: "^[\\s\\x1c-\\x1f]*[A-Za-z0-9][A-Za-z0-9_-]*[\\s\\x1c-\\x1f]*$" });

/** Alias names arrive already normalized (kitaruYaml.ts maps them back to how they were written). */
export const modelRegistrySchema = z
  .looseObject({
    aliases: z.record(z.string().regex(ALIAS_NAME, "alias names use lowercase letters, digits, - and _, and start with a letter or digit"), modelAliasSchema).nullish().describe("Model aliases for kitaru.llm()."),
    default: aliasName.nullish().describe("Alias used when kitaru.llm() gets no model."),
  });

export const kitaruYamlSchema = z.looseObject({
  version: laxInt.optional().describe("Format version of kitaru.yaml."),
  log_store: logStoreSchema.nullish().describe("Where Kitaru sends logs. Absent: the artifact store."),
  model_registry: modelRegistrySchema.nullish().describe("Model aliases and the default model."),
});

export const KITARU_YAML_KEYS = Object.keys(kitaruYamlSchema.shape);

/** Python's urlparse(...).scheme in {http, https} with a non-empty netloc (what Kitaru checks). */
export function isHttpUrlWithHost(text: string): boolean {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(text);
  if (!m || !["http", "https"].includes(m[1]!.toLowerCase())) return false;
  const rest = m[2]!;
  if (!rest.startsWith("//")) return false;
  const netloc = rest.slice(2).split(/[/?#]/, 1)[0] ?? "";
  return netloc !== "";
}

/** JSON Schemas for other editors (Even Better TOML, Red Hat YAML). */
export function jsonSchemas(): { toolKitaru: object; kitaruYaml: object } {
  const opts = { io: "input", unrepresentable: "any" } as const;
  return {
    toolKitaru: z.toJSONSchema(toolKitaruSchema, opts),
    kitaruYaml: z.toJSONSchema(kitaruYamlSchema, opts),
  };
}
