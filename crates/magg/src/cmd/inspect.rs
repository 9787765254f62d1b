//! `magg inspect`: the tree of an HDF5 file (groups; datasets with shape,
//! type, chunking, filters), or the values of one dataset's rows.

use std::fmt::Write as _;
use std::ops::Range;

use anyhow::{Context, bail};
use clap::ValueEnum;
use magg_h5::{Dataset, Dtype, EntryKind, File, OpenOptions, Storage};

/// Output format of `--dataset` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One value per line (rank 2: one row per line, comma-separated).
    Text,
    /// A header line, then `row,value…` lines.
    Csv,
    /// One JSON object with the dataset's description and its values.
    Json,
}

/// Arguments of `magg inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// File path or URL (`s3://bucket/key`, `https://…`, `file:///…`).
    pub(crate) location: String,
    /// Print this dataset's values instead of the tree.
    #[arg(long)]
    pub(crate) dataset: Option<String>,
    /// Rows to print, `A:B` (half-open; either side may be omitted).
    #[arg(long)]
    pub(crate) rows: Option<String>,
    /// Output format for values.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Also list attributes in the tree.
    #[arg(long)]
    pub(crate) attrs: bool,
    /// S3/HTTP store settings, `KEY=VALUE` (e.g. `aws_endpoint=http://…`).
    #[arg(long = "store-option", value_name = "KEY=VALUE")]
    pub(crate) store_options: Vec<String>,
}

/// Runs the command on a fresh tokio runtime.
pub(crate) fn run(args: &Args) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let text = rt.block_on(render(args))?;
    print!("{text}");
    Ok(())
}

async fn render(args: &Args) -> anyhow::Result<String> {
    let mut opts = OpenOptions::default();
    for kv in &args.store_options {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--store-option {kv}: expected KEY=VALUE"))?;
        opts.store_options.push((k.to_string(), v.to_string()));
    }
    let file = File::open_url(&args.location, &opts).await?;
    match &args.dataset {
        Some(path) => {
            let ds = file.dataset(path).await?;
            let rows = parse_rows(args.rows.as_deref(), ds.rows())?;
            values(&ds, rows, args.format).await
        }
        None => tree(&file, args.attrs).await,
    }
}

/// `A:B`, `A:`, `:B`, `A` (one row) or nothing (all rows), clamped to `n`.
fn parse_rows(spec: Option<&str>, n: u64) -> anyhow::Result<Range<u64>> {
    let Some(spec) = spec else { return Ok(0..n) };
    let num = |s: &str, default: u64| -> anyhow::Result<u64> {
        if s.trim().is_empty() {
            Ok(default)
        } else {
            s.trim()
                .parse()
                .with_context(|| format!("--rows {spec}: bad number {s:?}"))
        }
    };
    let (a, b) = if let Some((a, b)) = spec.split_once(':') {
        (num(a, 0)?, num(b, n)?)
    } else {
        let a = num(spec, 0)?;
        (a, a + 1)
    };
    if a > b || b > n {
        bail!("--rows {spec}: outside the dataset's 0:{n}");
    }
    Ok(a..b)
}

async fn tree(file: &File, attrs: bool) -> anyhow::Result<String> {
    let mut out = String::new();
    writeln!(
        out,
        "{} (HDF5 superblock v{})",
        file.name(),
        file.superblock_version()
    )?;
    if attrs {
        for a in file.attributes("/").await? {
            writeln!(out, "  @{} = {}", a.name, attr_text(&a))?;
        }
    }
    for e in file.walk("/").await? {
        let depth = e.path.matches('/').count();
        let pad = "  ".repeat(depth);
        match &e.kind {
            EntryKind::Group => writeln!(out, "{pad}{}/", e.name)?,
            EntryKind::Dataset => {
                let ds = file.dataset(&e.path).await?;
                writeln!(out, "{pad}{}  {}", e.name, describe(&ds))?;
                if attrs {
                    for a in ds.attributes() {
                        writeln!(out, "{pad}  @{} = {}", a.name, attr_text(a))?;
                    }
                }
                continue;
            }
            EntryKind::Other => writeln!(out, "{pad}{}  (other object)", e.name)?,
            EntryKind::Dangling(t) => writeln!(out, "{pad}{} -> {t} (dangling soft link)", e.name)?,
            EntryKind::External { file, path } => {
                writeln!(out, "{pad}{} -> {file}:{path} (external link)", e.name)?;
            }
        }
        if attrs && e.kind == EntryKind::Group {
            for a in file.attributes(&e.path).await? {
                writeln!(out, "{pad}  @{} = {}", a.name, attr_text(&a))?;
            }
        }
    }
    Ok(out)
}

