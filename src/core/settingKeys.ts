/**
 * The keys Kitaru knows, in the order its models declare them. Plain lists so
 * that hovers, unknown-key warnings and the tree need not load the zod schemas;
 * test/unit/schemas.test.ts checks they match schema.ts.
 */
export const TOOL_KITARU_KEYS: readonly string[] = ["stack", "cache", "retries", "image", "server_url", "auth_token", "project"];

/** kitaru.ImageSettings fields (parent_image, an older spelling of base_image, aside). */
export const IMAGE_FIELDS = [
  "base_image",
  "requirements",
  "dockerfile",
  "build_context_root",
  "environment",
  "secret_environment_from",
  "apt_packages",
  "replicate_local_python_environment",
  "image_tag",
  "target_repository",
  "user",
  "platform",
] as const;
export type ImageField = (typeof IMAGE_FIELDS)[number];

export const KITARU_YAML_KEYS: readonly string[] = ["version", "log_store", "model_registry"];
