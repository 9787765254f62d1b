//! Arithmetic expressions over source variables, evaluated as numpy would.
//!
//! The language is the subset of Python/numpy that pipeline configs use:
//! numbers, source-variable names, `+ - * / **`, unary minus, parentheses,
//! the element-wise functions `np.sqrt`, `np.abs`, `np.log`, `np.exp`, and
//! the reductions over the cell's observations `np.sum`, `np.mean`,
//! `np.median`, `np.min`, `np.max`, `np.var(x, ddof=d)`, `np.std(x,
//! ddof=d)`, `np.quantile(x, q)`, `np.percentile(x, q)`, `np.average(x,
//! weights=w)` and `len(x)` (`numpy.` works as `np.`; `sqrt`, `sum`, `abs`
//! and `len` may be written bare). For example `1.0 / s_li**2` gives one
//! value per observation and `1.0 / np.sqrt(np.sum(1.0 / s_li**2))` or
//! `np.percentile(h_li, 90) - np.median(h_li)` one value per cell. Anything
//! else is an [`ExprError`] at load time, naming it.
//!
//! Numerics follow numpy on float64 arrays: `x**2` is `x*x`, `x**0.5` is
//! `sqrt(x)`, `x**-1` is `1/x` (numpy's fast scalar powers), other powers use
//! `powf`; reductions are the [`crate::stats`] kernels (numpy's pairwise
//! summation, two-pass variance, selection quantiles). A reduction of a
//! per-cell value treats it as one observation, as numpy does with a 0-d
//! array (`np.sum` of it is the value itself). Division by zero gives ±∞ or
//! NaN as in numpy, not an error. `np.log` and `np.exp` are the platform's
//! libm functions, which may differ from numpy's own SIMD loops in the last
//! bit.

mod parse;

use crate::stats;
use parse::{Ast, BinOp, Func, Reduce};
use std::fmt;

/// A parse or type error in an expression, with the 1-based column where it
/// was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at column {column}: {message}")]
pub struct ExprError {
    /// 1-based character column in the expression text.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl ExprError {
    fn new(column: usize, message: String) -> ExprError {
        ExprError { column, message }
    }
}

/// A compiled expression node. Reductions are replaced by slots computed
/// once per cell ([`Expr::compute_slots`]).
#[derive(Debug, Clone)]
enum Node {
    Num(f64),
    Var(usize),
    Slot(usize),
    Neg(Box<Node>),
    Add(Box<Node>, Box<Node>),
    Sub(Box<Node>, Box<Node>),
    Mul(Box<Node>, Box<Node>),
    Div(Box<Node>, Box<Node>),
    Pow(Box<Node>, Box<Node>),
    Square(Box<Node>),
    Recip(Box<Node>),
    Sqrt(Box<Node>),
    Abs(Box<Node>),
    Log(Box<Node>),
    Exp(Box<Node>),
}

/// One reduction: computed once per cell into a slot.
#[derive(Debug, Clone)]
struct Reduction {
    op: Reduce,
    arg: Node,
    /// Whether `arg` differs per observation (else numpy's 0-d case: one value).
    per_point: bool,
    /// `average`'s weights (per observation).
    weights: Option<Node>,
}

/// Scratch space an expression evaluation reuses from cell to cell.
#[derive(Debug, Default)]
pub struct ExprScratch {
    slots: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
}

/// A parsed, name-resolved expression.
#[derive(Debug, Clone)]
pub struct Expr {
    root: Node,
    /// The reductions, innermost first.
    reductions: Vec<Reduction>,
    per_point: bool,
    variables: Vec<usize>,
    canonical: String,
}

impl Expr {
    /// Parses `text`; names must be among `names` (the source variables,
    /// whose positions become column indices).
    pub fn parse(text: &str, names: &[String]) -> Result<Expr, ExprError> {
        let ast = parse::parse(text, names)?;
        let mut reductions = Vec::new();
        let (root, per_point) = compile(&ast, &mut reductions);
        let mut variables = Vec::new();
        collect_vars(&ast, &mut variables);
        variables.sort_unstable();
        variables.dedup();
        let canonical = Canonical { ast: &ast, names }.to_string();
        Ok(Expr {
            root,
            reductions,
            per_point,
            variables,
            canonical,
        })
    }

    /// Whether the expression gives one value per observation (a source
    /// variable appears outside any reduction); otherwise one value per cell.
    pub fn is_per_point(&self) -> bool {
        self.per_point
    }

    /// Indices of the source variables the expression reads, ascending.
    pub fn variables(&self) -> &[usize] {
        &self.variables
    }

