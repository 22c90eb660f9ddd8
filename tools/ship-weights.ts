// Copies the EMA weights of a pretraining checkpoint into packages/models/weights/tiny-unet-32.safetensors,
// the file loadTinyUnet32() ships: `npx tsx tools/ship-weights.ts <run dir>` (e.g. .pretrain/run1).
// The metadata records the step and the run, so the README's record can be checked against the file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, encodeSafetensors, type HostTensor } from '@ddpo/tensor';

const runDir = process.argv[2];
if (!runDir) {
  console.error('usage: npx tsx tools/ship-weights.ts <pretraining run dir>');
  process.exit(2);
}
const pointer = JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoint.json'), 'utf8')) as { step: number; file: string };
const { tensors } = decodeSafetensors(new Uint8Array(fs.readFileSync(path.join(runDir, pointer.file))));
const ema: Record<string, HostTensor> = {};
for (const [name, t] of Object.entries(tensors)) if (name.startsWith('ema/')) ema[name.slice(4)] = t;
const count = Object.values(ema).reduce((n, t) => n + t.size, 0);
if (count !== 591_139) throw new Error(`expected 591,139 EMA parameters in ${pointer.file}, found ${count}`);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'packages/models/weights/tiny-unet-32.safetensors');
fs.mkdirSync(path.dirname(out), { recursive: true });
const bytes = encodeSafetensors(ema, { model: 'tiny-unet-32', weights: 'ema', pretrainStep: String(pointer.step) });
fs.writeFileSync(`${out}.tmp`, bytes);
fs.renameSync(`${out}.tmp`, out);
console.log(`wrote ${path.relative(root, out)}: EMA weights of step ${pointer.step} (${count} parameters, ${bytes.length} bytes)`);
