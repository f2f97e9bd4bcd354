//! Running the built `pcseg` binary from integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Run `pcseg args...`, feeding `stdin` (or nothing), and collect its output.
pub fn pcseg(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pcseg"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the pcseg binary runs");
    let input = stdin.unwrap_or_default().to_vec();
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("pcseg finishes");
    feeder.join().expect("stdin feeder");
    out
}

/// Stdout of a run that must succeed (stderr shown otherwise).
pub fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

/// Stderr of a run that must fail: exit code 1 and no panic. Returns the
/// lines that are not warnings.
pub fn failure(o: &Output) -> Vec<String> {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "expected exit 1; stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err.lines()
        .filter(|l| !l.contains("warning:"))
        .map(str::to_string)
        .collect()
}

/// The real ShapeNetPart samples kept beside the repository on the
/// project's machines (`../shared/data/shapenetpart-samples`; ShapeNet's
/// licence keeps them out of it). `None`, after a one-line note, on a clone
/// without them: the tests that need them skip.
pub fn real_samples(test: &str) -> Option<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/shapenetpart-samples");
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!("{test}: skipped, {} is absent", root.display());
        None
    }
}
