// The page in headless Chromium (Debian's chromium, driven by playwright-core): it loads with no console
// errors, passes the adapter's conformance subset on WebAssembly, trains two DDPO_IS epochs on the
// browser's JPEG reward (a curve of two points), and its downloaded weights load back in Node as
// tiny-unet-32, changed by the training; RWR runs and the stop button stops it mid-run; WebGPU's absence
// is a typed error. Skipped, with the reason, where there is no Chromium
// (tools/ci/install-chromium.sh installs it on CI). The build check needs no browser.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadTinyUnet32 } from '@ddpo/models';
import { buildPage, PageBuildError, startServer, type PageServer } from '../src/server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
// Without the background-networking flags Chromium keeps calling Google's services, which a closed network refuses.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

describe('the page bundle', () => {
  it('builds for the browser from the packages\' browser entries, without onnxruntime-node', async () => {
    const { inputs } = await buildPage();
    const mine = inputs.filter((i) => i.includes('packages/'));
    for (const pkg of ['optim', 'rewards', 'models', 'trainer']) {
      expect(mine, pkg).toContain(`../../packages/${pkg}/src/browser.ts`);
      expect(mine, pkg).not.toContain(`../../packages/${pkg}/src/index.ts`);
    }
    expect(mine).toContain('../../packages/tensor-onnxruntime/src/lowering.ts');
    expect(mine).not.toContain('../../packages/models/src/classifier-file.ts');
    expect(mine.filter((i) => /tensor-onnxruntime\/src\/(adapter|index|nchwc-probe|webgpu|cuda)\.ts$/.test(i))).toEqual([]);
    expect(inputs.filter((i) => /onnxruntime-node|node_modules\/sharp|pngjs/.test(i))).toEqual([]);
  });

  it('fails on a node: import, naming it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-web-'));
    const entry = path.join(dir, 'bad.ts');
    fs.writeFileSync(entry, "import { readFileSync } from 'node:fs';\nconsole.log(readFileSync);\n");
    const err = await buildPage({ entry }).catch((e: unknown) => e);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(err).toBeInstanceOf(PageBuildError);
    expect((err as Error).message).toMatch(/node:fs/);
  });
});

describe.skipIf(!haveChromium)(`the page in headless Chromium${haveChromium ? '' : ` — SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or run tools/ci/install-chromium.sh as root; CHROMIUM_PATH overrides)`}`, () => {
  let server: PageServer;
  let context: BrowserContext;
  let profile: string;
  let downloads: string;

  beforeAll(async () => {
    server = await startServer({ port: 0 });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-chromium-'));
    downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-downloads-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, acceptDownloads: true });
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
    for (const d of [profile, downloads]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Opens the page with `query`, collecting console errors and uncaught exceptions. */
  async function open(query: string): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    await page.goto(`${server.url}?${query}`);
    return { page, errors };
  }
  const stateOf = (page: Page) => page.evaluate(() => (globalThis as unknown as { ddpo: { state: string; curve: number[]; fidelity: number[]; seconds: number[]; error?: string; device?: string; conformance?: { name: string; ok: boolean; problem?: string }[] } }).ddpo);

  it('passes the conformance subset on WebAssembly in the page', async () => {
    const { page, errors } = await open('device=wasm&conformance=1');
    await page.waitForFunction(() => {
      const d = (globalThis as unknown as { ddpo: { state: string; conformance?: unknown } }).ddpo;
      return d.state === 'error' || d.conformance !== undefined;
    }, undefined, { timeout: 240_000 });
    const s = await stateOf(page);
    expect(s.error).toBeUndefined();
    expect(s.conformance!.length).toBeGreaterThan(20);
    expect(s.conformance!.filter((r) => !r.ok)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('trains two DDPO_IS epochs on wasm, plots two points, and its downloaded weights load back in Node', async () => {
    const { page, errors } = await open('device=wasm&algorithm=ddpo-is&reward=jpeg-compressibility&epochs=2&autostart=1');
    await page.waitForFunction(() => ['done', 'error', 'stopped'].includes((globalThis as unknown as { ddpo: { state: string } }).ddpo.state), undefined, { timeout: 540_000 });
    const s = await stateOf(page);
    expect(s.error).toBeUndefined();
    expect(s.state).toBe('done');
    expect(s.device).toBe('onnxruntime-web-wasm');
    expect(s.curve).toHaveLength(2);
    expect(s.curve.every(Number.isFinite)).toBe(true);
    // JPEG compressibility is minus the size in kB: a 32x32 JPEG is a few hundred bytes to ~2 kB
    expect(s.curve.every((r) => r < 0 && r > -5)).toBe(true);
    expect(s.fidelity).toHaveLength(2);
    expect(s.fidelity.every((f) => f >= 0 && f <= 1)).toBe(true);
    expect(await page.locator('#epochs-table tbody tr').count()).toBe(2);
    console.log(`page: seconds per epoch on wasm: ${s.seconds.map((x) => x.toFixed(1)).join(', ')}`);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = path.join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    expect(errors).toEqual([]);
    await page.close();

    const tuned = loadTinyUnet32({ path: file });
    const shipped = loadTinyUnet32();
    expect(Object.keys(tuned.params).sort()).toEqual(Object.keys(shipped.params).sort());
    const changed = Object.keys(shipped.params).filter((k) => tuned.params[k].data.some((v, i) => v !== shipped.params[k].data[i]));
    expect(changed.length).toBeGreaterThan(Object.keys(shipped.params).length / 2);
  }, 600_000);

  it('trains RWR and stops at the stop button, with the page responsive during an epoch', async () => {
    const { page, errors } = await open('device=wasm&algorithm=rwr&reward=colorfulness&epochs=50&autostart=1');
    await page.waitForFunction(() => (globalThis as unknown as { ddpo: { curve: number[]; state: string } }).ddpo.curve.length >= 1 || (globalThis as unknown as { ddpo: { state: string } }).ddpo.state === 'error', undefined, { timeout: 300_000 });
    await page.click('#stop', { timeout: 30_000 }); // a page frozen by the training loop would not take the click
    await page.waitForFunction(() => ['stopped', 'error', 'done'].includes((globalThis as unknown as { ddpo: { state: string } }).ddpo.state), undefined, { timeout: 120_000 });
    const s = await stateOf(page);
    expect(s.error).toBeUndefined();
    expect(s.state).toBe('stopped');
    expect(s.curve.length).toBeGreaterThanOrEqual(1);
    expect(s.curve.length).toBeLessThan(50);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('says WebGPU is unavailable in a page without it, as a typed error', async () => {
    const { page } = await open('device=webgpu');
    await page.waitForFunction(() => ['ready', 'error'].includes((globalThis as unknown as { ddpo: { state: string } }).ddpo.state), undefined, { timeout: 120_000 });
    const s = await stateOf(page);
    // Chromium runs with --disable-gpu here, so WebGPU has no adapter
    expect(s.state).toBe('error');
    expect(s.error).toMatch(/^WebGpuUnavailableInPageError: .*WebGPU is unavailable in this page/);
    await page.close();
  }, 180_000);
});
