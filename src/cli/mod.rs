//! The commands behind the `pcseg` binary. Each subcommand has its own file
//! holding its clap `Args` and an `execute` function; `main.rs` only parses and
//! dispatches. This is the application edge, so errors here are `anyhow`.

use clap::{CommandFactory, FromArgMatches, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;

pub mod args;
pub mod categories;
pub mod completions;
pub mod eval;
pub mod eval_predictions;
pub mod export;
pub mod info;
pub mod mesh_out;
pub mod model_file;
pub mod pseudo_label;
pub mod render;
pub mod run;
pub mod signals;
pub mod synth;
pub mod train;

/// Fast part segmentation of 3D point clouds on the CPU.
#[derive(Debug, clap::Parser)]
#[command(name = "pcseg", version, about, long_about = None)]
pub struct Cli {
    /// Worker threads for the parallel parts (default: one per CPU; the
    /// RAYON_NUM_THREADS environment variable also works).
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Label every point of point clouds with its part.
    Run(run::Args),
    /// Score a model (or labelled files) on a dataset with the ShapeNetPart mIoU protocol.
    Eval(eval::Args),
    /// Describe a point cloud or a model file.
    Info(info::Args),
    /// Write a procedural ShapeNetPart-compatible labelled dataset.
    Synth(synth::Args),
    /// Draw labelled point clouds to a PNG (one shape or a gallery).
    Render(render::Args),
    /// Train or fine-tune the network (dataset or --synthetic).
    Train(Box<train::Args>),
    /// Write the model inside a training checkpoint as a model file.
    Export(export::Args),
    /// Sample real unlabelled meshes and label them with a model, for self-training.
    PseudoLabel(pseudo_label::Args),
    /// List the categories, their synsets, part ids, names and colours.
    Categories(categories::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the man page, or write all of them into a folder.
    Man(completions::ManArgs),
}

/// Parse the command line. A value that a flag refuses is reported like
/// every other pcseg error, on one line with exit code 1; help, version and
/// the other command-line errors are clap's (`Err` holds the exit code).
pub fn parse_command_line() -> Result<Cli, ExitCode> {
    match parse_from(std::env::args_os()) {
        Ok(cli) => Ok(cli),
        Err(e) => match args::value_error_line(&e) {
            Some(line) => {
                eprintln!("pcseg: error: {line}");
                Err(ExitCode::FAILURE)
            }
            None => e.exit(),
        },
    }
}

/// Parse `argv` (the program name first), noting what clap's derive cannot
/// say: whether `run --points` was given (a mesh input's default differs).
pub fn parse_from<I, T>(argv: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = Cli::command().try_get_matches_from(argv)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let (Command::Run(run), Some(("run", m))) = (&mut cli.command, matches.subcommand()) {
        run.points_given = m.value_source("points") == Some(clap::parser::ValueSource::CommandLine);
    }
    Ok(cli)
}

/// Returned when a command processed many files and some failed; each failure
/// was already reported on its own line.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} inputs failed")]
pub struct SomeFailed {
    /// How many inputs failed.
    pub failed: usize,
    /// How many inputs there were.
    pub total: usize,
}

/// Returned when a signal stopped a command that then wound up cleanly (a
/// training run that wrote its checkpoint); everything was already said, the
/// exit code is 128 + the signal number.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted {
    /// The exit code (130 for SIGINT, 143 for SIGTERM).
    pub code: u8,
}

/// Print an error on one line to stderr and choose the exit code. A broken
/// pipe (e.g. `pcseg run ... | head`) is not an error.
pub fn report_error(err: &anyhow::Error) -> ExitCode {
    if let Some(i) = err.downcast_ref::<Interrupted>() {
        return ExitCode::from(i.code);
    }
    for cause in err.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return ExitCode::SUCCESS;
            }
        }
    }
    // Library errors already include their cause's text; print each cause
    // only when the message so far does not end with it.
    let mut msg = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if msg.is_empty() {
            msg = text;
        } else if !msg.ends_with(&text) {
            msg = format!("{msg}: {text}");
        }
    }
    eprintln!("pcseg: error: {}", msg.replace('\n', " "));
    ExitCode::FAILURE
}

/// A progress bar on stderr, hidden when stderr is not a terminal or `quiet`.
pub fn progress_bar(len: u64, quiet: bool, what: &str) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template(&format!(
        "{{spinner}} {what} [{{bar:30}}] {{pos}}/{{len}} {{rate}} ETA {{eta}} {{msg}}"
    ))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = w.write_str(&rate_text(state.per_sec()));
        },
    )
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}

/// A rate for a progress bar, with about three significant digits:
/// `20.1/s`, `0.25/s`, `1535/s`.
pub fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        return "0/s".into();
    }
    let decimals = if per_sec >= 100.0 {
        0
    } else if per_sec >= 10.0 {
        1
    } else if per_sec >= 1.0 {
        2
    } else {
        3
    };
    format!("{per_sec:.decimals$}/s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_rounded_to_about_three_digits() {
        assert_eq!(rate_text(20.1204), "20.1/s");
        assert_eq!(rate_text(104.2967), "104/s");
        assert_eq!(rate_text(1534.7), "1535/s");
        assert_eq!(rate_text(2.345), "2.35/s");
        assert_eq!(rate_text(0.25), "0.250/s");
        assert_eq!(rate_text(0.0), "0/s");
    }

    #[test]
    fn an_interruption_exits_with_its_code_silently() {
        let err = anyhow::Error::new(Interrupted { code: 143 });
        assert_eq!(report_error(&err), ExitCode::from(143));
    }
}
