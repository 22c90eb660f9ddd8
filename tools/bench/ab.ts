// `npm run bench -- --dump-train FILE` and `npm run bench -- --ab A.onnx,B.onnx [--rounds N]`: how
// the changes in docs/benchmarks.md were measured on a noisy machine. --dump-train writes the lowered
// DDPO training graph (batch and steps of the benchmark) of the current tree; check out another
// version, dump again, and --ab times the files in fresh processes, A, B, A, B, ... (each process: 3
// warm-up steps, then the median of 15), so both see the same drift of the machine; it prints every
// median and the ratio of the medians (B / A < 1: B is faster).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lowerGraph, serializeModel, type OnnxRuntimeAdapter } from '@ddpo/tensor-onnxruntime';
import type { EpsilonModel } from '@ddpo/policy';
import { median } from './measure.js';
import { makePolicy, trainingGraph } from './workloads.js';

/** Writes the lowered training graph at batch B, `steps` DDIM steps, as the adapter lowers it. */
export function dumpTrainingModel(adapter: OnnxRuntimeAdapter, model: EpsilonModel, B: number, steps: number, file: string): void {
  const graph = trainingGraph(makePolicy(model, adapter), B, steps);
  fs.writeFileSync(file, serializeModel(lowerGraph(graph, adapter.lowerOptions)));
}

/** Result of an A/B: every process's median step time per file, their medians, and B / A. */
export interface AbResult {
  files: string[];
  msPerStep: number[][];
  medians: number[];
  ratio: number;
}

/** Times `files` (lowered training graphs) in alternating fresh processes, `rounds` each. */
export function runAb(files: readonly string[], rounds: number, quick: boolean, spin: boolean | undefined): AbResult {
  if (files.length !== 2) throw new Error(`bench: --ab needs two model files, comma-separated (got ${files.length})`);
  for (const f of files) if (!fs.existsSync(f)) throw new Error(`bench: --ab: no such file '${f}' (write one with --dump-train)`);
  const child = fileURLToPath(new URL('./ab-child.ts', import.meta.url));
  const ms: number[][] = files.map(() => []);
  for (let r = 0; r < rounds; r++) {
    files.forEach((file, k) => {
      const args = ['--conditions', '@ddpo/source', '--import', 'tsx', child, file, quick ? 'quick' : 'full', spin === undefined ? 'default' : spin ? 'on' : 'off'];
      const p = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
      const last = (p.stdout ?? '').trim().split('\n').pop() ?? '';
      if (p.status !== 0 || !/^[0-9.]+$/.test(last)) throw new Error(`bench: --ab: timing ${file} failed (exit ${p.status}): ${(p.stderr ?? '').slice(-400)}`);
      ms[k].push(Number(last));
    });
  }
  const medians = ms.map((v) => median(v));
  return { files: [...files], msPerStep: ms, medians, ratio: medians[1] / medians[0] };
}
