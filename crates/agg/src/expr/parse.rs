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
//! primary := NUMBER | NAME | FUNC '(' expr ')' | '(' expr ')'
//! ```

use super::ExprError;

/// Maximum nesting (parentheses, calls, unary signs) before refusing.
const MAX_DEPTH: usize = 64;

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

/// A supported function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    /// Element-wise square root (`sqrt`, `np.sqrt`).
    Sqrt,
    /// Reduction over the cell's observations (`sum`, `np.sum`).
    Sum,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        match name {
            "sqrt" | "np.sqrt" | "numpy.sqrt" => Some(Func::Sqrt),
            "sum" | "np.sum" | "numpy.sum" => Some(Func::Sum),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Func::Sqrt => "sqrt",
            Func::Sum => "sum",
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
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Op(BinOp),
    LParen,
    RParen,
    Comma,
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
            _ => {
                return Err(ExprError::new(
                    col,
                    format!(
                        "unexpected character `{c}` (allowed: numbers, names, + - * / ** and parentheses)"
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
    names: &'a [String],
}

/// Parses `text`, resolving names against `names` (the source variables).
pub(crate) fn parse(text: &str, names: &[String]) -> Result<Ast, ExprError> {
    let toks = tokenize(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
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
        Tok::Comma => "`,` (functions take one argument)".to_string(),
        Tok::End => "end of expression".to_string(),
    }
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

    fn expr(&mut self) -> Result<Ast, ExprError> {
        let mut lhs = self.term()?;
        while let Tok::Op(op @ (BinOp::Add | BinOp::Sub)) = *self.peek() {
            self.next();
            let rhs = self.term()?;
            lhs = Ast::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn term(&mut self) -> Result<Ast, ExprError> {
        let mut lhs = self.factor()?;
        while let Tok::Op(op @ (BinOp::Mul | BinOp::Div)) = *self.peek() {
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
                    let Some(func) = Func::from_name(&name) else {
                        return Err(ExprError::new(
                            col,
                            format!(
                                "unknown function `{name}` (supported: sqrt, np.sqrt, sum, np.sum)"
                            ),
                        ));
                    };
                    let open = self.col();
                    self.next();
                    self.enter()?;
                    let arg = self.expr()?;
                    self.depth -= 1;
                    self.close(open)?;
                    return Ok(Ast::Call(func, Box::new(arg)));
                }
                if Func::from_name(&name).is_some() {
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
