// The pretraining graph: epsilon-prediction MSE on a noised batch and its gradient with respect to
// every parameter, traced once at a fixed batch so one compiled session serves every step.
// Loss (DDPM "simple" objective, Ho et al. 2020, eq. 14): mean over all elements of (eps_theta - eps)^2.
import { grad, GraphBuilder, mean, square, sub, type Graph } from '@ddpo/tensor';
import { paramInputs, type EpsilonModel } from '@ddpo/policy';

/** A traced denoising-loss graph and the order of its gradient outputs. */
export interface DenoisingLossGraph {
  /**
   * Inputs: `sample` (x_t), `noise` (eps), `timestep` float32 [B], `prompt` int64 [B] and
   * `param:<name>`; outputs: `loss` (scalar) and `grad:<name>` for every parameter.
   */
  graph: Graph;
  /** Parameter names, in the model's table order. */
  paramNames: string[];
}

/**
 * Builds forward + mean-MSE + backward of an epsilon model at batch size `batch`.
 *
 * @example
 * const { graph } = denoisingLossGraph(tinyUnet32(), 8);
 * const compiled = await adapter.compile(graph);
 */
export function denoisingLossGraph(model: EpsilonModel, batch: number): DenoisingLossGraph {
  const b = new GraphBuilder();
  const params = paramInputs(b, model);
  const sample = b.input('sample', [batch, ...model.sampleShape]);
  const noise = b.input('noise', [batch, ...model.sampleShape]);
  const timestep = b.input('timestep', [batch]);
  const prompt = b.input('prompt', [batch], 'int64');
  const pred = model.apply(params, sample, timestep, prompt);
  const loss = mean(square(sub(pred, noise)));
  const paramNames = Object.keys(model.paramShapes);
  const grads = grad(loss, paramNames.map((n) => params[n]));
  b.output('loss', loss);
  paramNames.forEach((n, i) => b.output(`grad:${n}`, grads[i]));
  return { graph: b.build(), paramNames };
}
