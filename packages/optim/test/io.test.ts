// Parameter files: atomic writes, params + Adam state round trips (a resumed run equals an uninterrupted one),
// and loads that check names, dtypes and shapes and load nothing on a mismatch.
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, tensor } from '@ddpo/tensor';
import {
  Adam,
  AdamW,
  OPTIM_META_KEY,
  ParamMismatchError,
  ParamStore,
  decodeParams,
  decodeParamsInto,
  encodeParams,
  loadParams,
  saveParams,
  writeFileAtomic,
  writeFileAtomicSync,
} from '@ddpo/optim';

const dir = mkdtempSync(join(tmpdir(), 'ddpo-optim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeStore(seed = 1): ParamStore {
  const w = Float32Array.from({ length: 6 }, (_, i) => Math.sin(seed + i));
  const b = Float64Array.from({ length: 3 }, (_, i) => Math.cos(seed * i));
  return new ParamStore({ 'lin.weight': tensor(w, [3, 2]), 'lin.bias': tensor(b, [3]) });
}
function gradsFor(t: number) {
  return {
    'lin.weight': tensor(Float32Array.from({ length: 6 }, (_, i) => Math.sin(7 * t + i)), [3, 2]),
    'lin.bias': tensor(Float64Array.from({ length: 3 }, (_, i) => Math.cos(3 * t - i)), [3]),
  };
}

describe('writeFileAtomic', () => {
  it('writes, replaces an existing file, and leaves no temp file behind', async () => {
    const sub = join(dir, 'atomic');
    mkdirSync(sub);
    const path = join(sub, 'f.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    await writeFileAtomic(path, new Uint8Array([4, 5]));
    expect(Array.from(readFileSync(path))).toEqual([4, 5]);
    writeFileAtomicSync(path, new Uint8Array([6]));
    expect(Array.from(readFileSync(path))).toEqual([6]);
    expect(readdirSync(sub)).toEqual(['f.bin']);
  });

  it('on failure rejects, keeps the old target and removes its temp file', async () => {
    const sub = join(dir, 'fail');
    mkdirSync(join(sub, 'target'), { recursive: true });
    writeFileSync(join(sub, 'target', 'keep'), 'x');
    // Renaming a file over a non-empty directory fails after the temp file was written and fsynced.
    await expect(writeFileAtomic(join(sub, 'target'), new Uint8Array(10))).rejects.toThrow();
    expect(() => writeFileAtomicSync(join(sub, 'target'), new Uint8Array(10))).toThrow();
    expect(readdirSync(sub)).toEqual(['target']);
    await expect(writeFileAtomic(join(dir, 'no-such-dir', 'f'), new Uint8Array(1))).rejects.toThrow(/ENOENT/);
  });
});

describe('saveParams / loadParams', () => {
  it('round-trips parameters, and a resumed run equals an uninterrupted one bit for bit', async () => {
    const straight = makeStore();
    const a = new AdamW(straight, { lr: 0.05, weightDecay: 0.1 });
    for (let t = 0; t < 6; t++) a.step(gradsFor(t));

    const first = makeStore();
    const b = new AdamW(first, { lr: 0.05, weightDecay: 0.1 });
    for (let t = 0; t < 3; t++) b.step(gradsFor(t));
    const path = join(dir, 'ckpt.safetensors');
    await saveParams(path, first, { optimizer: b, metadata: { step: '3' } });

    const resumed = makeStore(99);
    const c = new AdamW(resumed, { lr: 1 });
    const { metadata } = await loadParams(path, resumed, { optimizer: c });
    expect(metadata.step).toBe('3');
    expect(c.lr).toBe(0.05);
    expect(c.stepOf('lin.bias')).toBe(3);
    for (let t = 3; t < 6; t++) c.step(gradsFor(t));
    for (const [n, t] of straight.entries()) expect(resumed.get(n).data, n).toEqual(t.data);
  });

  it('documents its layout: parameters by name, optimizer state under __optim__/', () => {
    const store = makeStore();
    const opt = new Adam(store);
    opt.step(gradsFor(0));
    const { tensors, metadata } = decodeSafetensors(encodeParams(store, { optimizer: opt }));
    expect(Object.keys(tensors).sort()).toEqual(
      [
        'lin.bias',
        'lin.weight',
        '__optim__/exp_avg/lin.bias',
        '__optim__/exp_avg/lin.weight',
        '__optim__/exp_avg_sq/lin.bias',
        '__optim__/exp_avg_sq/lin.weight',
        '__optim__/step/lin.bias',
        '__optim__/step/lin.weight',
      ].sort(),
    );
    expect(tensors['__optim__/exp_avg/lin.weight'].dtype).toBe('float32');
    expect(tensors['__optim__/step/lin.bias'].data[0]).toBe(1n);
    expect(JSON.parse(metadata[OPTIM_META_KEY])).toEqual(opt.hyper);
    // Without an optimizer the file holds parameters only.
    expect(Object.keys(decodeSafetensors(encodeParams(store)).tensors).sort()).toEqual(['lin.bias', 'lin.weight']);
    expect(decodeParams(encodeParams(store, { optimizer: opt })).params.names().sort()).toEqual(['lin.bias', 'lin.weight']);
  });

  it('a name, dtype or shape mismatch throws ParamMismatchError listing every problem and loads nothing', () => {
    const into = makeStore(5);
    const before = into.clone();
    const wrong = {
      'lin.weight': tensor(new Float64Array(6), [3, 2]),
      'lin.bias': tensor(new Float64Array(4), [4]),
      extra: tensor([1]),
    };
    let caught: unknown;
    try {
      decodeParamsInto(encodeSafetensors(wrong), into);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ParamMismatchError);
    const problems = (caught as ParamMismatchError).problems;
    expect(problems).toContain("'lin.weight' is float64 [3, 2], expected float32 [3, 2]");
    expect(problems).toContain("'lin.bias' is float64 [4], expected float64 [3]");
    expect(problems).toContain("unexpected 'extra' (float32 [1])");
    const missing = { 'lin.weight': into.get('lin.weight') };
    expect(() => decodeParamsInto(encodeSafetensors(missing), into)).toThrow(/missing 'lin.bias' \(float64 \[3\]\)/);
    for (const [n, t] of before.entries()) expect(into.get(n).data).toEqual(t.data);
  });

  it('bad optimizer state loads neither the state nor the parameters', async () => {
    const store = makeStore();
    const opt = new Adam(store);
    opt.step(gradsFor(0));
    const bytes = encodeParams(store, { optimizer: opt });
    const into = makeStore(7);
    const before = into.clone();
    // AdamW cannot take Adam's state.
    expect(() => decodeParamsInto(bytes, into, { optimizer: new AdamW(into) })).toThrow(/state is for Adam/);
    // A file without optimizer state cannot restore one.
    expect(() => decodeParamsInto(encodeParams(store), into, { optimizer: new Adam(into) })).toThrow(/holds no optimizer state/);
    // An incomplete state (exp_avg_sq missing) is refused.
    const { tensors, metadata } = decodeSafetensors(bytes);
    delete tensors['__optim__/exp_avg_sq/lin.bias'];
    expect(() => decodeParamsInto(encodeSafetensors(tensors, metadata), into, { optimizer: new Adam(into) })).toThrow(/'lin.bias' lacks exp_avg or exp_avg_sq/);
    for (const [n, t] of before.entries()) expect(into.get(n).data).toEqual(t.data);
    // A truncated file is a SafetensorsError, nothing loaded.
    const path = join(dir, 'truncated.safetensors');
    writeFileSync(path, bytes.subarray(0, bytes.length - 4));
    await expect(loadParams(path, into)).rejects.toThrow(SafetensorsError);
    for (const [n, t] of before.entries()) expect(into.get(n).data).toEqual(t.data);
  });

  it('refuses parameter names in the reserved __optim__/ namespace', () => {
    expect(() => encodeParams({ '__optim__/x': tensor([1]) })).toThrow(/reserved prefix/);
  });
});
