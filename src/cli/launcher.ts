/**
 * dist/cli.js, the `kitaru-config` executable: runs the CLI (dist/cli-main.js)
 * with V8's compiled code from dist/code-cache/ (see codeCache.ts).
 */
import { runCliMain } from "./codeCache";

runCliMain(__dirname);
