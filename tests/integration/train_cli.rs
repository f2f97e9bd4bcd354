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
    checkpoint_serves_as_a_model(&ck.join("last.safetensors"), dir.path());

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

/// `--model` and `pcseg info` accept a training checkpoint: `run` with it
/// labels a cloud exactly as the checkpoint's model saved as a model file.
fn checkpoint_serves_as_a_model(ckpt: &std::path::Path, dir: &std::path::Path) {
    let info = pcseg().arg("info").arg(ckpt).output().unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    assert!(
        text.contains("training checkpoint after epoch 2 of 2"),
        "{text}"
    );

    let as_file = dir.join("from_ckpt.safetensors");
    pcseg::train::checkpoint::load(ckpt)
        .unwrap()
        .model
        .save(&as_file)
        .unwrap();
    let labels = |model: &std::path::Path, out: &str| {
        let out = dir.join(out);
        let o = pcseg()
            .args([
                "run",
                "assets/samples/chair.txt",
                "--category",
                "chair",
                "--quiet",
            ])
            .arg("--model")
            .arg(model)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(&out).unwrap()
    };
    let a = labels(ckpt, "a.ply");
    assert!(!a.is_empty());
    assert_eq!(a, labels(&as_file, "b.ply"));

    // `pcseg export` writes the same model, marked trained, with its note.
    let exported = dir.join("exported.safetensors");
    let o = pcseg()
        .arg("export")
        .arg(ckpt)
        .arg("-o")
        .arg(&exported)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = Model::load(&exported).unwrap();
    assert!(m.trained);
    assert!(m.note.contains("after epoch 2 of 2"), "{}", m.note);
    assert_eq!(a, labels(&exported, "c.ply"));
    // A model file is not a checkpoint: one line, nothing written.
    let again = dir.join("again.safetensors");
    let o = pcseg()
        .arg("export")
        .arg(&exported)
        .arg("-o")
        .arg(&again)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("not a training checkpoint"), "{err}");
    assert!(!again.exists());

    // Several inputs: their weight average. A model averaged with a copy of
    // itself (checkpoint and model file) labels exactly as it does.
    let averaged = dir.join("averaged.safetensors");
    let o = pcseg()
        .arg("export")
        .arg(ckpt)
        .arg(&exported)
        .arg("-o")
        .arg(&averaged)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let m = Model::load(&averaged).unwrap();
    assert!(
        m.note.starts_with("weight average of 2 models"),
        "{}",
        m.note
    );
    assert_eq!(a, labels(&averaged, "d.ply"));
}

/// Tiny synthetic training settings.
const TINY: [&str; 10] = [
    "--config",
    "tiny",
    "--val-shapes",
    "8",
    "--points",
    "96",
    "--batch",
    "8",
    "--seed",
    "3",
];

#[test]
fn resume_continues_in_the_checkpoint_folder() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let ck = run_dir.join("ck");
    let out = run_dir.join("best.safetensors");
    let o = pcseg()
        .args(["train", "--synthetic", "--epochs", "1", "--quiet"])
        .args(["--shapes-per-epoch", "16"])
        .args(TINY)
        .arg("--out")
        .arg(&out)
        .arg("--checkpoint-dir")
        .arg(&ck)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let first = std::fs::read(&out).unwrap();
    // Resumed from another folder holding an unrelated model.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("model.safetensors"), b"unrelated").unwrap();
    let o = pcseg()
        .current_dir(&elsewhere)
        .args(["train", "--epochs", "4", "--quiet", "--resume"])
        .arg(ck.join("last.safetensors"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(elsewhere.join("model.safetensors")).unwrap(),
        b"unrelated"
    );
    assert!(!elsewhere.join("pcseg-checkpoints").exists());
    let names: Vec<_> = std::fs::read_dir(&elsewhere).unwrap().collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let log = std::fs::read_to_string(ck.join("log.csv")).unwrap();
    assert_eq!(log.lines().count(), 5, "{log}");
    let ckpt = pcseg::train::checkpoint::load(&ck).unwrap();
    assert_eq!(ckpt.meta.epoch, 4);
    // The best model of the run is still the run's --out (written again when
    // a later epoch improved on the first).
    let best = ckpt.meta.best_epoch.unwrap();
    let now = std::fs::read(&out).unwrap();
    assert_eq!(best == 1, now == first, "best epoch {best}");
}

/// Start a long tiny training run in `dir` and wait until it trains.
fn long_run(dir: &std::path::Path) -> (std::process::Child, std::path::PathBuf) {
    use std::io::BufRead;
    let ck = dir.join("ck");
    let mut child = pcseg()
        .current_dir(dir)
        .args(["train", "--synthetic", "--epochs", "5"])
        .args(["--shapes-per-epoch", "200000"])
        .args(TINY)
        .arg("--checkpoint-dir")
        .arg(&ck)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("training ") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "no training line");
    }
    // Hand the rest of stderr back through a thread.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        let _ = tx.send(rest);
    });
    RX.with(|r| *r.borrow_mut() = Some(rx));
    (child, ck)
}

thread_local! {
    static RX: std::cell::RefCell<Option<std::sync::mpsc::Receiver<String>>> =
        const { std::cell::RefCell::new(None) };
}

fn kill(child: &std::process::Child, signal: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Exit code and stderr (after the training line) of an interrupted run.
fn finish(mut child: std::process::Child) -> (Option<i32>, String) {
    let status = child.wait().unwrap();
    let rest = RX.with(|r| r.borrow_mut().take().unwrap().recv().unwrap());
    (status.code(), rest)
}

#[test]
fn signals_stop_training_with_a_checkpoint_and_the_signal_exit_code() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let dir = tempfile::tempdir().unwrap();
        let (child, ck) = long_run(dir.path());
        // Let some batches run (the handler is in place before training).
        std::thread::sleep(std::time::Duration::from_millis(300));
        kill(&child, signal);
        let (status, stderr) = finish(child);
        assert_eq!(status, Some(code), "SIG{signal}: {stderr}");
        assert_eq!(stderr.matches("stopped after").count(), 1, "{stderr}");
        assert!(!stderr.contains("stoppedstopped"), "{stderr}");
        let ckpt = pcseg::train::checkpoint::load(&ck).expect("checkpoint written");
        assert_eq!(ckpt.meta.epoch, 0);
        assert!(ckpt.meta.batch > 0);
        let names: Vec<_> = std::fs::read_dir(&ck)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")),
            "{names:?}"
        );
    }
}

#[test]
fn a_second_interrupt_does_not_lose_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (child, ck) = long_run(dir.path());
    std::thread::sleep(std::time::Duration::from_millis(300));
    kill(&child, "INT");
    kill(&child, "INT");
    let (status, stderr) = finish(child);
    assert_eq!(status, Some(130), "{stderr}");
    let ckpt = pcseg::train::checkpoint::load(&ck).expect("checkpoint written");
    assert!(ckpt.meta.batch > 0);
}
