#!/usr/bin/env bash
# Study 2 validation (docs/results.md): `ddpo compare` with its defaults, one cell (reward x
# algorithm x seed) per output directory, so an interrupted study loses at most one cell. A cell whose
# summary.json lists its run is skipped on a rerun. Usage:
#   tools/study/run-study2.sh OUT_ROOT "reward ..." "algo ..." "seed ..."
# e.g. tools/study/run-study2.sh runs/study2 "aesthetic compressibility" "ddpo-is rwr" "0 1 2"
# Then, per reward, one summary and report as if one comparison had run every cell:
#   npx ddpo report OUT_ROOT/<reward> --merge OUT_ROOT/<reward>/*-seed-*/
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$1"; rewards="$2"; algos="$3"; seeds="$4"
for reward in $rewards; do
  for seed in $seeds; do
    for algo in $algos; do
      dir="$out/$reward/$algo-seed-$seed"
      if [ -f "$dir/summary.json" ] && grep -q '"finalMeanReward"' "$dir/summary.json"; then
        echo "skip $dir (done)"; continue
      fi
      mkdir -p "$out/$reward"
      echo "$(date -u +%H:%M:%S) start $dir"
      node --conditions=@ddpo/source --import tsx "$root/packages/cli/src/bin.ts" compare \
        --reward "$reward" --algos "$algo" --seeds "$seed" --out "$dir" --no-progress > "$dir.log" 2>&1 \
        || { echo "FAILED $dir (see $dir.log)"; continue; }
      echo "$(date -u +%H:%M:%S) done  $dir: $(grep -o 'eval reward.*' "$dir.log" | tail -1)"
    done
  done
done
