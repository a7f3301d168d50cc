/**
 * The third-party parsers and the zod schemas, each loaded on its first use.
 * The bundles keep every library in its own file (dist/vendor/, see
 * esbuild.mjs), so activating the extension compiles none of them, and a CLI
 * run loads only what its files need: no Python parser without Python, no
 * SQLite without a ZenML store, no dotenv without an env file.
 */
import type * as Dotenv from "dotenv";
import type * as LezerCommon from "@lezer/common";
import type * as LezerPython from "@lezer/python";
import type * as SmolToml from "smol-toml";
import type SqlJs from "sql.js";
import type * as TomlEslintParser from "toml-eslint-parser";
import type * as Yaml from "yaml";
import type * as Schemas from "./schema";

function once<T>(load: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= load());
}

// Plain require() calls inside functions: esbuild turns each into a require of
// the vendor file, run when the function first runs.
/** parseDocument, isAlias, isMap, isPair, isScalar and isSeq only (the bundle keeps just these; see esbuild.mjs). */
export const yamlLibrary = once(() => require("yaml") as Pick<typeof Yaml, "parseDocument" | "isAlias" | "isMap" | "isPair" | "isScalar" | "isSeq">);
export const smolToml = once(() => require("smol-toml") as typeof SmolToml);
export const tomlEslintParser = once(() => require("toml-eslint-parser") as typeof TomlEslintParser);
export const lezerPython = once(() => require("@lezer/python") as typeof LezerPython);
export const lezerCommon = once(() => require("@lezer/common") as typeof LezerCommon);
export const dotenv = once(() => require("dotenv") as typeof Dotenv);
export const sqlJs = once(() => {
  const mod = require("sql.js") as typeof SqlJs | { default: typeof SqlJs };
  return typeof mod === "function" ? mod : mod.default;
});
/** The zod schemas of schema.ts (zod itself comes with them). */
export const kitaruSchemas = once(() => require("./schema") as typeof Schemas);
