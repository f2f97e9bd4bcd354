//! The `pcseg` binary: the command-line interface over the library. Each
//! subcommand lives in its own file under `cli/`; this file parses the
//! arguments and dispatches.

mod cli;

use cli::Command;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::parse_command_line() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    if let Err(e) = cli::signals::install() {
        eprintln!("pcseg: warning: cannot handle SIGINT and SIGTERM: {e}");
    }
    let result = match cli.command {
        Command::Run(args) => cli::run::execute(args),
        Command::Eval(args) => cli::eval::execute(args),
        Command::Info(args) => cli::info::execute(args),
        Command::Synth(args) => cli::synth::execute(args),
        Command::Render(args) => cli::render::execute(args),
        Command::Train(args) => cli::train::execute(*args),
        Command::Export(args) => cli::export::execute(args),
        Command::PseudoLabel(args) => cli::pseudo_label::execute(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => cli::report_error(&err),
    }
}
