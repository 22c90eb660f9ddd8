/** @ddpo/cli: the `ddpo` command (pretrain, sample, train, compare, sweep, export, report) and its building blocks. */
export { main, buildProgram, type CliIO } from './program.js';
export { UsageError } from './errors.js';
export {
  runCompare, configFor, trainAndEvaluate, writeJsonAtomic, COMPARE_PRESETS, type CompareOptions, type CompareResult, type ComparePreset, type RunContext, type RunSpec,
} from './compare.js';
export { presetPerAlgorithm } from './commands/compare.js';
export { classifierFidelity, shapes32Fidelity } from './fidelity.js';
export {
  runSweep, parseGrid, gridCells, bestCells, sweepMarkdown, sameTraining, UNUSED_FIELDS, type GridAxis, type SweepCell, type SweepCellResult, type SweepBest, type SweepSummary,
  type SweepOptions, type SweepResult,
} from './sweep.js';
export { resolveReward, rewardLabel, rewardOptionHelp, BUILTIN_REWARDS, REWARDS, type RewardSpecOptions } from './reward-spec.js';
export { loadModel, createAdapter, type LoadedModel } from './model-spec.js';
export { readConfigFile, parseSetPairs, mergeConfig } from './config-file.js';
export {
  curveBands, methodStats, seedStats, summaryTable, type BandRow, type CompareSummary, type CurvePoint, type MethodStats,
  type RunEvaluation, type RunSummary, type SeedStats, type TableRow,
} from './summary.js';
export { curvesSpec, finalSpec, renderSvg, svgToPng } from './charts.js';
export { writeReport, type ReportFiles } from './report.js';
export { mergeSummaries, type SummaryPart } from './merge.js';
