// What a kitaru child process was given may come back in its output: environmentSecrets
// lists what to redact from it (the secrets sweep found a CLI error echoing them in plain words).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { environmentSecrets, maskSecretsInText, redact } from "../../src/core/secrets";

test("secret-named variables and URL passwords, longest first; short and harmless values left alone", () => {
  const env = {
    KITARU_AUTH_TOKEN: "plainwordtoken-1234",
    ZENML_STORE_API_KEY: "storekey-abcdefgh",
    KITARU_SERVER_URL: "https://ci:pw-9Jk2Lm@ci.example.com",
    KITARU_PROJECT: "demo",
    AUTH: "1",
    PATH: "/usr/bin:/bin",
    UNSET: undefined,
  };
  assert.deepEqual(environmentSecrets(env), ["plainwordtoken-1234", "storekey-abcdefgh", "pw-9Jk2Lm"]);
});

test("redacting them removes what the shape-based masking cannot see", () => {
  const env = { KITARU_LOG_STORE_API_KEY: "sweepSettingsLogKey-6Vc2Xz9", KITARU_SWEEP_TOKEN: "sweepProcUnknownTok-4Rt6Yu" };
  const stderr = "AuthenticationError: tried the credentials sweepSettingsLogKey-6Vc2Xz9 and sweepProcUnknownTok-4Rt6Yu";
  assert.ok(maskSecretsInText(stderr).includes("sweepSettingsLogKey-6Vc2Xz9"), "no shape or name gives these away");
  const out = redact(stderr, environmentSecrets(env));
  assert.ok(!out.includes("6Vc2Xz9") && !out.includes("4Rt6Yu"), out);
});
