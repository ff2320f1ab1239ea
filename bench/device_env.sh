# Sourced by the device scripts: $OUT, the runtime dir, the GL/Vulkan loaders carried in .gl
# (see the device README) and the gradfield binary carried there ($GF).
set -uo pipefail
OUT=${OUT:-/tmp/gradfield-device}
mkdir -p "$OUT"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
if [ -d .gl ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
GF=${GF:-.gl/gradfield}
# tile_args T: TILE_ARGS holds the `--tile-points 2^T` option, or nothing for T = default.
tile_args() {
  TILE_ARGS=()
  if [ "$1" != default ]; then TILE_ARGS=(--tile-points $((1 << $1))); fi
}
