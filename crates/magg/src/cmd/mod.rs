//! Subcommands, one module each.

pub(crate) mod bench;
pub(crate) mod catalog;
pub(crate) mod cell;
pub(crate) mod demo;
pub(crate) mod export;
pub(crate) mod index;
pub(crate) mod inspect;
pub(crate) mod lambda;
pub(crate) mod lambda_worker;
pub(crate) mod plot;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod verify;
