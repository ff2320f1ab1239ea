#!/usr/bin/env bash
# A second, shorter device call for issue 11: where the host's time goes in a GPU run (the
# `timings_ms` stages: setup, readback, check, host, total) at several tile sizes; how the CPU
# check scales with threads; the host's memory bandwidth (PyTorch on the CPU, the image has
# it); the 8192² Rosenbrock streaming run's time and peak RSS at several tile sizes.
# Run as bench/device_check.sh says (carry [".gl"]); `bash bench/device_host.sh`.
# TILES (log2 of --tile-points, or "default"), SIZES (log2 of 1-D points) and PARTS (gpu, f64,
# cpu, memory, rosenbrock, bench) choose what runs.
source "$(dirname "$0")/device_env.sh"
LOG="$OUT/host_log.txt"
SIN=(--f "sin(x)" --x -3.14159:3.14159)
TILES=${TILES:-default 22 24}
SIZES=${SIZES:-24 28}
PARTS=${PARTS:-gpu cpu memory rosenbrock}
want() { [[ " $PARTS " == *" $1 "* ]]; }
t() {  # label, then gradfield field arguments: one JSON line of timings and peak RSS
  local label=$1; shift
  python3 - "$GF" "$label" "$@" <<'PY' | tee -a "$LOG"
import json, os, subprocess, sys, time
gf, label, args = sys.argv[1], sys.argv[2], sys.argv[3:]
t0 = time.perf_counter()
p = subprocess.Popen([gf, "field", *args, "--json", "-q"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
out = p.stdout.read()
_, status, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t0
try:
    tm = json.loads(out)["timings_ms"]
except ValueError:
    tm = {}
row = {k: round(v, 1) for k, v in tm.items() if isinstance(v, float)}
print(f"{label}: wall {wall * 1e3:.0f} ms, rss {ru.ru_maxrss / 1024:.0f} MB, status {status}, {row}")
PY
}
want gpu && echo "=== GPU runs: stages by tile size" | tee -a "$LOG"
want gpu && for n in $SIZES; do
  for tp in $TILES; do
    tile_args "$tp"
    for mode in none full sample; do
      t "sin 2^$n tile $tp $mode" --backend vulkan "${SIN[@]}" --nx $((1 << n)) --check $mode "${TILE_ARGS[@]}"
    done
  done
done
want f64 && echo "=== GPU runs in f64: sin 2^26" | tee -a "$LOG"
want f64 && for tp in $TILES; do
  tile_args "$tp"
  for mode in none full sample; do
    t "sin f64 2^26 tile $tp $mode" --backend vulkan "${SIN[@]}" --nx $((1 << 26)) --precision f64 --check $mode "${TILE_ARGS[@]}"
  done
done
want cpu && echo "=== CPU check by threads (sin f32, loss f32, 2^22)" | tee -a "$LOG"
want cpu && for th in 1 4 16; do
  RAYON_NUM_THREADS=$th t "cpu sin f32 threads $th" --device cpu "${SIN[@]}" --nx 4194304
  RAYON_NUM_THREADS=$th t "cpu sin f32 sample threads $th" --device cpu "${SIN[@]}" --nx 4194304 --check sample
  RAYON_NUM_THREADS=$th t "cpu loss f32 threads $th" --device cpu --f "0.3*sin(3*x)+0.5*x^2+0.5*y^2" \
    --x -3:3 --y -3:3 --nx 2048 --ny 2048
done
want memory && echo "=== host memory bandwidth (PyTorch, CPU)" | tee -a "$LOG"
want memory && timeout 60 python3 - <<'PY' 2>&1 | tee -a "$LOG"
import time, torch
x = torch.ones(1 << 28)  # 1 GiB of f32
for th in (1, 4, 16):
    torch.set_num_threads(th)
    x.sum(); t0 = time.perf_counter(); [x.sum() for _ in range(3)]; r = (time.perf_counter() - t0) / 3
    y = torch.empty_like(x); y.copy_(x); t0 = time.perf_counter(); [y.copy_(x) for _ in range(3)]; c = (time.perf_counter() - t0) / 3
    print(f"threads {th}: read {x.numel() * 4 / r / 1e9:.1f} GB/s, copy {2 * x.numel() * 4 / c / 1e9:.1f} GB/s (read + write)")
PY
want rosenbrock && echo "=== Rosenbrock 8192² streamed to --out-dir, by tile size" | tee -a "$LOG"
want rosenbrock && for tp in $TILES; do
  tile_args "$tp"
  for mode in none full; do
    t "rosenbrock tile $tp $mode" --backend vulkan --f rosenbrock --nx 8192 --ny 8192 --out-dir /tmp/rosen \
      --check $mode "${TILE_ARGS[@]}"
  done
done
if want bench; then
  echo "=== gradfield bench, checked columns" | tee -a "$LOG"
  timeout 120 "$GF" bench --backend vulkan --cases sin1d,loss2d --sizes 2^24,2^28 --reps 5 --cpu-max 2^24 \
    --checks full,sample,none --quiet 2>&1 | tee -a "$LOG"
fi
echo "=== done" | tee -a "$LOG"
