// A reward served by another process (e.g. a Python CLIP or LLaVA server, as ddpo-pytorch's
// llava_* rewards use): each batch is POSTed as JSON { images: [base64 PNG], prompts, metadata } and the
// server answers { rewards: [numbers] }. Timeouts, network errors and 5xx answers are retried with
// exponential backoff; 4xx answers and malformed bodies are not (they would fail the same way again).
import { RemoteRewardError } from './errors.js';
import { imagesToUint8, type Images } from './images.js';
import { encodePng } from './png.js';
import { defineReward, type RewardFn, type RewardMetadata } from './reward.js';

/** Options of remoteReward. */
export interface RemoteRewardOptions {
  /** Endpoint that accepts the POST (e.g. 'http://127.0.0.1:8085/reward'). */
  url: string;
  /** Per-request timeout in milliseconds (default 120000, the reference's 120 s). */
  timeoutMs?: number;
  /** Extra attempts after a timeout, a network error or a 5xx answer (default 2). */
  retries?: number;
  /** Images per request (default 16); callReward splits larger batches. */
  batchSize?: number;
  /** Reward name (default 'remote'). */
  name?: string;
  /** Delay before the first retry in milliseconds, doubled each retry (default 500). */
  retryDelayMs?: number;
  /** Extra HTTP headers (e.g. authorization). */
  headers?: Record<string, string>;
}

/** The JSON body POSTed to a remote reward server. */
export interface RemoteRewardRequest {
  /** One base64-encoded PNG (8-bit RGB, the reference's uint8 rounding) per image. */
  images: string[];
  prompts: string[];
  /** Per-image metadata, when the caller gave some. */
  metadata?: RewardMetadata;
}

/**
 * A reward computed by an HTTP server; see the README for the request and response schema.
 *
 * @example
 * const clipScore = remoteReward({ url: 'http://127.0.0.1:8085/clip-score', timeoutMs: 30_000, retries: 3, batchSize: 8 });
 */
export function remoteReward(opts: RemoteRewardOptions): RewardFn {
  const retries = opts.retries ?? 2;
  return defineReward(
    opts.name ?? 'remote',
    async (images: Images, prompts, metadata) => {
      const request: RemoteRewardRequest = {
        images: imagesToUint8(images).map((img) => Buffer.from(encodePng(img)).toString('base64')),
        prompts: [...prompts],
        ...(metadata !== undefined ? { metadata } : {}),
      };
      const body = JSON.stringify(request);
      for (let attempt = 1; ; attempt++) {
        try {
          return await postOnce(opts, body, attempt);
        } catch (err) {
          if (!isRetryable(err) || attempt > retries) throw err;
          await new Promise((r) => setTimeout(r, (opts.retryDelayMs ?? 500) * 2 ** (attempt - 1)));
        }
      }
    },
    { batchSize: opts.batchSize ?? 16 },
  );
}

/** One POST; returns the rewards or throws a RemoteRewardError saying what failed. */
async function postOnce(opts: RemoteRewardOptions, body: string, attempt: number): Promise<number[]> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let text: string;
  let status: number;
  try {
    const res = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    text = await res.text();
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new RemoteRewardError(opts.url, 'timeout', `no complete answer within ${timeoutMs} ms`, attempt);
    throw new RemoteRewardError(opts.url, 'network', `request failed: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`, attempt);
  }
  if (status < 200 || status >= 300) throw new RemoteRewardError(opts.url, 'http', `HTTP ${status}: ${text.slice(0, 200)}`, attempt, status);
  return parseRewards(opts.url, text, attempt);
}

/** Transient failures: timeouts, network errors, 5xx and 429 answers. */
function isRetryable(err: unknown): boolean {
  if (!(err instanceof RemoteRewardError)) return false;
  switch (err.kind) {
    case 'timeout':
    case 'network':
      return true;
    case 'http':
      return err.status !== undefined && (err.status >= 500 || err.status === 429);
    case 'malformed':
      return false;
    default:
      return err.kind satisfies never;
  }
}

function parseRewards(url: string, text: string, attempt: number): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RemoteRewardError(url, 'malformed', `answer is not JSON: ${JSON.stringify(text.slice(0, 100))}`, attempt);
  }
  const rewards = (parsed as { rewards?: unknown } | null)?.rewards;
  if (!Array.isArray(rewards)) throw new RemoteRewardError(url, 'malformed', `answer has no "rewards" array: ${text.slice(0, 100)}`, attempt);
  const bad = rewards.findIndex((v) => typeof v !== 'number');
  if (bad >= 0) throw new RemoteRewardError(url, 'malformed', `rewards[${bad}] is ${JSON.stringify(rewards[bad])}, expected a number`, attempt);
  return rewards as number[];
}
