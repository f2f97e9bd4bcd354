//! `pcseg completions SHELL` and `pcseg man`: generated from the clap
//! definitions, so they name the real subcommands and flags.

use crate::cli_util::{failure, pcseg, stdout};

#[test]
fn bash_completion_knows_run_and_its_flags() {
    let script = stdout(&pcseg(&["completions", "bash"], None));
    assert!(script.contains("complete -F _pcseg"), "{script}");
    assert!(script.contains("run"));
    assert!(script.contains("--category"));
    assert!(script.contains("--mesh-out"));
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let s = stdout(&pcseg(&["completions", shell], None));
        assert!(s.contains("--category"), "{shell}");
    }
    let lines = failure(&pcseg(&["completions", "tcsh"], None));
    assert!(lines[0].contains("tcsh"), "{lines:?}");
}

#[test]
fn man_pages_parse_and_list_the_subcommands() {
    let page = stdout(&pcseg(&["man"], None));
    assert!(page.contains(".TH pcseg 1"), "{page}");
    for sub in [
        "run",
        "eval",
        "info",
        "render",
        "train",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!("pcseg\\-{sub}(1)")) || page.contains(sub),
            "{sub}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    stdout(&pcseg(&["man", "-o", out.to_str().unwrap()], None));
    let run = out.join("pcseg-run.1");
    let text = std::fs::read_to_string(&run).unwrap();
    assert!(text.contains(".TH pcseg-run 1"), "{text}");
    assert!(text.contains("\\-\\-mesh\\-out"), "{text}");
    for sub in ["eval", "info", "render", "train", "synth", "categories"] {
        assert!(out.join(format!("pcseg-{sub}.1")).is_file(), "{sub}");
    }
    // man(1) renders it, when installed.
    match std::process::Command::new("man")
        .arg("-l")
        .arg(&run)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
    {
        Ok(o) if o.status.success() => {
            let shown = String::from_utf8_lossy(&o.stdout);
            assert!(shown.contains("pcseg-run"), "{shown}");
            assert!(shown.contains("--category"), "{shown}");
        }
        _ => eprintln!("man_pages_parse_and_list_the_subcommands: man -l is not available, roff header checked only"),
    }
}
