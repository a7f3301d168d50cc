/** What each setting means, in the specification's terms: for hovers, the tree and the CLI. */
import type { Source } from "./layer";

export type Group = "Execution" | "Image" | "Connection" | "LLM" | "Log store" | "Housekeeping" | "Checkpoints";

export interface SettingInfo {
  group: Group;
  /** One or two sentences: what the setting does. */
  description: string;
  /** Type and allowed values, in words. */
  type: string;
  /** The environment variable that sets it, if any. */
  env?: string;
  /** Layers that can set it, highest first. */
  layers: Source[];
}

const EXECUTION_LAYERS: Source[] = ["invocation", "decorator", "configure", "env", "pyproject"];

const INFO: Record<string, SettingInfo> = {
  stack: {
    group: "Execution",
    description: "The stack an execution runs on. Code, the environment and pyproject.toml override the persisted active stack chosen with `kitaru stack use`, without changing it.",
    type: "string: a stack name or id",
    env: "KITARU_STACK",
    layers: [...EXECUTION_LAYERS, "global"],
  },
  cache: {
    group: "Execution",
    description: "Execution-wide cache. When any layer sets it, it replaces every @checkpoint(cache=...) for the run; unset, each checkpoint's own setting and the orchestrator's default apply.",
    type: "boolean (pyproject also accepts \"true\"/\"false\", \"yes\"/\"no\", \"on\"/\"off\", 1/0)",
    env: "KITARU_CACHE",
    layers: EXECUTION_LAYERS,
  },
  retries: {
    group: "Execution",
    description: "How many times a failed execution is retried. Built-in default 0.",
    type: "integer ≥ 0",
    env: "KITARU_RETRIES",
    layers: EXECUTION_LAYERS,
  },
  image: {
    group: "Image",
    description: "Container image settings for remote execution. Layers merge field by field, and environment variable by variable.",
    type: "a base image string, or ImageSettings fields",
    env: "KITARU_IMAGE",
    layers: EXECUTION_LAYERS,
  },
  "image.base_image": { group: "Image", description: "The image the remote container is built on. With a custom base image Kitaru does not add itself to the requirements.", type: "string", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.requirements": { group: "Image", description: "Python requirements installed into the image; Kitaru adds itself unless already listed.", type: "list of strings", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.dockerfile": { group: "Image", description: "A Dockerfile to build the image from; you then control the image contents.", type: "path string", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.build_context_root": { group: "Image", description: "The build context directory for the Dockerfile.", type: "path string", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.environment": { group: "Image", description: "Non-secret environment variables baked into the image. Credentials belong in secret_environment_from.", type: "mapping of strings", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.secret_environment_from": { group: "Image", description: "Secrets whose values are injected as environment variables at run time; they never appear in image metadata, logs or the frozen execution spec.", type: "list of secret names", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.apt_packages": { group: "Image", description: "System packages installed with apt (e.g. git, ffmpeg).", type: "list of strings", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.replicate_local_python_environment": { group: "Image", description: "Install every locally installed package (pip freeze) so the container matches your environment.", type: "boolean", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.image_tag": { group: "Image", description: "Tag of the built image.", type: "string", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.target_repository": { group: "Image", description: "Registry repository the built image is pushed to.", type: "string", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.user": { group: "Image", description: "User the container runs as.", type: "string", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  "image.platform": { group: "Image", description: "Target platform of the image, e.g. linux/amd64.", type: "string", env: "KITARU_IMAGE", layers: EXECUTION_LAYERS },
  server_url: {
    group: "Connection",
    description: "The Kitaru server this process talks to. `kitaru login` persists it; KITARU_SERVER_URL (with KITARU_AUTH_TOKEN) overrides it for headless use.",
    type: "http(s) URL",
    env: "KITARU_SERVER_URL",
    layers: ["env", "zenml-env", "global"],
  },
  auth_token: {
    group: "Connection",
    description: "Credential for the server: usually a service-account API key. Must be set together with KITARU_SERVER_URL. Always masked.",
    type: "secret string",
    env: "KITARU_AUTH_TOKEN",
    layers: ["env", "zenml-env", "global"],
  },
  project: {
    group: "Connection",
    description: "The project executions belong to. Required at first use when the server comes from environment variables; a persisted login follows the server's default project.",
    type: "string",
    env: "KITARU_PROJECT",
    layers: ["configure", "env", "zenml-env", "global"],
  },
  default_model: {
    group: "LLM",
    description: "The model kitaru.llm() uses without model=. KITARU_DEFAULT_MODEL is looked up as an alias first, else passed through as provider/model; otherwise the registry's default alias applies.",
    type: "alias or provider/model string",
    env: "KITARU_DEFAULT_MODEL",
    layers: ["env", "global"],
  },
  "log_store.backend": { group: "Log store", description: "Where Kitaru ships logs. Default: the artifact store. Any KITARU_LOG_STORE_* variable replaces kitaru.yaml's log_store as a whole.", type: "lowercase name, e.g. datadog", env: "KITARU_LOG_STORE_BACKEND", layers: ["env", "global"] },
  "log_store.endpoint": { group: "Log store", description: "The http(s) URL of the log intake; required for any backend other than artifact-store.", type: "http(s) URL", env: "KITARU_LOG_STORE_ENDPOINT", layers: ["env", "global"] },
  "log_store.api_key": { group: "Log store", description: "API key of the log backend. A secret: always masked; prefer the environment variable to a plain-text file.", type: "secret string", env: "KITARU_LOG_STORE_API_KEY", layers: ["env", "global"] },
  debug: { group: "Housekeeping", description: "Verbose logging and tracebacks.", type: "boolean", env: "KITARU_DEBUG", layers: ["env", "zenml-env"] },
  analytics_opt_in: { group: "Housekeeping", description: "Whether anonymous usage analytics are sent.", type: "boolean", env: "KITARU_ANALYTICS_OPT_IN", layers: ["env", "zenml-env", "global"] },
};

export function settingInfo(key: string): SettingInfo | undefined {
  if (INFO[key]) return INFO[key];
  if (key.startsWith("image.environment.")) return INFO["image.environment"];
  if (key.startsWith("checkpoint.")) {
    return { group: "Checkpoints", description: "This checkpoint's cache. An execution-level cache (run(), @flow, configure(), KITARU_CACHE, pyproject) replaces it.", type: "boolean", layers: ["invocation", "decorator", "configure", "env", "pyproject"] };
  }
  return undefined;
}

export function groupOf(key: string): Group {
  return settingInfo(key)?.group ?? (key.startsWith("image.") ? "Image" : "Execution");
}

export const SOURCE_LABELS: Record<Source, string> = {
  invocation: "run() argument",
  decorator: "@flow decorator",
  configure: "kitaru.configure()",
  env: "environment",
  "zenml-env": "ZenML environment",
  pyproject: "pyproject.toml",
  global: "persisted",
  default: "built-in default",
};

/** Short layer names for one-line texts: tree descriptions, CodeLens titles. */
export const SOURCE_SHORT: Record<Source, string> = {
  invocation: "run()",
  decorator: "@flow",
  configure: "configure()",
  env: "env",
  "zenml-env": "ZenML env",
  pyproject: "pyproject",
  global: "persisted",
  default: "default",
};
