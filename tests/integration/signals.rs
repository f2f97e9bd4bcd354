//! Interrupting the binary: SIGINT and SIGTERM during `pcseg run`'s write
//! phase leave no temporary file and the previous output intact (exit 130 /
//! 143); outputs that are not regular files (a FIFO) are written into, not
//! replaced.

use pcseg::io::{read_cloud, write_cloud, PlyWriteOptions};
use pcseg::rng::Rng;
use pcseg::PointCloud;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const OLD: &[u8] = b"previous output\n";

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect()
}

/// A cloud of `n` random points (large, so writing it takes a while).
fn big_cloud(path: &Path, n: usize) {
    let mut rng = Rng::new(7);
    let points = (0..n).map(|_| [rng.f32(), rng.f32(), rng.f32()]).collect();
    let cloud = PointCloud::from_points(points);
    write_cloud(path, &cloud, None, &PlyWriteOptions::default()).unwrap();
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Wait until a temporary file appears in `dir` (the write phase started);
/// false when the child exited first.
fn wait_for_temp(child: &mut Child, dir: &Path) -> bool {
    loop {
        if !temp_files(dir).is_empty() {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_signal_during_the_write_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.ply");
    let n = 1_500_000;
    big_cloud(&input, n);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("labelled.xyz");
    let mut interrupted = 0;
    for (round, (name, code)) in [("INT", 130), ("TERM", 143)]
        .into_iter()
        .cycle()
        .take(6)
        .enumerate()
    {
        std::fs::write(&out, OLD).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_pcseg"))
            .args(["run", "--category", "chair", "--quiet"])
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let writing = wait_for_temp(&mut child, &out_dir);
        if writing {
            // Different moments of the write phase.
            std::thread::sleep(Duration::from_millis(5 * round as u64));
            signal(&child, name);
        }
        let o = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(temp_files(&out_dir), Vec::<PathBuf>::new(), "SIG{name}");
        let now = std::fs::read(&out).unwrap();
        if now == OLD {
            assert_eq!(o.status.code(), Some(code), "SIG{name}: {stderr}");
            interrupted += 1;
        } else {
            // The signal came after the rename: the new output is whole.
            assert_eq!(read_cloud(&out, None).unwrap().len(), n, "SIG{name}");
        }
    }
    assert!(interrupted > 0, "no signal arrived during the write");
}

#[test]
fn a_fifo_output_is_written_into_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("labelled.ply");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let o = Command::new(env!("CARGO_BIN_EXE_pcseg"))
        .args(["run", "assets/samples/chair.txt", "--category", "chair"])
        .args(["--quiet", "-o"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Checked first: a replaced FIFO would leave the reader blocked.
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "{meta:?}");
    let bytes = reader.join().unwrap();
    assert!(bytes.starts_with(b"ply\n"), "{} bytes", bytes.len());
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
}
