//! `capcache`: inspect and maintain npm-cacache-format caches from the
//! command line, with the capcache library's blocking API.
//!
//! `main` only parses, dispatches and turns the outcome into an exit status
//! (see [`error`] for the mapping and `--help` for the contract).

mod cli;
mod commands;
mod error;
mod output;
mod progress;
mod units;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::Cli;
use crate::error::CliError;

fn main() -> ExitCode {
    // Exits 2 on a usage error and 0 for --help / --version.
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // Rendered by clap, like its own usage errors, with the usage line.
        Err(CliError::Usage(message)) => Cli::command()
            .error(clap::error::ErrorKind::MissingRequiredArgument, message)
            .exit(),
        Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(CliError::Exited(code)) => ExitCode::from(code),
        Err(e) => {
            eprintln!("capcache: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
