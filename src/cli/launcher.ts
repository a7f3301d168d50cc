/**
 * dist/cli.js, the `kitaru-config` executable: starts the CLI (dist/cli-main.js)
 * with V8's compiled code from dist/code-cache/ (see codeCache.ts).
 */
import { useCodeCache } from "./codeCache";

useCodeCache(__dirname);
require("./cli-main.js");
