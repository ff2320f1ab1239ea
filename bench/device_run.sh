#!/usr/bin/env bash
# One device call for the speed work (issue 7): the GPU's loaders, the adapter list, gradfield
# bench on the goal cases, the PyTorch/JAX peers in the same call, and the goal table last.
# Everything lands under $OUT (JSON, logs, the bench figure).
#
# Here:   cargo build --release     (then fetch the loaders into .gl once; see the device README)
# There:  run with carry [".gl", "target/release/gradfield"] and the command
#         bash bench/device_run.sh
set -uo pipefail
OUT=${OUT:-/tmp/gradfield-device}
mkdir -p "$OUT"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
if [ -d .gl ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
GF=${GF:-target/release/gradfield}
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,power.draw --format=csv > "$OUT/nvidia-smi.csv" 2>&1
"$GF" adapters --json > "$OUT/adapters.json" 2> "$OUT/adapters.log"
# Kernel and end-to-end times, f32, accurate math (the default), medians of 7 after a warm-up;
# with the float64 check in full, sampled (every 32nd point) and off (issue 11).
"$GF" bench --backend vulkan --cases sin1d --sizes 2^24,2^26,2^28 --reps 7 --cpu-max 2^24 \
  --checks full,sample,none \
  --json --quiet --png "$OUT/bench_sin1d.png" > "$OUT/bench_sin1d.json" 2> "$OUT/bench_sin1d.log"
"$GF" bench --backend vulkan --cases loss2d --sizes 2^28 --reps 7 --cpu-max 2^22 \
  --checks full,sample,none \
  --json --quiet > "$OUT/bench_loss2d.json" 2> "$OUT/bench_loss2d.log"
# The suite on the real GPU: every library function, f32 accurate/native and f64.
"$GF" check --backend vulkan --json > "$OUT/check.json" 2> "$OUT/check.log"
echo "check exit code: $?" >> "$OUT/check.log"
# Peers in the same call, so that ratios compare one machine.
timeout 300 python3 bench/peers.py "$OUT/peers.json" > "$OUT/peers.log" 2>&1
python3 bench/summary.py "$OUT"
