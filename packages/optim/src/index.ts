/** @ddpo/optim: Adam/AdamW with PyTorch semantics, gradient clipping and accumulation, and safetensors parameter stores. */
// Everything the browser entry has, plus the file functions (node:fs).
export * from './browser.js';
export { loadParams, saveParams, writeFileAtomic, writeFileAtomicSync } from './io.js';
