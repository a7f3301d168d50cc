import assert from "node:assert/strict";
import { test } from "node:test";
import { readKitaruEnv, readZenmlEnv } from "../../src/core/envLayer";
import { memoryHost } from "./helpers";

const read = (env: Record<string, string>) => readKitaruEnv(memoryHost({}, env));

test("KITARU_CACHE uses Kitaru's word table, stripped and lower-cased", () => {
  for (const [text, value] of [["1", true], [" Yes ", true], ["ON", true], ["t", true], ["y", true], ["0", false], ["OFF", false], ["n", false], ["False", false]] as const) {
    assert.equal(read({ KITARU_CACHE: text }).values.get("cache")?.value, value, text);
  }
  const bad = read({ KITARU_CACHE: "enabled" });
  assert.equal(bad.values.has("cache"), false);
  assert.equal(bad.problems[0]?.severity, "error");
  assert.match(bad.problems[0]!.message, /KITARU_CACHE/);
});

test("KITARU_RETRIES follows Python int()", () => {
  assert.equal(read({ KITARU_RETRIES: " 3 " }).values.get("retries")?.value, 3);
  assert.equal(read({ KITARU_RETRIES: "1_0" }).values.get("retries")?.value, 10);
  assert.equal(read({ KITARU_RETRIES: "+2" }).values.get("retries")?.value, 2);
  for (const bad of ["3.0", "1__0", "_1", "", "x", "-1"]) {
    const r = read({ KITARU_RETRIES: bad });
    assert.equal(r.values.has("retries"), false, bad);
    assert.equal(r.problems.filter((p) => p.severity === "error").length, 1, bad);
  }
});

test("KITARU_STACK is stripped; empty is an error (not 'unset')", () => {
  assert.equal(read({ KITARU_STACK: "  gpu  " }).values.get("stack")?.value, "gpu");
  assert.equal(read({ KITARU_STACK: " " }).problems[0]?.code, "invalid-env");
});

test("KITARU_IMAGE: JSON object, JSON string, null, plain text, other JSON", () => {
  const obj = read({ KITARU_IMAGE: '{"base_image": "python:3.13", "environment": {"A": "1", "API_KEY": "sk-verysecretvalue123"}}' }).values;
  assert.equal(obj.get("image.base_image")?.value, "python:3.13");
  assert.equal(obj.get("image.environment.A")?.value, "1");
  assert.equal(obj.get("image.environment.API_KEY")?.masked, true);
  assert.ok(!JSON.stringify([...obj.values()]).includes("sk-verysecretvalue123"));
  assert.equal(read({ KITARU_IMAGE: '"ghcr.io/a:1"' }).values.get("image.base_image")?.value, "ghcr.io/a:1");
  assert.equal(read({ KITARU_IMAGE: "null" }).values.size, 0);
  assert.equal(read({ KITARU_IMAGE: "python:3.12-slim" }).values.get("image.base_image")?.value, "python:3.12-slim");
  assert.equal(read({ KITARU_IMAGE: "[1]" }).problems[0]?.severity, "error");
  assert.equal(read({ KITARU_IMAGE: '{"bogus": 1}' }).problems[0]?.severity, "error");
});

test("KITARU_RUNNER is refused with the new name", () => {
  const p = read({ KITARU_RUNNER: "k8s" }).problems[0]!;
  assert.equal(p.code, "renamed-env");
  assert.match(p.message, /KITARU_STACK/);
});

test("connection variables: blank is unset, the token is masked", () => {
  const r = read({ KITARU_SERVER_URL: " ", KITARU_AUTH_TOKEN: "kat_live_7Hq2pX9vLm4R8sTnW3yZ" });
  assert.equal(r.values.has("server_url"), false);
  assert.equal(r.values.get("auth_token")?.masked, true);
  assert.equal(r.values.get("auth_token")?.value, "kat_****");
});

test("ZENML_* compatibility variables", () => {
  const v = readZenmlEnv(memoryHost({}, { ZENML_STORE_URL: "https://z", ZENML_STORE_API_KEY: "ZENKEY_3kT9vQ2mX7pL4sR8wN1bY6cH", ZENML_ACTIVE_PROJECT_ID: "p" }));
  assert.equal(v.get("server_url")?.value, "https://z");
  assert.notEqual(v.get("auth_token")?.value, "ZENKEY_3kT9vQ2mX7pL4sR8wN1bY6cH");
  assert.equal(v.get("project")?.value, "p");
});

test("an unknown KITARU_ variable is only an info, with a suggestion", () => {
  const p = read({ KITARU_STAK: "x" }).problems[0]!;
  assert.equal(p.severity, "info");
  assert.match(p.message, /KITARU_STACK/);
});
