/**
 * The editor's Slices (src/extension/python/slices.ts, no vscode import): thousands of small pieces
 * of work asked for at once (VS Code resolving every CodeLens of a 1,500-flow module) run first
 * come first served, never more than about one slice at a time without a turn of the event loop.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Slices } from "../../src/extension/python/slices";

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // work
  }
};

test("12,000 pieces asked for at once: all answered, in order, with the event loop turning between slices", async () => {
  const slices = new Slices(10);
  await Promise.all(Array.from({ length: 500 }, () => slices.run(() => busy(0.05)))); // warm up
  let longest = 0;
  let turns = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    turns++;
  }, 1);
  const order: number[] = [];
  const started = performance.now();
  const all = Array.from({ length: 12_000 }, (_, i) =>
    slices.run(() => {
      busy(0.05);
      order.push(i);
      return i * 2;
    }),
  );
  const asked = performance.now() - started;
  const results = await Promise.all(all);
  clearInterval(probe);
  assert.deepEqual(results.slice(0, 3), [0, 2, 4]);
  assert.equal(results[11_999], 23_998);
  assert.deepEqual(order, [...order].sort((a, b) => a - b), "first come, first served");
  // About 600 ms of work in slices of 10 ms: the event loop turned between them (all at once: no turn at all).
  assert.ok(asked < 50, `asking took ${asked.toFixed(1)} ms`);
  assert.ok(turns >= 20, `${turns} turns of the event loop`);
  assert.ok(longest < 100, `the event loop waited ${longest.toFixed(1)} ms`);
});

test("a piece asked for alone runs at once; an error reaches its caller only", async () => {
  const slices = new Slices(10);
  let ran = false;
  const p = slices.run(() => (ran = true));
  assert.equal(ran, true, "ran synchronously inside run()");
  assert.equal(await p, true);
  await assert.rejects(slices.run(() => {
    throw new Error("boom");
  }), /boom/);
  assert.equal(await slices.run(() => 7), 7);
});
