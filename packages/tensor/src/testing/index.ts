/**
 * @ddpo/tensor/testing: the numerics every test and every adapter shares. One tolerance table per
 * device and dtype, `allClose`, `gradCheck` (finite differences), seeded test data, and the
 * runner-agnostic conformance suite (`conformanceCases`, `checkCase`, `runConformance`) that a new
 * adapter runs to prove it agrees with the reference interpreter.
 */
export {
  DEVICE_TOLERANCES,
  TOLERANCE_DEVICES,
  tolerancesOf,
  toleranceOf,
  UnknownToleranceDeviceError,
  type DeviceTolerances,
  type ModelTolerance,
  type Tolerance,
  type ToleranceDevice,
  type ToleranceTable,
} from './tolerances.js';
export { allClose, assertAllClose, maxRelativeError, NotCloseError, type CloseOptions, type CloseReport } from './close.js';
export { testRng, randomTensor } from './random.js';
export { gradCheck, gradCheckOn, GradCheckError, type GradCheckOptions, type GradCheckResult } from './gradcheck.js';
export { conformanceCases, caseFeeds, caseGraph, SPECIAL_VALUES, type CaseInput, type ConformanceCase, type InputKind } from './cases.js';
export {
  checkCase,
  checkCoverage,
  prepareCase,
  runConformance,
  ConformanceCoverageError,
  type CaseRun,
  type ConformanceOptions,
  type PreparedCase,
  type TestFn,
} from './conformance.js';