    /// A normalized spelling: fully parenthesized, `np.` dropped, numbers in
    /// shortest round-trip form, default arguments (`ddof=0`) left out.
    /// Equal meaning gives equal text.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// Evaluates every reduction over the `n` observations of one cell
    /// (`cols` are the cell's source columns) into the scratch's slots,
    /// innermost first.
    fn compute_slots(&self, cols: &[&[f64]], n: usize, s: &mut ExprScratch) {
        s.slots.clear();
        for r in &self.reductions {
            let value = if r.per_point {
                reduce_points(r, cols, n, s)
            } else {
                // numpy treats a 0-d value as one observation.
                let x = eval(&r.arg, cols, 0, &s.slots);
                s.a.clear();
                s.a.push(x);
                reduce_values(r.op, &mut s.a, &[])
            };
            s.slots.push(value);
        }
    }

    /// The per-cell value of a reducing expression (all variables inside
    /// reductions); `cols` are the cell's columns, `n` its observation count.
    pub fn eval_scalar(&self, cols: &[&[f64]], n: usize, scratch: &mut ExprScratch) -> f64 {
        self.compute_slots(cols, n, scratch);
        if self.per_point {
            // Only reached through misuse: a per-point expression has no
            // single value. numpy would return an array; give NaN.
            return f64::NAN;
        }
        eval(&self.root, cols, 0, &scratch.slots)
    }

    /// Per-observation values of the expression for one cell, written to
    /// `out` (cleared first). A reducing expression broadcasts its value.
    pub fn eval_points(
        &self,
        cols: &[&[f64]],
        n: usize,
        scratch: &mut ExprScratch,
        out: &mut Vec<f64>,
    ) {
        self.compute_slots(cols, n, scratch);
        out.clear();
        out.extend((0..n).map(|i| eval(&self.root, cols, i, &scratch.slots)));
    }
}

/// A reduction of a per-observation argument over the cell's `n` rows.
fn reduce_points(r: &Reduction, cols: &[&[f64]], n: usize, s: &mut ExprScratch) -> f64 {
    let slots = &s.slots;
    let at = |i| eval(&r.arg, cols, i, slots);
    match r.op {
        // Sums and means without a buffer (the same pairwise order).
        Reduce::Sum => stats::sum_by(n, at),
        Reduce::Mean => stats::sum_by(n, at) / n as f64,
        Reduce::Len => n as f64,
        op => {
            s.a.clear();
            s.a.extend((0..n).map(at));
            s.b.clear();
            if let Some(w) = &r.weights {
                s.b.extend((0..n).map(|i| eval(w, cols, i, slots)));
            }
            reduce_values(op, &mut s.a, &s.b)
        }
    }
}

