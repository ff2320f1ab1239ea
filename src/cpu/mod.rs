//! The CPU engine: f, finite differences and analytic gradients over a grid, in f32 or f64,
//! block by block with rayon across blocks (the block interpreter is `block`, which the
//! float64 reference, [`crate::check`], also runs on, with its own functions and error
//! bounds).
//!
//! It mirrors `shaders/grid.wgsl`: coordinates from [`crate::grid::Axis`], the program's
//! outputs at the point, then each stencil term in the scheme's order.
//!
//! ```
//! use gradfield::cpu::CpuEngine;
//! use gradfield::grid::{Axis, Field, Grid, Precision};
//! use gradfield::spec::FieldSpec;
//! let grid = Grid::line(Axis::x(0.0, 1.0, 11)?);
//! let spec = FieldSpec::new("x^2", grid)?.with_precision(Precision::F64);
//! let tile = CpuEngine::<f64>::new(&spec)?.eval(0, grid.len());
//! assert_eq!(tile.values(Field::F)[10], 1.0);
//! assert_eq!(tile.values(Field::GradX)[5], 1.0);
//! assert!((tile.values(Field::FdX)[5] - 1.0).abs() < 1e-12);
//! # Ok::<(), gradfield::Error>(())
//! ```

pub(crate) mod block;

use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use block::{BLOCK, ColumnCache, Input, Plan, Scratch};

use crate::check::{Checker, Piece, PieceSums, Run as CheckRun, TileStart};
use crate::engine::{DeviceInfo, Engine, EngineTimes, Real, Tile, TileView, check_each_tile};
use crate::error::{Error, Result};
use crate::grid::{Axis, Field};
use crate::spec::FieldSpec;

/// Points per tile of the CPU engine: 256 Ki points keep a tile of five f64 fields at 10 MB,
/// within the last-level cache, for whatever reads the tile after the engine (a sampled
/// check, files, figures), and no large buffer is ever faulted in; a full check reads each
/// run of points from the core's own cache (fused with the engine). Measured on
/// two cores (sin 2^22 and loss 2048², checked): 64 Ki points paid a quarter more fork-joins
/// and idle tails for the same work (2–10 % slower); 1 Mi points fell out of cache (up to
/// 25 % slower). With the fused check (Intel Xeon VM, 12 rounds): 64 Ki 2–8 % slower,
/// 1 Mi 3–13 %, 4 Mi 15–46 %.
pub const CPU_TILE_POINTS: usize = 1 << 18;

/// Column caches larger than this are not built (x-only nodes are then computed per point).
const MAX_CACHE_BYTES: usize = 256 << 20;

/// A contiguous run of points within one grid row.
#[derive(Clone, Copy, Debug)]
struct Run {
    row: usize,
    col: usize,
    len: usize,
    /// The run's first point in the tile.
    at: usize,
}

/// Output slices of one run.
struct RunOut<'a, T> {
    vals: [Option<&'a mut [T]>; 5],
}

/// The CPU engine for one request, in type `T`.
pub struct CpuEngine<T: Real> {
    spec: FieldSpec,
    fields: Vec<Field>,
    /// f and the requested partial derivatives.
    main: Plan,
    /// f alone, for stencil points.
    f_only: Plan,
    /// One stencil term, ready to add: offset multiple, `T(o·h)` and weight.
    terms: Vec<(i32, T, T)>,
    den_h: T,
    /// Column caches: (plan is `main`, offset multiple o, cache).
    caches: Vec<(bool, i32, ColumnCache<T>)>,
    /// The tile [`Engine::run`] fills, kept for the next run (repeated runs, benchmarks).
    tile: Option<Tile<T>>,
    /// Per-thread buffers, kept across tiles: made afresh for every piece of work, their
    /// zeroing and page faults cost 3 % of a checked sin run.
    pool: Mutex<Vec<Work<T>>>,
}

