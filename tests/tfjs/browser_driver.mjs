/**
 * Drives the demo page in headless Chromium like a person: types sentences, presses the buttons,
 * reads the answers from the page. Reads a JSON request on stdin:
 *   {web, chromium, url, screenshot, reconstruct: [text], generate: [[num, seed]], interpolate: [[start, end, steps]],
 *    transfer: [[text, label]]}
 * and prints one JSON line: {backend, status, transferHidden, labels, reconstruct, generate, interpolate, transfer,
 * pageErrors},
 * each answer `{state: "done"|"error", sentences: [string]}` (an error's message is its one sentence).
 * playwright-core is resolved from the web folder's node_modules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const request = JSON.parse(fs.readFileSync(0, 'utf8'));
const { chromium } = createRequire(path.join(request.web, 'package.json'))('playwright-core');
const ACTION_TIMEOUT = 60000; // ms; a frozen page fails here

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tfarae-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: request.chromium,
  headless: true,
  viewport: { width: 900, height: 600 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const pageErrors = [];
try {
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(request.url);
  await page.waitForSelector('#status:not([data-state=loading])');
  const status = await page.locator('#status').getAttribute('data-state');

  /** Fills `fields` ({id: value}; a <select> gets that option), presses the section's button, returns the answer. */
  async function ask(section, fields) {
    for (const [id, value] of Object.entries(fields)) {
      const field = page.locator(`#${id}`);
      await (id.endsWith('-label') ? field.selectOption(String(value)) : field.fill(String(value)));
    }
    const output = `${section}-output`;
    await page.evaluate((id) => { delete document.getElementById(id).dataset.state; }, output); // no stale answer
    await page.locator(`#${section}-button`).click();
    await page.waitForFunction((id) => ['done', 'error'].includes(document.getElementById(id).dataset.state), output);
    return page.evaluate((id) => {
      const list = document.getElementById(id);
      const sentences = [...list.children].map((li) => li.dataset.sentence ?? li.textContent);
      return { state: list.dataset.state, sentences };
    }, output);
  }

  const result = { backend: await page.locator('#status').getAttribute('data-backend'), status, pageErrors,
    transferHidden: await page.locator('#transfer').isHidden(),
    labels: await page.locator('#transfer-label option').allTextContents(),
    reconstruct: [], generate: [], interpolate: [], transfer: [] };
  if (status === 'ready') {
    for (const text of request.reconstruct ?? []) {
      result.reconstruct.push(await ask('reconstruct', { 'reconstruct-input': text }));
    }
    for (const [num, seed] of request.generate ?? []) {
      result.generate.push(await ask('generate', { 'generate-num': num, 'generate-seed': seed }));
    }
    for (const [start, end, steps] of request.interpolate ?? []) {
      const fields = { 'interpolate-start': start, 'interpolate-end': end, 'interpolate-steps': steps };
      result.interpolate.push(await ask('interpolate', fields));
    }
    for (const [text, label] of request.transfer ?? []) {
      result.transfer.push(await ask('transfer', { 'transfer-input': text, 'transfer-label': label }));
    }
    if (request.screenshot) await page.screenshot({ path: request.screenshot, fullPage: true });
  }
  console.log(JSON.stringify(result));
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
