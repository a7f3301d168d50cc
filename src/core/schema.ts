/**
 * Zod definitions of what Kitaru accepts in `[tool.kitaru]`, `KITARU_IMAGE`
 * and `kitaru.yaml`. Kitaru validates with pydantic in lax mode, so these accept
 * exactly the lax forms (`cache = "false"`, `retries = "2"`) and transform
 * them to the values Kitaru uses. The same definitions produce the JSON Schemas
 * shipped for other editors (`npm run schemas`).
 */
import * as z from "zod/mini";
import { FALSE_WORDS, isHttpUrlWithHost, pythonStrip, TRUE_WORDS } from "./pythonText";

// Kitaru parses a handful of small documents per run: compiling a fast path with
// new Function() costs more than it saves (and some hosts forbid eval).
z.config({ jitless: true });

/** pydantic's lax bool from a string: the same words, any case, but not stripped (no `i` flag: JSON Schema patterns carry none). */
const anyCase = (word: string) => word.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`);
const PYDANTIC_BOOL_TEXT = new RegExp(`^(?:${[...TRUE_WORDS, ...FALSE_WORDS].map(anyCase).join("|")})$`);
/** pydantic's lax int from a string: ASCII digits, single underscores, an optional `.0`, surrounding whitespace. */
const PYDANTIC_INT_TEXT = /^\p{White_Space}*[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?\p{White_Space}*$/u;

const LOG_BACKEND = /^[a-z0-9][a-z0-9._-]*$/;
export const ALIAS_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/**
 * Kitaru's schemas. Descriptions are attached (each a copy of its schema, with
 * zod's registry entry) only for the JSON Schemas: validation needs none, and
 * leaving them out halves what a CLI run constructs.
 */
function defineSchemas(withDescriptions: boolean) {
  /** A schema with its description, for the JSON Schemas. */
  const described = <T extends z.ZodMiniType>(schema: T, description: string): T => (withDescriptions ? schema.check(z.describe(description)) : schema);

  /**
   * A TOML date or time (or a YAML 1.1 timestamp) arrives as a JS Date, which zod's object
   * schemas take for an object with no keys; pydantic refuses a date where a model is expected.
   * A transform first (not a check, which sees the parsed copy), so JSON Schemas show the object.
   */
  const notADate = <T extends z.ZodMiniType>(schema: T) =>
    z.pipe(
      z.transform((value: unknown, ctx) => {
        if (!(value instanceof Date)) return value;
        ctx.issues.push({ code: "invalid_type", expected: "object", input: value });
        return z.NEVER;
      }),
      schema as unknown as z.ZodMiniType<unknown, unknown>,
    ) as unknown as z.ZodMiniPipe<z.ZodMiniTransform<unknown, unknown>, T>;

  const laxBool = z.pipe(
    z.union([z.boolean(), z.literal(0), z.literal(1), z.string().check(z.regex(PYDANTIC_BOOL_TEXT))]),
    z.transform((v: boolean | 0 | 1 | string) => (typeof v === "string" ? TRUE_WORDS.includes(v.toLowerCase()) : v === true || v === 1)),
  );

  /**
   * A whole number of any size: pydantic's int has no upper bound and TOML allows
   * integers above 2^53 (zod's z.int() stops at Number.MAX_SAFE_INTEGER), and lax
   * mode takes a float with no fractional part (`2.0`).
   */
  const wholeNumber = () =>
    z.number().check(
      z.check((ctx) => {
        if (!Number.isInteger(ctx.value)) ctx.issues.push({ code: "invalid_type", expected: "int", input: ctx.value });
      }),
    );

  const laxInt = z.pipe(
    z.union([wholeNumber(), z.boolean(), z.string().check(z.regex(PYDANTIC_INT_TEXT))]),
    z.transform((v: number | boolean | string) => (typeof v === "string" ? Number(v.replace(/\p{White_Space}|_/gu, "").replace(/\.0+$/, "")) : Number(v))),
  );

  const laxNonNegativeInt = z.pipe(laxInt, wholeNumber().check(z.minimum(0)));

  /** A text Kitaru strips and refuses when nothing is left (its field validators). */
  const NOT_BLANK = { pattern: "[^\\s\\x1c-\\x1f]" };
  const strippedText = (empty: string) => z.pipe(z.pipe(z.string(), z.transform(pythonStrip)), z.string().check(z.minLength(1, empty))).check(z.meta(NOT_BLANK));

  /** Kitaru's _normalize_server_url: stripped, trailing slashes dropped, http(s) with a host. */
  const serverUrl = z
    .pipe(
      z.pipe(z.string(), z.transform((s: string) => pythonStrip(s).replace(/\/+$/, ""))),
      z.string().check(z.minLength(1, "cannot be empty"), z.refine(isHttpUrlWithHost, "must be an http:// or https:// URL with a host")),
    )
    .check(z.meta({ pattern: "^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]" }));

  const imageText = strippedText("Image string values cannot be empty");
  const nonEmptyList = (empty: string) => z.array(strippedText(empty));

  /** Kitaru strips environment keys and refuses an empty one; values must already be strings. */
  const imageEnvironment = z.pipe(
    z.record(z.string(), z.string()),
    z.transform((env: Record<string, string>, ctx) => {
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(env)) {
        const name = pythonStrip(key);
        if (name === "") ctx.issues.push({ code: "custom", message: "Image environment keys cannot be empty", input: key, path: [key] });
        else out[name] = value;
      }
      return out;
    }),
  );

  /**
   * kitaru.ImageSettings: unknown keys are refused; `parent_image` is accepted for
   * `base_image` only when base_image is absent (with both, it is an unknown key).
   * `null` (JSON in KITARU_IMAGE) means unset, as pydantic's `| None = None` fields do.
   */
  const imageSettingsSchema = z
    .strictObject({
      base_image: described(z.nullish(imageText), "Base image the remote container is built on."),
      parent_image: described(z.nullish(imageText), "Older name of base_image; Kitaru still accepts it when base_image is absent."),
      requirements: described(z.nullish(nonEmptyList("Image requirements cannot contain empty strings")), "Python requirements installed into the image."),
      dockerfile: described(z.nullish(imageText), "Path of a Dockerfile to build the image from."),
      build_context_root: described(z.nullish(imageText), "Build context directory for the Dockerfile."),
      environment: described(z.nullish(imageEnvironment), "Non-secret environment variables baked into the image. Use secret_environment_from for credentials."),
      secret_environment_from: described(z.nullish(nonEmptyList("Image secret_environment_from cannot contain empty strings")), "Names of secrets whose values are injected as environment variables at run time, never stored in the image."),
      apt_packages: described(z.nullish(z.array(z.string())), "System packages installed with apt."),
      replicate_local_python_environment: described(z.nullish(laxBool), "Install every locally installed package (pip freeze) into the image."),
      image_tag: described(z.nullish(imageText), "Tag of the built image."),
      target_repository: described(z.nullish(imageText), "Registry repository the built image is pushed to."),
      user: described(z.nullish(imageText), "User the container runs as."),
      platform: described(z.nullish(imageText), "Target platform of the image, e.g. linux/amd64."),
    })
    .check(
      z.meta({ not: { required: ["base_image", "parent_image"] } }),
      z.check((ctx) => {
        const v = ctx.value;
        if (v.parent_image != null && v.base_image != null) {
          ctx.issues.push({ code: "custom", message: "parent_image is only accepted when base_image is absent; with both, Kitaru refuses it as an unknown key. Remove parent_image", input: v.parent_image, path: ["parent_image"] });
        }
      }),
    );

  const imageSchema = z.union([imageText, notADate(imageSettingsSchema)]);

  const configText = strippedText("Configuration string values cannot be empty");

  /** `[tool.kitaru]`: unknown keys are ignored by Kitaru, so the object is loose; they become warnings. */
  const toolKitaruSchema = z.partial(
    z.looseObject({
      stack: described(configText, "Stack the flow executes on. Overrides the persisted active stack (`kitaru stack use`)."),
      cache: described(laxBool, "Execution-wide cache setting; when set it replaces every @checkpoint(cache=...)."),
      retries: described(laxNonNegativeInt, "How many times a failed execution is retried (0 = never)."),
      image: described(imageSchema, "Container image settings for remote execution: a base image string, or an ImageSettings table."),
      server_url: described(serverUrl, "Parsed by Kitaru but never used for the connection: use KITARU_SERVER_URL or `kitaru login`."),
      auth_token: described(configText, "Parsed by Kitaru but never used for the connection: use KITARU_AUTH_TOKEN."),
      project: described(configText, "Parsed by Kitaru but never used for the connection: use KITARU_PROJECT."),
    }),
  );

  /** Kitaru's LogStoreOverride: other keys are ignored. */
  const logStoreSchema = z.looseObject({
    backend: described(
      z.pipe(
        z.pipe(z.string(), z.transform((s: string) => pythonStrip(s).toLowerCase())),
        z.string().check(z.minLength(1, "Log-store backend cannot be empty"), z.regex(LOG_BACKEND), z.refine((s: string) => s !== "artifact-store", "artifact-store is the default; remove log_store instead")),
      ),
      "Log backend Kitaru ships logs to, e.g. datadog.",
    ),
    endpoint: described(
      z.pipe(
        z.pipe(z.string(), z.transform((s: string) => pythonStrip(s).replace(/\/+$/, ""))),
        z.string().check(z.minLength(1, "Log-store endpoint cannot be empty"), z.refine(isHttpUrlWithHost, "must be an http(s) URL with a host")),
      ),
      "http(s) URL of the log intake.",
    ),
    api_key: described(z.nullish(strippedText("Log-store API key cannot be empty")), "API key of the log backend. A secret: prefer KITARU_LOG_STORE_API_KEY."),
  });

  const modelAliasSchema = z.looseObject({
    model: described(strippedText("Model identifier cannot be empty"), "provider/model string passed to the LLM client."),
    secret: described(z.nullish(strippedText("Secret reference cannot be empty")), "Name of the secret holding the provider's credentials."),
  });

  /** An alias name as Kitaru normalizes it (stripped, lower-cased) before checking it. */
  const aliasName = z
    .pipe(
      z.pipe(z.string(), z.transform((s: string) => pythonStrip(s).toLowerCase())),
      z.string().check(z.minLength(1, "Model alias cannot be empty"), z.regex(ALIAS_NAME, "alias names use lowercase letters, digits, - and _, and start with a letter or digit")),
    )
    .check(z.meta({ pattern: "^[\\s\\x1c-\\x1f]*[A-Za-z0-9][A-Za-z0-9_-]*[\\s\\x1c-\\x1f]*$" }));

  /** Alias names arrive already normalized (kitaruYaml.ts maps them back to how they were written). */
  const modelRegistrySchema = z.looseObject({
    aliases: described(z.nullish(z.record(z.string().check(z.regex(ALIAS_NAME, "alias names use lowercase letters, digits, - and _, and start with a letter or digit")), notADate(modelAliasSchema))), "Model aliases for kitaru.llm()."),
    default: described(z.nullish(aliasName), "Alias used when kitaru.llm() gets no model."),
  });

  const kitaruYamlSchema = z.looseObject({
    version: described(z.optional(laxInt), "Format version of kitaru.yaml."),
    log_store: described(z.nullish(notADate(logStoreSchema)), "Where Kitaru sends logs. Absent: the artifact store."),
    model_registry: described(z.nullish(notADate(modelRegistrySchema)), "Model aliases and the default model."),
  });

  /** The key lists of settingKeys.ts, as the schemas define them (a unit test compares them). */
  const schemaKeys = {
    image: Object.keys(imageSettingsSchema.shape).filter((k) => k !== "parent_image"),
    toolKitaru: Object.keys(toolKitaruSchema.shape),
    kitaruYaml: Object.keys(kitaruYamlSchema.shape),
  };

  return { laxBool, laxNonNegativeInt, serverUrl, imageSettingsSchema, imageSchema, toolKitaruSchema, logStoreSchema, modelAliasSchema, modelRegistrySchema, kitaruYamlSchema, schemaKeys };
}

/** The schemas validation uses. */
export const { laxBool, laxNonNegativeInt, serverUrl, imageSettingsSchema, imageSchema, toolKitaruSchema, logStoreSchema, modelAliasSchema, modelRegistrySchema, kitaruYamlSchema, schemaKeys } = defineSchemas(false);

/** The strict JSON Schemas of [tool.kitaru] and kitaru.yaml, as zod writes them (schemaFiles.ts refines them). */
export function jsonSchemas(): { toolKitaru: object; kitaruYaml: object } {
  const opts = { io: "input", unrepresentable: "any", target: "draft-07" } as const;
  const withDescriptions = defineSchemas(true);
  return {
    toolKitaru: z.toJSONSchema(withDescriptions.toolKitaruSchema, opts),
    kitaruYaml: z.toJSONSchema(withDescriptions.kitaruYamlSchema, opts),
  };
}
