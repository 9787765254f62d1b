//! Tokenizer and recursive-descent parser for the expression language.
//!
//! Grammar (Python's precedence: `**` binds tighter than unary minus and is
//! right-associative, so `-x**2` is `-(x**2)` and `2**-1` is allowed):
//!
//! ```text
//! expr    := term (('+' | '-') term)*
//! term    := factor (('*' | '/') factor)*
//! factor  := ('+' | '-') factor | power
//! power   := primary ('**' factor)?
//! primary := NUMBER | NAME | FUNC '(' args ')' | '(' expr ')'
//! args    := arg (',' arg)* ','?
//! arg     := expr | NAME '=' expr
//! ```
//!
//! Functions (the [`FUNCTIONS`] table) are numpy's, spelled `np.NAME` or
//! `numpy.NAME`; `sqrt`, `sum`, `abs` and `len` may also be written bare.

use super::ExprError;

/// Maximum nesting (parentheses, calls, unary signs) before refusing.
const MAX_DEPTH: usize = 64;

/// Maximum binary operators: a chain `a + b + c + …` nests one level per
/// operator in the tree (compiled and evaluated recursively).
const MAX_OPERATORS: usize = 1024;

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl BinOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "**",
        }
    }
}

/// An element-wise function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    /// `np.sqrt`.
    Sqrt,
    /// `np.abs` (and the builtin `abs`).
    Abs,
    /// `np.log` (natural).
    Log,
    /// `np.exp`.
    Exp,
}

impl Func {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Log => "log",
            Func::Exp => "exp",
        }
    }
}

/// A reduction over the cell's observations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Reduce {
    /// `np.sum`.
    Sum,
    /// `np.mean`.
    Mean,
    /// `np.median`.
    Median,
    /// `np.min`.
    Min,
    /// `np.max`.
    Max,
    /// `len`: the number of observations.
    Len,
    /// `np.var(x, ddof=d)`.
    Var(f64),
    /// `np.std(x, ddof=d)`.
    Std(f64),
    /// `np.quantile(x, q)`, linear.
    Quantile(f64),
    /// `np.percentile(x, q)`: `np.quantile(x, q / 100)`.
    Percentile(f64),
    /// `np.average(x, weights=w)` (the weights are the node's second operand).
    Average,
}

impl Reduce {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Reduce::Sum => "sum",
            Reduce::Mean => "mean",
            Reduce::Median => "median",
            Reduce::Min => "min",
            Reduce::Max => "max",
            Reduce::Len => "len",
            Reduce::Var(_) => "var",
            Reduce::Std(_) => "std",
            Reduce::Quantile(_) => "quantile",
            Reduce::Percentile(_) => "percentile",
            Reduce::Average => "average",
        }
    }
}

/// The syntax tree; names are already resolved to source-variable indices.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ast {
    Num(f64),
    Var(usize),
    Neg(Box<Ast>),
    Bin(BinOp, Box<Ast>, Box<Ast>),
    Call(Func, Box<Ast>),
    /// A reduction of its first operand (`average`: weighted by the second).
    Reduce(Reduce, Box<Ast>, Option<Box<Ast>>),
}

impl Ast {
    /// Whether the value differs per observation: a variable outside any
    /// reduction.
    pub(crate) fn per_point(&self) -> bool {
        match self {
            Ast::Num(_) | Ast::Reduce(..) => false,
            Ast::Var(_) => true,
            Ast::Neg(a) | Ast::Call(_, a) => a.per_point(),
            Ast::Bin(_, a, b) => a.per_point() || b.per_point(),
        }
    }

    /// The value of an expression without variables or reductions.
    fn constant(&self) -> Option<f64> {
        Some(match self {
            Ast::Num(v) => *v,
            Ast::Var(_) | Ast::Reduce(..) => return None,
            Ast::Neg(a) => -a.constant()?,
            Ast::Call(f, a) => {
                let x = a.constant()?;
                match f {
                    Func::Sqrt => x.sqrt(),
                    Func::Abs => x.abs(),
                    Func::Log => x.ln(),
                    Func::Exp => x.exp(),
                }
            }
            Ast::Bin(op, a, b) => {
                let (x, y) = (a.constant()?, b.constant()?);
                match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                    BinOp::Pow => x.powf(y),
                }
            }
        })
    }
}

/// What a call needs besides its first argument.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// Element-wise, one argument.
    Map(Func),
    /// A reduction of one argument.
    One(fn() -> Reduce),
    /// `var` / `std`: optional `ddof=` (default 0).
    Ddof(fn(f64) -> Reduce),
    /// `quantile` / `percentile`: `q` second, or `q=`; (upper bound of q).
    Q(fn(f64) -> Reduce, f64),
    /// `average`: optional `weights=`.
    Average,
}

