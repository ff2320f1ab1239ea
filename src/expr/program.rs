//! A flat, hash-consed instruction list (SSA): one [`Program`] holds f and its partial
//! derivatives with common subexpressions shared. The CPU engine interprets it over blocks of
//! points; the GPU code generator turns each node into one WGSL `let`.

use std::collections::HashMap;

use super::{Expr, Func, Var};

/// Integer exponents up to this size are expanded into multiplications (exact for squares,
/// defined for negative bases, and identical on CPU and GPU).
pub const MAX_POWI: i32 = 64;

/// One instruction; operands are indices of earlier nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Node {
    /// A constant.
    Const(f64),
    /// The x coordinate.
    X,
    /// The y coordinate.
    Y,
    /// −a.
    Neg(u32),
    /// a + b.
    Add(u32, u32),
    /// a − b.
    Sub(u32, u32),
    /// a × b.
    Mul(u32, u32),
    /// a ÷ b.
    Div(u32, u32),
    /// a^n for a small integer n, by [`powi_chain`].
    PowI(u32, i32),
    /// a^b in general.
    Pow(u32, u32),
    /// A one-argument function.
    Call1(Func, u32),
    /// A two-argument function.
    Call2(Func, u32, u32),
}

impl Node {
    /// Operand indices (the second is the first again for one-operand nodes; `(0, 0)` for
    /// leaves).
    ///
    /// ```
    /// use gradfield::expr::Node;
    /// assert_eq!(Node::Add(3, 5).operands(), (3, 5));
    /// assert_eq!(Node::PowI(2, 3).operands(), (2, 2));
    /// assert_eq!(Node::X.operands(), (0, 0));
    /// ```
    pub fn operands(&self) -> (usize, usize) {
        match *self {
            Node::Neg(a) | Node::PowI(a, _) | Node::Call1(_, a) => (a as usize, a as usize),
            Node::Add(a, b)
            | Node::Sub(a, b)
            | Node::Mul(a, b)
            | Node::Div(a, b)
            | Node::Pow(a, b)
            | Node::Call2(_, a, b) => (a as usize, b as usize),
            Node::Const(_) | Node::X | Node::Y => (0, 0),
        }
    }

    /// Whether the node has no operands (a constant or a coordinate).
    ///
    /// ```
    /// use gradfield::expr::Node;
    /// assert!(Node::Y.is_leaf() && !Node::Neg(0).is_leaf());
    /// ```
    pub fn is_leaf(&self) -> bool {
        matches!(self, Node::Const(_) | Node::X | Node::Y)
    }
}

/// Hashable identity of a node (constants by bit pattern).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Const(u64),
    X,
    Y,
    Op(u8, u32, u32, i32, Option<Func>),
}

fn key(n: &Node) -> Key {
    match *n {
        Node::Const(c) => Key::Const(c.to_bits()),
        Node::X => Key::X,
        Node::Y => Key::Y,
        Node::Neg(a) => Key::Op(0, a, 0, 0, None),
        Node::Add(a, b) => Key::Op(1, a, b, 0, None),
        Node::Sub(a, b) => Key::Op(2, a, b, 0, None),
        Node::Mul(a, b) => Key::Op(3, a, b, 0, None),
        Node::Div(a, b) => Key::Op(4, a, b, 0, None),
        Node::PowI(a, k) => Key::Op(5, a, 0, k, None),
        Node::Pow(a, b) => Key::Op(6, a, b, 0, None),
        Node::Call1(f, a) => Key::Op(7, a, 0, 0, Some(f)),
        Node::Call2(f, a, b) => Key::Op(8, a, b, 0, Some(f)),
    }
}

