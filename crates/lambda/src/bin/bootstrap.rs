//! The Lambda `bootstrap` for the `provided.al2023` runtime: the magg shard
//! worker's Runtime API loop (the same code as `magg lambda-worker`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("magg-lambda-bootstrap: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(magg_lambda::runtime::run_from_env()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("magg-lambda-bootstrap: {e}");
            ExitCode::FAILURE
        }
    }
}
