import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['onnxruntime-web', '@ddpo/tensor', '@ddpo/tensor-onnxruntime'],
  // keep class and function names (errors print them)
  keepNames: true,
});
