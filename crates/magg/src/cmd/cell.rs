//! `magg cell`: describe one morton word.

use anyhow::{Context, Result};
use magg_morton as morton;

/// Describe a morton cell: order, nested ipix, label, parent at order 6,
/// centre and boundary (geodetic degrees).
///
/// MORTON is mortie's u64 word (decimal or 0x-hex) or its decimal label
/// (e.g. `-4113213`).
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The cell: a u64 word (decimal or 0x-hex) or a mortie label.
    #[arg(allow_hyphen_values = true)]
    morton: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Words have a non-zero prefix in bits 60..63, so any valid word is at
/// least 2^60 (19 digits); labels have at most 7 digits below order 6 and
/// never a digit 0 or above 6 at the head.
fn parse(s: &str) -> Result<u64> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).with_context(|| format!("bad hex word {s:?}"));
    }
    match s.parse::<u64>() {
        Ok(w) if w >= 1 << 60 => Ok(w),
        _ => Ok(morton::parse_label(s)?),
    }
}

pub(crate) fn run(args: &Args) -> Result<()> {
    let word = parse(&args.morton)?;
    let cell = morton::decode(word)?;
    let label = morton::to_label(word)?;
    let parent6 = (cell.order >= 6)
        .then(|| morton::parent(word, 6))
        .transpose()?;
    let (lat, lon) = morton::center(word)?;
    let ring = morton::boundary(word)?;
    if args.json {
        let ring: Vec<String> = ring.iter().map(|(a, o)| format!("[{a},{o}]")).collect();
        println!(
            "{{\"word\":{word},\"label\":\"{label}\",\"order\":{},\"nested\":{},\"point\":{},\"parent6\":{},\"centre\":[{lat},{lon}],\"boundary_nwse\":[{}]}}",
            cell.order,
            cell.nested,
            cell.is_point,
            parent6.map_or("null".to_string(), |p| p.to_string()),
            ring.join(",")
        );
        return Ok(());
    }
    println!("word:      {word} ({word:#018x})");
    println!("label:     {label}");
    println!(
        "order:     {}{}",
        cell.order,
        if cell.is_point { " (point)" } else { "" }
    );
    println!("nested:    {}", cell.nested);
    match parent6 {
        Some(p) => println!("parent6:   {p} ({})", morton::to_label(p)?),
        None => println!("parent6:   none (order < 6)"),
    }
    println!("centre:    lat {lat:.9}, lon {lon:.9}");
    println!("boundary:  (lat, lon), N W S E");
    for (name, (a, o)) in ["N", "W", "S", "E"].iter().zip(ring) {
        println!("  {name}: {a:.9}, {o:.9}");
    }
    Ok(())
}
