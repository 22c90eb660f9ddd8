#!/usr/bin/env node
// Measures prompt fidelity of tiny-unet-32 weights: samples N images per prompt with DDIM and
// classifier-free guidance on the ONNX Runtime CPU adapter, classifies them with the shapes-32
// classifier, prints the share classified as their own prompt, and writes a JSON record and a PNG
// grid (one row per prompt) into --out:
//   npx tsx packages/models/src/bin/fidelity.ts --weights FILE|DIR --steps 20 --guidance 3 --eta 0
//     --per-prompt 32 [--seed 0] [--batch 32] [--threads 2] [--out docs/fidelity] [--no-ema]
// --weights: a safetensors file of parameters (e.g. weights/tiny-unet-32.safetensors), a pretraining
// checkpoint file (its 'ema/' tensors, or 'param/' with --no-ema) or a pretraining directory.
import { runWithSourceCondition } from './source-condition.js';
import { parseArgs } from 'node:util';


/** Parameters from a plain file, a checkpoint file (prefixed tensors) or a pretraining directory. */
async function loadWeights(where: string, ema: boolean): Promise<{ params: Record<string, import('@ddpo/tensor').HostTensor>; source: string }> {
  const fs = await import('node:fs');
  const { decodeSafetensors } = await import('@ddpo/tensor');
  const { loadPretrainCheckpoint } = await import('../checkpoint.js');
  if (fs.statSync(where).isDirectory()) {
    const ck = loadPretrainCheckpoint(where);
    return { params: ema ? ck.ema : ck.params, source: `${where} (checkpoint step ${ck.step}, ${ema ? 'EMA' : 'raw'} weights)` };
  }
  const { tensors } = decodeSafetensors(new Uint8Array(fs.readFileSync(where)));
  const prefix = ema ? 'ema/' : 'param/';
  const keys = Object.keys(tensors);
  if (!keys.some((k) => k.startsWith(prefix))) return { params: tensors, source: where };
  const params = Object.fromEntries(keys.filter((k) => k.startsWith(prefix)).map((k) => [k.slice(prefix.length), tensors[k]]));
  return { params, source: `${where} (${ema ? 'EMA' : 'raw'} weights)` };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      weights: { type: 'string' },
      steps: { type: 'string', default: '20' },
      guidance: { type: 'string', default: '3' },
      eta: { type: 'string', default: '0' },
      'per-prompt': { type: 'string', default: '32' },
      seed: { type: 'string', default: '0' },
      batch: { type: 'string', default: '32' },
      threads: { type: 'string', default: '2' },
      out: { type: 'string', default: 'docs/fidelity' },
      'no-ema': { type: 'boolean', default: false },
    },
  });
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { createOnnxRuntimeAdapter } = await import('@ddpo/tensor-onnxruntime');
  const { promptFidelity, sampleTinyUnet32 } = await import('../fidelity.js');
  const { PROMPTS } = await import('../prompts.js');
  const { writePngGrid } = await import('../png.js');
  const { shippedWeightsPath } = await import('../weights.js');
  const weightsPath = values.weights ?? shippedWeightsPath();
  // Recorded relative to the working directory, so the JSON written into docs/ names no machine path.
  const { params, source } = await loadWeights(path.relative(process.cwd(), weightsPath) || weightsPath, !values['no-ema']);
  const steps = Number(values.steps), guidance = Number(values.guidance), eta = Number(values.eta);
  const perPrompt = Number(values['per-prompt']), seed = Number(values.seed);
  const adapter = await createOnnxRuntimeAdapter({ device: 'cpu', intraOpNumThreads: Number(values.threads) });
  // Row-major by prompt: row k of the grid holds prompt k's samples.
  const prompts = Array.from({ length: PROMPTS.length * perPrompt }, (_, i) => Math.floor(i / perPrompt));
  const t0 = Date.now();
  const images = await sampleTinyUnet32({ params, prompts, adapter, steps, guidance, eta, seed, batchSize: Number(values.batch) });
  const sampleSeconds = (Date.now() - t0) / 1000;
  const f = await promptFidelity({ images, prompts, adapter });
  await adapter.dispose();
  console.log(`prompt fidelity of ${source}: ${steps} DDIM steps, guidance ${guidance}, eta ${eta}, ${perPrompt} per prompt, seed ${seed}`);
  f.perPrompt.forEach((v, k) => console.log(`  ${PROMPTS[k].padEnd(16)} ${(100 * v).toFixed(1)}%`));
  console.log(`mean over the 16 prompts: ${(100 * f.mean).toFixed(2)}%  (sampling ${sampleSeconds.toFixed(0)} s)`);
  fs.mkdirSync(values.out, { recursive: true });
  const tag = `steps${steps}-g${guidance}-eta${eta}`;
  const grid = path.join(values.out, `samples-${tag}.png`);
  writePngGrid(grid, images, { cols: perPrompt, scale: 2 });
  const record = {
    weights: source, steps, guidance, eta, samplesPerPrompt: perPrompt, seed, meanFidelity: f.mean, overallFidelity: f.overall,
    fidelityPerPrompt: Object.fromEntries(PROMPTS.map((p, k) => [p, f.perPrompt[k]])), sampleSeconds, grid: path.basename(grid),
  };
  fs.writeFileSync(path.join(values.out, `fidelity-${tag}.json`), `${JSON.stringify(record, null, 2)}\n`);
  console.log(`wrote ${grid} and fidelity-${tag}.json`);
}

await runWithSourceCondition(main);