/// A compiled set of expressions sharing common subexpressions.
///
/// ```
/// use gradfield::expr::{Expr, Program, Var};
/// let f = Expr::parse("sin(x)^2 + cos(x)")?;
/// let df = f.derivative(Var::X);
/// let prog = Program::compile(&[&f, &df]);
/// // sin(x) and cos(x) appear in both and are computed once.
/// let sines = prog.nodes.iter().filter(|n| format!("{n:?}").starts_with("Call1(Sin")).count();
/// assert_eq!(sines, 1);
/// let out = prog.eval_f64(0.5, 0.0);
/// assert!((out[1] - df.eval(0.5, 0.0)).abs() < 1e-15);
/// # Ok::<(), gradfield::expr::ParseError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The instructions; each refers only to earlier ones.
    pub nodes: Vec<Node>,
    /// The node holding each compiled expression, in the order given.
    pub outputs: Vec<u32>,
}

struct Builder {
    nodes: Vec<Node>,
    seen: HashMap<Key, u32>,
}

impl Builder {
    fn push(&mut self, mut n: Node) -> u32 {
        // a+b = b+a and ab = ba exactly in IEEE arithmetic: order operands so both share.
        if let Node::Add(a, b) | Node::Mul(a, b) = &mut n
            && *a > *b
        {
            std::mem::swap(a, b);
        }
        let k = key(&n);
        if let Some(&i) = self.seen.get(&k) {
            return i;
        }
        let i = self.nodes.len() as u32;
        self.nodes.push(n);
        self.seen.insert(k, i);
        i
    }

    fn expr(&mut self, e: &Expr) -> u32 {
        let n = match e {
            Expr::Num(c) => Node::Const(*c),
            Expr::Var(Var::X) => Node::X,
            Expr::Var(Var::Y) => Node::Y,
            Expr::Neg(a) => Node::Neg(self.expr(a)),
            Expr::Add(a, b) => Node::Add(self.expr(a), self.expr(b)),
            Expr::Sub(a, b) => Node::Sub(self.expr(a), self.expr(b)),
            Expr::Mul(a, b) => Node::Mul(self.expr(a), self.expr(b)),
            Expr::Div(a, b) => Node::Div(self.expr(a), self.expr(b)),
            Expr::Pow(a, b) => match small_integer(b) {
                Some(k) => Node::PowI(self.expr(a), k),
                None => Node::Pow(self.expr(a), self.expr(b)),
            },
            Expr::Call(f, args) if args.len() == 2 => {
                Node::Call2(*f, self.expr(&args[0]), self.expr(&args[1]))
            }
            Expr::Call(f, args) => Node::Call1(*f, self.expr(&args[0])),
        };
        self.push(n)
    }
}

impl Program {
    /// Compiles expressions into one program; `outputs[k]` is the node of `exprs[k]`.
    pub fn compile(exprs: &[&Expr]) -> Program {
        let mut b = Builder {
            nodes: Vec::new(),
            seen: HashMap::new(),
        };
        let outputs = exprs.iter().map(|e| b.expr(e)).collect();
        Program {
            nodes: b.nodes,
            outputs,
        }
    }

    /// Evaluates every output at one point in float64 (slow; for tests and single points).
    pub fn eval_f64(&self, x: f64, y: f64) -> Vec<f64> {
        let mut v: Vec<f64> = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let r = match *n {
                Node::Const(c) => c,
                Node::X => x,
                Node::Y => y,
                Node::Neg(a) => -v[a as usize],
                Node::Add(a, b) => v[a as usize] + v[b as usize],
                Node::Sub(a, b) => v[a as usize] - v[b as usize],
                Node::Mul(a, b) => v[a as usize] * v[b as usize],
                Node::Div(a, b) => v[a as usize] / v[b as usize],
                Node::PowI(a, k) => powi_chain(v[a as usize], k),
                Node::Pow(a, b) => f64::powf(v[a as usize], v[b as usize]),
                Node::Call1(f, a) => f.eval_f64(v[a as usize], 0.0),
                Node::Call2(f, a, b) => f.eval_f64(v[a as usize], v[b as usize]),
            };
            v.push(r);
        }
        self.outputs.iter().map(|&o| v[o as usize]).collect()
    }

    /// Which nodes output `k` depends on (itself included): a program compiled for f and its
    /// derivatives need not evaluate the derivatives' nodes to give f.
    ///
    /// ```
    /// use gradfield::expr::{Expr, Program};
    /// let (f, g) = (Expr::parse("sin(x) + y").unwrap(), Expr::parse("cos(x)").unwrap());
    /// let prog = Program::compile(&[&f, &g]);
    /// let need = prog.needed_by(0);
    /// assert_eq!(need.iter().filter(|&&n| n).count(), 4); // x, sin(x), y, the sum
    /// assert!(!need[prog.outputs[1] as usize]);
    /// ```
    pub fn needed_by(&self, k: usize) -> Vec<bool> {
        let mut need = vec![false; self.nodes.len()];
        need[self.outputs[k] as usize] = true;
        for i in (0..self.nodes.len()).rev() {
            if need[i] && !self.nodes[i].is_leaf() {
                let (a, b) = self.nodes[i].operands();
                need[a] = true;
                need[b] = true;
            }
        }
        need
    }

    /// Whether any node calls a function other than those exact or correctly rounded in
    /// IEEE arithmetic (sqrt, abs, min, max, relu, step), or a general power.
    pub fn needs_transcendentals(&self) -> bool {
        self.nodes.iter().any(|n| match n {
            Node::Pow(..) => true,
            Node::Call1(f, _) | Node::Call2(f, _, _) => !matches!(
                f,
                Func::Abs | Func::Min | Func::Max | Func::Relu | Func::Step | Func::Sqrt
            ),
            _ => false,
        })
    }
}

