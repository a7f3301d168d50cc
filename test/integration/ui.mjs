// Playwright helpers for the VS Code workbench (1.100), for scenario
// `screenshots` hooks and the demo. They find things by role and ARIA label,
// as a screen reader would, not by pixel positions:
//   activity bar item  .part.activitybar  role=tab, named by its inner label
//   view               role=tree, aria-label = the view's name
//   tree row           role=treeitem, aria-label "label description",
//                      aria-expanded "false" when collapsed
//   hover              .monaco-hover (role=tooltip)
// Every wait has a deadline; none sleeps a fixed time.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Where `UPDATE_SCREENSHOTS=1` copies screenshots (for the README). */
export const DOCS_IMAGES_DIR = path.join(ROOT, "docs", "images");

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The activity bar item (role=tab) titled `title` ("Kitaru", or "Explorer" which reads "Explorer (Ctrl+Shift+E)"). */
export function activityBarItem(page, title) {
  return page
    .locator(".part.activitybar")
    .getByRole("tab", { name: new RegExp(`^${escapeRegExp(title)}(\\s*\\(.*\\))?$`) });
}

/**
 * Open the view container whose activity-bar title is `title` (clicking only
 * if it is not already open: a second click would close the side bar).
 * Returns the side bar locator.
 */
export async function openViewContainer(page, title, { timeout = 30_000 } = {}) {
  const item = activityBarItem(page, title);
  await item.waitFor({ state: "visible", timeout });
  if ((await item.getAttribute("aria-selected")) !== "true") await item.click({ timeout });
  await page
    .locator(`.part.activitybar li[role="tab"][aria-selected="true"]`)
    .filter({ has: page.locator(`a.action-label[aria-label^="${title}"]`) })
    .waitFor({ timeout });
  const sidebar = page.locator(".part.sidebar");
  // The side bar's title is the container's ("Kitaru"), or "Kitaru: <view>"
  // when the container has one view.
  await sidebar
    .locator(".composite.title h2")
    .filter({ hasText: new RegExp(`^${escapeRegExp(title)}`, "i") })
    .waitFor({ timeout });
  return sidebar;
}

/**
 * Make the primary side bar `width` CSS pixels wide by dragging its sash
 * (the edge between side bar and editor), e.g. so long tree rows fit in a
 * screenshot.
 */
export async function resizeSideBar(page, width, { timeout = 10_000 } = {}) {
  const sidebar = page.locator(".part.sidebar");
  await sidebar.waitFor({ state: "visible", timeout });
  const box = await sidebar.boundingBox();
  if (!box) throw new Error("the side bar has no size");
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
  // Move off the sash, which stays highlighted while the pointer is on it.
  const editor = await page.locator(".part.editor").boundingBox();
  if (editor) await page.mouse.move(editor.x + editor.width / 2, editor.y + editor.height / 2);
  const deadline = Date.now() + timeout;
  for (;;) {
    const now = (await sidebar.boundingBox())?.width ?? 0;
    if (Math.abs(now - width) <= 4) return now;
    if (Date.now() > deadline) throw new Error(`side bar is ${now}px wide, wanted ${width}px`);
    await page.waitForTimeout(50); // poll interval
  }
}

/** The tree of the view named `viewName` (e.g. "Effective Configuration"). */
export function treeView(page, viewName) {
  return page.getByRole("tree", { name: viewName, exact: true });
}

/** Rows of a tree (only the rendered ones: trees are virtualized). */
export function treeRows(page, viewName) {
  return treeView(page, viewName).getByRole("treeitem");
}

/** The row whose label is `label` (the ARIA label is "label description"). */
export function treeRow(page, viewName, label) {
  return treeView(page, viewName).getByRole("treeitem", { name: new RegExp(`^${escapeRegExp(label)}(\\s|$)`) });
}

