// The README's example, run as written (so the README cannot silently go stale).
import { describe, expect, it } from 'vitest';
import { GraphBuilder, evaluate, grad, linear, mean, silu, square, sub, tensor } from '@ddpo/tensor';

describe('README example', () => {
  it('traces, differentiates and runs', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [4, 3], 'float64');
    const w = b.input('w', [2, 3], 'float64');
    const y = b.input('y', [4, 2], 'float64');
    const loss = mean(square(sub(silu(linear(x, w)), y)));
    const [dw] = grad(loss, [w]);
    b.output('loss', loss);
    b.output('dw', dw);
    const out = evaluate(b.build(), {
      x: tensor(new Float64Array(12).fill(0.5), [4, 3]),
      w: tensor(new Float64Array(6).fill(0.1), [2, 3]),
      y: tensor(new Float64Array(8).fill(1), [4, 2]),
    });
    // By hand: z = 3 * 0.5 * 0.1 = 0.15, silu(z) = z * sigmoid(z); loss = (silu(z) - 1)^2.
    const z = 0.15;
    const s = 1 / (1 + Math.exp(-z));
    expect(out.loss.data[0]).toBeCloseTo((z * s - 1) ** 2, 12);
    // d loss / d w_ij = mean over 8 outputs of 2 (silu - 1) silu'(z) x_j, summed over the 4 rows of w_i's column.
    const dsilu = s * (1 + z * (1 - s));
    expect(out.dw.data[0]).toBeCloseTo(((2 * (z * s - 1) * dsilu * 0.5) * 4) / 8, 12);
    expect(out.dw.shape).toEqual([2, 3]);
  });
});
