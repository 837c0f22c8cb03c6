//! The `stray` binary: a thin layer over the `stray` library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(cli::main())
}
