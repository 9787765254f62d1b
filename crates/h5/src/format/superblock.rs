//! The superblock (versions 0–3): field sizes, base address, root group.

use bytes::Bytes;

use super::cursor::{Cursor, Sizes, verify_checksum};
use crate::error::{ErrorKind, KResult};
use crate::io::source::Source;

const SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];

/// What the reader needs from the superblock.
#[derive(Debug, Clone)]
pub(crate) struct Superblock {
    pub(crate) version: u8,
    pub(crate) sizes: Sizes,
    /// Absolute position of the signature / base address.
    pub(crate) base: u64,
    /// Root group object header address.
    pub(crate) root: u64,
}

/// Finds the signature (at 0, 512, 1024, 2048, …) and parses the superblock.
pub(crate) async fn read(src: &Source) -> KResult<Superblock> {
    let mut at = 0u64;
    loop {
        if at + 8 > src.size {
            return Err(ErrorKind::BadSignature {
                what: "HDF5 signature (not an HDF5 file)",
                addr: 0,
            });
        }
        let b = src.meta("superblock", at, 8).await?;
        if b[..] == SIGNATURE {
            break;
        }
        at = if at == 0 { 512 } else { at * 2 };
        if at > (1 << 30) {
            return Err(ErrorKind::BadSignature {
                what: "HDF5 signature (not an HDF5 file)",
                addr: 0,
            });
        }
    }
    let buf = src.meta("superblock", at, 256).await?;
    parse(&buf, at)
}

fn parse(buf: &Bytes, at: u64) -> KResult<Superblock> {
    let probe = Sizes {
        offset: 8,
        length: 8,
    };
    let mut c = Cursor::new(buf, at, probe, "superblock");
    c.skip(8)?;
    let version = c.u8()?;
    match version {
        0 | 1 => {
            c.skip(4)?; // free-space, root symtab, reserved, shared header versions
            let sizes = read_sizes(&mut c)?;
            c.skip(1)?;
            c.skip(4)?; // group leaf/internal K
            c.skip(4)?; // consistency flags
            if version == 1 {
                c.skip(4)?; // indexed storage K + reserved
            }
            c.sizes = sizes;
            c.offset()?; // base address: libhdf5 constrains it to the superblock's own position
            c.offset()?; // free-space info
            c.offset()?; // end of file
            c.offset()?; // driver info
            // Root group symbol table entry.
            c.offset()?; // link name offset
            let root = c
                .offset()?
                .ok_or_else(|| ErrorKind::corrupt("superblock: undefined root group address"))?;
            Ok(Superblock {
                version,
                sizes,
                base: at,
                root,
            })
        }
        2 | 3 => {
            let sizes = read_sizes(&mut c)?;
            c.skip(1)?; // consistency flags
            c.sizes = sizes;
            c.offset()?; // base address: libhdf5 constrains it to the superblock's own position
            c.offset()?; // superblock extension
            c.offset()?; // end of file
            let root = c
                .offset()?
                .ok_or_else(|| ErrorKind::corrupt("superblock: undefined root group address"))?;
            let body = c.pos();
            verify_checksum(buf, body, "superblock", at)?;
            Ok(Superblock {
                version,
                sizes,
                base: at,
                root,
            })
        }
        v => Err(ErrorKind::unsupported(format!("superblock version {v}"))),
    }
}

fn read_sizes(c: &mut Cursor<'_>) -> KResult<Sizes> {
    let offset = c.u8()?;
    let length = c.u8()?;
    for s in [offset, length] {
        if !matches!(s, 2 | 4 | 8) {
            return Err(ErrorKind::corrupt(format!("superblock: field size {s}")));
        }
    }
    Ok(Sizes { offset, length })
}
