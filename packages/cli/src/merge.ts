// Merging compare summaries: several `ddpo compare` output directories that ran the same reward,
// budget and settings with different algorithms or seeds (e.g. one cell per process, so that an
// interrupted study loses one cell, not all) become one summary, as if one comparison had run them.
import path from 'node:path';
import { UsageError } from './errors.js';
import { methodStats, type CompareSummary, type RunSummary } from './summary.js';

/** One part to merge: a compare summary and the directory it was read from. */
export interface SummaryPart {
  summary: CompareSummary;
  dir: string;
}

// Settings that may differ between parts: they are what the parts split the comparison by. Fields
// that any part sets per algorithm (its learning rate, LoRA choice) may differ too: a comparison's
// top-level settings show its first algorithm's value of them, and the merged summary keeps them
// under `perAlgorithm` only.
const PER_PART = new Set(['algorithms', 'seeds', 'perAlgorithm', 'device']);

function perAlgorithmKeys(parts: readonly SummaryPart[]): Set<string> {
  const keys = new Set<string>();
  for (const { summary } of parts) {
    for (const fields of Object.values((summary.settings?.perAlgorithm ?? {}) as Record<string, Record<string, unknown>>)) {
      for (const k of Object.keys(fields ?? {})) keys.add(k);
    }
  }
  return keys;
}

function shared(s: CompareSummary, skip: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s.settings ?? {}).filter(([k]) => !PER_PART.has(k) && !skip.has(k)));
}

function firstDifference(a: Record<string, unknown>, b: Record<string, unknown>): string | undefined {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const k = keys.find((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
  return k === undefined ? undefined : `settings.${k} (${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])})`;
}

/**
 * Merges compare summaries into one written to `outDir`: the parts must share reward, budget, model
 * and every setting but the algorithms, seeds and per-algorithm fields (an algorithm's fields must
 * agree wherever it appears); no (algorithm, seed) may appear twice. Run directories and grids are
 * rebased to `outDir`, statistics recomputed, runs ordered by seed. Throws UsageError naming the part
 * and the field that disagrees.
 *
 * @example
 * const merged = mergeSummaries([{ summary: a, dir: 'runs/s/rwr-0' }, { summary: b, dir: 'runs/s/rwr-1' }], 'runs/s');
 */
export function mergeSummaries(parts: readonly SummaryPart[], outDir: string): CompareSummary {
  if (parts.length === 0) throw new UsageError('merge: no summaries to merge');
  const first = parts[0].summary;
  const skip = perAlgorithmKeys(parts);
  const firstShared = shared(first, skip);
  const methods: CompareSummary['methods'] = {};
  const perAlgorithm: Record<string, unknown> = {};
  const seeds = new Set<number>();
  for (const { summary: s, dir } of parts) {
    const where = `'${dir}'`;
    if (s.reward !== first.reward) throw new UsageError(`merge: ${where} has reward '${s.reward}', the first part '${first.reward}'`);
    if (s.budget !== first.budget) throw new UsageError(`merge: ${where} has a budget of ${s.budget} queries, the first part ${first.budget}`);
    if (s.model !== first.model) throw new UsageError(`merge: ${where} has model '${s.model}', the first part '${first.model}'`);
    const diff = firstDifference(firstShared, shared(s, skip));
    if (diff !== undefined) throw new UsageError(`merge: ${where} differs from the first part in ${diff}`);
    const own = (s.settings?.perAlgorithm ?? {}) as Record<string, unknown>;
    for (const [algo, method] of Object.entries(s.methods)) {
      if (own[algo] !== undefined) {
        if (perAlgorithm[algo] !== undefined && JSON.stringify(perAlgorithm[algo]) !== JSON.stringify(own[algo])) {
          throw new UsageError(`merge: ${where} trained ${algo} with ${JSON.stringify(own[algo])}, another part with ${JSON.stringify(perAlgorithm[algo])}`);
        }
        perAlgorithm[algo] = own[algo];
      }
      const into = (methods[algo] ??= { runs: [] });
      for (const run of method.runs) {
        if (into.runs.some((r) => r.seed === run.seed)) throw new UsageError(`merge: ${algo} seed ${run.seed} appears twice (again in ${where})`);
        seeds.add(run.seed);
        into.runs.push(rebase(run, dir, outDir));
      }
    }
  }
  for (const m of Object.values(methods)) {
    m.runs.sort((a, b) => a.seed - b.seed);
    m.stats = methodStats(m.runs);
  }
  const algorithms = Object.keys(methods);
  return {
    reward: first.reward,
    methods,
    ...(first.budget !== undefined ? { budget: first.budget } : {}),
    ...(first.model !== undefined ? { model: first.model } : {}),
    settings: {
      ...firstShared,
      algorithms,
      seeds: [...seeds].sort((a, b) => a - b),
      ...(Object.keys(perAlgorithm).length > 0 ? { perAlgorithm } : {}),
    },
    createdAt: new Date().toISOString(),
    mergedFrom: parts.map((p) => path.relative(outDir, p.dir) || '.'),
  };
}

function rebase(run: RunSummary, from: string, to: string): RunSummary {
  const move = (p: string) => path.relative(to, path.join(from, p));
  return {
    ...run,
    ...(run.dir !== undefined ? { dir: move(run.dir) } : {}),
    ...(run.grids !== undefined ? { grids: { start: move(run.grids.start), end: move(run.grids.end) } } : {}),
  };
}
