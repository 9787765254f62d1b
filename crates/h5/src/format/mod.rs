//! Parsers for the HDF5 on-disk structures. Each takes untrusted bytes and
//! returns typed errors; none allocates more than the caps in its module.

pub(crate) mod btree1;
pub(crate) mod btree2;
pub(crate) mod chunk_index;
pub(crate) mod cursor;
pub(crate) mod dataspace;
pub(crate) mod datatype;
pub(crate) mod fill;
pub(crate) mod fractal_heap;
pub(crate) mod global_heap;
pub(crate) mod layout;
pub(crate) mod link;
pub(crate) mod object_header;
pub(crate) mod pipeline;
pub(crate) mod superblock;
pub(crate) mod symbols;
