//! `pcseg completions SHELL` and `pcseg man`: shell completion scripts and
//! man pages generated from the clap definitions, so they never drift from
//! the real flags.

use anyhow::Context;
use clap::CommandFactory;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `pcseg completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `pcseg man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write pcseg.1 and one pcseg-<command>.1 per subcommand into DIR
    /// (created if missing) instead of printing pcseg.1 to stdout.
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// Print the completion script for `args.shell` to stdout.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "pcseg", &mut out);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&out).and_then(|_| stdout.flush())?;
    Ok(())
}

/// The man page of `cmd` as roff.
fn render(cmd: clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    Ok(out)
}

/// Print `pcseg.1`, or write every page into `--output DIR`.
pub fn man(args: ManArgs) -> anyhow::Result<()> {
    let mut cmd = super::Cli::command();
    cmd.build();
    let Some(dir) = args.output else {
        let page = render(cmd)?;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&page).and_then(|_| stdout.flush())?;
        return Ok(());
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    let mut pages = vec![("pcseg.1".to_string(), render(cmd.clone())?)];
    for sub in cmd.get_subcommands() {
        let name = format!("pcseg-{}", sub.get_name());
        let sub = sub
            .clone()
            .display_name(name.clone())
            .bin_name(format!("pcseg {}", sub.get_name()));
        pages.push((format!("{name}.1"), render(sub)?));
    }
    for (file, page) in pages {
        pcseg::io::atomic::write_atomic(&dir.join(file), |w| w.write_all(&page))?;
    }
    Ok(())
}
