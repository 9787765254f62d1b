//! Subcommands, one module each.

pub(crate) mod catalog;
pub(crate) mod cell;
pub(crate) mod demo;
pub(crate) mod index;
pub(crate) mod inspect;
pub(crate) mod run;
