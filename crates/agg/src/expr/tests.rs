use super::*;

fn names() -> Vec<String> {
    vec!["h_li".to_string(), "s_li".to_string()]
}

fn err(text: &str) -> ExprError {
    Expr::parse(text, &names()).unwrap_err()
}

#[test]
fn atl06_expressions_parse() {
    let w = Expr::parse("1.0 / s_li**2", &names()).unwrap();
    assert!(w.is_per_point());
    assert_eq!(w.canonical(), "(1.0 / (s_li ** 2.0))");
    assert_eq!(w.variables(), &[1]);
    let s = Expr::parse("1.0 / np.sqrt(np.sum(1.0 / s_li**2))", &names()).unwrap();
    assert!(!s.is_per_point());
    assert_eq!(s.canonical(), "(1.0 / sqrt(sum((1.0 / (s_li ** 2.0)))))");
}

#[test]
fn precedence_follows_python() {
    let n = names();
    let canon = |t: &str| Expr::parse(t, &n).unwrap().canonical().to_string();
    assert_eq!(canon("-h_li**2"), "(-(h_li ** 2.0))");
    assert_eq!(canon("2**3**2"), "(2.0 ** (3.0 ** 2.0))");
    assert_eq!(canon("2**-1"), "(2.0 ** (-1.0))");
    assert_eq!(canon("1 - 2 - 3"), "((1.0 - 2.0) - 3.0)");
    assert_eq!(canon("1 + 2 * 3 / 4"), "(1.0 + ((2.0 * 3.0) / 4.0))");
    assert_eq!(canon("+h_li"), "h_li");
    assert_eq!(canon(".5e1 + 1e-3"), "(5.0 + 0.001)");
}

#[test]
fn evaluates_like_numpy_scalars() {
    let n = names();
    let h = [1.0, 2.0, 4.0];
    let s = [0.5, 0.25, 2.0];
    let cols: [&[f64]; 2] = [&h, &s];
    let mut slots = Vec::new();
    let mut out = Vec::new();
    let e = Expr::parse("2**3**2 - h_li * -s_li", &n).unwrap();
    e.eval_points(&cols, 3, &mut slots, &mut out);
    assert_eq!(out, vec![512.5, 512.5, 520.0]);
    let e = Expr::parse("sum(h_li) / sum(1)", &n).unwrap();
    assert_eq!(e.eval_scalar(&cols, 3, &mut slots), 7.0);
    let e = Expr::parse("h_li - sum(h_li)", &n).unwrap();
    e.eval_points(&cols, 3, &mut slots, &mut out);
    assert_eq!(out, vec![-6.0, -5.0, -3.0]);
    let e = Expr::parse("sum(sum(h_li) * s_li)", &n).unwrap();
    assert_eq!(e.eval_scalar(&cols, 3, &mut slots), 7.0 * 2.75);
    let e = Expr::parse("1 / (h_li - 1)", &n).unwrap();
    e.eval_points(&cols, 3, &mut slots, &mut out);
    assert_eq!(out[0], f64::INFINITY);
}

#[test]
fn errors_say_what_and_where() {
    let e = err("1.0 / np.exp(s_li)");
    assert_eq!(e.column, 7);
    assert!(e.message.contains("unknown function `np.exp`"), "{e}");
    let e = err("h_li + x");
    assert_eq!(e.column, 8);
    assert!(
        e.message.contains("unknown name `x`") && e.message.contains("h_li, s_li"),
        "{e}"
    );
    assert!(err("(h_li + 1").message.contains("expected `)`"));
    assert!(err("h_li +").message.contains("ends where a value"));
    assert!(err("h_li h_li").message.contains("unexpected name"));
    assert!(err("h_li % 2").message.contains("unexpected character `%`"));
    assert!(err("sum(h_li, s_li)").message.contains("`,`"));
    assert!(err("np.sqrt").message.contains("must be called"));
    assert!(err("h_li(2)").message.contains("unknown function `h_li`"));
    assert!(err("").message.contains("empty"));
    assert!(err("1.2.3").message.contains("malformed number"));
    assert!(
        err("h_li == 0")
            .message
            .contains("unexpected character `=`")
    );
    assert!(err("h_li * * 2").message.contains("expected a value"));
    let deep = format!("{}h_li{}", "(".repeat(100), ")".repeat(100));
    assert!(err(&deep).message.contains("nested deeper"));
}