/** Wait until the view's tree shows at least `minRows` rows; returns the tree locator. */
export async function waitForTreeRows(page, viewName, { minRows = 1, timeout = 30_000 } = {}) {
  const tree = treeView(page, viewName);
  await tree.waitFor({ state: "visible", timeout });
  const deadline = Date.now() + timeout;
  for (;;) {
    const n = await tree.getByRole("treeitem").count();
    if (n >= minRows) return tree;
    if (Date.now() > deadline) throw new Error(`tree "${viewName}" has ${n} row(s), expected at least ${minRows}, after ${timeout} ms`);
    await page.waitForTimeout(100); // poll interval, not a correctness sleep
  }
}

/**
 * Expand every collapsed row of the tree, level by level, until none is left
 * (children load asynchronously; each expansion is awaited). Returns the
 * number of rows expanded.
 */
export async function expandAllRows(page, viewName, { timeout = 30_000, maxExpansions = 200 } = {}) {
  const tree = treeView(page, viewName);
  await tree.waitFor({ state: "visible", timeout });
  const deadline = Date.now() + timeout;
  let expanded = 0;
  for (;;) {
    const collapsed = tree.locator('[role="treeitem"][aria-expanded="false"]');
    if ((await collapsed.count()) === 0) return expanded;
    if (Date.now() > deadline || expanded >= maxExpansions) {
      throw new Error(`tree "${viewName}": still collapsed rows after expanding ${expanded} (timeout ${timeout} ms)`);
    }
    const row = collapsed.first();
    const index = await row.getAttribute("data-index");
    await row.locator(".monaco-tl-twistie").click({ timeout: Math.max(1000, deadline - Date.now()) });
    // Expanded: aria-expanded="true", or no attribute once it turns out to have no children.
    await tree
      .locator(`[role="treeitem"][data-index="${index}"]:not([aria-expanded="false"])`)
      .waitFor({ timeout: Math.max(1000, deadline - Date.now()) });
    expanded++;
  }
}

/** The hover widget currently shown (tree tooltips, editor hovers, status bar tooltips). */
export function visibleHover(page) {
  return page.locator(".monaco-hover:visible").first();
}

/** Hover `locator` and wait for a hover widget; returns its locator. */
export async function hover(page, locator, { timeout = 15_000 } = {}) {
  await locator.hover({ timeout });
  const widget = visibleHover(page);
  await widget.waitFor({ state: "visible", timeout });
  return widget;
}

/** Run a command by its palette label, e.g. "Notifications: Clear All Notifications". */
export async function runCommand(page, label, { timeout = 15_000 } = {}) {
  const widget = page.locator(".quick-input-widget");
  await page.keyboard.press("F1");
  const input = widget.locator("input.input");
  await input.waitFor({ state: "visible", timeout });
  await input.fill(`>${label}`);
  await widget.getByRole("option", { name: new RegExp(`^${escapeRegExp(label)}`) }).first().waitFor({ timeout });
  await page.keyboard.press("Enter");
  await widget.waitFor({ state: "hidden", timeout });
}

/** Close notification toasts, if any (they would cover screenshots). */
export async function dismissNotifications(page, { timeout = 15_000 } = {}) {
  const toasts = page.locator(".notifications-toasts .notification-toast");
  if ((await toasts.count()) === 0) return;
  await runCommand(page, "Notifications: Clear All Notifications", { timeout });
  await toasts.first().waitFor({ state: "detached", timeout });
}

/**
 * Save a PNG to `outDir/<name>.png` (the whole page, or `options.locator`'s
 * element). With UPDATE_SCREENSHOTS=1 also copied to docs/images/.
 * Returns the path written.
 */
export async function saveScreenshot(page, outDir, name, { locator, fullPage = false, timeout = 15_000 } = {}) {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${name}.png`);
  if (locator) await locator.screenshot({ path: file, timeout, animations: "disabled" });
  else await page.screenshot({ path: file, fullPage, timeout, animations: "disabled" });
  if (process.env.UPDATE_SCREENSHOTS === "1") {
    fs.mkdirSync(DOCS_IMAGES_DIR, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_IMAGES_DIR, `${name}.png`));
  }
  return file;
}
