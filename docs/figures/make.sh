#!/usr/bin/env bash
# Regenerates the figures in docs/figures: the demo (figures of the article), the paper-size
# figures beside matplotlib's renders of the same (make_matplotlib.py), a descent figure and a
# streamline figure. Needs a release build (cargo build --release) and, for the matplotlib
# side, `pip install matplotlib numpy`.
set -euo pipefail
cd "$(dirname "$0")"
G=../../target/release/gradfield
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
# 3.3-inch column, 300 dpi, 10-pt text (matplotlib's defaults), run details in the metadata.
COL=(--size 3.3in --dpi 300 --no-subtitle --quiet)
$G curve --f loss --x -3:3 --n 401 --slopes 41 --png column_demo2_gradfield.png \
  --size 3.3x2.2in --dpi 300 --no-subtitle --quiet \
  --title "Loss curve with slope arrows" --ylabel "L(x)"
$G field --f bowl --nx 257 --arrows 17 --contours 8 --png column_exercise3_gradfield.png "${COL[@]}"
# Rosenbrock from three starts, three optimizers, engine gradient (solid) and exact (dashed).
$G field --f rosenbrock --nx 1024 --arrows 0 --color-scale log --contours 14 \
  --descent-from "-1.5,2.5;-1.2,-0.5;1.8,0.5" --optimizer sgd,momentum,adam --lr 1e-3 \
  --steps 4000 --png descent_rosenbrock.png --size 6.4in --quiet \
  --title "Gradient descent on Rosenbrock's function (η = 10⁻³, 4000 steps)"
# Himmelblau's field as evenly spaced streamlines of −∇f over a log colour scale.
$G field --f himmelblau --nx 1024 --arrows 0 --contours 0 --streamlines 16 --descent \
  --color-scale log --cmap magma --png streamlines_himmelblau.png --size 6.4in --quiet \
  --title "Streamlines of −∇f for Himmelblau's function"
python3 make_matplotlib.py
# The demo's own figures (computed on the best adapter, or the CPU without one).
tmp=$(mktemp -d)
$G demo --out "$tmp/demo" --quiet
cp "$tmp"/demo/*.png "$tmp"/demo/report.md .
rm -rf "$tmp"
