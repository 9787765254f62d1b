//! Arithmetic expressions over source variables, evaluated as numpy would.
//!
//! The language is the small subset of Python/numpy that pipeline configs
//! use: numbers, source-variable names, `+ - * / **`, unary minus,
//! parentheses, `sqrt`/`np.sqrt` (element-wise) and `sum`/`np.sum` (a
//! reduction over the cell's observations). For example `1.0 / s_li**2`
//! gives one value per observation and `1.0 / np.sqrt(np.sum(1.0 /
//! s_li**2))` one value per cell. Anything else is an [`ExprError`] at load
//! time.
//!
//! Numerics follow numpy on float64 arrays: `x**2` is `x*x`, `x**0.5` is
//! `sqrt(x)`, `x**-1` is `1/x` (numpy's fast scalar powers), other powers use
//! `powf`; `sum` is numpy's pairwise summation ([`crate::stats::sum_by`]).
//! Division by zero gives ±∞ or NaN as in numpy, not an error.

mod parse;

use crate::stats;
use parse::{Ast, BinOp, Func};
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
}

/// A parsed, name-resolved expression.
#[derive(Debug, Clone)]
pub struct Expr {
    root: Node,
    /// Arguments of the `sum` reductions, innermost first.
    sums: Vec<Node>,
    per_point: bool,
    variables: Vec<usize>,
    canonical: String,
}

impl Expr {
    /// Parses `text`; names must be among `names` (the source variables,
    /// whose positions become column indices).
    pub fn parse(text: &str, names: &[String]) -> Result<Expr, ExprError> {
        let ast = parse::parse(text, names)?;
        let mut sums = Vec::new();
        let (root, per_point) = compile(&ast, &mut sums);
        let mut variables = Vec::new();
        collect_vars(&ast, &mut variables);
        variables.sort_unstable();
        variables.dedup();
        let canonical = Canonical { ast: &ast, names }.to_string();
        Ok(Expr {
            root,
            sums,
            per_point,
            variables,
            canonical,
        })
    }

    /// Whether the expression gives one value per observation (a source
    /// variable appears outside any `sum`); otherwise one value per cell.
    pub fn is_per_point(&self) -> bool {
        self.per_point
    }

    /// Indices of the source variables the expression reads, ascending.
    pub fn variables(&self) -> &[usize] {
        &self.variables
    }

    /// A normalized spelling: fully parenthesized, `np.` dropped, numbers in
    /// shortest round-trip form. Equal meaning gives equal text.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// Evaluates every `sum` over the `n` observations of one cell (`cols`
    /// are the cell's source columns) into `slots`, innermost first.
    pub(crate) fn compute_slots(&self, cols: &[&[f64]], n: usize, slots: &mut Vec<f64>) {
        slots.clear();
        for arg in &self.sums {
            let value = stats::sum_by(n, |i| eval(arg, cols, i, slots));
            slots.push(value);
        }
    }

    /// The per-cell value of a reducing expression (all variables inside
    /// `sum`); `cols` are the cell's columns, `n` its observation count.
    /// `slots` is scratch space reused between calls.
    pub fn eval_scalar(&self, cols: &[&[f64]], n: usize, slots: &mut Vec<f64>) -> f64 {
        self.compute_slots(cols, n, slots);
        if self.per_point {
            // Only reached through misuse: a per-point expression has no
            // single value. numpy would return an array; give NaN.
            return f64::NAN;
        }
        eval(&self.root, cols, 0, slots)
    }

    /// Per-observation values of the expression for one cell, written to
    /// `out` (cleared first). A reducing expression broadcasts its value.
    pub fn eval_points(&self, cols: &[&[f64]], n: usize, slots: &mut Vec<f64>, out: &mut Vec<f64>) {
        self.compute_slots(cols, n, slots);
        out.clear();
        out.extend((0..n).map(|i| eval(&self.root, cols, i, slots)));
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
        Node::Neg(a) | Node::Square(a) | Node::Recip(a) | Node::Sqrt(a) => is_constant(a),
        Node::Add(a, b) | Node::Sub(a, b) | Node::Mul(a, b) | Node::Div(a, b) | Node::Pow(a, b) => {
            is_constant(a) && is_constant(b)
        }
    }
}

/// Compiles `ast`; returns the node and whether it is per-point.
fn compile(ast: &Ast, sums: &mut Vec<Node>) -> (Node, bool) {
    match ast {
        Ast::Num(v) => (Node::Num(*v), false),
        Ast::Var(i) => (Node::Var(*i), true),
        Ast::Neg(a) => {
            let (a, p) = compile(a, sums);
            (Node::Neg(Box::new(a)), p)
        }
        Ast::Call(Func::Sqrt, a) => {
            let (a, p) = compile(a, sums);
            (Node::Sqrt(Box::new(a)), p)
        }
        Ast::Call(Func::Sum, a) => {
            let (a, p) = compile(a, sums);
            if !p {
                // np.sum of a scalar is the scalar itself.
                return (a, false);
            }
            sums.push(a);
            (Node::Slot(sums.len() - 1), false)
        }
        Ast::Bin(op, a, b) => {
            let (a, pa) = compile(a, sums);
            let (b, pb) = compile(b, sums);
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
    }
}

fn collect_vars(ast: &Ast, out: &mut Vec<usize>) {
    match ast {
        Ast::Num(_) => {}
        Ast::Var(i) => out.push(*i),
        Ast::Neg(a) | Ast::Call(_, a) => collect_vars(a, out),
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
            Ast::Bin(op, a, b) => write!(f, "({} {} {})", sub(a), op.symbol(), sub(b)),
        }
    }
}

#[cfg(test)]
mod tests;
