// The benchmark's --peer and --profile helpers without timing: the peer runner says why it skipped
// when the python it needs is missing, and the profile's role classifier names the backward
// convolutions of a small strided conv graph as the categories.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { conv2d, grad, GraphBuilder, mul, sum } from '@ddpo/tensor';
import { runPeer, runPython } from '../bench/peer.js';
import { formatAblation } from '../bench/ablate.js';
import { classify } from '../bench/profile.js';

describe('runPeer', () => {
  it('skips with the reason when the python is missing', () => {
    const r = runPeer({ sampleBatch: 4, steps: 2, trainBatch: 4, epochs: 1, threads: 1, spin: false }, '/nonexistent/python3');
    expect(r.ran).toBe(false);
    if (!r.ran) expect(r.reason).toMatch(/\/nonexistent\/python3 not found.*tools\/peer\/install\.sh/);
  });
});

describe('runPython', () => {
  it('skips the ablation script too, with the reason, when the python is missing', () => {
    const r = runPython('torch_step.py', ['--rounds', '1'], false, '/nonexistent/python3');
    expect(r).toEqual({ ran: false, reason: expect.stringMatching(/\/nonexistent\/python3 not found/) as unknown as string });
  });
});

// CI has no PyTorch (installing it is not part of npm ci): this one runs where tools/peer/install.sh was run.
const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch']).status === 0;
describe('tools/peer/torch_step.py', () => {
  it.skipIf(!hasTorch)('times the peer\'s step as it is and ablated (skipped: /usr/bin/python3 has no torch)', () => {
    const r = runPython('torch_step.py', ['--train-bs', '2', '--rounds', '1', '--threads', '1'], false);
    expect(r.ran).toBe(true);
    if (!r.ran) return;
    expect(r.json.batch).toBe(2);
    for (const k of ['full_ms', 'ablated_ms']) expect(Number(r.json[k]) > 0 && Number.isFinite(Number(r.json[k]))).toBe(true);
  }, 120_000);
});

describe('formatAblation', () => {
  const ours = { fullMs: 120, ablatedMs: 96, roundsMs: { full: [120], ablated: [96] } };
  it('prints both frameworks, the cost of GroupNorm + SiLU (step minus ablated step) and the ratios', () => {
    const lines = formatAblation({ batch: 16, rounds: 1, ours, peer: { ran: true, torch: '1.13', threads: 2, fullMs: 108, ablatedMs: 88, roundsMs: { full: [108], ablated: [88] } } });
    expect(lines).toContain('| ours (ONNX Runtime) | 120.0 | 96.0 | 24.0 |');
    expect(lines).toContain('| PyTorch 1.13 (2 threads) | 108.0 | 88.0 | 20.0 |');
    expect(lines).toContain('| PyTorch / ours | 0.90 | 0.92 | 0.83 |');
  });
  it('says why the peer is missing instead of a PyTorch row', () => {
    const lines = formatAblation({ batch: 16, rounds: 1, ours, peer: { ran: false, reason: 'no torch' } });
    expect(lines.some((l) => l.startsWith('| PyTorch'))).toBe(false);
    expect(lines).toContain('PyTorch peer skipped: no torch');
  });
});

describe('classify', () => {
  it('tells forward convs, stride-1 and stride-2 input gradients and weight gradients apart', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 4, 8, 8]);
    const w1 = b.input('w1', [4, 4, 3, 3]);
    const w2 = b.input('w2', [4, 4, 3, 3]);
    const h = conv2d(x, w1, { padding: 1 });
    const y = conv2d(h, w2, { stride: 2, padding: 1 });
    const loss = sum(mul(y, y));
    const [g1, g2] = grad(loss, [w1, w2]);
    b.output('loss', loss);
    b.output('g1', g1);
    b.output('g2', g2);
    const graph = b.build();
    const roles = classify(graph, loss.id);
    const convRoles = graph.nodes.filter((n) => n.op === 'conv2d' || n.op === 'convTranspose2d').map((n) => roles[n.id]);
    // Two forward convs; the input gradient of h through the stride-2 conv, one transposed conv (x needs none).
    expect(convRoles.sort()).toEqual(['backward: conv input gradient (stride 2)', 'forward: conv', 'forward: conv']);
    expect(graph.nodes.filter((n) => n.op === 'convTranspose2d')).toHaveLength(1);
    const matmulRoles = new Set(graph.nodes.filter((n) => n.op === 'matmul').map((n) => roles[n.id]));
    expect([...matmulRoles]).toEqual(['backward: conv weight gradient']);
  });
});
