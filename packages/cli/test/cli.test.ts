// The `ddpo` command line: --help on every subcommand, and clear errors (exit status 2, the flag or
// field named) for bad flags, bad files and bad configuration values.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddpo-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('ddpo --help', () => {
  it('lists every subcommand', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['pretrain', 'sample', 'train', 'compare', 'sweep', 'export', 'report']) expect(r.out).toContain(c);
  });

  it.each([
    ['pretrain', '--steps'],
    ['sample', '--guidance-scale'],
    ['train', '--algo'],
    ['compare', '--quick'],
    ['sweep', '--grid'],
    ['export', '--batch'],
    ['report', '<dir>'],
  ])('%s --help shows its options', async (cmd, flag) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(flag);
  });

  it('train --help lists the algorithms and reward forms', async () => {
    const r = await runCli(['train', '--help']);
    for (const s of ['ddpo-is', 'ddpo-sf', 'rwr', 'rwr-sparse', 'compressibility', 'incompressibility', 'aesthetic']) expect(r.out).toContain(s);
  });
});

describe('ddpo errors', () => {
  it('an unknown flag exits 2 and names it', async () => {
    const r = await runCli(['compare', '--qiuck']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--qiuck'");
  });

  it('an unknown algorithm choice exits 2', async () => {
    const r = await runCli(['train', '--algo', 'ppo']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ppo/);
  });

  it('--algos with an unknown algorithm names it', async () => {
    const r = await runCli(['compare', '--algos', 'ddpo-is,dpo', '--out', tmp]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown algorithm 'dpo'");
  });

  it('a missing config file and a malformed one are named', async () => {
    const missing = await runCli(['train', '--config', path.join(tmp, 'nope.json'), '--out', tmp]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('nope.json');
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{ "numEpochs": 3, }');
    const malformed = await runCli(['train', '--config', bad, '--out', tmp]);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/bad\.json.*not valid JSON/);
  });

  it('a bad configuration value exits 2 naming the field', async () => {
    const cfg = path.join(tmp, 'cfg.json');
    fs.writeFileSync(cfg, JSON.stringify({ trainClipRange: -1 }));
    const r = await runCli(['train', '--config', cfg, '--out', path.join(tmp, 'run'), '--device', 'reference']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('trainClipRange');
  });

  it('a bad numeric flag names the flag', async () => {
    const r = await runCli(['train', '--epochs', 'ten', '--out', tmp]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--epochs: expected a number, got 'ten'");
  });

  it('an unknown reward and a missing reward module are explained', async () => {
    const unknown = await runCli(['train', '--reward', 'beauty', '--out', tmp]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown reward 'beauty'.*compressibility/);
    const missing = await runCli(['train', '--reward', './no-such-reward.mjs', '--out', tmp]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no such reward module');
  });

  it('a module that exports no RewardFn is explained', async () => {
    const mod = path.join(tmp, 'not-a-reward.mjs');
    fs.writeFileSync(mod, 'export const answer = 42;\n');
    const r = await runCli(['train', '--reward', mod, '--out', tmp]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/must export a RewardFn.*answer/);
  });

  it('report on a directory without summary.json says what to run', async () => {
    const r = await runCli(['report', tmp]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no summary.json');
  });

  it('--reward aesthetic with only one of the CLIP files says which flag is missing', async () => {
    const r = await runCli(['train', '--reward', 'aesthetic', '--clip-encoder', path.join(tmp, 'clip.onnx'), '--out', tmp]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--aesthetic-head');
  });
});