/// The supported functions: (spelling without `np.`, may be written bare,
/// shape).
const FUNCTIONS: [(&str, bool, Shape); 15] = [
    ("sum", true, Shape::One(|| Reduce::Sum)),
    ("mean", false, Shape::One(|| Reduce::Mean)),
    ("median", false, Shape::One(|| Reduce::Median)),
    ("min", false, Shape::One(|| Reduce::Min)),
    ("max", false, Shape::One(|| Reduce::Max)),
    ("len", true, Shape::One(|| Reduce::Len)),
    ("var", false, Shape::Ddof(Reduce::Var)),
    ("std", false, Shape::Ddof(Reduce::Std)),
    ("quantile", false, Shape::Q(Reduce::Quantile, 1.0)),
    ("percentile", false, Shape::Q(Reduce::Percentile, 100.0)),
    ("average", false, Shape::Average),
    ("sqrt", true, Shape::Map(Func::Sqrt)),
    ("abs", true, Shape::Map(Func::Abs)),
    ("log", false, Shape::Map(Func::Log)),
    ("exp", false, Shape::Map(Func::Exp)),
];

/// The documented list, for error messages.
pub(crate) const SUPPORTED: &str = "np.sum, np.mean, np.median, np.min, np.max, np.var, np.std, \
     np.quantile, np.percentile, np.average, np.sqrt, np.abs, np.log, np.exp (also numpy.NAME), \
     and bare sqrt, sum, abs, len";

/// The function a call spelling names, if supported.
fn function(name: &str) -> Option<Shape> {
    let (bare, base) = match name
        .strip_prefix("np.")
        .or_else(|| name.strip_prefix("numpy."))
    {
        Some(rest) => (false, rest),
        None => (true, name),
    };
    FUNCTIONS
        .iter()
        .find(|(n, may_be_bare, _)| *n == base && (!bare || *may_be_bare))
        .map(|(_, _, shape)| *shape)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Op(BinOp),
    LParen,
    RParen,
    Comma,
    Assign,
    End,
}

/// A token and the 1-based character column where it starts.
type Spanned = (Tok, usize);

fn tokenize(text: &str) -> Result<Vec<Spanned>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let lexeme: String = chars[start..i].iter().collect();
            let value = lexeme
                .parse::<f64>()
                .map_err(|_| ExprError::new(col, format!("malformed number `{lexeme}`")))?;
            out.push((Tok::Num(value), col));
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            out.push((Tok::Name(name), col));
            continue;
        }
        let tok = match c {
            '+' => Tok::Op(BinOp::Add),
            '-' => Tok::Op(BinOp::Sub),
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 1;
                Tok::Op(BinOp::Pow)
            }
            '*' => Tok::Op(BinOp::Mul),
            '/' => Tok::Op(BinOp::Div),
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '=' if chars.get(i + 1) == Some(&'=') => {
                return Err(ExprError::new(
                    col,
                    "comparisons (`==`) are not supported in expressions (use `filters` to select observations)"
                        .to_string(),
                ));
            }
            '=' => Tok::Assign,
            _ => {
                return Err(ExprError::new(
                    col,
                    format!(
                        "unexpected character `{c}` (allowed: numbers, names, + - * / **, parentheses and function calls)"
                    ),
                ));
            }
        };
        out.push((tok, col));
        i += 1;
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Spanned>,
    pos: usize,
    depth: usize,
    operators: usize,
    names: &'a [String],
}

/// Parses `text`, resolving names against `names` (the source variables).
pub(crate) fn parse(text: &str, names: &[String]) -> Result<Ast, ExprError> {
    let toks = tokenize(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        operators: 0,
        names,
    };
    if p.peek() == &Tok::End {
        return Err(ExprError::new(1, "empty expression".to_string()));
    }
    let ast = p.expr()?;
    match p.toks[p.pos].clone() {
        (Tok::End, _) => Ok(ast),
        (tok, col) => Err(ExprError::new(
            col,
            format!("unexpected {} after a complete expression", describe(&tok)),
        )),
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Num(v) => format!("number `{v}`"),
        Tok::Name(n) => format!("name `{n}`"),
        Tok::Op(op) => format!("operator `{}`", op.symbol()),
        Tok::LParen => "`(`".to_string(),
        Tok::RParen => "`)`".to_string(),
        Tok::Comma => "`,`".to_string(),
        Tok::Assign => "`=`".to_string(),
        Tok::End => "end of expression".to_string(),
    }
}