/// The exponent as a small integer, if `e` is a number that is one.
pub(crate) fn small_integer(e: &Expr) -> Option<i32> {
    match e {
        Expr::Num(c) if c.fract() == 0.0 && c.abs() <= MAX_POWI as f64 => Some(*c as i32),
        _ => None,
    }
}

/// `x^n` by square-and-multiply from the top bit, then a reciprocal for n < 0: the exact
/// sequence of roundings the GPU code generator emits, so both sides agree.
///
/// ```
/// use gradfield::expr::powi_chain;
/// assert_eq!(powi_chain(-2.0, 3), -8.0);
/// assert_eq!(powi_chain(2.0, -2), 0.25);
/// assert_eq!(powi_chain(0.0, 0), 1.0);
/// ```
pub fn powi_chain<T>(x: T, n: i32) -> T
where
    T: Copy + std::ops::Mul<Output = T> + std::ops::Div<Output = T> + From<u8>,
{
    if n == 0 {
        return T::from(1);
    }
    let m = n.unsigned_abs();
    let mut r = x;
    for bit in (0..(31 - m.leading_zeros())).rev() {
        r = r * r;
        if m & (1 << bit) != 0 {
            r = r * x;
        }
    }
    if n < 0 { T::from(1) / r } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powi_matches_repeated_multiplication_order() {
        assert_eq!(powi_chain(3.0f64, 5), 243.0);
        assert_eq!(powi_chain(1.1f32, 2), 1.1f32 * 1.1f32);
        assert_eq!(powi_chain(1.1f64, 3), (1.1 * 1.1) * 1.1);
        assert_eq!(powi_chain(1.1f64, 4), (1.1 * 1.1) * (1.1 * 1.1));
    }

    #[test]
    fn common_subexpressions_are_shared_across_outputs() {
        let f = Expr::parse("x*y + y*x").unwrap();
        let p = Program::compile(&[&f]);
        // x, y, x*y (once, commuted), +
        assert_eq!(p.nodes.len(), 4);
        let g = Expr::parse("(1 - x)^2 + 100*(y - x^2)^2").unwrap();
        let gx = g.derivative(Var::X);
        let gy = g.derivative(Var::Y);
        let p = Program::compile(&[&g, &gx, &gy]);
        let alone: usize = [&g, &gx, &gy]
            .iter()
            .map(|e| Program::compile(&[e]).nodes.len())
            .sum();
        assert!(p.nodes.len() < alone);
        let v = p.eval_f64(0.5, 2.0);
        assert_eq!(v[0], g.eval(0.5, 2.0));
        assert_eq!(v[1], gx.eval(0.5, 2.0));
        assert_eq!(v[2], gy.eval(0.5, 2.0));
    }
}