/// `float32 (7935,) chunked (10000,) [v1 B-tree] deflate(6) fill=3.4028235e38`.
fn describe(ds: &Dataset) -> String {
    let shape: Vec<String> = ds.shape().iter().map(u64::to_string).collect();
    let shape = match shape.len() {
        0 => "scalar".to_string(),
        1 => format!("({},)", shape[0]),
        _ => format!("({})", shape.join(", ")),
    };
    let storage = match ds.storage() {
        Storage::Compact => "compact".to_string(),
        Storage::Contiguous => "contiguous".to_string(),
        Storage::Chunked { chunk, index } => {
            let c: Vec<String> = chunk.iter().map(u64::to_string).collect();
            let c = if c.len() == 1 {
                format!("{},", c[0])
            } else {
                c.join(", ")
            };
            format!("chunked ({c}) [{index}]")
        }
    };
    let mut s = format!("{} {shape} {storage}", ds.dtype());
    for f in ds.filters() {
        write!(s, " {f}").expect("write to String");
    }
    let fill = match ds.dtype().numeric() {
        Dtype::Int { signed: true, .. } => ds.fill_value_as::<i64>().map(|v| v.to_string()),
        Dtype::Int { signed: false, .. } => ds.fill_value_as::<u64>().map(|v| v.to_string()),
        Dtype::Float { size: 8, .. } => ds.fill_value_as::<f64>().map(|v| format!("{v:?}")),
        Dtype::Float { .. } => ds.fill_value_as::<f32>().map(|v| format!("{v:?}")),
        _ => None,
    };
    if let Some(v) = fill {
        write!(s, " fill={v}").expect("write to String");
    }
    s
}

fn attr_text(a: &magg_h5::Attribute) -> String {
    use magg_h5::AttrValue;
    let join = |v: Vec<String>| {
        if v.len() == 1 {
            v[0].clone()
        } else {
            format!("[{}]", v.join(", "))
        }
    };
    match &a.value {
        AttrValue::String(v) => join(v.iter().map(|s| format!("{s:?}")).collect()),
        AttrValue::Int(v) => join(v.iter().map(i64::to_string).collect()),
        AttrValue::UInt(v) => join(v.iter().map(u64::to_string).collect()),
        AttrValue::Float(v) => join(v.iter().map(f64::to_string).collect()),
        AttrValue::Unsupported(t) => format!("<{t}>"),
    }
}

/// Values as text: integers exactly, floats as the shortest text that
/// reads back to the same stored value (exponent form when large).
async fn value_strings(ds: &Dataset, rows: Range<u64>) -> anyhow::Result<(Vec<String>, bool)> {
    Ok(match ds.dtype().numeric() {
        Dtype::Float { size: 8, .. } => (
            ds.read_rows::<f64>(rows)
                .await?
                .iter()
                .map(|v| format!("{v:?}"))
                .collect(),
            true,
        ),
        Dtype::Float { .. } => (
            ds.read_rows::<f32>(rows)
                .await?
                .iter()
                .map(|v| format!("{v:?}"))
                .collect(),
            true,
        ),
        Dtype::Int { signed: true, .. } => (
            ds.read_rows::<i64>(rows)
                .await?
                .iter()
                .map(i64::to_string)
                .collect(),
            true,
        ),
        Dtype::Int { signed: false, .. } => (
            ds.read_rows::<u64>(rows)
                .await?
                .iter()
                .map(u64::to_string)
                .collect(),
            true,
        ),
        Dtype::FixedString { .. } | Dtype::VarString { .. } => {
            (ds.read_strings(rows).await?, false)
        }
        other => bail!("{}: cannot print values of type {other}", ds.path()),
    })
}

async fn values(ds: &Dataset, rows: Range<u64>, format: Format) -> anyhow::Result<String> {
    let (vals, numeric) = value_strings(ds, rows.clone()).await?;
    let per_row = (ds.row_len() as usize).max(1);
    let mut out = String::new();
    match format {
        Format::Text => {
            for row in vals.chunks(per_row) {
                writeln!(out, "{}", row.join(","))?;
            }
        }
        Format::Csv => {
            let name = ds.path().rsplit('/').next().unwrap_or("value");
            writeln!(out, "row,{name}")?;
            for (i, row) in vals.chunks(per_row).enumerate() {
                let cells: Vec<String> = row.iter().map(|v| csv_cell(v, numeric)).collect();
                writeln!(out, "{},{}", rows.start + i as u64, cells.join(","))?;
            }
        }
        Format::Json => {
            // Numbers keep their exact text; non-finite floats become null.
            let json_vals: Vec<serde_json::Value> = vals
                .into_iter()
                .map(|v| {
                    if numeric {
                        serde_json::from_str(&v).unwrap_or(serde_json::Value::Null)
                    } else {
                        serde_json::Value::String(v)
                    }
                })
                .collect();
            let doc = serde_json::json!({
                "file": ds.file().name(),
                "dataset": ds.path(),
                "dtype": ds.dtype().typestr(),
                "shape": ds.shape(),
                "rows": [rows.start, rows.end],
                "values": json_vals,
            });
            writeln!(out, "{doc}")?;
        }
    }
    Ok(out)
}

fn csv_cell(v: &str, numeric: bool) -> String {
    if numeric || !v.contains([',', '"', '\n']) {
        v.to_string()
    } else {
        format!("\"{}\"", v.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_rows;

    #[test]
    fn row_specs() {
        assert_eq!(parse_rows(Some("100:200"), 500).unwrap(), 100..200);
        assert_eq!(parse_rows(Some(":3"), 500).unwrap(), 0..3);
        assert_eq!(parse_rows(Some("498:"), 500).unwrap(), 498..500);
        assert_eq!(parse_rows(Some("7"), 500).unwrap(), 7..8);
        assert_eq!(parse_rows(None, 5).unwrap(), 0..5);
        assert!(parse_rows(Some("400:600"), 500).is_err());
        assert!(parse_rows(Some("x:1"), 500).is_err());
    }
}
