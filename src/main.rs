//! The `pcseg` binary: parses arguments and hands them to the library.

use clap::Parser;
use pcseg::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => pcseg::cli::run::execute(args),
        Command::Eval(args) => pcseg::cli::eval::execute(args),
        Command::Info(args) => pcseg::cli::info::execute(args),
        Command::Synth(args) => pcseg::cli::synth::execute(args),
        Command::Render(args) => pcseg::cli::render::execute(args),
        Command::Train(args) => pcseg::cli::train::execute(*args),
        Command::PseudoLabel(args) => pcseg::cli::pseudo_label::execute(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => pcseg::cli::report_error(&err),
    }
}
