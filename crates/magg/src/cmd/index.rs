//! `magg index`: `lat,lon` lines on stdin → one morton word per line.

use std::io::{BufRead, BufWriter, Write};

use anyhow::{Context, Result, bail};
use magg_morton as morton;

/// What to write for each point.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum To {
    /// mortie's packed u64 word, as an unsigned decimal integer.
    Word,
    /// The HEALPix NESTED pixel id at the order.
    Ipix,
    /// mortie's decimal label (e.g. `-4113213`).
    Label,
}

/// Index geodetic points (WGS84 degrees) to morton cells, exactly as mortie's
/// `geo2mort(lat, lon, order=N)`.
///
/// Reads `lat,lon` lines (CSV; an optional header line; blank lines skipped)
/// from standard input and writes one value per input point to standard
/// output. A malformed line stops the run with an error naming its line.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// HEALPix order (0..=29).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=29))]
    order: u8,
    /// Output form.
    #[arg(long, value_enum, default_value = "word")]
    to: To,
}

/// Points are parsed and indexed in blocks (the batch API, no allocation per
/// point).
const BLOCK: usize = 1 << 16;

pub(crate) fn run(args: &Args) -> Result<()> {
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut lats = Vec::with_capacity(BLOCK);
    let mut lons = Vec::with_capacity(BLOCK);
    let mut line_nos = Vec::with_capacity(BLOCK);
    let mut cells = vec![0u64; BLOCK];
    let mut first = true;
    for (i, line) in stdin.lines().enumerate() {
        let line_no = i + 1;
        let line = line.with_context(|| format!("reading stdin at line {line_no}"))?;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let header_allowed = std::mem::take(&mut first);
        match parse_point(text) {
            Ok((lat, lon)) => {
                lats.push(lat);
                lons.push(lon);
                line_nos.push(line_no);
            }
            // The first non-empty line may be a header such as `lat,lon`.
            Err(_) if header_allowed && text.chars().any(char::is_alphabetic) => {}
            Err(e) => {
                flush(args, &lats, &lons, &line_nos, &mut cells, &mut out)?;
                out.flush()?;
                bail!("line {line_no}: {e} (got {text:?}; expected `lat,lon` in degrees)");
            }
        }
        if lats.len() == BLOCK {
            flush(args, &lats, &lons, &line_nos, &mut cells, &mut out)?;
            lats.clear();
            lons.clear();
            line_nos.clear();
        }
    }
    flush(args, &lats, &lons, &line_nos, &mut cells, &mut out)?;
    out.flush()?;
    Ok(())
}

fn parse_point(text: &str) -> Result<(f64, f64)> {
    let mut fields = text.split(',');
    let (Some(lat), Some(lon), None) = (fields.next(), fields.next(), fields.next()) else {
        bail!("expected exactly two fields");
    };
    let num = |s: &str, what: &str| -> Result<f64> {
        s.trim()
            .parse::<f64>()
            .with_context(|| format!("{what} {:?} is not a number", s.trim()))
    };
    Ok((num(lat, "latitude")?, num(lon, "longitude")?))
}

fn flush(
    args: &Args,
    lats: &[f64],
    lons: &[f64],
    line_nos: &[usize],
    cells: &mut [u64],
    out: &mut impl Write,
) -> Result<()> {
    let cells = &mut cells[..lats.len()];
    let done = morton::geo_to_nested_batch(lats, lons, args.order, cells);
    // On a bad point, write what came before it, then report its line.
    let n = done.as_ref().map_or_else(|e| e.index, |()| lats.len());
    for &nested in &cells[..n] {
        match args.to {
            To::Ipix => writeln!(out, "{nested}")?,
            To::Word => writeln!(out, "{}", morton::encode(args.order, nested)?)?,
            To::Label => writeln!(
                out,
                "{}",
                morton::to_label(morton::encode(args.order, nested)?)?
            )?,
        }
    }
    if let Err(e) = done {
        out.flush()?;
        bail!("line {}: {}", line_nos[e.index], e.error);
    }
    Ok(())
}
