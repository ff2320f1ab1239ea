#!/usr/bin/env bash
# One device call for issue 11 (the float64 check's cost) on a GPU host: the check's stages on
# the host's CPU cores (acceptance 2) and whole checked runs against JAX jit on the CPU
# (acceptance 1) — bench/check_stages.py; GPU runs' stages with --check full/sample/none (does
# the check overlap the GPU?); gradfield bench with its checked columns; the 8192² Rosenbrock
# streaming run (acceptance 3); the suite on the card (acceptance 4); the GPU peers last.
# At most 8 files come back from a device call, so logs share one file.
#
# Here:   cargo build --release; strip -o .gl/gradfield target/release/gradfield;
#         cp ../shared/bench/jax_cpu_peer.py .gl/   (and the loaders into .gl, device README)
# There:  run with carry [".gl"] and the command `bash bench/device_check.sh`
source "$(dirname "$0")/device_env.sh"
JAX=${JAX:-.gl/jax_cpu_peer.py}
LOG="$OUT/log.txt"
H="$OUT/host.txt"
{ date -u; nproc; grep -m1 'model name' /proc/cpuinfo; free -g | head -2;
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,power.draw --format=csv; } > "$H" 2>&1
"$GF" adapters >> "$H" 2>&1
if ! grep -qi nvidia "$H"; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  echo "--- with VK_DRIVER_FILES" >> "$H"
  "$GF" adapters >> "$H" 2>&1
fi
cat "$H"
step() { echo "=== $1 ($(date -u +%T))" | tee -a "$LOG"; }
step "check stages: CPU, whole runs against JAX (CPU), GPU, Rosenbrock"
timeout 200 python3 bench/check_stages.py --gradfield "$GF" --jax "$JAX" --rounds 3 --runs 7 \
  --gpu vulkan --gpu-sizes 2^24,2^26,2^28 --rosenbrock vulkan --out-dir /tmp/rosen \
  --json "$OUT/stages.json" 2>&1 | tee -a "$LOG"
step "one field (larger tiles: the budget is per field)"
for tp in default 21; do
  tile_args "$tp"
  "$GF" field --backend vulkan --f "sin(x)" --x -3.14159:3.14159 --nx $((1 << 28)) --fields f \
    "${TILE_ARGS[@]}" --json -q 2>/dev/null | python3 -c "import json, sys; print('fields f, tile $tp:', json.load(sys.stdin)['timings_ms'])" | tee -a "$LOG"
done
step "bench sin1d"
timeout 90 "$GF" bench --backend vulkan --cases sin1d --sizes 2^24,2^26,2^28 --reps 5 --cpu-max 2^24 \
  --checks full,sample,none --json --quiet > "$OUT/bench_sin1d.json" 2>> "$LOG"
echo "rc $?" | tee -a "$LOG"
step "bench loss2d"
timeout 60 "$GF" bench --backend vulkan --cases loss2d --sizes 2^28 --reps 5 --cpu-max 2^22 \
  --checks full,sample,none --json --quiet > "$OUT/bench_loss2d.json" 2>> "$LOG"
echo "rc $?" | tee -a "$LOG"
step "suite on the card"
timeout 90 "$GF" check --backend vulkan --json > "$OUT/check.json" 2>> "$LOG"
echo "check rc $?" | tee -a "$LOG"
tail -5 "$LOG"
step "peers"
timeout 150 python3 bench/peers.py "$OUT/peers.json" >> "$LOG" 2>&1
echo "peers rc $?" | tee -a "$LOG"
python3 bench/summary.py "$OUT" 2>&1 | tee -a "$LOG"
step "done"
