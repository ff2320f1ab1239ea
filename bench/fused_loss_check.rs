// A hand-fused float64 check of the loss 0.3 sin(3x) + 0.5x^2 + 0.5y^2 on 2048^2 with float32
// engine values: what gradfield's check of that case (issue 11, acceptance 2) would cost if
// every quantity's reference, running bound and comparison were computed in registers, in one
// pass per row, written by hand for this one expression. An experiment, not part of the crate.
//
//   rustc --edition 2021 -O -C target-cpu=native bench/fused_loss_check.rs -o /tmp/fused && /tmp/fused
//   READ=1 /tmp/fused     # the reference and the engine values' loads, no comparison
//   T=1 /tmp/fused        # one thread
//
// It follows the check's rules where they cost: the x-only part from column caches at the
// three x shifts, the y-only part per row, one addition's bound (ea + eb + u|r|), the
// stencil's value, bound and scale (with its division), and for 5 judged quantities the lean
// pass's per-point arithmetic (error, tolerance, finiteness bits, largest error, ratio and
// relative margins, loose count), for the 2 reported ones error and relative margin. Engine
// values are the reference rounded to f32 (80 MB, read from memory each pass). Measured on the
// 2-core development VM, 2026-11-28 (docs/performance.md): 14.8-15.0 ms against the CPU
// engine's 7.9-10.9 and the interpreter check's 25.8-30.9 in the same minutes.
use std::time::Instant;

const N: usize = 2048;
const L: usize = 8;
const SAFETY: f64 = 4.0;

#[derive(Clone, Copy)]
struct Acc {
    bits: [u64; L],
    err: [f64; L],
    ratio: [f64; L],
    rel: [f64; L],
    ill: [u64; L],
}
impl Acc {
    fn new() -> Acc {
        Acc {
            bits: [0; L],
            err: [0.0; L],
            ratio: [f64::NEG_INFINITY; L],
            rel: [f64::NEG_INFINITY; L],
            ill: [0; L],
        }
    }
}

/// The comparison's constants: the smallest tolerance, the loose-bound threshold, and the
/// known largest ratio and relative error (`k`) with half an ulp of each (`h`).
#[derive(Clone, Copy)]
struct Limits {
    floor: f64,
    eps_ill: f64,
    kr: f64,
    hr: f64,
    kl: f64,
    hl: f64,
}

#[inline(always)]
fn judge(a: &mut Acc, l: usize, g: f64, w: f64, b: f64, sc: f64, k: Limits) {
    let err = (g - w).abs();
    let tol = SAFETY * b + k.floor;
    a.bits[l] = a.bits[l].max((err + tol).to_bits());
    errors(a, l, err, w, k);
    let r = (-tol).mul_add(k.kr, err) - tol * k.hr;
    a.ratio[l] = if r > a.ratio[l] { r } else { a.ratio[l] };
    a.ill[l] += (b > k.eps_ill * sc.abs()) as u64;
}

/// The largest error and relative margin, which judged and reported quantities both keep.
#[inline(always)]
fn errors(a: &mut Acc, l: usize, err: f64, w: f64, k: Limits) {
    let wa = w.abs();
    a.err[l] = if err > a.err[l] { err } else { a.err[l] };
    let rm = if wa > 0.0 {
        (-wa).mul_add(k.kl, err) - wa * k.hl
    } else {
        f64::NEG_INFINITY
    };
    a.rel[l] = if rm > a.rel[l] { rm } else { a.rel[l] };
}

#[inline(always)]
fn judge8(mut a: Acc, g: [f64; L], w: [f64; L], b: [f64; L], sc: [f64; L], k: Limits) -> Acc {
    for l in 0..L {
        judge(&mut a, l, g[l], w[l], b[l], sc[l], k);
    }
    a
}

#[inline(always)]
fn report8(mut a: Acc, g: [f64; L], w: [f64; L], k: Limits) -> Acc {
    for l in 0..L {
        report(&mut a, l, g[l], w[l], k);
    }
    a
}

