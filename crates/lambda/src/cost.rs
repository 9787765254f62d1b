//! What Lambda bills: billed duration × memory (GB-seconds) at the
//! architecture's price, plus a per-request charge.
//!
//! Prices: AWS Lambda pricing (aws.amazon.com/lambda/pricing), US East
//! (N. Virginia), first pricing tier (the first 6 billion GB-seconds a
//! month on x86_64, 7.5 billion on arm64): x86_64 $0.0000166667 per
//! GB-second, arm64 $0.0000133334 per GB-second, $0.20 per million
//! requests; unchanged since arm64 (Graviton2) functions launched in
//! September 2021. Re-checked 2026-11-25 with the project's search tool:
//! AWS's page renders its rate table by script, so the per-GB-second
//! figures were read from copies that cite it (artillery's
//! `lib/platform/aws-lambda/prices.js`: `x86_64: 1666670, arm64: 1333340`
//! ×1e-11; cloudchipr.com's 2024 Lambda pricing guide, with the tiers),
//! and the $0.20 per million requests from AWS's page text itself (as
//! transcribed 2026-09-20 by api-evangelist/aws-lambda). Pass other
//! prices through [`Prices`] for other regions or if they change. The
//! free tier (400,000 GB-s and 1 M requests a month) and the cheaper
//! tiers past 6 / 7.5 billion GB-s are ignored. Billed duration is
//! rounded up to the millisecond.

use magg_run::{Cost, ShardStatus};

/// CPU architecture of the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arch {
    /// Graviton (cheaper per GB-second).
    #[default]
    Arm64,
    /// Intel/AMD.
    X86_64,
}

impl Arch {
    /// Lambda's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Arm64 => "arm64",
            Arch::X86_64 => "x86_64",
        }
    }
}

impl std::str::FromStr for Arch {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "arm64" | "aarch64" => Ok(Arch::Arm64),
            "x86_64" | "amd64" => Ok(Arch::X86_64),
            _ => Err(format!("unknown architecture {s} (arm64 or x86_64)")),
        }
    }
}

/// Lambda prices, USD.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// Per GB-second on arm64.
    pub arm64_gb_second: f64,
    /// Per GB-second on x86_64.
    pub x86_64_gb_second: f64,
    /// Per million requests.
    pub million_requests: f64,
    /// Where the figures come from.
    pub source: &'static str,
}

/// us-east-1, first tier (see the module docs).
pub const US_EAST_1: Prices = Prices {
    arm64_gb_second: 0.000_013_333_4,
    x86_64_gb_second: 0.000_016_666_7,
    million_requests: 0.20,
    source: "aws.amazon.com/lambda/pricing, us-east-1 first tier, unchanged since 2021-09 (re-checked 2026-11-25)",
};

impl Prices {
    /// The price per GB-second on `arch`.
    pub fn gb_second(&self, arch: Arch) -> f64 {
        match arch {
            Arch::Arm64 => self.arm64_gb_second,
            Arch::X86_64 => self.x86_64_gb_second,
        }
    }

    /// The bill for `invocations` requests totalling `billed_ms` at
    /// `memory_mb` on `arch`.
    pub fn bill(&self, invocations: u64, billed_ms: u64, memory_mb: u32, arch: Arch) -> Cost {
        let billed_seconds = billed_ms as f64 / 1000.0;
        let gb_seconds = billed_seconds * f64::from(memory_mb) / 1024.0;
        let compute_usd = gb_seconds * self.gb_second(arch);
        let requests_usd = invocations as f64 * self.million_requests / 1e6;
        Cost {
            invocations,
            billed_seconds,
            memory_mb,
            architecture: arch.name().to_string(),
            gb_seconds,
            usd_per_gb_second: self.gb_second(arch),
            usd_per_million_requests: self.million_requests,
            price_source: self.source.to_string(),
            compute_usd,
            requests_usd,
            total_usd: compute_usd + requests_usd,
        }
    }

    /// The bill of a run from its shard records (the invoker stores
    /// `invocations` and `billed_ms` in each record's extra fields).
    pub fn bill_shards(&self, shards: &[ShardStatus], memory_mb: u32, arch: Arch) -> Cost {
        let field = |s: &ShardStatus, k: &str| s.extra.get(k).and_then(serde_json::Value::as_u64);
        let invocations = shards.iter().filter_map(|s| field(s, INVOCATIONS)).sum();
        let billed_ms = shards.iter().filter_map(|s| field(s, BILLED_MS)).sum();
        self.bill(invocations, billed_ms, memory_mb, arch)
    }
}

/// Extra field of a shard record: invocations made (attempts).
pub const INVOCATIONS: &str = "invocations";
/// Extra field of a shard record: billed milliseconds over all attempts.
pub const BILLED_MS: &str = "billed_ms";

/// The billed duration of a `REPORT` line in a Lambda log tail
/// (`... Billed Duration: 103 ms ...`).
pub fn billed_ms_from_log(log: &str) -> Option<u64> {
    let rest = log.split("Billed Duration:").nth(1)?;
    let number = rest.split_whitespace().next()?;
    number.parse::<f64>().ok().map(|ms| ms.ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_parse() {
        let log = "START RequestId: 1 Version: $LATEST\nEND RequestId: 1\nREPORT RequestId: 1\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 2048 MB\tMax Memory Used: 70 MB\t\n";
        assert_eq!(billed_ms_from_log(log), Some(103));
        assert_eq!(billed_ms_from_log("no report"), None);
    }

    #[test]
    fn gb_seconds_and_dollars_follow_the_price_sheet() {
        // 2,395 invocations of 48 s each at 2 GB on arm64.
        let c = US_EAST_1.bill(2395, 2395 * 48_000, 2048, Arch::Arm64);
        assert!((c.gb_seconds - 229_920.0).abs() < 1e-6);
        assert!((c.total_usd - (229_920.0 * 0.000_013_333_4 + 2395.0 * 0.2e-6)).abs() < 1e-9);
        assert!(c.total_usd > 3.0 && c.total_usd < 3.1);
        let x86 = US_EAST_1.bill(1, 1000, 1024, Arch::X86_64);
        assert!((x86.compute_usd - 0.000_016_666_7).abs() < 1e-15);
    }
}
