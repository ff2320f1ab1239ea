//! Evenly spaced streamlines of a 2-D vector field given on a lattice (Jobard and Lefer,
//! "Creating evenly-spaced streamlines of arbitrary density", 1997): each line is integrated
//! both ways from a seed with fourth-order Runge–Kutta on the bilinearly interpolated field,
//! in screen space (so spacing is even as drawn), and stops where it comes closer than half
//! the separation to another line, leaves the axes, reaches a zero or a non-finite value, or
//! closes on itself. New seeds are taken one separation to either side of finished lines,
//! then from a regular grid, so the lines fill the plot evenly.

use super::Lattice;
use super::axes::Axes;

/// Streamlines in pixels, each with its direction of travel along the points.
pub fn streamlines(
    ax: &Axes,
    gx: &Lattice,
    gy: &Lattice,
    sign: f64,
    density: usize,
) -> Vec<Vec<(f32, f32)>> {
    let density = density.clamp(1, 200);
    let sep = (ax.w.min(ax.h) / density as f32).max(2.0);
    let test = 0.5 * sep;
    let step = 0.2 * sep;
    let (sx, sy) = (ax.sx(), ax.sy());
    let mmax =
        gx.v.iter()
            .zip(&gy.v)
            .map(|(a, b)| a.hypot(*b))
            .filter(|m| m.is_finite())
            .fold(0.0, f64::max);
    if mmax <= 0.0 {
        return Vec::new();
    }
    // The unit direction on screen at a pixel position (None: outside, zero or undefined).
    let dir = |p: (f32, f32)| -> Option<(f32, f32)> {
        let (px, py) = p;
        if px < ax.x0 || px > ax.x0 + ax.w || py < ax.y0 || py > ax.y0 + ax.h {
            return None;
        }
        let x = ax.xs.min + (px - ax.x0) as f64 / sx;
        let y = ax.ys.max - (py - ax.y0) as f64 / sy;
        let (u, v) = (sign * gx.sample(x, y) * sx, -sign * gy.sample(x, y) * sy);
        let m = u.hypot(v);
        if !m.is_finite() || m <= 1e-9 * mmax * sx.max(sy) {
            return None;
        }
        Some(((u / m) as f32, (v / m) as f32))
    };
    let rk4 = |p: (f32, f32), h: f32| -> Option<(f32, f32)> {
        let k1 = dir(p)?;
        let k2 = dir((p.0 + 0.5 * h * k1.0, p.1 + 0.5 * h * k1.1))?;
        let k3 = dir((p.0 + 0.5 * h * k2.0, p.1 + 0.5 * h * k2.1))?;
        let k4 = dir((p.0 + h * k3.0, p.1 + h * k3.1))?;
        Some((
            p.0 + h / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0),
            p.1 + h / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1),
        ))
    };
    let mut grid = Occupancy::new(ax, test);
    let mut lines: Vec<Vec<(f32, f32)>> = Vec::new();
    let max_points = (8.0 * (ax.w + ax.h) / step) as usize;
    let trace = |seed: (f32, f32), grid: &mut Occupancy| -> Option<Vec<(f32, f32)>> {
        if dir(seed).is_none() || grid.near(seed, sep * 0.99) {
            return None;
        }
        let mut halves = [Vec::new(), Vec::new()];
        for (half, h) in halves.iter_mut().zip([step, -step]) {
            let mut p = seed;
            // The first step is held to the field's direction at the seed.
            let mut last = dir(seed).map(|(u, v)| (h * u, h * v));
            for _ in 0..max_points {
                let Some(q) = rk4(p, h) else { break };
                if grid.near(q, test) {
                    break;
                }
                // Near a critical point (a sink, a source, a saddle) the unit directions that
                // RK4 combines point different ways: the step comes out short, or turns more
                // than 60° from the one before. Stop there rather than jitter across the point
                // or creep towards a false one, which bunches points (and the arrowhead, placed
                // at the middle point) where the line ends, pointing either way.
                let d = (q.0 - p.0, q.1 - p.1);
                let len = d.0.hypot(d.1);
                if len < 0.5 * step {
                    break;
                }
                if let Some(e) = last
                    && d.0 * e.0 + d.1 * e.1 < 0.5 * len * e.0.hypot(e.1)
                {
                    break;
                }
                last = Some(d);
                // Closing on itself: near an earlier point of this line (not the last few).
                if half.len() > 20
                    && half[..half.len() - 10]
                        .iter()
                        .any(|&(a, b): &(f32, f32)| (a - q.0).hypot(b - q.1) < test)
                {
                    break;
                }
                half.push(q);
                p = q;
            }
        }
        let [fwd, back] = halves;
        let mut line: Vec<(f32, f32)> = back.into_iter().rev().collect();
        line.push(seed);
        line.extend(fwd);
        let length: f32 = line
            .windows(2)
            .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
            .sum();
        if length < sep {
            return None;
        }
        for &p in &line {
            grid.add(p);
        }
        Some(line)
    };
    // Seeds: the centre, then beside finished lines, then a regular grid.
    let mut queue: std::collections::VecDeque<(f32, f32)> = std::collections::VecDeque::new();
    queue.push_back((ax.x0 + ax.w / 2.0, ax.y0 + ax.h / 2.0));
    let mut regular: Vec<(f32, f32)> = Vec::new();
    let n = (2 * density).max(2);
    for j in 0..n {
        for i in 0..n {
            regular.push((
                ax.x0 + (i as f32 + 0.5) / n as f32 * ax.w,
                ax.y0 + (j as f32 + 0.5) / n as f32 * ax.h,
            ));
        }
    }
    let mut next_regular = 0;
    while lines.len() < 10_000 {
        let seed = match queue.pop_front() {
            Some(s) => s,
            None if next_regular < regular.len() => {
                next_regular += 1;
                regular[next_regular - 1]
            }
            None => break,
        };
        if let Some(line) = trace(seed, &mut grid) {
            let every = ((sep / step) as usize).max(1);
            for k in (0..line.len().saturating_sub(1)).step_by(every) {
                let (a, b) = (line[k], line[k + 1]);
                let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                let m = dx.hypot(dy).max(1e-6);
                let (nx, ny) = (-dy / m * sep, dx / m * sep);
                queue.push_back((a.0 + nx, a.1 + ny));
                queue.push_back((a.0 - nx, a.1 - ny));
            }
            lines.push(line);
        }
    }
    lines
}

