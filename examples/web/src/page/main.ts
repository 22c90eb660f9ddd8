// The page: loads tiny-unet-32's shipped weights and the shapes-32 classifier from the server, shows samples
// of the pretrained model, and on "start" trains DDPO_IS or RWR on the chosen in-page reward, epoch by
// epoch, plotting the mean reward and the prompt fidelity (the classifier's share of samples drawn as their
// prompt) as it goes; "stop" ends the run at the next training step; "download weights" saves the current
// parameters as safetensors. State for tests and scripts: window.ddpo. Query parameters preset the form:
// ?device=wasm|webgpu&algorithm=ddpo-is|rwr&reward=...&epochs=N&lr=X&threads=N&autostart=1; ?conformance=1
// also runs the adapter's conformance subset in the page after loading.
import { createOnnxRuntimeWebAdapter, runConformanceSubset, type OnnxRuntimeWebAdapter, type SubsetResult, type WebDevice } from '@ddpo/tensor-onnxruntime-web';
import type { Progress } from '@ddpo/trainer';
import { drawCurve, drawGrid } from './draw.js';
import { pageReward, PAGE_REWARDS, type PageReward } from './rewards.js';
import { shapes32ClassifierFromSafetensors, type Shapes32ClassifierParams } from '@ddpo/models';
import { Session } from './session.js';

/** What the page exposes as window.ddpo. */
interface PageState {
  state: 'loading' | 'ready' | 'training' | 'done' | 'stopped' | 'error';
  device?: string;
  curve: number[];
  /** Prompt fidelity per epoch (the shapes-32 classifier). */
  fidelity: number[];
  seconds: number[];
  error?: string;
  /** With ?conformance=1: the adapter's conformance subset, run in this page. */
  conformance?: SubsetResult[];
}

const state: PageState = { state: 'loading', curve: [], fidelity: [], seconds: [] };
(globalThis as { ddpo?: PageState }).ddpo = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const query = new URLSearchParams(location.search);
for (const k of ['device', 'algorithm', 'reward', 'epochs', 'lr']) if (query.has(k)) $<HTMLInputElement>(k).value = query.get(k)!;
const threads = query.has('threads') ? Number(query.get('threads')) : undefined;

/** Stop requested: thrown from the progress reporter at the next step. */
class StopRequested extends Error {}
let stopRequested = false;
let label = '';
let done = 0;
let total = 0;
const progress: Progress = {
  begin(l, t) {
    [label, done, total] = [l, 0, t];
    status.textContent = `${l}...`;
  },
  tick(units = 1) {
    done += units;
    status.textContent = `${label} ${done}/${total}`;
    if (stopRequested) throw new StopRequested('stopped');
  },
  end() {},
  log(line) {
    status.textContent = line;
  },
};

function fail(e: unknown): void {
  state.state = 'error';
  state.error = `${(e as Error).name}: ${(e as Error).message}`;
  status.className = 'err';
  status.textContent = state.error;
}

const adapters = new Map<WebDevice, Promise<OnnxRuntimeWebAdapter>>();
function adapterFor(device: WebDevice): Promise<OnnxRuntimeWebAdapter> {
  let a = adapters.get(device);
  if (a === undefined) {
    a = createOnnxRuntimeWebAdapter({ device, wasmPaths: new URL('ort/', location.href).href, numThreads: threads });
    adapters.set(device, a);
    a.catch(() => adapters.delete(device));
  }
  return a;
}

let weights: Uint8Array;
let classifier: Shapes32ClassifierParams;
let session: Session | undefined;
/** Every run of this page visit, drawn together so DDPO_IS and RWR can be compared. */
const runs: { label: string; values: number[]; colour: string }[] = [];
const fidelityRuns: { label: string; values: number[]; colour: string }[] = [];
const COLOURS = { 'ddpo-is': ['#d62728', '#ff7f0e', '#8c564b'], rwr: ['#1f77b4', '#17becf', '#9467bd'] };

