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

const caseInsensitive = (word: string) =>
  word.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
const BOOL_TEXT = new RegExp(`^\\s*(${[...TRUE_WORDS, ...FALSE_WORDS].map(caseInsensitive).join("|")})\\s*$`);
/** pydantic's lax integer text: optional sign, digits, single underscores between digits. */
const INT_TEXT = /^\s*[+-]?\d+(_\d+)*\s*$/;

/** The words Kitaru's environment parser and pydantic's lax bool both accept. */
export function parseBoolWord(text: string): boolean | undefined {
  const w = text.trim().toLowerCase();
  if (TRUE_WORDS.includes(w)) return true;
  if (FALSE_WORDS.includes(w)) return false;
  return undefined;
}

/** Python's int() of a text (after strip); undefined when int() would raise. */
export function parsePythonInt(text: string): number | undefined {
  if (!INT_TEXT.test(text)) return undefined;
  return Number(text.trim().replace(/_/g, ""));
}

export const laxBool = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.string().regex(BOOL_TEXT)])
  .transform((v) => (typeof v === "string" ? parseBoolWord(v) === true : v === true || v === 1));

/**
 * A whole number of any size: pydantic's int has no upper bound and TOML allows
 * integers above 2^53 (zod's z.int() stops at Number.MAX_SAFE_INTEGER), and lax
 * mode takes a float with no fractional part (`2.0`).
 */
const wholeNumber = z.number().check((ctx) => {
  if (!Number.isInteger(ctx.value)) ctx.issues.push({ code: "invalid_type", expected: "int", input: ctx.value });
});

export const laxNonNegativeInt = z
  .union([wholeNumber.min(0), z.boolean(), z.string().regex(INT_TEXT)])
  .transform((v) => (typeof v === "string" ? parsePythonInt(v) ?? 0 : Number(v)))
  .pipe(wholeNumber.min(0));

const stringList = z.array(z.string());

/** kitaru.ImageSettings: unknown keys are refused; `parent_image` is accepted for `base_image`. */
export const imageSettingsSchema = z.strictObject({
  base_image: z.string().optional().describe("Base image the remote container is built on."),
  parent_image: z.string().optional().describe("Older name of base_image; Kitaru still accepts it."),
  requirements: z.union([stringList, z.string()]).optional().describe("Python requirements installed into the image (a list, or a requirements file path)."),
  dockerfile: z.string().optional().describe("Path of a Dockerfile to build the image from."),
  build_context_root: z.string().optional().describe("Build context directory for the Dockerfile."),
  environment: z.record(z.string(), z.string()).optional().describe("Non-secret environment variables baked into the image. Use secret_environment_from for credentials."),
  secret_environment_from: stringList.optional().describe("Names of secrets whose values are injected as environment variables at run time, never stored in the image."),
  apt_packages: stringList.optional().describe("System packages installed with apt."),
  replicate_local_python_environment: laxBool.optional().describe("Install every locally installed package (pip freeze) into the image."),
  image_tag: z.string().optional().describe("Tag of the built image."),
  target_repository: z.string().optional().describe("Registry repository the built image is pushed to."),
  user: z.string().optional().describe("User the container runs as."),
  platform: z.string().optional().describe("Target platform of the image, e.g. linux/amd64."),
});

export type ImageField = Exclude<keyof z.input<typeof imageSettingsSchema>, "parent_image">;
export const IMAGE_FIELDS = Object.keys(imageSettingsSchema.shape).filter((k) => k !== "parent_image") as ImageField[];

export const imageSchema = z.union([z.string(), imageSettingsSchema]);

/** `[tool.kitaru]`: unknown keys are ignored by Kitaru, so the object is loose; they become warnings. */
export const toolKitaruSchema = z.looseObject({
  stack: z.string().describe("Stack the flow executes on. Overrides the persisted active stack (`kitaru stack use`)."),
  cache: laxBool.describe("Execution-wide cache setting; when set it replaces every @checkpoint(cache=...)."),
  retries: laxNonNegativeInt.describe("How many times a failed execution is retried (0 = never)."),
  image: imageSchema.describe("Container image settings for remote execution: a base image string, or an ImageSettings table."),
  server_url: z.string().describe("Parsed by Kitaru but never used for the connection: use KITARU_SERVER_URL or `kitaru login`."),
  auth_token: z.string().describe("Parsed by Kitaru but never used for the connection: use KITARU_AUTH_TOKEN."),
  project: z.string().describe("Parsed by Kitaru but never used for the connection: use KITARU_PROJECT."),
}).partial();

export const TOOL_KITARU_KEYS = Object.keys(toolKitaruSchema.shape);

const LOG_BACKEND = /^[a-z0-9][a-z0-9._-]*$/;
const ALIAS = /^[a-z0-9][a-z0-9_-]*$/;

export const logStoreSchema = z.looseObject({
  backend: z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.string().regex(LOG_BACKEND).refine((s) => s !== "artifact-store", "artifact-store is the default; remove log_store instead"))
    .describe("Log backend Kitaru ships logs to, e.g. datadog."),
  endpoint: z
    .string()
    .refine(isHttpUrlWithHost, "must be an http(s) URL with a host")
    .transform((s) => s.trim().replace(/\/+$/, ""))
    .describe("http(s) URL of the log intake."),
  api_key: z.string().min(1).optional().describe("API key of the log backend. A secret: prefer KITARU_LOG_STORE_API_KEY."),
});

export const modelAliasSchema = z.looseObject({
  model: z.string().min(1).describe("provider/model string passed to the LLM client."),
  secret: z.string().optional().describe("Name of the secret holding the provider's credentials."),
});

export const modelRegistrySchema = z.looseObject({
  aliases: z.record(z.string().regex(ALIAS, "alias names use lowercase letters, digits, - and _"), modelAliasSchema).optional().describe("Model aliases for kitaru.llm()."),
  default: z.string().optional().describe("Alias used when kitaru.llm() gets no model."),
});

export const kitaruYamlSchema = z.looseObject({
  version: z.int().optional().describe("Format version of kitaru.yaml."),
  log_store: logStoreSchema.optional().describe("Where Kitaru sends logs. Absent: the artifact store."),
  model_registry: modelRegistrySchema.optional().describe("Model aliases and the default model."),
});

export const KITARU_YAML_KEYS = Object.keys(kitaruYamlSchema.shape);

export function isHttpUrlWithHost(text: string): boolean {
  try {
    const url = new URL(text.trim());
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** JSON Schemas for other editors (Even Better TOML, Red Hat YAML). */
export function jsonSchemas(): { toolKitaru: object; kitaruYaml: object } {
  const opts = { io: "input", unrepresentable: "any" } as const;
  return {
    toolKitaru: z.toJSONSchema(toolKitaruSchema, opts),
    kitaruYaml: z.toJSONSchema(kitaruYamlSchema, opts),
  };
}
