// FLOP counting on a traced graph: 2 x the multiply-adds of every conv2d, convTranspose2d and matmul node (the
// convention of the issue and of GEMM benchmarks); elementwise work, reductions and copies are free.
import type { Graph } from '@ddpo/tensor';

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * FLOPs of one run of `graph`: conv2d [N, O, Ho, Wo] from w [O, C, kh, kw] costs 2 N O Ho Wo C kh kw
 * (so does convTranspose2d from g [N, O, Ho, Wo]),
 * matmul [..., m, n] with inner dimension k costs 2 (batch) m n k.
 *
 * @example
 * graphFlops(tinyUnet32Graph(1)); // 339_214_336
 */
export function graphFlops(graph: Graph): number {
  let flops = 0;
  for (const n of graph.nodes) {
    if (n.op === 'conv2d') {
      const w = graph.nodes[n.inputs[1]].shape;
      flops += 2 * size(n.shape) * w[1] * w[2] * w[3];
    } else if (n.op === 'convTranspose2d') {
      // The adjoint of a conv2d from this output to its input: the same multiply-adds, counted on the input g [N, O, Ho, Wo].
      const w = graph.nodes[n.inputs[1]].shape;
      flops += 2 * size(graph.nodes[n.inputs[0]].shape) * w[1] * w[2] * w[3];
    } else if (n.op === 'matmul') {
      const a = graph.nodes[n.inputs[0]].shape;
      flops += 2 * size(n.shape) * a[a.length - 1];
    }
  }
  return flops;
}
