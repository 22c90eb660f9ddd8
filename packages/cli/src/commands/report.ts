// `ddpo report DIR`: rebuilds report.html and the plots of a compare directory from summary.json.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { writeReport } from '../report.js';
import type { CompareSummary } from '../summary.js';
import type { CliIO } from '../program.js';

/**
 * Reads `DIR/summary.json` and writes `DIR/report.html`, `curves.png`, `final.png`.
 *
 * @example
 * await reportCommand('runs/compare', io);
 */
export async function reportCommand(dir: string, io: CliIO): Promise<void> {
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
  const files = await writeReport(dir, summary);
  io.out(`report: ${files.html}\nplots: ${files.plots.join(', ')}\n`);
}
