#!/usr/bin/env node
// Entry point of the `ddpo` executable (package.json "bin"): runs the program on process.argv.
import { main } from './program.js';

process.exitCode = await main(process.argv);