#[inline(always)]
fn report(a: &mut Acc, l: usize, g: f64, w: f64, k: Limits) {
    let err = (g - w).abs();
    a.bits[l] = a.bits[l].max(err.to_bits());
    errors(a, l, err, w, k);
}

/// A central difference of two stencil values `fp`, `fm` with bounds `bp`, `bm` over `den`:
/// its value, bound (the subtraction's and the division's rounding at `u`) and scale.
#[inline(always)]
fn stencil(fp: f64, fm: f64, bp: f64, bm: f64, den: f64, u: f64) -> (f64, f64, f64) {
    let d = fp - fm;
    let q = d / den;
    (
        q,
        (bp + bm + u * d.abs()) / den + u * q.abs(),
        (fp.abs() + fm.abs()) / den,
    )
}

struct Cols {
    x: Vec<f64>,
    ex: Vec<f64>,
    xp: Vec<f64>,
    exp: Vec<f64>,
    xm: Vec<f64>,
    exm: Vec<f64>,
    gx: Vec<f64>,
    egx: Vec<f64>,
}

fn main() {
    let u = 2f64.powi(-24);
    let h = 1e-3f32;
    let coord = |i: usize| (-3.0f32 + 6.0f32 * (i as f32) / ((N - 1) as f32)) as f64;
    let xpart = |x: f64| 0.3 * (3.0 * x).sin() + 0.5 * x * x;
    let xbound = |x: f64| 3.0 * u * ((0.3 * (3.0 * x).sin()).abs() + 0.5 * x * x);
    let mut c = Cols {
        x: vec![0.0; N],
        ex: vec![0.0; N],
        xp: vec![0.0; N],
        exp: vec![0.0; N],
        xm: vec![0.0; N],
        exm: vec![0.0; N],
        gx: vec![0.0; N],
        egx: vec![0.0; N],
    };
    for i in 0..N {
        let x = coord(i);
        let (xp, xm) = ((x as f32 + h) as f64, (x as f32 - h) as f64);
        c.x[i] = xpart(x);
        c.ex[i] = xbound(x);
        c.xp[i] = xpart(xp);
        c.exp[i] = xbound(xp);
        c.xm[i] = xpart(xm);
        c.exm[i] = xbound(xm);
        c.gx[i] = 0.9 * (3.0 * x).cos() + x;
        c.egx[i] = 3.0 * u * ((0.9 * (3.0 * x).cos()).abs() + x.abs());
    }
    let den = ((2.0 * h) as f32) as f64;
    // Engine values: the reference rounded to f32.
    let mut eng: Vec<Vec<f32>> = vec![vec![0.0; N * N]; 5];
    for j in 0..N {
        let y = coord(j);
        let (yp, ym) = ((y as f32 + h) as f64, (y as f32 - h) as f64);
        for i in 0..N {
            let k = j * N + i;
            let yv = 0.5 * y * y;
            eng[0][k] = (c.x[i] + yv) as f32;
            eng[1][k] = (((c.xp[i] + yv) - (c.xm[i] + yv)) / den) as f32;
            eng[2][k] = c.gx[i] as f32;
            eng[3][k] = (((c.x[i] + 0.5 * yp * yp) - (c.x[i] + 0.5 * ym * ym)) / den) as f32;
            eng[4][k] = y as f32;
        }
    }
    let k = Limits {
        floor: 1e-30,
        eps_ill: 4096.0 * 2f64.powi(-24) / SAFETY,
        kr: 0.5,
        hr: 0.5 * 1e-16,
        kl: 0.1,
        hl: 0.1 * 1e-16,
    };
    let read_only = std::env::var("READ").is_ok();
    let check_rows = |rows: std::ops::Range<usize>| -> [Acc; 7] {
        // Accumulators by value (an array behind `&mut` kept them in memory: 3× slower).
        let [mut a0, mut a1, mut a2, mut a3, mut a4, mut a5, mut a6] = [Acc::new(); 7];
        for j in rows {
            let y = coord(j);
            let (yp, ym) = ((y as f32 + h) as f64, (y as f32 - h) as f64);
            let (yv, ypv, ymv) = (0.5 * y * y, 0.5 * yp * yp, 0.5 * ym * ym);
            let (ey, eyp, eym) = (u * yv, u * ypv, u * ymv);
            let (gy, egy) = (y, 0.0);
            let row = j * N;
            let (gf, gfx, ggx, gfy, ggy) = (
                &eng[0][row..row + N],
                &eng[1][row..row + N],
                &eng[2][row..row + N],
                &eng[3][row..row + N],
                &eng[4][row..row + N],
            );
            for i0 in (0..N).step_by(L) {
                let ld = |v: &[f64]| -> [f64; L] { v[i0..i0 + L].try_into().unwrap() };
                let ldf = |v: &[f32]| -> [f64; L] {
                    let a: [f32; L] = v[i0..i0 + L].try_into().unwrap();
                    a.map(|x| x as f64)
                };
                let (cx, cex, cxp, cexp, cxm, cexm, cgx, cegx) = (
                    ld(&c.x),
                    ld(&c.ex),
                    ld(&c.xp),
                    ld(&c.exp),
                    ld(&c.xm),
                    ld(&c.exm),
                    ld(&c.gx),
                    ld(&c.egx),
                );
                let mut f = [0.0; L];
                let mut bf = [0.0; L];
                let mut qx = [0.0; L];
                let mut bqx = [0.0; L];
                let mut sqx = [0.0; L];
                let mut qy = [0.0; L];
                let mut bqy = [0.0; L];
                let mut sqy = [0.0; L];
                for l in 0..L {
                    f[l] = cx[l] + yv;
                    bf[l] = cex[l] + ey + u * f[l].abs();
                    let (fp, fm) = (cxp[l] + yv, cxm[l] + yv);
                    let (bp, bm) = (cexp[l] + ey + u * fp.abs(), cexm[l] + ey + u * fm.abs());
                    (qx[l], bqx[l], sqx[l]) = stencil(fp, fm, bp, bm, den, u);
                    let (fp, fm) = (cx[l] + ypv, cx[l] + ymv);
                    let (bp, bm) = (cex[l] + eyp + u * fp.abs(), cex[l] + eym + u * fm.abs());
                    (qy[l], bqy[l], sqy[l]) = stencil(fp, fm, bp, bm, den, u);
                }
                let (g0, g1, g2, g3, g4) = (ldf(gf), ldf(gfx), ldf(ggx), ldf(gfy), ldf(ggy));
                if read_only {
                    for l in 0..L {
                        a0.err[l] += g0[l]
                            + g1[l]
                            + g2[l]
                            + g3[l]
                            + g4[l]
                            + f[l]
                            + qx[l]
                            + qy[l]
                            + bf[l]
                            + bqx[l]
                            + bqy[l]
                            + sqx[l]
                            + sqy[l];
                    }
                    continue;
                }
                a0 = judge8(a0, g0, f, bf, f, k);
                a1 = judge8(a1, g1, qx, bqx, sqx, k);
                a2 = report8(a2, g1, cgx, k);
                a3 = judge8(a3, g2, cgx, cegx, cgx, k);
                a4 = judge8(a4, g3, qy, bqy, sqy, k);
                a5 = report8(a5, g3, [gy; L], k);
                a6 = judge8(a6, g4, [gy; L], [egy; L], [gy; L], k);
            }
        }
        [a0, a1, a2, a3, a4, a5, a6]
    };
    let threads: usize = std::env::var("T")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let mut times = Vec::new();
    let mut sink = 0u64;
    for _ in 0..15 {
        let t = Instant::now();
        let parts: Vec<[Acc; 7]> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads)
                .map(|t| {
                    let r = t * N / threads..(t + 1) * N / threads;
                    let f = &check_rows;
                    s.spawn(move || f(r))
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        times.push(t.elapsed().as_secs_f64() * 1e3);
        for p in &parts {
            for a in p {
                sink = sink
                    .wrapping_add(a.ill.iter().sum::<u64>())
                    .wrapping_add(a.bits.iter().max().copied().unwrap());
            }
        }
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "fused loss f32 check, {threads} threads: median {:.1} ms, min {:.1} ms (sink {})",
        times[7],
        times[0],
        sink % 1000
    );
}