impl<T: Real> CpuEngine<T> {
    /// Prepares an engine for `spec`, whose precision must be `T`'s.
    pub fn new(spec: &FieldSpec) -> Result<CpuEngine<T>> {
        if spec.precision != T::PRECISION {
            return Err(Error::internal(format!(
                "a CPU engine in {} cannot produce {} values",
                T::PRECISION,
                spec.precision
            )));
        }
        let fields = spec.field_list();
        let two_d = spec.grid.is_2d();
        let mut outs = vec![&spec.expr];
        if fields.contains(&Field::GradX) {
            outs.push(&spec.grad_x);
            if two_d {
                outs.push(&spec.grad_y);
            }
        }
        let (stencil, den) = spec.stencil();
        let mut engine = CpuEngine {
            spec: spec.clone(),
            main: Plan::new(&outs),
            f_only: Plan::new(&[&spec.expr]),
            terms: stencil
                .iter()
                .map(|&(o, off, w)| (o, T::from_f64(off), T::from_f64(w)))
                .collect(),
            den_h: T::from_f64(den),
            fields,
            caches: Vec::new(),
            tile: None,
            pool: Mutex::new(Vec::new()),
        };
        if two_d {
            engine.build_caches();
        }
        Ok(engine)
    }

    /// The grid this engine computes.
    pub fn grid(&self) -> &crate::grid::Grid {
        &self.spec.grid
    }

    fn fd(&self) -> bool {
        self.fields.contains(&Field::FdX)
    }

    /// Column caches for the x-only nodes: `main` at the point, `f_only` at each x offset
    /// of the stencil and at 0 (for y stencils).
    fn build_caches(&mut self) {
        let mut wanted: Vec<(bool, i32)> = vec![(true, 0)];
        if self.fd() {
            wanted.push((false, 0));
            wanted.extend(self.terms.iter().filter(|t| t.0 != 0).map(|t| (false, t.0)));
        }
        let nx = self.spec.grid.x.n;
        let bytes: usize = wanted
            .iter()
            .map(|&(m, _)| {
                let plan = if m { &self.main } else { &self.f_only };
                plan.x_only() * nx * std::mem::size_of::<T>()
            })
            .sum();
        if bytes > MAX_CACHE_BYTES {
            return;
        }
        let xs = coords::<T>(&self.spec.grid.x, self.spec.precision, 0, nx);
        let mut caches = Vec::new();
        for (is_main, o) in wanted {
            let plan = if is_main { &self.main } else { &self.f_only };
            let shifted: Vec<T> = match self.terms.iter().find(|t| t.0 == o) {
                Some(t) if o != 0 => xs.iter().map(|&x| x + t.1).collect(),
                _ => xs.clone(),
            };
            caches.push((is_main, o, plan.column_cache(&shifted, None)));
        }
        self.caches = caches;
    }

    fn cache(&self, is_main: bool, o: i32) -> Option<&ColumnCache<T>> {
        self.caches
            .iter()
            .find(|(m, off, _)| *m == is_main && *off == o)
            .map(|(_, _, c)| c)
    }

