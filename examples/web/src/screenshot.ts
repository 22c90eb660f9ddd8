// Takes the README's screenshot of the page (docs/web-page.png): DDPO_IS then RWR, N epochs each, on
// colorfulness (or the reward named), in headless Chromium on WebAssembly.
// Usage: node --conditions @ddpo/source --import tsx examples/web/src/screenshot.ts [epochs] [out.png] [reward]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from './server.js';

const epochs = Number(process.argv[2] ?? 8);
const out = path.resolve(process.argv[3] ?? 'docs/web-page.png');
const reward = process.argv[4] ?? 'colorfulness';
const server = await startServer({ port: 0 });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1000, height: 760 },
});
try {
  const page = await context.newPage();
  await page.goto(`${server.url}?device=wasm&reward=${reward}&epochs=${epochs}`);
  const settled = (want: string[]) =>
    page.waitForFunction((w) => w.includes((globalThis as unknown as { ddpo: { state: string } }).ddpo.state), want, { timeout: 1_800_000 });
  await settled(['ready', 'error']);
  for (const algorithm of ['ddpo-is', 'rwr']) {
    await page.selectOption('#algorithm', algorithm);
    // started from a timer: a click that waited for the busy page to answer could time out
    await page.evaluate(() => setTimeout(() => document.getElementById('start')!.click(), 0));
    console.log(`${algorithm}: started`);
    await page.waitForFunction(() => (globalThis as unknown as { ddpo: { state: string } }).ddpo.state === 'training', undefined, { timeout: 120_000 });
    await settled(['done', 'error', 'stopped']);
    const s = await page.evaluate(() => (globalThis as unknown as { ddpo: { state: string; curve: number[]; seconds: number[]; error?: string } }).ddpo);
    console.log(`${algorithm}: ${s.state} ${s.error ?? ''} rewards ${s.curve.map((r) => r.toFixed(3)).join(' ')}; seconds/epoch ${s.seconds.map((x) => x.toFixed(1)).join(' ')}`);
  }
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await context.close();
  await server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
