//! Subcommands, one module each.

pub(crate) mod cell;
pub(crate) mod index;