    /// Every tile in order to `sink`, each checked by `checker` (a full check, fused) where
    /// there is one; the times of [`Engine::run_checked`].
    fn tiles(
        &mut self,
        tile_points: Option<usize>,
        mut checker: Option<&mut Checker>,
        sink: &mut dyn FnMut(&TileView<'_, T>) -> Result<()>,
    ) -> Result<(EngineTimes, f64)> {
        let total = self.grid().len();
        let tile_points = tile_points.unwrap_or(CPU_TILE_POINTS).max(1);
        let threads = rayon::current_num_threads() as f64;
        let mut times = EngineTimes::default();
        let mut check_ms = 0.0;
        let mut tile = self.tile.take().unwrap_or_default();
        let mut start = 0;
        while start < total {
            let len = tile_points.min(total - start);
            if tile.len != len {
                tile = self.empty_tile(start, len);
            }
            tile.start = start;
            let t0 = Instant::now();
            let begun = checker.as_deref().map(Checker::tile_start);
            let fused = checker.as_deref().zip(begun.as_ref());
            let (pieces, thread_ms) = self.eval_pieces(&mut tile, fused);
            let wall = t0.elapsed().as_secs_f64() * 1e3;
            let share = (thread_ms / threads).min(wall);
            times.kernel += wall - share;
            if let (Some(c), Some(begun)) = (checker.as_deref_mut(), begun) {
                let t1 = Instant::now();
                c.finish_tile(begun, pieces);
                check_ms += share + t1.elapsed().as_secs_f64() * 1e3;
            }
            sink(&tile.view())?;
            start += len;
        }
        self.tile = Some(tile);
        Ok((times, check_ms))
    }

    /// Computes the requested fields for linear indices `start .. start + len`.
    pub fn eval(&self, start: usize, len: usize) -> Tile<T> {
        let mut tile = self.empty_tile(start, len);
        self.eval_into(&mut tile);
        tile
    }

    /// A tile of `len` points from `start` with a zeroed array for each requested field.
    fn empty_tile(&self, start: usize, len: usize) -> Tile<T> {
        let mut tile = Tile {
            start,
            len,
            ..Tile::default()
        };
        for &f in &self.fields {
            tile.values[f.index()] = zeroed(len);
        }
        tile
    }

    /// Computes into a tile whose `start`, `len` and arrays are set; arrays left empty are
    /// skipped.
    pub fn eval_into(&self, tile: &mut Tile<T>) {
        self.eval_pieces(tile, None);
    }

    /// [`CpuEngine::eval_into`], and where `check` is given, each run of points checked right
    /// after it is computed, on the same thread (a [`Piece`] of the check per piece of work):
    /// the check then reads the engine's values from the core's own cache, not from memory.
    /// Returns the pieces' sums, in order, and the threads' time in the check (ms, summed).
    fn eval_pieces(
        &self,
        tile: &mut Tile<T>,
        check: Option<(&Checker, &TileStart)>,
    ) -> (Vec<PieceSums>, f64) {
        let runs = runs(
            &self.spec.grid.x,
            self.spec.grid.is_2d(),
            tile.start,
            tile.len,
        );
        let mut outs: Vec<RunOut<'_, T>> = runs
            .iter()
            .map(|_| RunOut {
                vals: [None, None, None, None, None],
            })
            .collect();
        for (k, vals) in tile.values.iter_mut().enumerate() {
            if vals.is_empty() {
                continue;
            }
            let mut rest: &mut [T] = vals;
            for (r, out) in runs.iter().zip(outs.iter_mut()) {
                let (head, tail) = std::mem::take(&mut rest).split_at_mut(r.len);
                out.vals[k] = Some(head);
                rest = tail;
            }
        }
        let nodes = self.main.nodes().max(self.f_only.nodes());
        let tile_start = tile.start;
        // A few pieces of work per thread; each takes buffers from the pool and returns them.
        let chunk = runs.len().div_ceil(4 * rayon::current_num_threads()).max(1);
        let pieces: Vec<(Option<PieceSums>, f64)> = runs
            .par_chunks(chunk)
            .zip(outs.par_chunks_mut(chunk))
            .map(|(runs, outs)| {
                let popped = self.pool.lock().expect("not poisoned").pop();
                let mut work = popped.unwrap_or_else(|| Work::new(nodes));
                let mut piece = check.map(|(c, start)| c.piece(start, true));
                let mut check_ms = 0.0;
                for (run, out) in runs.iter().zip(outs.iter_mut()) {
                    let f = self.run(run, &mut work, out);
                    if let Some(piece) = piece.as_mut() {
                        let t0 = Instant::now();
                        let view = TileView {
                            start: tile_start + run.at,
                            len: run.len,
                            values: std::array::from_fn(|i| {
                                if i == Field::F.index() {
                                    f.unwrap_or(&[])
                                } else {
                                    out.vals[i].as_deref().unwrap_or(&[])
                                }
                            }),
                        };
                        piece.run(
                            &view,
                            &CheckRun::Range {
                                row: run.row,
                                first_col: run.col,
                                first_local: 0,
                                len: run.len,
                            },
                        );
                        check_ms += t0.elapsed().as_secs_f64() * 1e3;
                    }
                }
                self.pool.lock().expect("not poisoned").push(work);
                (piece.map(Piece::finish), check_ms)
            })
            .collect();
        let check_ms = pieces.iter().map(|p| p.1).sum();
        (pieces.into_iter().filter_map(|p| p.0).collect(), check_ms)
    }

    /// Computes one run into `out`; returns f's values where the tile holds them.
    fn run<'a>(&self, run: &Run, w: &mut Work<T>, out: &mut RunOut<'a, T>) -> Option<&'a [T]> {
        let grid = &self.spec.grid;
        let p = self.spec.precision;
        let len = run.len;
        fill_coords(&grid.x, p, run.col, &mut w.xs[..len]);
        let y = grid
            .y
            .map_or(T::default(), |ax| T::from_f64(ax.coord(run.row, p)));
        let cache_at = |is_main: bool, o: i32| self.cache(is_main, o).map(|c| (c, run.col));
        // The point itself: f and the derivatives.
        let inp = Input {
            xs: &w.xs[..len],
            y,
            cache: cache_at(true, 0),
        };
        self.main.eval(&inp, None, &mut w.scratch);
        let gy_out = if self.main.prog.outputs.len() == 3 {
            2
        } else {
            1
        };
        // f straight into the tile where it is asked for (the stencil's centre reads it
        // there), else into the run's own buffer: no copy between them.
        let f_tile: Option<&'a [T]> = out.vals[Field::F.index()].take().map(|dst| {
            self.main.write_output(0, &inp, &mut w.scratch, dst, None);
            &*dst
        });
        let f0: &[T] = match f_tile {
            Some(f) => f,
            None => {
                let f0 = &mut w.f0[..len];
                self.main.write_output(0, &inp, &mut w.scratch, f0, None);
                f0
            }
        };
        for (field, k) in [(Field::GradX, 1), (Field::GradY, gy_out)] {
            if let Some(dst) = out.vals[field.index()].as_deref_mut() {
                self.main.write_output(k, &inp, &mut w.scratch, dst, None);
            }
        }
        if !self.fd() {
            return f_tile;
        }
        let axes: &[Field] = if grid.is_2d() {
            &[Field::FdX, Field::FdY]
        } else {
            &[Field::FdX]
        };
        for &field in axes {
            let Some(dst) = out.vals[field.index()].as_deref_mut() else {
                continue;
            };
            let along_x = field == Field::FdX;
            let last = self.terms.len() - 1;
            for (t_i, &(o, offset, weight)) in self.terms.iter().enumerate() {
                let fk: &[T] = if o == 0 {
                    f0
                } else {
                    // The stencil point: x shifted (on the cache for that shift) or y shifted.
                    if along_x {
                        shift(&w.xs[..len], offset, &mut w.xk[..len]);
                    }
                    let inp = Input {
                        xs: if along_x { &w.xk[..len] } else { &w.xs[..len] },
                        y: if along_x { y } else { y + offset },
                        cache: cache_at(false, if along_x { o } else { 0 }),
                    };
                    self.f_only.eval(&inp, None, &mut w.scratch);
                    self.f_only.output(0, &inp, &mut w.scratch)
                };
                // The last term's sum goes straight through the division into the tile.
                if t_i == last {
                    accumulate_divide(dst, &w.acc[..len], fk, weight, t_i == 0, self.den_h);
                } else {
                    accumulate(&mut w.acc[..len], fk, weight, t_i == 0);
                }
            }
        }
        f_tile
    }
}

