//! `magg lambda-worker`: the shard worker inside a Lambda sandbox. It
//! speaks the Lambda Runtime API (`AWS_LAMBDA_RUNTIME_API`) and runs each
//! event's shard with the same code as `magg run`'s local executor.

use anyhow::Result;

/// Serve shard invocations from the Lambda Runtime API (inside Lambda).
#[derive(clap::Args, Debug)]
pub(crate) struct Args {}

pub(crate) fn run(_args: &Args) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(magg_lambda::runtime::run_from_env())?;
    Ok(())
}
