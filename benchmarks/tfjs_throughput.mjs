/**
 * Times `reconstruct` of a converted model (sentences/s) in Node or in the demo page in headless
 * Chromium; run by benchmarks/tfjs_throughput.py, which sends a JSON request on stdin:
 *
 *   {web, seconds, batches: {"1": [sentence], "64": [sentence x 64]},
 *    node: {model, backends}                    Node: pure-JS @tensorflow/tfjs on each backend
 *    | browser: {url, chromium, backends}}      the page at url?backend=B for each B
 *
 * and prints one JSON line: [{where, backend, batch, sentences_per_second, calls}]. The same
 * timing function runs in both places: one warm-up call, then calls until `seconds` have passed
 * (at least one).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** Runs in Node or in the page (serialised by playwright): times `globalThis.tfarae.model.reconstruct`. */
async function timeReconstruct({ sentences, seconds }) {
  const { model, tf } = globalThis.tfarae;
  await model.reconstruct(sentences);
  let calls = 0;
  const start = performance.now();
  while (calls === 0 || performance.now() - start < seconds * 1000) {
    await model.reconstruct(sentences);
    calls += 1;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { backend: tf.getBackend(), calls, sentences_per_second: (calls * sentences.length) / elapsed };
}

async function inNode({ web, seconds, batches, node }) {
  const { loadModelFromDirectory } = await import(pathToFileURL(path.join(web, 'node.js')).href);
  const { useBackend } = await import(pathToFileURL(path.join(web, 'tfarae.js')).href);
  const tf = createRequire(path.join(web, 'package.json'))('@tensorflow/tfjs');
  const results = [];
  for (const backend of node.backends) {
    if ((await useBackend(backend)) !== backend) continue;
    globalThis.tfarae = { model: await loadModelFromDirectory(node.model), tf };
    for (const [batch, sentences] of Object.entries(batches)) {
      results.push({ where: 'node', batch: Number(batch), ...(await timeReconstruct({ sentences, seconds })) });
    }
    globalThis.tfarae.model.dispose();
  }
  return results;
}

async function inChromium({ web, seconds, batches, browser }) {
  const { chromium } = createRequire(path.join(web, 'package.json'))('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tfarae-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const results = [];
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(0); // a batch of 64 on the CPU backend takes tens of seconds
    for (const backend of browser.backends) {
      await page.goto(`${browser.url}?backend=${backend}`);
      await page.waitForSelector('#status[data-state=ready]');
      for (const [batch, sentences] of Object.entries(batches)) {
        const figures = await page.evaluate(timeReconstruct, { sentences, seconds });
        results.push({ where: 'chromium', batch: Number(batch), ...figures });
      }
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return results;
}

const request = JSON.parse(fs.readFileSync(0, 'utf8'));
console.log(JSON.stringify(await (request.node ? inNode(request) : inChromium(request))));
