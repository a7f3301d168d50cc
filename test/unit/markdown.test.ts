import { test } from "node:test";
import assert from "node:assert/strict";
import { mdCode, mdEscape } from "../../src/core/markdown";

test("a code span shows its text literally: no backslash escapes inside it (status bar tooltip, https://bob:****@host)", () => {
  // The tester's tooltip showed `https://bob:\*\*\*\*@server.example.com`: backslashes are literal in code spans.
  assert.equal(mdCode("https://bob:****@server.example.com"), "`https://bob:****@server.example.com`");
  assert.equal(mdCode("a_b|c<d>[e]~f\\g"), "`a_b|c<d>[e]~f\\g`");
  // Backticks inside: a fence unequal to every run inside, padded when the text starts or ends with one.
  assert.equal(mdCode("a`b"), "``a`b``");
  assert.equal(mdCode("a``b`c"), "```a``b`c```");
  assert.equal(mdCode("`x`"), "`` `x` ``");
  // CommonMark strips one space at both ends: keep them by padding.
  assert.equal(mdCode(" x "), "`  x  `");
  assert.equal(mdCode(" x"), "` x`");
  assert.equal(mdCode("line1\nline2\r\nline3"), "`line1 line2 line3`");
  assert.equal(mdCode(""), "` `");
});

test("plain text is escaped for Markdown (outside code spans)", () => {
  assert.equal(mdEscape("https://bob:****@x"), "https://bob:\\*\\*\\*\\*@x");
  assert.equal(mdEscape("a_b `c` [d] |e|"), "a\\_b \\`c\\` \\[d\\] \\|e\\|");
});