/// Where a line's arrowhead goes: the middle of the segment nearest the line's middle (by
/// length) that bends less than 30° from its neighbours, and the unit direction of travel
/// there. At a sharp bend (a line that passes a saddle) a head would straddle the bend and
/// seem to point sideways. `None` for a line without two distinct points.
pub fn head(line: &[(f32, f32)]) -> Option<((f32, f32), (f32, f32))> {
    let n = line.len().checked_sub(1)?;
    let seg = |i: usize| (line[i + 1].0 - line[i].0, line[i + 1].1 - line[i].1);
    let lens: Vec<f32> = (0..n).map(|i| seg(i).0.hypot(seg(i).1)).collect();
    let half = 0.5 * lens.iter().sum::<f32>();
    // How far each segment's middle is from the line's middle, along the line.
    let mut at = 0.0;
    let off: Vec<f32> = lens
        .iter()
        .map(|l| {
            at += l;
            (at - 0.5 * l - half).abs()
        })
        .collect();
    let straight = |i: usize, j: usize| {
        let (a, b) = (seg(i), seg(j));
        a.0 * b.0 + a.1 * b.1 >= 30f32.to_radians().cos() * lens[i] * lens[j]
    };
    let mut order: Vec<usize> = (0..n).filter(|&i| lens[i] > 0.0).collect();
    order.sort_by(|&i, &j| off[i].total_cmp(&off[j]));
    let pick = order
        .iter()
        .copied()
        .find(|&i| (i == 0 || straight(i - 1, i)) && (i + 1 == n || straight(i, i + 1)))
        .or_else(|| order.first().copied())?;
    let (d, l, p) = (seg(pick), lens[pick], line[pick]);
    Some(((p.0 + 0.5 * d.0, p.1 + 0.5 * d.1), (d.0 / l, d.1 / l)))
}

/// Points already on lines, bucketed by cells of the test distance, for distance queries.
struct Occupancy {
    x0: f32,
    y0: f32,
    cell: f32,
    nx: usize,
    ny: usize,
    cells: Vec<Vec<(f32, f32)>>,
}

impl Occupancy {
    fn new(ax: &Axes, cell: f32) -> Occupancy {
        let nx = (ax.w / cell).ceil() as usize + 1;
        let ny = (ax.h / cell).ceil() as usize + 1;
        Occupancy {
            x0: ax.x0,
            y0: ax.y0,
            cell,
            nx,
            ny,
            cells: vec![Vec::new(); nx * ny],
        }
    }

    fn index(&self, p: (f32, f32)) -> (usize, usize) {
        let i = (((p.0 - self.x0) / self.cell).max(0.0) as usize).min(self.nx - 1);
        let j = (((p.1 - self.y0) / self.cell).max(0.0) as usize).min(self.ny - 1);
        (i, j)
    }

    fn add(&mut self, p: (f32, f32)) {
        let (i, j) = self.index(p);
        self.cells[j * self.nx + i].push(p);
    }

