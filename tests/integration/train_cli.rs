//! `pcseg train --synthetic` through the built binary: tiny settings produce
//! a model file that loads, a CSV log and a checkpoint that `--resume`
//! continues; bad options fail with one-line messages.

use pcseg::model::Model;
use std::process::Command;

fn pcseg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pcseg"))
}

#[test]
fn synthetic_training_writes_a_loadable_model_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let ck = dir.path().join("ck");
    let common = [
        "--config",
        "tiny",
        "--shapes-per-epoch",
        "16",
        "--val-shapes",
        "8",
        "--points",
        "96",
        "--batch",
        "8",
        "--quiet",
    ];
    let status = pcseg()
        .args(["train", "--synthetic", "--epochs", "2"])
        .args(common)
        .arg("--out")
        .arg(&out)
        .arg("--checkpoint-dir")
        .arg(&ck)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let m = Model::load(&out).unwrap();
    assert!(m.trained);
    assert_eq!(m.config().name, "tiny");
    assert!(m.note.contains("synthetic"), "{}", m.note);
    let log = std::fs::read_to_string(ck.join("log.csv")).unwrap();
    assert_eq!(log.lines().count(), 3, "{log}");
    assert!(log.starts_with("epoch,train_loss,train_acc,val_instance_miou"));

    // Extend the finished run by one epoch from its checkpoint.
    let status = pcseg()
        .args(["train", "--epochs", "3", "--quiet", "--resume"])
        .arg(ck.join("last.safetensors"))
        .arg("--out")
        .arg(&out)
        .arg("--checkpoint-dir")
        .arg(&ck)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let log2 = std::fs::read_to_string(ck.join("log.csv")).unwrap();
    assert_eq!(log2.lines().count(), 4);
    assert!(log2.starts_with(&log), "earlier rows are kept");
}

#[test]
fn bad_options_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let o = pcseg()
            .arg("train")
            .args(args)
            .arg("--checkpoint-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let e = run(&["--synthetic", "--config", "huge"]);
    assert!(e.contains("--config huge"), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    let e = run(&["--synthetic", "--schedule", "linear"]);
    assert!(e.contains("--schedule linear"), "{e}");
    let e = run(&["--synthetic", "--realism", "extreme"]);
    assert!(e.contains("extreme"), "{e}");
    let missing = dir.path().join("nope");
    let e = run(&[missing.to_str().unwrap()]);
    assert!(e.contains("not a folder"), "{e}");
}
