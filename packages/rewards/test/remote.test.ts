// remoteReward against a local node:http server on 127.0.0.1: the request schema (base64 PNGs, prompts,
// metadata), success, batching, timeout, 5xx with retry, 4xx without retry, malformed JSON, wrong length.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HostTensor } from '@ddpo/tensor';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callReward, InvalidRewardError, RemoteRewardError, remoteReward, type RemoteRewardRequest } from '@ddpo/rewards';

type Handler = (body: RemoteRewardRequest, res: ServerResponse, req: IncomingMessage) => void;
let server: Server;
let base: string;
let handler: Handler;
let requests: RemoteRewardRequest[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RemoteRewardRequest;
      requests.push(body);
      handler(body, res, req);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = [];
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
/** A server-side reward: the red byte of each PNG's first pixel. */
const firstRedByte = (b64: string) => PNG.sync.read(Buffer.from(b64, 'base64')).data[0];
/** Image i is flat with red = (10 * i) / 255, green 0.5, blue 1. */
function images(n: number): HostTensor<'float64'> {
  const data = new Float64Array(n * 3 * 4 * 4);
  for (let i = 0; i < n; i++) [(10 * i) / 255, 0.5, 1].forEach((v, c) => data.fill(v, (i * 3 + c) * 16, (i * 3 + c + 1) * 16));
  return new HostTensor('float64', [n, 3, 4, 4], data);
}
const prompts = (n: number) => Array.from({ length: n }, (_, i) => `prompt ${i}`);

describe('remoteReward', () => {
  it('POSTs base64 PNGs, prompts and metadata, and reads { rewards } back', async () => {
    handler = (body, res) => json(res, 200, { rewards: body.images.map(firstRedByte) });
    const r = remoteReward({ url: `${base}/score`, name: 'red' });
    const out = await r(images(3), prompts(3), [{ q: 0 }, { q: 1 }, { q: 2 }]);
    expect(Array.from(out)).toEqual([0, 10, 20]);
    expect(requests).toHaveLength(1);
    expect(requests[0].prompts).toEqual(prompts(3));
    expect(requests[0].metadata).toEqual([{ q: 0 }, { q: 1 }, { q: 2 }]);
    const png = PNG.sync.read(Buffer.from(requests[0].images[1], 'base64'));
    expect([png.width, png.height, png.data[0], png.data[1], png.data[2]]).toEqual([4, 4, 10, 128, 255]);
  });

  it('sends one request per preferred batch through callReward', async () => {
    handler = (body, res) => json(res, 200, { rewards: body.images.map(firstRedByte) });
    const out = await callReward(remoteReward({ url: base, batchSize: 2 }), images(5), prompts(5));
    expect(Array.from(out)).toEqual([0, 10, 20, 30, 40]);
    expect(requests.map((q) => q.prompts.length)).toEqual([2, 2, 1]);
  });

  it('times out with a RemoteRewardError (kind timeout) after the allowed retries', async () => {
    handler = () => undefined; // never answers
    const err = await remoteReward({ url: base, timeoutMs: 100, retries: 1, retryDelayMs: 1 })(images(1), prompts(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteRewardError);
    expect(err).toMatchObject({ kind: 'timeout', attempts: 2 });
    expect(requests).toHaveLength(2);
  });

  it('retries a 5xx answer and succeeds on the next attempt', async () => {
    let calls = 0;
    handler = (body, res) => (++calls === 1 ? json(res, 503, { error: 'warming up' }) : json(res, 200, { rewards: body.images.map(() => 0.25) }));
    const out = await remoteReward({ url: base, retries: 2, retryDelayMs: 1 })(images(2), prompts(2));
    expect(Array.from(out)).toEqual([0.25, 0.25]);
    expect(requests).toHaveLength(2);
  });

  it('gives up after retries on persistent 5xx, and does not retry a 4xx', async () => {
    handler = (_b, res) => json(res, 500, 'boom');
    await expect(remoteReward({ url: base, retries: 2, retryDelayMs: 1 })(images(1), prompts(1))).rejects.toMatchObject({ kind: 'http', status: 500, attempts: 3 });
    expect(requests).toHaveLength(3);
    requests = [];
    handler = (_b, res) => json(res, 400, { error: 'bad request' });
    await expect(remoteReward({ url: base, retries: 2, retryDelayMs: 1 })(images(1), prompts(1))).rejects.toMatchObject({ kind: 'http', status: 400, attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('reports malformed JSON and a missing or non-numeric rewards array (no retry)', async () => {
    handler = (_b, res) => json(res, 200, '{"rewards": [1, 2');
    await expect(remoteReward({ url: base, retryDelayMs: 1 })(images(1), prompts(1))).rejects.toMatchObject({ kind: 'malformed', attempts: 1 });
    expect(requests).toHaveLength(1);
    handler = (_b, res) => json(res, 200, { scores: [1] });
    await expect(remoteReward({ url: base })(images(1), prompts(1))).rejects.toThrow(/no "rewards" array/);
    handler = (_b, res) => json(res, 200, { rewards: [null] });
    await expect(remoteReward({ url: base })(images(1), prompts(1))).rejects.toThrow(/rewards\[0\] is null, expected a number/);
  });

  it('raises InvalidRewardError when the server returns the wrong number of rewards', async () => {
    handler = (_b, res) => json(res, 200, { rewards: [1, 2, 3] });
    const err = await remoteReward({ url: base, name: 'llava' })(images(2), prompts(2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRewardError);
    expect(err).toMatchObject({ rewardName: 'llava', kind: 'length' });
  });

  it('reports an unreachable server as a network error', async () => {
    // a port from the server we just closed: nothing listens there
    const tmp = createServer();
    await new Promise<void>((resolve) => tmp.listen(0, '127.0.0.1', resolve));
    const port = (tmp.address() as AddressInfo).port;
    await new Promise((resolve) => tmp.close(resolve));
    await expect(remoteReward({ url: `http://127.0.0.1:${port}`, retries: 0 })(images(1), prompts(1))).rejects.toMatchObject({ kind: 'network', attempts: 1 });
  });
});
