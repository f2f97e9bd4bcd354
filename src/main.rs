//! The `pcseg` binary: the command-line interface over the library. Each
//! subcommand lives in its own file under `cli/`; this file parses the
//! arguments and dispatches.

mod cli;

use cli::Command;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A closed pipe (`pcseg categories | head -1`) ends the process quietly,
    // as for other Unix tools, instead of a panic in `println!`.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE at start-up,
    // before any thread exists, has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Allocator settings before any thread allocates (pcseg::model::alloc).
    pcseg::model::alloc::retain_freed_memory();
    let cli = match cli::parse_command_line() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    if let Some(n) = cli.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build_global()
        {
            eprintln!("pcseg: warning: --threads {n}: {e}");
        }
    }
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
        Command::Categories(args) => cli::categories::execute(args),
        Command::Completions(args) => cli::completions::completions(args),
        Command::Man(args) => cli::completions::man(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => cli::report_error(&err),
    }
}