/// A reduction of materialized values `x` (reordered by selections), with
/// `w` the weights of `average`.
fn reduce_values(op: Reduce, x: &mut [f64], w: &[f64]) -> f64 {
    match op {
        Reduce::Sum => stats::sum(x),
        Reduce::Mean => stats::mean(x),
        Reduce::Len => x.len() as f64,
        Reduce::Median => stats::median(x),
        Reduce::Min => stats::min(x),
        Reduce::Max => stats::max(x),
        Reduce::Var(ddof) => stats::var_ddof(x, ddof),
        Reduce::Std(ddof) => stats::std_ddof(x, ddof),
        Reduce::Quantile(q) => stats::quantile(x, q),
        Reduce::Percentile(p) => stats::percentile(x, p),
        Reduce::Average => stats::average(x, w),
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}

fn is_constant(node: &Node) -> bool {
    match node {
        Node::Num(_) => true,
        Node::Var(_) | Node::Slot(_) => false,
        Node::Neg(a)
        | Node::Square(a)
        | Node::Recip(a)
        | Node::Sqrt(a)
        | Node::Abs(a)
        | Node::Log(a)
        | Node::Exp(a) => is_constant(a),
        Node::Add(a, b) | Node::Sub(a, b) | Node::Mul(a, b) | Node::Div(a, b) | Node::Pow(a, b) => {
            is_constant(a) && is_constant(b)
        }
    }
}

/// Compiles `ast`; returns the node and whether it is per-point.
fn compile(ast: &Ast, reductions: &mut Vec<Reduction>) -> (Node, bool) {
    match ast {
        Ast::Num(v) => (Node::Num(*v), false),
        Ast::Var(i) => (Node::Var(*i), true),
        Ast::Neg(a) => {
            let (a, p) = compile(a, reductions);
            (Node::Neg(Box::new(a)), p)
        }
        Ast::Call(f, a) => {
            let (a, p) = compile(a, reductions);
            let a = Box::new(a);
            let node = match f {
                Func::Sqrt => Node::Sqrt(a),
                Func::Abs => Node::Abs(a),
                Func::Log => Node::Log(a),
                Func::Exp => Node::Exp(a),
            };
            (node, p)
        }
        Ast::Reduce(op, a, w) => {
            let (arg, per_point) = compile(a, reductions);
            if *op == Reduce::Sum && !per_point {
                // np.sum of a 0-d value is the value itself.
                return (arg, false);
            }
            let weights = w.as_ref().map(|w| compile(w, reductions).0);
            reductions.push(Reduction {
                op: *op,
                arg,
                per_point,
                weights,
            });
            (Node::Slot(reductions.len() - 1), false)
        }
        Ast::Bin(op, a, b) => {
            let (a, pa) = compile(a, reductions);
            let (b, pb) = compile(b, reductions);
            let (a, b) = (Box::new(a), Box::new(b));
            let node = match op {
                BinOp::Add => Node::Add(a, b),
                BinOp::Sub => Node::Sub(a, b),
                BinOp::Mul => Node::Mul(a, b),
                BinOp::Div => Node::Div(a, b),
                BinOp::Pow => power(a, b),
            };
            (node, pa || pb)
        }
    }
}

/// numpy's `fast_scalar_power`: exponents 2, 0.5, -1 and 1 do not call `pow`.
fn power(base: Box<Node>, exp: Box<Node>) -> Node {
    if is_constant(&exp) {
        let e = eval(&exp, &[], 0, &[]);
        if e == 2.0 {
            return Node::Square(base);
        } else if e == 0.5 {
            return Node::Sqrt(base);
        } else if e == -1.0 {
            return Node::Recip(base);
        } else if e == 1.0 {
            return *base;
        }
    }
    Node::Pow(base, exp)
}

fn eval(node: &Node, cols: &[&[f64]], i: usize, slots: &[f64]) -> f64 {
    match node {
        Node::Num(v) => *v,
        Node::Var(k) => cols[*k][i],
        Node::Slot(k) => slots[*k],
        Node::Neg(a) => -eval(a, cols, i, slots),
        Node::Add(a, b) => eval(a, cols, i, slots) + eval(b, cols, i, slots),
        Node::Sub(a, b) => eval(a, cols, i, slots) - eval(b, cols, i, slots),
        Node::Mul(a, b) => eval(a, cols, i, slots) * eval(b, cols, i, slots),
        Node::Div(a, b) => eval(a, cols, i, slots) / eval(b, cols, i, slots),
        Node::Pow(a, b) => eval(a, cols, i, slots).powf(eval(b, cols, i, slots)),
        Node::Square(a) => {
            let x = eval(a, cols, i, slots);
            x * x
        }
        Node::Recip(a) => 1.0 / eval(a, cols, i, slots),
        Node::Sqrt(a) => eval(a, cols, i, slots).sqrt(),
        Node::Abs(a) => eval(a, cols, i, slots).abs(),
        Node::Log(a) => eval(a, cols, i, slots).ln(),
        Node::Exp(a) => eval(a, cols, i, slots).exp(),
    }
}

fn collect_vars(ast: &Ast, out: &mut Vec<usize>) {
    match ast {
        Ast::Num(_) => {}
        Ast::Var(i) => out.push(*i),
        Ast::Neg(a) | Ast::Call(_, a) => collect_vars(a, out),
        Ast::Reduce(_, a, w) => {
            collect_vars(a, out);
            if let Some(w) = w {
                collect_vars(w, out);
            }
        }
        Ast::Bin(_, a, b) => {
            collect_vars(a, out);
            collect_vars(b, out);
        }
    }
}

struct Canonical<'a> {
    ast: &'a Ast,
    names: &'a [String],
}

impl fmt::Display for Canonical<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sub = |ast| Canonical {
            ast,
            names: self.names,
        };
        match self.ast {
            Ast::Num(v) => write!(f, "{v:?}"),
            Ast::Var(i) => f.write_str(&self.names[*i]),
            Ast::Neg(a) => write!(f, "(-{})", sub(a)),
            Ast::Call(func, a) => write!(f, "{}({})", func.name(), sub(a)),
            Ast::Reduce(op, arg, weights) => {
                write!(f, "{}({}", op.name(), sub(arg))?;
                match op {
                    Reduce::Var(d) | Reduce::Std(d) if *d != 0.0 => write!(f, ", ddof={d:?}")?,
                    Reduce::Quantile(q) | Reduce::Percentile(q) => write!(f, ", {q:?}")?,
                    _ => {}
                }
                if let Some(w) = weights {
                    write!(f, ", weights={}", sub(w))?;
                }
                f.write_str(")")
            }
            Ast::Bin(op, a, b) => write!(f, "({} {} {})", sub(a), op.symbol(), sub(b)),
        }
    }
}

#[cfg(test)]
mod tests;
