import * as path from "node:path";
import { startVSCode } from "../../scripts/vscode-server.mjs";
import { openViewContainer, runCommand, waitForTreeRows } from "../integration/ui.mjs";
const ROOT = path.resolve(".");
const ws = path.join(ROOT, "examples/research-agent");
const vs = await startVSCode({ workspace: ws, extensions: [ROOT], env: { KITARU_CONFIG_PATH: path.join(ws, ".kitaru-home") } });
try {
  await openViewContainer(vs.page, "Kitaru");
  await waitForTreeRows(vs.page, "Effective Configuration");
  await runCommand(vs.page, "Developer: Show Running Extensions");
  await vs.page.waitForTimeout(3000);
  const text = await vs.page.locator(".runtime-extensions-editor").innerText();
  console.log(text.slice(0, 3000));
  const cell = vs.page.locator(".runtime-extensions-editor .monaco-list-row").filter({ hasText: "Kitaru Configuration" }).locator(".activation-time");
  await cell.hover();
  await vs.page.waitForTimeout(1500);
  console.log("HOVER:", await vs.page.locator(".monaco-hover, .workbench-hover").last().innerText().catch(e => e.message));
} finally { await vs.stop(); }
