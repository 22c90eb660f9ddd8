import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/browser.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // keep class and function names (errors print them; a bundler-renamed _DDPOTrainer would show otherwise)
  keepNames: true,
});