impl<T: Real> Engine<T> for CpuEngine<T> {
    fn run(
        &mut self,
        tile_points: Option<usize>,
        sink: &mut dyn FnMut(&TileView<'_, T>) -> Result<()>,
    ) -> Result<EngineTimes> {
        self.tiles(tile_points, None, sink).map(|(times, _)| times)
    }

    /// A full check runs fused: each run of points is checked on the thread that computed
    /// it, right after. The check's time is its share of the threads' time (their time in
    /// the check over the threads, within each tile's wall time) and the tile's merge; the
    /// engine's is the rest. A sample is checked tile by tile (its extremes need the whole
    /// tile).
    fn run_checked(
        &mut self,
        tile_points: Option<usize>,
        checker: Option<&mut Checker>,
        sink: &mut dyn FnMut(&TileView<'_, T>) -> Result<()>,
    ) -> Result<(EngineTimes, f64)> {
        match checker {
            Some(c) if c.is_full() => self.tiles(tile_points, Some(c), sink),
            other => check_each_tile(self, tile_points, other, sink),
        }
    }

    fn device(&self) -> DeviceInfo {
        DeviceInfo::cpu()
    }
}

/// out = x + offset (a stencil point's coordinates). This and the two below are compiled
/// for AVX-512 and AVX2 too, chosen at run time: the same IEEE operations, wider.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn shift<T: Real>(xs: &[T], offset: T, out: &mut [T]) {
    for (o, &x) in out.iter_mut().zip(xs) {
        *o = x + offset;
    }
}

/// dst = (w·f) / den_h (a stencil's only term) or (acc + w·f) / den_h: the last term of
/// [`accumulate`] and the stencil's division (as the shader divides) in one pass.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn accumulate_divide<T: Real>(dst: &mut [T], acc: &[T], f: &[T], weight: T, first: bool, den_h: T) {
    if first {
        for (d, &v) in dst.iter_mut().zip(f) {
            *d = (weight * v) / den_h;
        }
    } else {
        for ((d, &a), &v) in dst.iter_mut().zip(acc).zip(f) {
            *d = (a + weight * v) / den_h;
        }
    }
}

