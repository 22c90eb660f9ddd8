// `ddpo report DIR`: rebuilds report.html and the plots of a compare directory from summary.json;
// with `--merge CELL...`, first merges the summaries of several compare directories into DIR.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@ddpo/optim';
import { UsageError } from '../errors.js';
import { mergeSummaries } from '../merge.js';
import { writeReport } from '../report.js';
import type { CompareSummary } from '../summary.js';
import type { CliIO } from '../program.js';

function readSummary(dir: string): CompareSummary {
  const file = path.join(dir, 'summary.json');
  if (!fs.existsSync(file)) throw new UsageError(`report: no summary.json in '${dir}' (run \`ddpo compare --out ${dir}\` first)`);
  let summary: CompareSummary;
  try {
    summary = JSON.parse(fs.readFileSync(file, 'utf8')) as CompareSummary;
  } catch (e) {
    throw new UsageError(`report: '${file}' is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof summary.reward !== 'string' || typeof summary.methods !== 'object' || summary.methods === null) {
    throw new UsageError(`report: '${file}' is not a ddpo compare summary (expected { reward, methods })`);
  }
  return summary;
}

/**
 * Reads `DIR/summary.json` and writes `DIR/report.html`, `curves.png`, `final.png`. With `merge`, the
 * summaries of those compare directories are merged into `DIR/summary.json` first (an existing
 * summary there is replaced only if it was itself merged, so a comparison's own summary is never lost).
 *
 * @example
 * await reportCommand('runs/compare', {}, io);
 * await reportCommand('runs/study/aesthetic', { merge: ['runs/study/aesthetic/rwr-seed-0', 'runs/study/aesthetic/rwr-seed-1'] }, io);
 */
export async function reportCommand(dir: string, opts: { merge?: string[] }, io: CliIO): Promise<void> {
  let summary: CompareSummary;
  if (opts.merge !== undefined && opts.merge.length > 0) {
    const target = path.join(dir, 'summary.json');
    if (fs.existsSync(target) && readSummary(dir).mergedFrom === undefined) {
      throw new UsageError(`report --merge: '${target}' is a comparison's own summary; merge into another directory`);
    }
    summary = mergeSummaries(opts.merge.map((d) => ({ summary: readSummary(d), dir: d })), dir);
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(target, Buffer.from(JSON.stringify(summary, null, 2) + '\n', 'utf8'));
    io.out(`report: merged ${opts.merge.length} summaries into ${target}\n`);
  } else {
    summary = readSummary(dir);
  }
  const files = await writeReport(dir, summary);
  io.out(`report: ${files.html}\nplots: ${files.plots.join(', ')}\n`);
}
