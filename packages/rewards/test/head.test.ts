// Reward heads: loading a LAION-layout file without metadata, our own files with activations and
// metadata, the forward pass against plain loops and hand-worked values, and the shape checks.
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, Rng, tensor } from '@ddpo/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { applyHead, HEAD_METADATA_KEY, headFromSafetensors, headToSafetensors, loadRewardHead, makeRewardHead, RewardHeadError, saveRewardHead } from '@ddpo/rewards';
import { laionLikeHeadFile, naiveLaionMlp } from './helpers/tiny-encoder.js';

const dir = mkdtempSync(join(tmpdir(), 'ddpo-rewards-head-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LAION aesthetic head layout (layers.0/2/4/6/7, no metadata)', () => {
  it('loads as five Linear layers in order with no activations and matches a plain-loop MLP', async () => {
    const { bytes, tensors } = laionLikeHeadFile(7);
    const path = join(dir, 'laion-like.safetensors');
    await writeFile(path, bytes);
    const head = await loadRewardHead(path);
    expect(head.layers.map((l) => [l.name, l.activation, ...l.weight.shape])).toEqual([
      ['layers.0', 'none', 1024, 768],
      ['layers.2', 'none', 128, 1024],
      ['layers.4', 'none', 64, 128],
      ['layers.6', 'none', 16, 64],
      ['layers.7', 'none', 1, 16],
    ]);
    const x = new Rng(1).normal([3, 768], 'float64');
    const got = applyHead(head, x);
    for (let r = 0; r < 3; r++) {
      const want = naiveLaionMlp(tensors, Array.from(x.data.subarray(r * 768, (r + 1) * 768)));
      expect(Math.abs(got[r] - want)).toBeLessThan(1e-9 * Math.max(1, Math.abs(want)));
    }
  });

  it('orders layer prefixes naturally (layers.2 before layers.10)', () => {
    const bytes = encodeSafetensors({
      'layers.10.weight': tensor([1, 1, 1, 1], [1, 4]),
      'layers.2.weight': tensor(new Array(12).fill(1), [4, 3]),
      'layers.2.bias': tensor([0, 0, 0, 1], [4]),
    });
    const head = headFromSafetensors(bytes);
    expect(head.layers.map((l) => l.name)).toEqual(['layers.2', 'layers.10']);
    // x = [1, 2, 3]: layer 2 gives [6, 6, 6, 7]; layer 10 (no bias) sums them: 25
    expect(Array.from(applyHead(head, tensor([1, 2, 3], [1, 3])))).toEqual([25]);
  });
});

describe('our head files', () => {
  const head = makeRewardHead([
    { name: 'hidden', weight: tensor([1, -1, -1, 1], [2, 2]), bias: null, activation: 'relu' },
    { name: 'out', weight: tensor([1, 1], [1, 2]), bias: tensor([0.5], [1]), activation: 'none' },
  ]);

  it('apply activations between layers (hand-worked)', () => {
    // x = [3, 1]: hidden = relu([2, -2]) = [2, 0]; out = 2 + 0 + 0.5 = 2.5. x = [0, 4]: relu([-4, 4]) = [0, 4] -> 4.5
    expect(Array.from(applyHead(head, tensor([3, 1, 0, 4], [2, 2])))).toEqual([2.5, 4.5]);
  });

  it('round-trip through safetensors with layer order, activations and extra metadata', async () => {
    const path = join(dir, 'ours.safetensors');
    await saveRewardHead(head, path, { note: 'hand-made' });
    const back = await loadRewardHead(path);
    expect(back.layers.map((l) => [l.name, l.activation, l.bias === null])).toEqual([
      ['hidden', 'relu', true],
      ['out', 'none', false],
    ]);
    expect(Array.from(applyHead(back, tensor([3, 1, 0, 4], [2, 2])))).toEqual([2.5, 4.5]);
    const { metadata } = decodeSafetensors(headToSafetensors(head, { note: 'hand-made' }));
    expect(metadata.note).toBe('hand-made');
    expect(JSON.parse(metadata[HEAD_METADATA_KEY]).layers).toEqual([
      { name: 'hidden', activation: 'relu' },
      { name: 'out', activation: 'none' },
    ]);
  });

  it('rejects layers that do not chain, a final width other than 1, bad features and unknown activations', () => {
    const w = (o: number, i: number) => tensor(new Array(o * i).fill(0.1), [o, i]);
    expect(() => makeRewardHead([{ name: 'a', weight: w(3, 2), bias: null, activation: 'none' }, { name: 'b', weight: w(1, 4), bias: null, activation: 'none' }])).toThrow(
      /b.weight takes 4 inputs but the previous layer gives 3/,
    );
    expect(() => makeRewardHead([{ name: 'a', weight: w(2, 2), bias: null, activation: 'none' }])).toThrow(/gives 2 outputs, expected 1/);
    expect(() => makeRewardHead([{ name: 'a', weight: w(1, 2), bias: tensor([0, 0], [2]), activation: 'none' }])).toThrow(/a.bias .* expected a float vector \[1\]/);
    expect(() => applyHead(head, tensor([1, 2, 3], [1, 3]))).toThrow(RewardHeadError);
    const bytes = encodeSafetensors({ 'a.weight': w(1, 2) }, { [HEAD_METADATA_KEY]: JSON.stringify({ layers: [{ name: 'a', activation: 'gelu' }] }) });
    expect(() => headFromSafetensors(bytes)).toThrow(/activation 'gelu'/);
    const missing = encodeSafetensors({ 'a.weight': w(1, 2) }, { [HEAD_METADATA_KEY]: JSON.stringify({ layers: [{ name: 'b', activation: 'none' }] }) });
    expect(() => headFromSafetensors(missing)).toThrow(/'b.weight' is missing/);
  });
});