/// acc = w·f (first term) or acc + w·f, in the scheme's order, as the shader sums.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn accumulate<T: Real>(acc: &mut [T], f: &[T], weight: T, first: bool) {
    if first {
        for (a, &v) in acc.iter_mut().zip(f) {
            *a = weight * v;
        }
    } else {
        for (a, &v) in acc.iter_mut().zip(f) {
            *a = *a + weight * v;
        }
    }
}

/// A zeroed vector; large ones ask the kernel for transparent huge pages first (as NumPy
/// does for its arrays), so that filling them costs one page fault per 2 MiB, not per 4 KiB.
pub fn zeroed<T: bytemuck::Zeroable + Clone>(n: usize) -> Vec<T> {
    // alloc_zeroed: a large block comes straight from mmap, zero and untouched, so the
    // advice below applies before the first write and no user-space zeroing pass is made.
    let v: Vec<T> = bytemuck::allocation::zeroed_vec(n);
    let bytes = n * std::mem::size_of::<T>();
    #[cfg(target_os = "linux")]
    if bytes >= 4 << 20 {
        const HUGE: usize = 2 << 20;
        let start = (v.as_ptr() as usize).next_multiple_of(HUGE);
        let end = (v.as_ptr() as usize + bytes) / HUGE * HUGE;
        if end > start {
            // SAFETY: the range lies inside this vector's own allocation; the advice changes
            // only how the kernel backs it, never its contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    v
}

/// Per-thread buffers.
struct Work<T> {
    scratch: Scratch<T>,
    xs: Vec<T>,
    xk: Vec<T>,
    f0: Vec<T>,
    acc: Vec<T>,
}

impl<T: Real> Work<T> {
    fn new(nodes: usize) -> Work<T> {
        let z = || vec![T::default(); BLOCK];
        Work {
            scratch: Scratch::new(nodes, false),
            xs: z(),
            xk: z(),
            f0: z(),
            acc: z(),
        }
    }
}

/// Splits linear indices `start .. start + len` into runs within one row of at most BLOCK.
fn runs(x: &Axis, two_d: bool, start: usize, len: usize) -> Vec<Run> {
    let mut out = Vec::with_capacity(len / BLOCK + 2);
    let end = start + len;
    let mut k = start;
    while k < end {
        let (row, col) = if two_d { (k / x.n, k % x.n) } else { (0, k) };
        let room = if two_d { x.n - col } else { end - k };
        let n = room.min(end - k).min(BLOCK);
        out.push(Run {
            row,
            col,
            len: n,
            at: k - start,
        });
        k += n;
    }
    out
}

/// Coordinates `first .. first + out.len()` of an axis in precision `p`, as `T`.
fn fill_coords<T: Real>(axis: &Axis, p: crate::grid::Precision, first: usize, out: &mut [T]) {
    let mut wide = [0.0; BLOCK];
    for (chunk_i, chunk) in out.chunks_mut(BLOCK).enumerate() {
        let wide = &mut wide[..chunk.len()];
        axis.fill_coords(first + chunk_i * BLOCK, p, wide);
        from_f64s(wide, chunk);
    }
}

/// `out = T(src)` (exact: the coordinates are already in `T`'s precision). Compiled for
/// AVX-512 and AVX2 too: a baseline loop of 16-byte moves was 2 % of a CPU run.
#[multiversion::multiversion(targets("x86_64+avx512f+avx512dq+avx512vl", "x86_64+avx2+fma"))]
fn from_f64s<T: Real>(src: &[f64], out: &mut [T]) {
    for (o, &c) in out.iter_mut().zip(src) {
        *o = T::from_f64(c);
    }
}

fn coords<T: Real>(axis: &Axis, p: crate::grid::Precision, first: usize, n: usize) -> Vec<T> {
    let mut v = vec![T::default(); n];
    fill_coords(axis, p, first, &mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::{Fields, Grid, Precision, Scheme};

    fn spec(src: &str, grid: Grid) -> FieldSpec {
        FieldSpec::new(src, grid).unwrap()
    }

    /// A full check fused into the engine (each run checked on the thread that computed
    /// it) finds what a check of each finished tile finds: the same statistics, points,
    /// failures and truths, and the sink sees the same tiles. Grids with ill-conditioned
    /// points (truths given, up to the cap, across pieces and tiles), undefined values, and
    /// tiles that end mid-row.
    #[test]
    fn a_fused_check_finds_what_a_check_of_each_tile_finds() {
        use crate::check::{CheckMode, Checker};
        use crate::engine::{DeviceKind, check_each_tile};
        use crate::tolerance::ErrorModel;
        fn both<T: Real>(s: &FieldSpec, tile_points: usize) -> usize {
            let model = ErrorModel::cpu(s.precision);
            let new = || Checker::new(s, model, DeviceKind::Cpu, CheckMode::Full);
            let (mut fused, mut each) = (new(), new());
            let mut seen: [Vec<Tile<T>>; 2] = [Vec::new(), Vec::new()];
            let mut engine = CpuEngine::<T>::new(s).unwrap();
            let [a, b] = &mut seen;
            let (_, fused_ms) = engine
                .run_checked(Some(tile_points), Some(&mut fused), &mut |t| {
                    a.push(t.to_tile());
                    Ok(())
                })
                .unwrap();
            let mut engine = CpuEngine::<T>::new(s).unwrap();
            check_each_tile(&mut engine, Some(tile_points), Some(&mut each), &mut |t| {
                b.push(t.to_tile());
                Ok(())
            })
            .unwrap();
            let json = |c: &Checker| serde_json::to_string(&c.results()).unwrap();
            assert_eq!(json(&fused), json(&each), "{}", s.source);
            assert_eq!(fused.failure_lines(), each.failure_lines());
            assert_eq!(fused.points_checked(), s.grid.len() as u64);
            assert_eq!(each.points_checked(), s.grid.len() as u64);
            assert!(fused_ms > 0.0);
            assert_eq!(seen[0].len(), s.grid.len().div_ceil(tile_points));
            for (x, y) in seen[0].iter().zip(&seen[1]) {
                assert_eq!((x.start, x.len), (y.start, y.len));
                for f in s.field_list() {
                    let bits = |t: &Tile<T>| {
                        t.values(f)
                            .iter()
                            .map(|v| v.to_f64().to_bits())
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(bits(x), bits(y), "{f:?}");
                }
            }
            fused
                .results()
                .iter()
                .map(|(_, st)| st.escalated as usize)
                .sum()
        }
        let plane = |n: usize, m: usize| {
            Grid::plane(
                Axis::x(-2.0, 2.0, n).unwrap(),
                Axis::y(-2.0, 2.0, m).unwrap(),
            )
            .unwrap()
        };
        let line = |a: f64, b: f64, n: usize| Grid::line(Axis::x(a, b, n).unwrap());
        let f32_spec = |src: &str, g: Grid| spec(src, g).with_precision(Precision::F32);
        let f64_spec = |src: &str, g: Grid| spec(src, g).with_precision(Precision::F64);
        let mut escalated = 0;
        escalated += both::<f32>(&f32_spec("tanh(x*y)/(x-y)", plane(301, 257)), 10_007);
        escalated += both::<f32>(&f32_spec("log(x) + sin(x)", line(-1.0, 1.0, 50_001)), 4_096);
        escalated += both::<f64>(&f64_spec("sin(3*x)*cos(y) + x*y", plane(257, 129)), 3_000);
        escalated += both::<f64>(&f64_spec("sin(x)", line(-3.0, 3.0, 40_000)), 9_999);
        assert!(escalated > 0, "no point was given a truth");
    }

    #[test]
    fn every_field_agrees_with_pointwise_evaluation() {
        let gx = Axis::x(-2.0, 2.0, 37).unwrap();
        let gy = Axis::y(-1.0, 3.0, 23).unwrap();
        let grid = Grid::plane(gx, gy).unwrap();
        for scheme in Scheme::ALL {
            let s = spec("(1 - x)^2 + 100*(y - x^2)^2 + sin(3*x)*cos(y)", grid)
                .with_precision(Precision::F64)
                .with_scheme(scheme)
                .with_h(1e-3)
                .unwrap();
            let e = CpuEngine::<f64>::new(&s).unwrap();
            // An odd start and length cross rows mid-way.
            let tile = e.eval(5, grid.len() - 9);
            let (terms, den) = s.stencil();
            for k in 0..tile.len {
                let (j, i) = grid.index_of(5 + k);
                let (x, y) = (gx.coord_f64(i), gy.coord_f64(j));
                assert_eq!(tile.values(Field::F)[k], s.expr.eval(x, y));
                assert_eq!(tile.values(Field::GradX)[k], s.grad_x.eval(x, y));
                assert_eq!(tile.values(Field::GradY)[k], s.grad_y.eval(x, y));
                let mut fdx = 0.0;
                let mut fdy = 0.0;
                for (t, &(_, off, wt)) in terms.iter().enumerate() {
                    let a = wt * s.expr.eval(x + off, y);
                    let b = wt * s.expr.eval(x, y + off);
                    fdx = if t == 0 { a } else { fdx + a };
                    fdy = if t == 0 { b } else { fdy + b };
                }
                assert_eq!(tile.values(Field::FdX)[k], fdx / den, "{scheme} at {k}");
                assert_eq!(tile.values(Field::FdY)[k], fdy / den, "{scheme} at {k}");
            }
        }
    }

    #[test]
    fn f32_engine_uses_f32_coordinates_and_arithmetic() {
        // Several blocks and a partial one.
        let ax = Axis::x(-3.0, 3.0, 2501).unwrap();
        let s = spec("tanh(x)", Grid::line(ax));
        let tile = CpuEngine::<f32>::new(&s).unwrap().eval(0, ax.n);
        for i in (0..ax.n).step_by(7) {
            let x = ax.coord_f32(i);
            assert_eq!(tile.values(Field::F)[i], x.tanh());
            let h = 1e-3f32;
            let fd = ((x + h).tanh() - (x - h).tanh()) / 2e-3f32; // weights ±1 are exact
            assert_eq!(tile.values(Field::FdX)[i], fd);
        }
        assert!(CpuEngine::<f64>::new(&s).is_err());
    }

    #[test]
    fn only_requested_fields_are_computed() {
        let ax = Axis::x(0.0, 1.0, 10).unwrap();
        let s = spec("x^3", Grid::line(ax))
            .with_fields(Fields::parse_list("grad").unwrap())
            .unwrap();
        let tile = CpuEngine::<f32>::new(&s).unwrap().eval(0, 10);
        assert!(tile.values(Field::F).is_empty() && tile.values(Field::FdX).is_empty());
        assert_eq!(tile.values(Field::GradX)[9], 3.0);
    }
}
