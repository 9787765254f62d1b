//! Typed errors. Parsers return [`ErrorKind`] (what went wrong, with the file
//! address); the public API wraps it into [`Error`], which also names the file
//! and the HDF5 object path.

use std::fmt;

/// What went wrong while reading, without the file/object context.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The storage backend failed (network, permissions, missing object).
    /// The message carries the causes (e.g. a timeout under a body error).
    #[error("storage: {}", with_causes(.0))]
    Store(#[from] object_store::Error),
    /// A structure runs past the end of the bytes that hold it.
    #[error("truncated {what} at address {addr:#x}")]
    Truncated {
        /// The structure being parsed.
        what: &'static str,
        /// Its file address.
        addr: u64,
    },
    /// A structure's signature or version is not what the format says.
    #[error("bad {what} at address {addr:#x}")]
    BadSignature {
        /// The structure expected.
        what: &'static str,
        /// Its file address.
        addr: u64,
    },
    /// An address or range points past the end of the file.
    #[error("{what} at {addr:#x}+{len} is past the end of the file ({size} bytes)")]
    OutOfBounds {
        /// The structure or data being read.
        what: &'static str,
        /// Start address (absolute).
        addr: u64,
        /// Length requested.
        len: u64,
        /// File size.
        size: u64,
    },
    /// A size, count or depth in the file exceeds a safety cap.
    #[error("{what} of {value} exceeds the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The value found.
        value: u64,
        /// The cap.
        limit: u64,
    },
    /// A structure refers back to itself (object header continuation, B-tree, link).
    #[error("cycle detected in {what} at address {addr:#x}")]
    Cycle {
        /// The structure.
        what: &'static str,
        /// Address seen twice.
        addr: u64,
    },
    /// A checksum did not match.
    #[error("checksum mismatch in {what} at address {addr:#x}")]
    Checksum {
        /// The structure or chunk.
        what: &'static str,
        /// Its address.
        addr: u64,
    },
    /// The bytes are inconsistent (e.g. sizes that disagree).
    #[error("corrupt file: {0}")]
    Corrupt(String),
    /// A valid HDF5 feature this reader does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// No such group, dataset or attribute.
    #[error("not found")]
    NotFound,
    /// The object is not what the call needs (e.g. a group where a dataset was asked).
    #[error("{0}")]
    WrongKind(String),
    /// The request does not fit the dataset (rows out of range, buffer size).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A range request shared by several readers failed.
    #[error("range request failed: {0}")]
    Fetch(String),
    /// A background decode task failed to run.
    #[error("decode task failed: {0}")]
    Task(String),
    /// The object is not the version an index described (size or ETag
    /// differ): its recorded layout cannot be trusted.
    #[error("stale index entry: {0}")]
    Stale(String),
    /// A URL could not be turned into a store and path.
    #[error("bad url: {0}")]
    Url(String),
}

impl ErrorKind {
    /// Shorthand for [`ErrorKind::Corrupt`].
    pub(crate) fn corrupt(msg: impl Into<String>) -> Self {
        Self::Corrupt(msg.into())
    }

    /// Shorthand for [`ErrorKind::Unsupported`].
    pub(crate) fn unsupported(msg: impl Into<String>) -> Self {
        Self::Unsupported(msg.into())
    }
}

/// An error's message followed by those of its causes that it does not
/// already contain (`a: b: c`).
fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        cause = c.source();
    }
    msg
}

/// An error of the public API: what went wrong, in which file, on which object.
#[derive(Debug)]
pub struct Error {
    /// The file (path or URL) being read.
    pub file: String,
    /// The HDF5 object path (`/gt1l/land_ice_segments/h_li`), or `/` for the file itself.
    pub object: String,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl Error {
    pub(crate) fn new(file: &str, object: &str, kind: ErrorKind) -> Self {
        Self {
            file: file.to_string(),
            object: object.to_string(),
            kind,
        }
    }

    /// True when the object (group, dataset, attribute) does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, ErrorKind::NotFound)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.object, self.kind)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

/// Result of the internal parsers.
pub(crate) type KResult<T> = std::result::Result<T, ErrorKind>;

/// Result of the public API.
pub type Result<T> = std::result::Result<T, Error>;
