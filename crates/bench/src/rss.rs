//! Peak resident memory of this process.

/// `VmHWM` from `/proc/self/status` (peak RSS), bytes; `None` off Linux.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resets the peak to the current RSS (`/proc/self/clear_refs`, Linux),
/// so a later [`peak_rss_bytes`] tells the peak of what ran in between.
/// Whether it could.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
