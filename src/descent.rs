//! Gradient descent over a computed field, the article's "flip the arrows": iterates of SGD,
//! momentum or Adam from given starts, taking the gradient from the grid the engine computed
//! (bilinear, or linear in 1-D, between grid points) and, for comparison, from the analytic
//! derivative evaluated exactly (float64) at each iterate. A path stops at the step count, on
//! leaving the grid, or where the gradient is not finite.
//!
//! ```
//! use gradfield::descent::{Optimizer, descend};
//! // f = x² + 10 y²: from (2, 1) plain descent with η = 0.04 converges to the origin.
//! let grad = |p: &[f64]| Some(vec![2.0 * p[0], 20.0 * p[1]]);
//! let inside = |p: &[f64]| p.iter().all(|v| v.abs() <= 3.0);
//! let (path, why) = descend(&grad, &[2.0, 1.0], Optimizer::Sgd, 0.04, 200, &inside);
//! let end = path.last().unwrap();
//! assert!(end[0].abs() < 1e-3 && end[1].abs() < 1e-3, "{end:?}");
//! assert_eq!(why, "steps");
//! ```

use serde::Serialize;

use crate::error::{Error, Result, num};

/// An optimizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Optimizer {
    /// x ← x − η∇f.
    Sgd,
    /// Heavy ball: v ← 0.9·v + ∇f, x ← x − η·v.
    Momentum,
    /// Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8), with bias correction.
    Adam,
}

impl Optimizer {
    /// `sgd`, `momentum` or `adam`.
    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum => "momentum",
            Optimizer::Adam => "adam",
        }
    }
}

impl std::str::FromStr for Optimizer {
    type Err = Error;
    fn from_str(s: &str) -> Result<Optimizer> {
        match s.trim() {
            "sgd" | "gd" => Ok(Optimizer::Sgd),
            "momentum" => Ok(Optimizer::Momentum),
            "adam" => Ok(Optimizer::Adam),
            _ => Err(Error::input(format!(
                "unknown optimizer `{s}`; use sgd, momentum or adam"
            ))),
        }
    }
}

/// Starting points: `x0,y0;x1,y1` (2-D) or `x0;x1` (1-D).
///
/// ```
/// let s = gradfield::descent::parse_starts("-1.5,2; 0,0", 2)?;
/// assert_eq!(s, vec![vec![-1.5, 2.0], vec![0.0, 0.0]]);
/// assert!(gradfield::descent::parse_starts("1,2", 1).is_err());
/// # Ok::<(), gradfield::Error>(())
/// ```
pub fn parse_starts(s: &str, dims: usize) -> Result<Vec<Vec<f64>>> {
    let mut out = Vec::new();
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let p: Vec<f64> = part
            .split(',')
            .map(|v| v.trim().parse::<f64>())
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| Error::input(format!("cannot read the start `{part}` as numbers")))?;
        if p.len() != dims || p.iter().any(|v| !v.is_finite()) {
            return Err(Error::input(format!(
                "a start needs {dims} finite coordinate{} (`{}`), got `{part}`",
                if dims == 1 { "" } else { "s" },
                if dims == 1 { "x0;x1" } else { "x0,y0;x1,y1" }
            )));
        }
        out.push(p);
    }
    if out.is_empty() || out.len() > 16 {
        return Err(Error::input(
            "give between 1 and 16 starts to --descent-from",
        ));
    }
    Ok(out)
}

/// What to draw: starts, optimizers, step size and count.
#[derive(Clone, Debug, PartialEq)]
pub struct DescentOptions {
    /// Starting points (one coordinate each in 1-D, two in 2-D).
    pub starts: Vec<Vec<f64>>,
    /// Optimizers (each runs from every start).
    pub optimizers: Vec<Optimizer>,
    /// Learning rate η.
    pub lr: f64,
    /// Iterations.
    pub steps: usize,
}

impl DescentOptions {
    /// Checks the options before any work.
    pub fn validate(&self) -> Result<()> {
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(Error::input(format!(
                "--lr must be a positive number (got {})",
                num(self.lr)
            )));
        }
        if !(1..=100_000).contains(&self.steps) {
            return Err(Error::input("--steps must be between 1 and 100000"));
        }
        if self.optimizers.is_empty() {
            return Err(Error::input("give at least one optimizer"));
        }
        Ok(())
    }
}

/// One descent: its iterates with the engine's gradient and with the exact one.
#[derive(Clone, Debug, Serialize)]
pub struct DescentRun {
    /// The optimizer.
    pub optimizer: Optimizer,
    /// Learning rate.
    pub lr: f64,
    /// The start.
    pub start: Vec<f64>,
    /// Iterates using the gradient the engine computed on the grid (interpolated).
    pub iterates: Vec<Vec<f64>>,
    /// Why that path stopped: `steps`, `left the grid` or `gradient not finite`.
    pub stopped: String,
    /// Iterates using the analytic gradient evaluated exactly (float64) at each iterate.
    pub iterates_exact: Vec<Vec<f64>>,
    /// Why the exact path stopped.
    pub stopped_exact: String,
    /// Largest distance between the two paths at the same step.
    pub max_separation: f64,
}