    /// Whether a recorded point lies within `d` of `p`.
    fn near(&self, p: (f32, f32), d: f32) -> bool {
        let (i, j) = self.index(p);
        let r = (d / self.cell).ceil() as usize;
        for jj in j.saturating_sub(r)..=(j + r).min(self.ny - 1) {
            for ii in i.saturating_sub(r)..=(i + r).min(self.nx - 1) {
                if self.cells[jj * self.nx + ii]
                    .iter()
                    .any(|q| (q.0 - p.0).hypot(q.1 - p.1) < d)
                {
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::axes::Scale;

    /// Axes 400 pixels square over [-1, 1]².
    fn square_axes() -> Axes {
        Axes {
            x0: 0.0,
            y0: 0.0,
            w: 400.0,
            h: 400.0,
            xs: Scale::linear(-1.0, 1.0),
            ys: Scale::linear(-1.0, 1.0),
        }
    }

    #[test]
    fn streamlines_of_a_rotation_are_circles_evenly_spaced() {
        let xs: Vec<f64> = (0..101).map(|i| -1.0 + 0.02 * i as f64).collect();
        // ∇f of a rotation field (−y, x): streamlines are circles about the origin.
        let gx = Lattice::from_fn(xs.clone(), xs.clone(), |_, y| -y);
        let gy = Lattice::from_fn(xs.clone(), xs, |x, _| x);
        let ax = square_axes();
        let lines = streamlines(&ax, &gx, &gy, 1.0, 10);
        assert!(lines.len() >= 5, "{} lines", lines.len());
        for l in &lines {
            // Every point of a line is at the same distance from the centre (a circle).
            let r: Vec<f32> = l.iter().map(|p| (p.0 - 200.0).hypot(p.1 - 200.0)).collect();
            let (lo, hi) = r
                .iter()
                .fold((f32::MAX, 0f32), |(a, b), &v| (a.min(v), b.max(v)));
            assert!(hi - lo < 2.5, "radius drifts from {lo} to {hi}");
        }
    }

    #[test]
    fn the_head_sits_on_a_straight_stretch_near_the_middle_pointing_along_travel() {
        // Up 4 steps of 10, a sharp turn, 3 steps right: the middle by length (35 of 70) is
        // on the bend, so the head goes on the nearest segment clear of it.
        let l = [
            (0.0, 40.0),
            (0.0, 30.0),
            (0.0, 20.0),
            (0.0, 10.0),
            (0.0, 0.0),
            (10.0, 0.0),
            (20.0, 0.0),
            (30.0, 0.0),
        ];
        assert_eq!(head(&l), Some(((0.0, 15.0), (0.0, -1.0))));
        // A straight line: the exact middle, along travel.
        let l = [(0.0, 0.0), (10.0, 0.0), (20.0, 0.0), (30.0, 0.0)];
        assert_eq!(head(&l), Some(((15.0, 0.0), (1.0, 0.0))));
        assert_eq!(head(&[(1.0, 1.0)]), None);
        assert_eq!(head(&[(1.0, 1.0), (1.0, 1.0)]), None);
    }

    #[test]
    fn lines_into_a_sink_or_out_of_a_source_never_turn_back() {
        // ∇f of f = x² + 0.5·y² off centre: a sink of −∇f (a source of ∇f) at (0.3, −0.2),
        // which the lattice's points do not hit.
        let xs: Vec<f64> = (0..64).map(|i| -1.0 + 2.0 * i as f64 / 63.0).collect();
        let gx = Lattice::from_fn(xs.clone(), xs.clone(), |x, _| 2.0 * (x - 0.3));
        let gy = Lattice::from_fn(xs.clone(), xs, |_, y| y + 0.2);
        let ax = square_axes();
        let centre = (ax.px(0.3), ax.py(-0.2));
        for sign in [-1.0, 1.0] {
            for density in [3, 4, 10] {
                let lines = streamlines(&ax, &gx, &gy, sign, density);
                assert!(!lines.is_empty());
                for l in &lines {
                    // No step turns back on the one before (a line that reaches the critical
                    // point stops there instead of jittering across it)…
                    for w in l.windows(3) {
                        let (a, b) = (
                            (w[1].0 - w[0].0, w[1].1 - w[0].1),
                            (w[2].0 - w[1].0, w[2].1 - w[1].1),
                        );
                        assert!(
                            a.0 * b.0 + a.1 * b.1 > 0.0,
                            "sign {sign}, density {density}: a line turns back at {:?}",
                            w[1]
                        );
                    }
                    // …so the arrowhead points the way the field flows: towards the centre
                    // for −∇f, away from it for ∇f.
                    let (p, u) = head(l).unwrap();
                    let inward = u.0 * (centre.0 - p.0) + u.1 * (centre.1 - p.1);
                    assert!(
                        inward * (sign as f32) < 0.0,
                        "sign {sign}, density {density}: head at {p:?} points the wrong way"
                    );
                }
            }
        }
    }
}
