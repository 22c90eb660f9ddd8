#!/usr/bin/env node
// Entry for pretraining tiny-unet-32 on shapes-32 from a source checkout:
//   npx tsx packages/models/src/bin/pretrain.ts --out DIR --steps N --batch B [--resume] (--help for all flags)
// Workspace packages resolve to their TypeScript sources only under the '@ddpo/source' export
// condition, so without it this re-runs itself once with that condition, then loads pretrainMain.ts.
import { runWithSourceCondition } from './source-condition.js';

await runWithSourceCondition(() => import('./pretrainMain.js'));