/// Runs `optimizer` from `start` for up to `steps` steps of size `lr` with the gradient
/// `grad` (None where it is not defined), staying where `inside` holds; returns the iterates
/// (the start first) and why it stopped.
pub fn descend(
    grad: &dyn Fn(&[f64]) -> Option<Vec<f64>>,
    start: &[f64],
    optimizer: Optimizer,
    lr: f64,
    steps: usize,
    inside: &dyn Fn(&[f64]) -> bool,
) -> (Vec<Vec<f64>>, &'static str) {
    let d = start.len();
    let mut x = start.to_vec();
    let mut path = vec![x.clone()];
    let (mut m, mut v) = (vec![0.0; d], vec![0.0; d]);
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
    for t in 1..=steps {
        let Some(g) = grad(&x).filter(|g| g.iter().all(|v| v.is_finite())) else {
            return (path, "gradient not finite");
        };
        for k in 0..d {
            let step = match optimizer {
                Optimizer::Sgd => g[k],
                Optimizer::Momentum => {
                    m[k] = 0.9 * m[k] + g[k];
                    m[k]
                }
                Optimizer::Adam => {
                    m[k] = b1 * m[k] + (1.0 - b1) * g[k];
                    v[k] = b2 * v[k] + (1.0 - b2) * g[k] * g[k];
                    let mh = m[k] / (1.0 - b1.powi(t as i32));
                    let vh = v[k] / (1.0 - b2.powi(t as i32));
                    mh / (vh.sqrt() + eps)
                }
            };
            x[k] -= lr * step;
        }
        if !x.iter().all(|v| v.is_finite()) || !inside(&x) {
            return (path, "left the grid");
        }
        path.push(x.clone());
    }
    (path, "steps")
}

/// Runs every optimizer from every start with both gradients.
pub fn run_all(
    opts: &DescentOptions,
    grid_grad: &dyn Fn(&[f64]) -> Option<Vec<f64>>,
    exact_grad: &dyn Fn(&[f64]) -> Option<Vec<f64>>,
    inside: &dyn Fn(&[f64]) -> bool,
) -> Vec<DescentRun> {
    let mut out = Vec::new();
    for start in &opts.starts {
        for &optimizer in &opts.optimizers {
            let (iterates, stopped) =
                descend(grid_grad, start, optimizer, opts.lr, opts.steps, inside);
            let (exact, stopped_exact) =
                descend(exact_grad, start, optimizer, opts.lr, opts.steps, inside);
            let max_separation = iterates
                .iter()
                .zip(&exact)
                .map(|(a, b)| {
                    a.iter()
                        .zip(b)
                        .map(|(p, q)| (p - q) * (p - q))
                        .sum::<f64>()
                        .sqrt()
                })
                .fold(0.0, f64::max);
            out.push(DescentRun {
                optimizer,
                lr: opts.lr,
                start: start.clone(),
                iterates,
                stopped: stopped.into(),
                iterates_exact: exact,
                stopped_exact: stopped_exact.into(),
                max_separation,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_and_momentum_reach_the_minimum_of_a_bowl() {
        let grad = |p: &[f64]| Some(vec![2.0 * (p[0] - 1.0), 2.0 * (p[1] + 0.5)]);
        let inside = |_: &[f64]| true;
        for (opt, lr) in [(Optimizer::Momentum, 0.05), (Optimizer::Adam, 0.05)] {
            let (path, _) = descend(&grad, &[-2.0, 2.0], opt, lr, 2000, &inside);
            let end = path.last().unwrap();
            assert!(
                (end[0] - 1.0).abs() < 1e-2 && (end[1] + 0.5).abs() < 1e-2,
                "{opt:?}: {end:?}"
            );
        }
    }

    #[test]
    fn a_path_stops_at_the_edge_and_where_the_gradient_fails() {
        let grad = |p: &[f64]| Some(vec![-p[0].signum()]);
        let (path, why) = descend(&grad, &[0.5], Optimizer::Sgd, 0.3, 100, &|p| {
            p[0].abs() <= 1.0
        });
        assert_eq!(why, "left the grid");
        assert!(path.len() < 5);
        let none = |_: &[f64]| None;
        let (path, why) = descend(&none, &[0.5], Optimizer::Sgd, 0.3, 100, &|_| true);
        assert_eq!((path.len(), why), (1, "gradient not finite"));
    }
}
