// Named errors of @ddpo/rewards: a reward that returned bad values, images a reward cannot read,
// a remote reward server that failed, an optional dependency that is not installed, a malformed
// reward head and a broken RewardFn contract. All extend DdpoError so callers can catch them as one kind.
import { DdpoError } from '@ddpo/tensor';

/** What was wrong with a reward's output (the `kind` of an InvalidRewardError). */
export type InvalidRewardKind = 'length' | 'non-finite' | 'type';

/**
 * A reward returned the wrong number of values, non-finite values (NaN, ±Infinity) or something
 * that is not a Float64Array. `indices` lists the offending batch positions (non-finite case).
 *
 * @example
 * try { await callReward(r, images, prompts); } catch (e) { if (e instanceof InvalidRewardError) console.log(e.rewardName, e.indices); }
 */
export class InvalidRewardError extends DdpoError {
  constructor(
    readonly rewardName: string,
    readonly kind: InvalidRewardKind,
    message: string,
    readonly indices: readonly number[] = [],
  ) {
    super(`reward '${rewardName}': ${message}`);
  }
}

/**
 * Images given to a reward are not a float [B, 3, H, W] host tensor, or hold NaN.
 *
 * @example
 * imagesToUint8(tensor([0.5], [1])); // throws InvalidImagesError: expected rank 4 [B, 3, H, W]
 */
export class InvalidImagesError extends DdpoError {}

/** What went wrong talking to a remote reward server (the `kind` of a RemoteRewardError). */
export type RemoteRewardErrorKind = 'timeout' | 'http' | 'network' | 'malformed';

/**
 * A remote reward server timed out, answered an HTTP error, could not be reached or sent a body
 * that is not `{ "rewards": [numbers] }`. `attempts` is how many requests were made.
 *
 * @example
 * catch (e) { if (e instanceof RemoteRewardError && e.kind === 'timeout') retryLater(); }
 */
export class RemoteRewardError extends DdpoError {
  constructor(
    readonly url: string,
    readonly kind: RemoteRewardErrorKind,
    message: string,
    readonly attempts: number,
    /** HTTP status of an 'http' error. */
    readonly status?: number,
  ) {
    super(`remote reward ${url}: ${message} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`);
  }
}

/**
 * An optional peer dependency (e.g. onnxruntime-node for the aesthetic score) is not installed.
 *
 * @example
 * catch (e) { if (e instanceof OptionalDependencyError) console.log(`npm install ${e.packageName}`); }
 */
export class OptionalDependencyError extends DdpoError {
  constructor(
    readonly packageName: string,
    readonly feature: string,
    cause: string,
  ) {
    super(`${feature} needs the optional dependency '${packageName}', which could not be loaded (${cause}); install it with: npm install ${packageName}`);
  }
}

/**
 * A reward model is malformed or cannot be loaded: a head file with missing or
 * mis-shaped tensors, layers that do not chain or an unknown activation; an ONNX encoder that fails to
 * load or gives the wrong output; features of the wrong width.
 *
 * @example
 * catch (e) { if (e instanceof RewardHeadError) console.error(e.message); }
 */
export class RewardHeadError extends DdpoError {}

/**
 * A RewardFn broke its contract (determinism, batch independence, length, finite values), as
 * found by the checks of `rewardContract`.
 *
 * @example
 * for (const c of rewardContract(() => myReward)) await c.run(); // throws RewardContractError on a violation
 */
export class RewardContractError extends DdpoError {
  constructor(
    readonly rewardName: string,
    readonly check: string,
    detail: string,
  ) {
    super(`reward '${rewardName}' fails the ${check} check: ${detail}`);
  }
}

/**
 * Inputs to a metric or to reward-head training do not fit: lengths differ, too few samples, a
 * bad option value.
 *
 * @example
 * pearson([1, 2], [1]); // throws RewardDataError: lengths 2 and 1
 */
export class RewardDataError extends DdpoError {}

/**
 * A built-in reward name that no registry entry has, or options a built-in reward cannot work with
 * (e.g. only one of the two CLIP files). `reward` names it; the message says what to give instead.
 *
 * @example
 * registry.create('beauty'); // throws RewardSpecError: unknown reward 'beauty'; expected compressibility | ...
 */
export class RewardSpecError extends DdpoError {
  constructor(readonly reward: string, message: string) {
    super(message);
  }
}
