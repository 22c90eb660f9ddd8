// The RewardFn contract run on every built-in reward (JPEG, aesthetic, head, remote, combinators), and
// checked to catch rewards that break it (random, batch-dependent, wrong length, non-finite, unnamed).
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, tensor } from '@ddpo/tensor';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aestheticScore,
  clipReward,
  contractImages,
  defineReward,
  headReward,
  colorfulness, jpegCompressibility,
  jpegIncompressibility,
  makeRewardHead,
  normalizeReward,
  onnxImageEncoder,
  remoteReward,
  RewardContractError,
  rewardContract,
  weightedSum,
  type RewardContractOptions,
  type RewardFn,
} from '@ddpo/rewards';
import { laionLikeHeadFile, tinyEncoderOnnx } from './helpers/tiny-encoder.js';

const dir = mkdtempSync(join(tmpdir(), 'ddpo-rewards-contract-'));
const encoderPath = join(dir, 'encoder.onnx');
const headPath = join(dir, 'head.safetensors');
let server: Server;
let url = '';

beforeAll(async () => {
  await writeFile(encoderPath, tinyEncoderOnnx(new Rng(5).normal([3 * 768]).data));
  await writeFile(headPath, laionLikeHeadFile(11).bytes);
  // remote reward server: mean of each PNG's bytes / 255
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { images } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { images: string[] };
      const rewards = images.map((b64) => {
        const px = PNG.sync.read(Buffer.from(b64, 'base64')).data;
        return px.reduce((s, v) => s + v, 0) / px.length / 255;
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rewards }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const builtins: [string, () => RewardFn, RewardContractOptions?][] = [
  ['jpegCompressibility', () => jpegCompressibility()],
  ['jpegIncompressibility (batchSize 3)', () => jpegIncompressibility({ batchSize: 3 })],
  ['colorfulness', () => colorfulness()],
  // onnxruntime's float32 kernels may sum in another order for another batch size
  ['aestheticScore', () => aestheticScore({ encoderPath, headPath, batchSize: 3 }), { tolerance: 1e-5 }],
  [
    'headReward',
    () => headReward({ head: makeRewardHead([{ name: 'l', weight: tensor(new Array(768).fill(0.01), [1, 768]), bias: null, activation: 'none' }]), features: onnxImageEncoder({ encoderPath }) }),
    { tolerance: 1e-6 },
  ],
  ['remoteReward', () => remoteReward({ url: `${url}/`, batchSize: 2, retries: 0 })],
  ['weightedSum + normalizeReward + clipReward', () => clipReward(weightedSum([{ reward: normalizeReward(jpegIncompressibility(), { mean: 1, std: 0.5 }), weight: 2 }, { reward: jpegCompressibility(), weight: 1 }]), -3, 3)],
];

for (const [name, make, opts] of builtins) {
  describe(`contract: ${name}`, () => {
    for (const c of rewardContract(make, opts)) it(c.name, c.run);
  });
}

describe('the contract catches broken rewards', () => {
  const findViolation = async (make: () => RewardFn) => {
    for (const c of rewardContract(make)) {
      const err = await c.run().then(() => null, (e: unknown) => e);
      if (err !== null) return err;
    }
    return null;
  };
  const perImage = (f: (i: number, b: number) => number) => (images: { shape: readonly number[] }) => Array.from({ length: images.shape[0] }, (_, i) => f(i, images.shape[0]));

  it('a random reward fails determinism', async () => {
    const err = await findViolation(() => defineReward('random', perImage(() => Math.random())));
    expect(err).toBeInstanceOf(RewardContractError);
    expect(err).toMatchObject({ rewardName: 'random', check: 'determinism' });
  });

  it('a reward normalised over its batch fails batch independence', async () => {
    const err = await findViolation(() => defineReward('batch_relative', perImage((i, b) => i / b)));
    expect(err).toMatchObject({ check: 'batch independence' });
  });

  it('a bare function returning too few or non-finite values fails the length / finiteness check', async () => {
    const short = Object.assign(async () => new Float64Array(1), { rewardName: 'short' }) as RewardFn;
    expect(await findViolation(() => short)).toMatchObject({ check: 'length' });
    const nan = Object.assign(async () => new Float64Array(4).fill(NaN), { rewardName: 'nan' }) as RewardFn;
    expect(await findViolation(() => nan)).toMatchObject({ check: 'finite values' });
  });

  it('an unnamed reward fails the identity check', async () => {
    const unnamed = Object.assign(async () => new Float64Array(4), { rewardName: '' }) as RewardFn;
    expect(await findViolation(() => unnamed)).toMatchObject({ check: 'identity' });
  });

  it('contractImages holds noise, a gradient, a flat 0.5 and out-of-range values', () => {
    const x = contractImages();
    expect(x.shape).toEqual([4, 3, 32, 32]);
    const img = (b: number) => Array.from(x.data.subarray(b * 3072, (b + 1) * 3072));
    expect(img(2).every((v) => v === 0.5)).toBe(true);
    expect(Math.min(...img(3))).toBeLessThan(0);
    expect(Math.max(...img(3))).toBeGreaterThan(1);
  });
});
