// The denoising MDP of DDPO (Black et al. 2023, section 4.1) as a public interface:
// state s_t = (c, t, x_t), action a_t = x_{t-1}, policy pi(a_t | s_t) = p_theta(x_{t-1} | x_t, c),
// deterministic transition s_{t+1} = (c, t', a_t), reward r(x_0, c) on the last transition only.
// `DdimMdp` implements it with DDIM (eta > 0); another sampler implements the same interface.
import { tensor, zeros, type HostTensor } from '@ddpo/tensor';
import { DDIMScheduler } from './ddim.js';
import { EtaError, StepInputError } from './errors.js';
import { ddimStepWithLogprob } from './host-step.js';

/** s_t: what the policy conditions on. Batched: every field has the batch size B first. */
export interface DenoisingState {
  /** x_t, [B, ...]. */
  readonly latent: HostTensor;
  /** The training timestep t of each example (e.g. 981 at the first of 50 SD steps), int64 [B]. */
  readonly timestep: HostTensor<'int64'>;
  /** Position in the trajectory: 0 for x_T, numSteps for the terminal x_0. */
  readonly stepIndex: number;
  /** The context c: a prompt index per example, int64 [B]. */
  readonly prompt: HostTensor<'int64'>;
}

/** One transition: the action x_{t-1}, its log-probability under the policy, and the next state. */
export interface DenoisingTransition {
  readonly state: DenoisingState;
  /** a_t = x_{t-1}, [B, ...]. */
  readonly action: HostTensor;
  /** log pi(a_t | s_t) per example [B]: the MEAN over non-batch dims of the elementwise log density. */
  readonly logProb: HostTensor;
  readonly next: DenoisingState;
}

/**
 * A denoising MDP: a fixed-horizon, deterministic-transition MDP whose policy is one Gaussian per
 * step. A sampler implements it to feed DDPO; the policy's noise prediction is passed in, so the
 * MDP holds no network.
 *
 * @example
 * let s = mdp.initialState(xT, prompts);
 * while (!mdp.isTerminal(s)) s = mdp.step(s, epsModel(s), rng.normal(s.latent.shape)).next;
 */
export interface DenoisingMDP {
  /** Horizon: the number of denoising steps (actions) per trajectory. */
  readonly numSteps: number;
  /** Training timestep of each step index, descending. */
  readonly timesteps: readonly number[];
  /** s_0 from x_T ~ N(0, I) (drawn by the caller, so runs are reproducible) and the prompts. */
  initialState(latent: HostTensor, prompt: HostTensor<'int64'>): DenoisingState;
  /** True when stepIndex = numSteps (x_0 reached: the episode ends). */
  isTerminal(state: DenoisingState): boolean;
  /** Draws a_t = x_{t-1} from pi(. | s_t) with unit Gaussian `noise`, given the model's prediction. */
  step(state: DenoisingState, modelOutput: HostTensor, noise: HostTensor): DenoisingTransition;
  /** log pi(action | state) for a stored action (what importance sampling re-scores), [B]. */
  logProb(state: DenoisingState, modelOutput: HostTensor, action: HostTensor): HostTensor;
  /** R(s_t, a_t): r(x_0, c) on the transition into the terminal state, 0 on every other, [B]. */
  reward(transition: DenoisingTransition, terminalReward: HostTensor): HostTensor;
}

/** A recorded batch of trajectories, what samplers produce and trainers consume. */
export interface DenoisingTrajectory {
  /** int64 [B]. */
  readonly prompts: HostTensor<'int64'>;
  /** The T training timesteps, descending (shared by the batch at sampling time). */
  readonly timesteps: readonly number[];
  /** x_T, ..., x_0: T + 1 tensors [B, ...]; step i maps latents[i] to latents[i + 1]. */
  readonly latents: readonly HostTensor[];
  /** log pi(latents[i + 1] | latents[i]) as [B, T], example-major (ddpo-pytorch stacks them at dim 1). */
  readonly logProbs: HostTensor;
  /** x_0 = latents[T]. */
  readonly finalSample: HostTensor;
  readonly eta: number;
}

/**
 * The DDIM denoising MDP: pi(x_{t-1} | x_t, c) = N(mu_theta(x_t, t), sigma_t(eta)^2 I) from DDIM
 * eq. (12), with ddpo-pytorch's clamped last step.
 *
 * @example
 * const s = new DDIMScheduler(STABLE_DIFFUSION_V1_CONFIG);
 * const mdp = new DdimMdp(s, 50, 1.0);
 */
export class DdimMdp implements DenoisingMDP {
  readonly timesteps: readonly number[];
  /** The scheduler set to numSteps (a copy when the given one was set to another N; it is never mutated). */
  readonly scheduler: DDIMScheduler;

  constructor(
    scheduler: DDIMScheduler,
    readonly numSteps: number,
    readonly eta: number,
  ) {
    this.scheduler = scheduler.numInferenceSteps === numSteps ? scheduler : new DDIMScheduler(scheduler.config);
    if (this.scheduler.numInferenceSteps !== numSteps) this.scheduler.setTimesteps(numSteps);
    this.timesteps = this.scheduler.timesteps;
    if (!(eta > 0) || !Number.isFinite(eta)) throw new EtaError(eta, 'DdimMdp');
  }

  private at(stepIndex: number, batch: number): HostTensor<'int64'> {
    return tensor(new Array<bigint>(batch).fill(BigInt(this.timesteps[stepIndex])), [batch], 'int64');
  }

  initialState(latent: HostTensor, prompt: HostTensor<'int64'>): DenoisingState {
    if (prompt.shape.length !== 1 || prompt.shape[0] !== latent.shape[0]) {
      throw new StepInputError(`DdimMdp.initialState: prompt has shape [${prompt.shape.join(', ')}], expected [B] = [${latent.shape[0]}]`);
    }
    return { latent, timestep: this.at(0, latent.shape[0]), stepIndex: 0, prompt };
  }

  isTerminal(state: DenoisingState): boolean {
    return state.stepIndex >= this.numSteps;
  }

  private nextState(state: DenoisingState, action: HostTensor): DenoisingState {
    const i = state.stepIndex + 1;
    const timestep = i < this.numSteps ? this.at(i, action.shape[0]) : state.timestep;
    return { latent: action, timestep, stepIndex: i, prompt: state.prompt };
  }

  step(state: DenoisingState, modelOutput: HostTensor, noise: HostTensor): DenoisingTransition {
    if (this.isTerminal(state)) throw new StepInputError(`DdimMdp.step: state at stepIndex ${state.stepIndex} is terminal`);
    const r = ddimStepWithLogprob(this.scheduler, { sample: state.latent, modelOutput, timestep: state.timestep, eta: this.eta, varianceNoise: noise });
    return { state, action: r.prevSample, logProb: r.logProb, next: this.nextState(state, r.prevSample) };
  }

  logProb(state: DenoisingState, modelOutput: HostTensor, action: HostTensor): HostTensor {
    return ddimStepWithLogprob(this.scheduler, { sample: state.latent, modelOutput, timestep: state.timestep, eta: this.eta, prevSample: action }).logProb;
  }

  reward(transition: DenoisingTransition, terminalReward: HostTensor): HostTensor {
    return this.isTerminal(transition.next) ? terminalReward : zeros(terminalReward.shape, terminalReward.dtype);
  }
}
