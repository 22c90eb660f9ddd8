#!/usr/bin/env bash
# On a GPU machine, in a copy of the working tree that has .gpu/ (made by tools/gpu/bundle.mjs): unpacks
# the Vulkan loader (when the machine has none), onnxruntime-node and Node.js (when the machine has none),
# records the GPU and the Vulkan drivers, then runs the WebGPU check and the benchmark on WebGPU and on the
# CPU. Everything is written to $OUT (default .gpu/out). Steps: docs/benchmarks.md.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-.gpu/out}
mkdir -p "$out"
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  for f in .gpu/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
if [ ! -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1 ]; then
  mkdir -p node_modules && tar -xJf .gpu/ort.tar.xz -C node_modules
fi
node=$(command -v node || true)
if [ -z "$node" ] || [ "${DDPO_GPU_NODE:-}" = bundled ]; then
  xz -dc .gpu/node.xz > .gpu/node && chmod +x .gpu/node && node=./.gpu/node
fi
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES=$f; break; fi
  done
fi
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
{
  echo "node: $("$node" --version)"
  nvidia-smi -L 2>&1 || true
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1 || true
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
} 2>&1 | tee "$out/env.log"
# shellcheck disable=SC2086 # BENCH_ARGS is a list of arguments
"$node" .gpu/check.mjs 2>&1 | tee "$out/check.log"
"$node" .gpu/bench.mjs --device webgpu ${BENCH_ARGS:---only torch,forward,sample,train} --json "$out/bench-webgpu.json" 2>&1 | tee "$out/bench-webgpu.log"
"$node" .gpu/bench.mjs ${BENCH_ARGS:---only torch,forward,sample,train} --json "$out/bench-cpu.json" 2>&1 | tee "$out/bench-cpu.log"
