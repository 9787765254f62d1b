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
    let mut slots = ExprScratch::default();
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
fn numpy_functions_parse_to_one_canonical_spelling() {
    let n = names();
    let canon = |t: &str| Expr::parse(t, &n).unwrap().canonical().to_string();
    assert_eq!(canon("np.std(h_li, ddof=1)"), "std(h_li, ddof=1.0)");
    assert_eq!(canon("numpy.std(h_li, ddof=0)"), "std(h_li)");
    assert_eq!(
        canon("np.quantile(h_li, q=0.25)"),
        canon("np.quantile(h_li, 0.25)")
    );
    assert_eq!(canon("np.percentile(h_li, 90)"), "percentile(h_li, 90.0)");
    assert_eq!(canon("np.average(h_li)"), "mean(h_li)");
    assert_eq!(
        canon("np.average(h_li, weights=1/s_li**2)"),
        "average(h_li, weights=(1.0 / (s_li ** 2.0)))"
    );
    assert_eq!(
        canon("abs(np.log(h_li)) + np.exp(-h_li)"),
        "(abs(log(h_li)) + exp((-h_li)))"
    );
    assert_eq!(canon("len(h_li,)"), "len(h_li)");
    assert_eq!(canon("np.var(h_li, ddof=1/2)"), "var(h_li, ddof=0.5)");
    for t in [
        "np.median(h_li)",
        "np.max(h_li) - np.min(h_li)",
        "np.mean(h_li**2)",
    ] {
        let e = Expr::parse(t, &n).unwrap();
        assert!(!e.is_per_point(), "{t}");
    }
    assert!(
        Expr::parse("h_li - np.median(h_li)", &n)
            .unwrap()
            .is_per_point()
    );
}

#[test]
fn reductions_evaluate_like_numpy_on_small_cells() {
    let n = names();
    let h = [4.0, 1.0, 3.0, 2.0];
    let s = [1.0, 2.0, 1.0, 2.0];
    let cols: [&[f64]; 2] = [&h, &s];
    let mut scratch = ExprScratch::default();
    let v = |t: &str, scratch: &mut ExprScratch| {
        Expr::parse(t, &n).unwrap().eval_scalar(&cols, 4, scratch)
    };
    assert_eq!(v("np.median(h_li)", &mut scratch), 2.5);
    assert_eq!(v("np.mean(h_li)", &mut scratch), 2.5);
    assert_eq!(v("np.var(h_li)", &mut scratch), 1.25);
    assert_eq!(v("np.var(h_li, ddof=1)", &mut scratch), 5.0 / 3.0);
    assert_eq!(
        v("np.std(h_li, ddof=1)", &mut scratch),
        (5.0f64 / 3.0).sqrt()
    );
    assert_eq!(v("np.quantile(h_li, 0.25)", &mut scratch), 1.75);
    assert_eq!(v("np.percentile(h_li, 25)", &mut scratch), 1.75);
    assert_eq!(v("np.min(h_li) + np.max(h_li)", &mut scratch), 5.0);
    assert_eq!(v("len(h_li)", &mut scratch), 4.0);
    assert_eq!(
        v("np.average(h_li, weights=s_li)", &mut scratch),
        13.0 / 6.0
    );
    // Nested: the variance written out.
    assert_eq!(
        v(
            "np.sum((h_li - np.mean(h_li))**2) / len(h_li)",
            &mut scratch
        ),
        1.25
    );
    // A per-cell argument is one observation, as numpy's 0-d arrays.
    assert_eq!(v("np.median(np.sum(h_li))", &mut scratch), 10.0);
    assert_eq!(v("np.var(np.sum(h_li))", &mut scratch), 0.0);
    assert!(v("np.var(np.sum(h_li), ddof=1)", &mut scratch).is_nan());
}

#[test]
fn errors_say_what_and_where() {
    let e = err("1.0 / np.foo(s_li)");
    assert_eq!(e.column, 7);
    assert!(e.message.contains("unknown function `np.foo`"), "{e}");
    assert!(e.message.contains("np.percentile"), "{e}");
    assert!(err("min(h_li)").message.contains("unknown function `min`"));
    assert!(err("np.nanmean(h_li)").message.contains("unknown function"));
    let e = err("np.std(h_li, axis=0)");
    assert!(
        e.message
            .contains("no supported keyword `axis` (supported: ddof)"),
        "{e}"
    );
    assert_eq!(e.column, 14);
    assert!(
        err("np.std(h_li, 1)")
            .message
            .contains("takes one positional")
    );
    assert!(err("np.quantile(h_li)").message.contains("needs `q`"));
    assert!(
        err("np.quantile(h_li, 1.5)")
            .message
            .contains("outside [0, 1]")
    );
    assert!(
        err("np.percentile(h_li, 101)")
            .message
            .contains("outside [0, 100]")
    );
    assert!(
        err("np.quantile(h_li, s_li)")
            .message
            .contains("must be a number")
    );
    assert!(
        err("np.quantile(h_li, 0.5, q=0.5)")
            .message
            .contains("once")
    );
    assert!(
        err("np.std(h_li, ddof=1, ddof=2)")
            .message
            .contains("twice")
    );
    assert!(
        err("np.std(ddof=1, h_li)")
            .message
            .contains("positional argument follows")
    );
    assert!(err("np.mean()").message.contains("needs an argument"));
    assert!(err("len(np.sum(h_li))").message.contains("per-cell value"));
    assert!(err("np.sqrt(h_li, s_li)").message.contains("one argument"));
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
    assert!(err("sum(h_li, s_li)").message.contains("one argument"));
    assert!(err("np.sqrt").message.contains("must be called"));
    assert!(err("h_li(2)").message.contains("unknown function `h_li`"));
    assert!(err("").message.contains("empty"));
    assert!(err("1.2.3").message.contains("malformed number"));
    assert!(err("h_li == 0").message.contains("comparisons"));
    assert!(err("h_li = 0").message.contains("unexpected `=`"));
    assert!(err("h_li * * 2").message.contains("expected a value"));
    let deep = format!("{}h_li{}", "(".repeat(100), ")".repeat(100));
    assert!(err(&deep).message.contains("nested deeper"));
    let long = vec!["h_li"; 5000].join(" + ");
    assert!(err(&long).message.contains("more than 1024 operators"));
    assert!(Expr::parse(&vec!["h_li"; 1000].join(" * "), &names()).is_ok());
}
