import assert from "node:assert/strict";
import { test } from "node:test";
import { settingAsExport, settingAsToml } from "../../src/core/copyAs";
import { parseEnvFile } from "../../src/core/envFile";
import type { Setting } from "../../src/core/resolve";

const s = (key: string, value: Setting["value"], extra: Partial<Setting> = {}): Setting => ({ key, value, source: "pyproject", overridden: [], ...extra });

test("[tool.kitaru] lines", () => {
  assert.equal(settingAsToml(s("stack", "prod")), 'stack = "prod"');
  assert.equal(settingAsToml(s("cache", false)), "cache = false");
  assert.equal(settingAsToml(s("image.apt_packages", ["git", "ffmpeg"])), 'image.apt_packages = [ "git", "ffmpeg" ]');
  assert.equal(settingAsToml(s("image.environment.LOG_LEVEL", "INFO")), 'image.environment.LOG_LEVEL = "INFO"');
  assert.equal(settingAsToml(s("server_url", "https://x")), undefined);
  assert.equal(settingAsToml(s("image.environment.API_KEY", "sk-****", { masked: true })), undefined);
});

test("export lines, shell-quoted; secrets never", () => {
  assert.equal(settingAsExport(s("stack", "prod")), "export KITARU_STACK=prod");
  assert.equal(settingAsExport(s("retries", 3)), "export KITARU_RETRIES=3");
  assert.equal(settingAsExport(s("image.base_image", "python:3.12-slim")), `export KITARU_IMAGE='{"base_image":"python:3.12-slim"}'`);
  assert.equal(settingAsExport(s("image.environment.A", "it's")), `export KITARU_IMAGE='{"environment":{"A":"it'\\''s"}}'`);
  assert.equal(settingAsExport(s("auth_token", "kat_****", { masked: true })), undefined);
});

test("env files: values by dotenv, with the line that set them", () => {
  const entries = parseEnvFile('# comment\nexport KITARU_STACK=gpu\nKITARU_RETRIES="3" # three\n\nKITARU_STACK=prod\n');
  assert.deepEqual(entries, [
    { name: "KITARU_STACK", value: "prod", line: 5 },
    { name: "KITARU_RETRIES", value: "3", line: 3 },
  ]);
});
