//! The open-file limit: raised at start, and how many files are open.

/// The open-file limit (`RLIMIT_NOFILE`) of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    /// The soft limit before raising it.
    pub was: u64,
    /// The soft limit now (what `open` and `connect` are held to).
    pub soft: u64,
    /// The hard limit (the most the soft limit can be raised to without
    /// privileges).
    pub hard: u64,
}

/// Raises the soft open-file limit to the hard limit (on macOS, to at most
/// `kern.maxfilesperproc`), so a shell's `ulimit -n 1024` or macOS's
/// default 256 does not bound a run whose hard limit allows more.
pub fn raise_open_file_limit() -> std::io::Result<OpenFiles> {
    let (was, hard) = rlimit::Resource::NOFILE.get()?;
    let soft = rlimit::increase_nofile_limit(u64::MAX)?;
    Ok(OpenFiles { was, soft, hard })
}

/// File descriptors open in this process now (`/proc/self/fd` on Linux,
/// `/dev/fd` elsewhere), when the platform lists them.
pub fn open_file_count() -> Option<u64> {
    ["/proc/self/fd", "/dev/fd"].iter().find_map(|dir| {
        // The listing's own descriptor is counted: one more than before.
        let n = std::fs::read_dir(dir).ok()?.count() as u64;
        Some(n.saturating_sub(1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_reaches_the_hard_limit_and_counting_sees_new_files() {
        let l = raise_open_file_limit().unwrap();
        assert!(l.soft >= l.was);
        assert!(l.soft <= l.hard);
        let before = open_file_count().unwrap();
        let files: Vec<_> = (0..64).map(|_| tempfile::tempfile().unwrap()).collect();
        let after = open_file_count().unwrap();
        assert!(after >= before + 48, "{before} → {after}");
        drop(files);
    }
}