/// A call's arguments: positional (with columns), then keywords.
struct Args {
    positional: Vec<(Ast, usize)>,
    keywords: Vec<(String, Ast, usize)>,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn col(&self) -> usize {
        self.toks[self.pos].1
    }

    fn next(&mut self) -> Spanned {
        let t = self.toks[self.pos].clone();
        if t.0 != Tok::End {
            self.pos += 1;
        }
        t
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::new(
                self.col(),
                format!("expression nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    /// Counts one more binary operator, refusing too many.
    fn operator(&mut self) -> Result<(), ExprError> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            return Err(ExprError::new(
                self.col(),
                format!("expression has more than {MAX_OPERATORS} operators"),
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Ast, ExprError> {
        let mut lhs = self.term()?;
        while let Tok::Op(op @ (BinOp::Add | BinOp::Sub)) = *self.peek() {
            self.operator()?;
            self.next();
            let rhs = self.term()?;
            lhs = Ast::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn term(&mut self) -> Result<Ast, ExprError> {
        let mut lhs = self.factor()?;
        while let Tok::Op(op @ (BinOp::Mul | BinOp::Div)) = *self.peek() {
            self.operator()?;
            self.next();
            let rhs = self.factor()?;
            lhs = Ast::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn factor(&mut self) -> Result<Ast, ExprError> {
        match self.peek() {
            Tok::Op(BinOp::Sub) => {
                self.next();
                self.enter()?;
                let inner = self.factor()?;
                self.depth -= 1;
                Ok(Ast::Neg(Box::new(inner)))
            }
            Tok::Op(BinOp::Add) => {
                self.next();
                self.enter()?;
                let inner = self.factor()?;
                self.depth -= 1;
                Ok(inner)
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Ast, ExprError> {
        let base = self.primary()?;
        if *self.peek() == Tok::Op(BinOp::Pow) {
            self.next();
            self.enter()?;
            let exp = self.factor()?;
            self.depth -= 1;
            return Ok(Ast::Bin(BinOp::Pow, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Ast, ExprError> {
        let (tok, col) = self.next();
        match tok {
            Tok::Num(v) => Ok(Ast::Num(v)),
            Tok::LParen => {
                self.enter()?;
                let inner = self.expr()?;
                self.depth -= 1;
                self.close(col)?;
                Ok(inner)
            }
            Tok::Name(name) => {
                if *self.peek() == Tok::LParen {
                    let Some(shape) = function(&name) else {
                        return Err(ExprError::new(
                            col,
                            format!("unknown function `{name}` (supported: {SUPPORTED})"),
                        ));
                    };
                    let open = self.col();
                    self.next();
                    self.enter()?;
                    let args = self.args(open)?;
                    self.depth -= 1;
                    return call(&name, col, shape, args);
                }
                if function(&name).is_some() {
                    return Err(ExprError::new(
                        col,
                        format!("function `{name}` must be called: `{name}(...)`"),
                    ));
                }
                match self.names.iter().position(|n| *n == name) {
                    Some(i) => Ok(Ast::Var(i)),
                    None => Err(ExprError::new(
                        col,
                        format!(
                            "unknown name `{name}` (source variables: {})",
                            if self.names.is_empty() {
                                "none".to_string()
                            } else {
                                self.names.join(", ")
                            }
                        ),
                    )),
                }
            }
            Tok::End => Err(ExprError::new(
                col,
                "expression ends where a value was expected".to_string(),
            )),
            other => Err(ExprError::new(
                col,
                format!("expected a value, found {}", describe(&other)),
            )),
        }
    }

    /// The arguments after `(` (at column `open`), through the closing `)`.
    fn args(&mut self, open: usize) -> Result<Args, ExprError> {
        let mut args = Args {
            positional: Vec::new(),
            keywords: Vec::new(),
        };
        loop {
            if *self.peek() == Tok::RParen {
                break;
            }
            let col = self.col();
            let keyword = match (self.peek().clone(), self.toks.get(self.pos + 1)) {
                (Tok::Name(k), Some((Tok::Assign, _))) => {
                    self.next();
                    self.next();
                    Some(k)
                }
                _ => None,
            };
            let value = self.expr()?;
            match keyword {
                Some(k) => {
                    if args.keywords.iter().any(|(n, ..)| *n == k) {
                        return Err(ExprError::new(col, format!("keyword `{k}` given twice")));
                    }
                    args.keywords.push((k, value, col));
                }
                None if !args.keywords.is_empty() => {
                    return Err(ExprError::new(
                        col,
                        "a positional argument follows a keyword argument".to_string(),
                    ));
                }
                None => args.positional.push((value, col)),
            }
            if *self.peek() != Tok::Comma {
                break;
            }
            self.next();
        }
        self.close(open)?;
        Ok(args)
    }

    fn close(&mut self, open_col: usize) -> Result<(), ExprError> {
        match self.next() {
            (Tok::RParen, _) => Ok(()),
            (tok, col) => Err(ExprError::new(
                col,
                format!(
                    "expected `)` to close the `(` at column {open_col}, found {}",
                    describe(&tok)
                ),
            )),
        }
    }
}

/// Builds the node of a call to `name` (at column `col`) from its
/// arguments, checking their number, keywords and constant parameters.
fn call(name: &str, col: usize, shape: Shape, args: Args) -> Result<Ast, ExprError> {
    let Args {
        positional,
        mut keywords,
    } = args;
    let mut positional = positional.into_iter();
    let Some((x, _)) = positional.next() else {
        return Err(ExprError::new(
            col,
            format!("`{name}(...)` needs an argument"),
        ));
    };
    let rest: Vec<(Ast, usize)> = positional.collect();
    let mut take = |key: &str| {
        keywords
            .iter()
            .position(|(k, ..)| k == key)
            .map(|i| keywords.remove(i))
    };
    let constant = |what: &str, (value, vcol): (Ast, usize)| {
        value.constant().filter(|v| !v.is_nan()).ok_or_else(|| {
            ExprError::new(
                vcol,
                format!("`{what}` of `{name}` must be a number (a constant, not NaN)"),
            )
        })
    };
    let too_many = |allowed: &str| {
        rest.first().map_or(Ok(()), |(_, c)| {
            Err(ExprError::new(
                *c,
                format!(
                    "`{name}` takes {allowed} here (numpy's other arguments are not supported)"
                ),
            ))
        })
    };
    let ast = match shape {
        Shape::Map(f) => {
            too_many("one argument")?;
            Ast::Call(f, Box::new(x))
        }
        Shape::One(r) => {
            too_many("one argument")?;
            let r = r();
            if r == Reduce::Len && !x.per_point() {
                return Err(ExprError::new(
                    col,
                    format!(
                        "`{name}` of a per-cell value (len needs the observations: `len(h_li)`)"
                    ),
                ));
            }
            Ast::Reduce(r, Box::new(x), None)
        }
        Shape::Ddof(r) => {
            too_many("one positional argument and `ddof=`")?;
            let ddof = match take("ddof") {
                Some((_, v, c)) => constant("ddof", (v, c))?,
                None => 0.0,
            };
            Ast::Reduce(r(ddof), Box::new(x), None)
        }
        Shape::Q(r, top) => {
            let q = match (rest.len(), take("q")) {
                (0, Some((_, v, c))) => (constant("q", (v, c))?, c),
                (1, None) => {
                    let (v, c) = rest.into_iter().next().expect("one");
                    (constant("q", (v, c))?, c)
                }
                (0, None) => {
                    return Err(ExprError::new(
                        col,
                        format!("`{name}` needs `q` (e.g. `{name}(x, {})`)", top / 4.0),
                    ));
                }
                _ => {
                    return Err(ExprError::new(
                        col,
                        format!("`{name}` takes `q` once, as its second argument or `q=`"),
                    ));
                }
            };
            if !(0.0..=top).contains(&q.0) {
                return Err(ExprError::new(
                    q.1,
                    format!("`q` of `{name}` is {}, outside [0, {top}]", q.0),
                ));
            }
            Ast::Reduce(r(q.0), Box::new(x), None)
        }
        Shape::Average => {
            too_many("one positional argument and `weights=`")?;
            match take("weights") {
                None => Ast::Reduce(Reduce::Mean, Box::new(x), None),
                Some((_, w, c)) => {
                    if !x.per_point() || !w.per_point() {
                        return Err(ExprError::new(
                            c,
                            format!(
                                "`{name}` with weights needs per-observation values and weights"
                            ),
                        ));
                    }
                    Ast::Reduce(Reduce::Average, Box::new(x), Some(Box::new(w)))
                }
            }
        }
    };
    if let Some((k, _, c)) = keywords.first() {
        let known = match shape {
            Shape::Ddof(_) => " (supported: ddof)",
            Shape::Q(..) => " (supported: q)",
            Shape::Average => " (supported: weights)",
            Shape::Map(_) | Shape::One(_) => "",
        };
        return Err(ExprError::new(
            *c,
            format!("`{name}` has no supported keyword `{k}`{known}"),
        ));
    }
    Ok(ast)
}