async function load(): Promise<void> {
  const res = await fetch('weights/tiny-unet-32.safetensors');
  if (!res.ok) throw new Error(`weights/tiny-unet-32.safetensors: HTTP ${res.status}`);
  weights = new Uint8Array(await res.arrayBuffer());
  const cres = await fetch('weights/shapes32-classifier.safetensors');
  if (!cres.ok) throw new Error(`weights/shapes32-classifier.safetensors: HTTP ${cres.status}`);
  classifier = shapes32ClassifierFromSafetensors(new Uint8Array(await cres.arrayBuffer()), 'weights/shapes32-classifier.safetensors').params;
  const device = $<HTMLSelectElement>('device').value as WebDevice;
  const adapter = await adapterFor(device);
  state.device = adapter.name;
  const s = await Session.create(adapter, weights, { algorithm: 'ddpo-is', reward: pageReward('colorfulness') }, progress);
  const samples = await s.preview(16, 1, progress);
  drawGrid($('grid'), samples.images, 8);
  state.state = 'ready';
  status.textContent = `ready: tiny-unet-32 loaded (${(weights.length / 1e6).toFixed(1)} MB), ${adapter.name}`;
  $<HTMLButtonElement>('start').disabled = false;
  if (query.get('conformance') === '1') {
    status.textContent = 'running the conformance subset...';
    state.conformance = await runConformanceSubset(adapter);
    const bad = state.conformance.filter((r) => !r.ok);
    status.textContent = `conformance subset on ${adapter.name}: ${state.conformance.length - bad.length}/${state.conformance.length} pass${bad.map((r) => `\n${r.name}: ${r.problem}`).join('')}`;
  }
}

async function train(): Promise<void> {
  const algorithm = $<HTMLSelectElement>('algorithm').value as 'ddpo-is' | 'rwr';
  const rewardName = $<HTMLSelectElement>('reward').value as PageReward;
  if (!PAGE_REWARDS.includes(rewardName)) throw new Error(`unknown reward '${rewardName}'`);
  const epochs = Math.max(1, Math.floor(Number($<HTMLInputElement>('epochs').value)));
  const lrText = $<HTMLInputElement>('lr').value.trim();
  const learningRate = lrText === '' ? undefined : Number(lrText);
  if (learningRate !== undefined && !(learningRate > 0)) throw new Error(`learning rate '${lrText}' is not a positive number`);
  const adapter = await adapterFor($<HTMLSelectElement>('device').value as WebDevice);
  state.device = adapter.name;
  [state.state, state.curve, state.fidelity, state.seconds, stopRequested] = ['training', [], [], [], false];
  $<HTMLButtonElement>('start').disabled = true;
  $<HTMLButtonElement>('stop').disabled = false;
  const rows = $('epochs-table').querySelector('tbody')!;
  rows.replaceChildren();
  session = await Session.create(adapter, weights, { algorithm, reward: pageReward(rewardName), learningRate, classifier }, progress);
  const name = algorithm === 'rwr' ? 'RWR' : 'DDPO_IS';
  const run = { label: `${name}, ${rewardName}`, values: state.curve, colour: COLOURS[algorithm][runs.filter((r) => r.label.startsWith(name)).length % 3] };
  runs.push(run);
  fidelityRuns.push({ ...run, values: state.fidelity });
  try {
    for (let e = 0; e < epochs; e++) {
      const r = await session.epoch();
      state.curve.push(r.rewardMean);
      state.seconds.push(r.seconds);
      state.fidelity.push(r.fidelity);
      drawCurve($('curve'), runs);
      drawCurve($('fidelity'), fidelityRuns, [0, 1]);
      drawGrid($('grid'), r.samples.images, 8);
      $('grid-label').textContent = `epoch ${r.epoch}`;
      const tr = document.createElement('tr');
      for (const v of [String(r.epoch), r.rewardMean.toFixed(4), r.fidelity.toFixed(3), r.stats.loss.toExponential(2), r.seconds.toFixed(1)]) tr.appendChild(document.createElement('td')).textContent = v;
      rows.appendChild(tr);
      $<HTMLButtonElement>('download').disabled = false;
      status.textContent = `epoch ${r.epoch}: reward ${r.rewardMean.toFixed(4)} (${r.seconds.toFixed(1)} s on ${adapter.name})`;
    }
    state.state = 'done';
  } catch (e) {
    if (!(e instanceof StopRequested)) throw e;
    state.state = 'stopped';
    status.textContent = `stopped after ${state.curve.length} epoch(s)`;
  } finally {
    $<HTMLButtonElement>('start').disabled = false;
    $<HTMLButtonElement>('stop').disabled = true;
  }
}

function download(): void {
  if (session === undefined) return;
  const url = URL.createObjectURL(new Blob([session.weightsFile() as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'tiny-unet-32-finetuned.safetensors';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

$('start').addEventListener('click', () => void train().catch(fail));
$('stop').addEventListener('click', () => (stopRequested = true));
$('download').addEventListener('click', download);
load()
  .then(() => (query.get('autostart') === '1' ? train() : undefined))
  .catch(fail);
