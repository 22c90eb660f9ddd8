// The benchmark's --peer and --profile helpers without timing: the peer runner says why it skipped
// when the python it needs is missing, and the profile's role classifier names the backward
// convolutions of a small strided conv graph as the categories.
import { describe, expect, it } from 'vitest';
import { conv2d, grad, GraphBuilder, mul, sum } from '@ddpo/tensor';
import { runPeer } from '../bench/peer.js';
import { classify } from '../bench/profile.js';

describe('runPeer', () => {
  it('skips with the reason when the python is missing', () => {
    const r = runPeer({ sampleBatch: 4, steps: 2, trainBatch: 4, epochs: 1, threads: 1, spin: false }, '/nonexistent/python3');
    expect(r.ran).toBe(false);
    if (!r.ran) expect(r.reason).toMatch(/\/nonexistent\/python3 not found.*tools\/peer\/install\.sh/);
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
