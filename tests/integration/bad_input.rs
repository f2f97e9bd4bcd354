//! The bad-input matrix: the built binary run over many bad inputs, one
//! table row per case. Each case writes the files it needs into a fresh
//! folder, runs `pcseg` there and checks that
//!
//! - the exit code is 1 (data and usage errors);
//! - stderr is exactly one line, `pcseg: error: ...`, naming the offending
//!   file (or flag) and with no panic;
//! - the folder is exactly as before: no new file, no temporary file left,
//!   every existing file (inputs and pre-created outputs) byte for byte
//!   intact.
//!
//! A few rows check something else (a FIFO output, a signal during the
//! write): see [`Expect`].

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Bytes of the output file every `run` case pre-creates: it must survive.
const EXISTING: &[u8] = b"an existing output that must survive\n";

/// A small valid cloud.
const CLOUD_XYZ: &[u8] = b"0 0 0\n1 0 0\n0 1 0\n0 0 1\n1 1 1\n";

/// The same as ascii PLY.
const CLOUD_PLY: &[u8] = b"ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\n\
property float y\nproperty float z\nend_header\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n";

/// What a case must do.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Exit 1, one `pcseg: error:` line naming `names`, folder unchanged.
    Refused,
    /// `out.ply` is a FIFO (with a reader): it must still be one afterwards,
    /// with no temporary file beside it and no panic. The run may write
    /// through it or refuse.
    FifoKept,
    /// The signal (`INT` or `TERM`) sent while `run` writes a large output:
    /// no temporary file left, the existing output intact, no panic.
    SignalDuringWrite(&'static str),
}

/// One row of the matrix.
#[derive(Clone, Copy)]
struct Case {
    /// Name printed on failure or skip.
    name: &'static str,
    /// `pcseg` arguments, paths relative to the case's folder.
    args: &'static [&'static str],
    /// Files written before the run (a name ending in `/` is a folder).
    files: &'static [(&'static str, &'static [u8])],
    /// Extra preparation (generated files, FIFOs, permissions). `Some(why)`
    /// skips the case.
    setup: Option<fn(&Path) -> Option<String>>,
    /// Text the error line must contain: the offending file's name, or the
    /// flag.
    names: &'static str,
    /// What the case must do.
    expect: Expect,
}

const BASE: Case = Case {
    name: "",
    args: &[],
    files: &[],
    setup: None,
    names: "",
    expect: Expect::Refused,
};

/// A binary little-endian PLY header with float `x y z` and `n` vertices.
macro_rules! bin_header {
    ($n:literal) => {
        concat!(
            "ply\nformat binary_little_endian 1.0\nelement vertex ",
            $n,
            "\nproperty float x\nproperty float y\nproperty float z\nend_header\n"
        )
    };
}

/// The ascii version.
macro_rules! ascii_header {
    ($n:literal) => {
        concat!(
            "ply\nformat ascii 1.0\nelement vertex ",
            $n,
            "\nproperty float x\nproperty float y\nproperty float z\nend_header\n"
        )
    };
}

fn cases() -> Vec<Case> {
    vec![
        // ---- missing and empty inputs
        Case {
            name: "run: missing input",
            args: &["run", "missing.xyz", "-o", "out.ply"],
            files: &[("out.ply", EXISTING)],
            names: "missing.xyz",
            ..BASE
        },
        Case {
            name: "run: empty text file",
            args: &["run", "empty.xyz", "-o", "out.ply"],
            files: &[("empty.xyz", b""), ("out.ply", EXISTING)],
            names: "empty.xyz",
            ..BASE
        },
        Case {
            name: "run: empty PLY file",
            args: &["run", "empty.ply", "-o", "out.ply"],
            files: &[("empty.ply", b""), ("out.ply", EXISTING)],
            names: "empty.ply",
            ..BASE
        },
        Case {
            name: "run: unknown extension, not PLY",
            args: &["run", "scan.dat", "-o", "out.ply"],
            files: &[("scan.dat", CLOUD_XYZ), ("out.ply", EXISTING)],
            names: "scan.dat",
            ..BASE
        },
        Case {
            name: "info: missing file",
            args: &["info", "missing.ply"],
            names: "missing.ply",
            ..BASE
        },
        // ---- PLY
        Case {
            name: "run: PLY truncated in the header (ascii)",
            args: &["run", "cut.ply", "-o", "out.ply"],
            files: &[
                ("cut.ply", b"ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nprop"),
                ("out.ply", EXISTING),
            ],
            names: "cut.ply",
            ..BASE
        },
        Case {
            name: "run: PLY truncated in the header (binary)",
            args: &["run", "cut.ply", "-o", "out.ply"],
            files: &[
                ("cut.ply", b"ply\nformat binary_little_endian 1.0\nelement vertex 2\nproperty float x\n"),
                ("out.ply", EXISTING),
            ],
            names: "cut.ply",
            ..BASE
        },
        Case {
            name: "run: PLY truncated in the body (ascii, mid-line)",
            args: &["run", "cut.ply", "-o", "out.ply"],
            files: &[
                ("cut.ply", const { concat!(ascii_header!("3"), "1 2 3\n4 5").as_bytes() }),
                ("out.ply", EXISTING),
            ],
            names: "cut.ply",
            ..BASE
        },
        Case {
            name: "run: PLY truncated in the body (binary, mid-record)",
            args: &["run", "cut.ply", "-o", "out.ply"],
            files: &[
                ("cut.ply", const { concat!(bin_header!("3"), "0123456789abcdefghij").as_bytes() }),
                ("out.ply", EXISTING),
            ],
            names: "cut.ply",
            ..BASE
        },
        Case {
            name: "run: PLY header declares more vertices than present (ascii)",
            args: &["run", "lie.ply", "-o", "out.ply"],
            files: &[
                ("lie.ply", const { concat!(ascii_header!("5"), "1 2 3\n4 5 6\n").as_bytes() }),
                ("out.ply", EXISTING),
            ],
            names: "lie.ply",
            ..BASE
        },
        Case {
            name: "run: PLY header declares more vertices than present (binary)",
            args: &["run", "lie.ply", "-o", "out.ply"],
            files: &[
                ("lie.ply", const { concat!(bin_header!("1000000"), "0123456789ab0123456789ab").as_bytes() }),
                ("out.ply", EXISTING),
            ],
            names: "lie.ply",
            ..BASE
        },
        Case {
            name: "run: PLY without x",
            args: &["run", "nox.ply", "-o", "out.ply"],
            files: &[
                (
                    "nox.ply",
                    b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float y\nproperty float z\nend_header\n1 2\n",
                ),
                ("out.ply", EXISTING),
            ],
            names: "nox.ply",
            ..BASE
        },
        Case {
            name: "run: PLY list property on vertex",
            args: &["run", "list.ply", "-o", "out.ply"],
            files: &[
                (
                    "list.ply",
                    b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n\
property float z\nproperty list uchar int idx\nend_header\n1 2 3 2 0 1\n",
                ),
                ("out.ply", EXISTING),
            ],
            names: "list.ply",
            ..BASE
        },
        Case {
            name: "run: PLY negative label",
            args: &["run", "neg.ply", "-o", "out.ply"],
            files: &[
                (
                    "neg.ply",
                    b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n\
property float z\nproperty int label\nend_header\n1 2 3 -4\n",
                ),
                ("out.ply", EXISTING),
            ],
            names: "neg.ply",
            ..BASE
        },
        Case {
            name: "run: PLY with no vertices (header only)",
            args: &["run", "none.ply", "-o", "out.ply"],
            files: &[("none.ply", const { ascii_header!("0").as_bytes() }), ("out.ply", EXISTING)],
            names: "none.ply",
            ..BASE
        },
        Case {
            name: "run: PLY with a duplicated property name",
            args: &["run", "dup.ply", "-o", "out.ply"],
            files: &[
                (
                    "dup.ply",
                    b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n\
property float z\nproperty int source_label\nproperty int source_label\nend_header\n1 2 3 4 5\n",
                ),
                ("out.ply", EXISTING),
            ],
            names: "dup.ply",
            ..BASE
        },
        Case {
            name: "info: truncated PLY",
            args: &["info", "cut.ply"],
            files: &[("cut.ply", const { concat!(bin_header!("3"), "0123456789ab").as_bytes() })],
            names: "cut.ply",
            ..BASE
        },
        Case {
            name: "run: PLY with data after the declared vertices",
            args: &["run", "trail.ply", "-o", "out.ply"],
            files: &[
                ("trail.ply", const { concat!(ascii_header!("1"), "1 2 3\n4 5 6\n").as_bytes() }),
                ("out.ply", EXISTING),
            ],
            names: "trail.ply",
            ..BASE
        },
        // ---- XYZ-style text
        Case {
            name: "run: text with a wrong column count on a later line",
            args: &["run", "cols.xyz", "-o", "out.ply"],
            files: &[("cols.xyz", b"1 2 3\n4 5 6\n7 8 9\n1 2\n"), ("out.ply", EXISTING)],
            names: "cols.xyz",
            ..BASE
        },
        Case {
            name: "run: text with NaN",
            args: &["run", "nan.xyz", "-o", "out.ply"],
            files: &[("nan.xyz", b"1 2 3\n4 NaN 6\n7 8 9\n"), ("out.ply", EXISTING)],
            names: "nan.xyz",
            ..BASE
        },
        Case {
            name: "run: text with Inf",
            args: &["run", "inf.xyz", "-o", "out.ply"],
            files: &[("inf.xyz", b"1 2 3\n4 5 6\n7 8 -inf\n"), ("out.ply", EXISTING)],
            names: "inf.xyz",
            ..BASE
        },
        Case {
            name: "run: text with an out-of-range number (overflows to Inf)",
            args: &["run", "big.xyz", "-o", "out.ply"],
            files: &[("big.xyz", b"1 2 3\n4 5 1e39\n"), ("out.ply", EXISTING)],
            names: "big.xyz",
            ..BASE
        },
        Case {
            name: "run: text with letters",
            args: &["run", "letters.xyz", "-o", "out.ply"],
            files: &[("letters.xyz", b"1 2 3\n4 five 6\n"), ("out.ply", EXISTING)],
            names: "letters.xyz",
            ..BASE
        },
        Case {
            name: "run: text with an empty comma-separated field",
            args: &["run", "gap.csv", "-o", "out.ply"],
            files: &[("gap.csv", b"1,2,3\n4,,6\n"), ("out.ply", EXISTING)],
            names: "gap.csv",
            ..BASE
        },
        Case {
            name: "run: text with a fractional label",
            args: &["run", "frac.xyz", "-o", "out.ply"],
            files: &[("frac.xyz", b"1 2 3 4\n4 5 6 4.5\n"), ("out.ply", EXISTING)],
            names: "frac.xyz",
            ..BASE
        },
        Case {
            name: "run: empty cloud (CSV header only)",
            args: &["run", "header.csv", "-o", "out.ply"],
            files: &[("header.csv", b"x,y,z\n"), ("out.ply", EXISTING)],
            names: "header.csv",
            ..BASE
        },
        Case {
            name: "run: empty cloud (comments only)",
            args: &["run", "comments.xyz", "-o", "out.ply"],
            files: &[("comments.xyz", b"# nothing here\n\n"), ("out.ply", EXISTING)],
            names: "comments.xyz",
            ..BASE
        },
        // ---- ShapeNetPart v0 pairs, categories, datasets
        Case {
            name: "run: ShapeNetPart v0 .pts/.seg line counts differ",
            args: &["run", "03001627/points/abc.pts", "-o", "out.xyz"],
            files: &[
                ("03001627/points/abc.pts", b"0 0 0\n1 1 1\n2 2 2\n"),
                ("03001627/points_label/abc.seg", b"1\n2\n"),
                ("out.xyz", EXISTING),
            ],
            names: "abc.seg",
            ..BASE
        },
        Case {
            name: "run: ShapeNetPart v0 part outside the category",
            args: &["run", "03001627/points/abc.pts", "-o", "out.xyz"],
            files: &[
                ("03001627/points/abc.pts", b"0 0 0\n1 1 1\n2 2 2\n"),
                ("03001627/points_label/abc.seg", b"1\n2\n9\n"),
                ("out.xyz", EXISTING),
            ],
            names: "abc.seg",
            ..BASE
        },
        Case {
            name: "run: unknown category name",
            args: &["run", "a.xyz", "--category", "sofa", "-o", "out.ply"],
            files: &[("a.xyz", CLOUD_XYZ), ("out.ply", EXISTING)],
            names: "sofa",
            ..BASE
        },
        Case {
            name: "eval: unknown category name",
            args: &["eval", "lab", "--category", "sofa"],
            files: &[("lab/chair/s.xyz", b"0 0 0 12\n1 1 1 13\n")],
            names: "sofa",
            ..BASE
        },
        Case {
            name: "eval: labels out of range with --category",
            args: &["eval", "lab", "--category", "chair", "--quiet"],
            files: &[("lab/chair/s.xyz", b"0 0 0 1\n1 1 1 2\n2 2 2 3\n")],
            names: "s.xyz",
            ..BASE
        },
        Case {
            name: "eval: bad split list JSON in a ShapeNetPart folder",
            args: &["eval", "sn", "--quiet"],
            files: &[
                ("sn/synsetoffset2category.txt", b"Chair\t03001627\n"),
                ("sn/03001627/t1.txt", b"0 0 0 0 0 1 12\n1 1 1 0 0 1 13\n"),
                ("sn/train_test_split/shuffled_test_file_list.json", b"[\"shape_data/03001627/t1\", 2"),
            ],
            names: "shuffled_test_file_list.json",
            ..BASE
        },
        Case {
            name: "eval: split list entry of an unknown synset",
            args: &["eval", "sn", "--quiet"],
            files: &[
                ("sn/synsetoffset2category.txt", b"Chair\t03001627\n"),
                ("sn/03001627/t1.txt", b"0 0 0 0 0 1 12\n1 1 1 0 0 1 13\n"),
                ("sn/train_test_split/shuffled_test_file_list.json", b"[\"shape_data/99999999/t1\"]"),
            ],
            names: "shuffled_test_file_list.json",
            ..BASE
        },
        Case {
            name: "eval: empty folder",
            args: &["eval", "nothing", "--quiet"],
            files: &[("nothing/", b"")],
            names: "nothing",
            ..BASE
        },
        Case {
            name: "eval: missing folder",
            args: &["eval", "nowhere", "--quiet"],
            names: "nowhere",
            ..BASE
        },
        Case {
            name: "eval --json: nothing can be scored, an existing report stays",
            args: &["eval", "unscorable", "--category", "chair", "--json", "r.json", "--quiet"],
            files: &[
                ("unscorable/chair/s.xyz", b"0 0 0 1\n1 1 1 2\n2 2 2 3\n"),
                ("r.json", b"{\"an existing report\": true}\n"),
            ],
            names: "unscorable",
            ..BASE
        },
        // ---- outputs
        Case {
            name: "run: output into a missing folder",
            args: &["run", "a.xyz", "-o", "nodir/out.ply"],
            files: &[("a.xyz", CLOUD_XYZ)],
            names: "out.ply",
            ..BASE
        },
        Case {
            name: "run: output into a read-only folder",
            args: &["run", "a.xyz", "-o", "ro/out.ply"],
            files: &[("a.xyz", CLOUD_XYZ), ("ro/out.ply", EXISTING)],
            setup: Some(read_only_folder),
            names: "out.ply",
            ..BASE
        },
        Case {
            name: "run: output equal to the input (file)",
            args: &["run", "x.txt", "-o", "x.txt"],
            files: &[("x.txt", CLOUD_XYZ)],
            names: "x.txt",
            ..BASE
        },
        Case {
            name: "run: output folder equal to the input folder",
            args: &["run", "dir", "-o", "dir"],
            files: &[("dir/a.xyz", CLOUD_XYZ)],
            names: "dir",
            ..BASE
        },
        Case {
            name: "render: output equal to the input",
            args: &["render", "x.ply", "-o", "x.ply"],
            files: &[("x.ply", CLOUD_PLY)],
            names: "x.ply",
            ..BASE
        },
        Case {
            name: "run: output is a FIFO",
            args: &["run", "a.xyz", "-o", "out.ply", "--quiet"],
            files: &[("a.xyz", CLOUD_XYZ)],
            setup: Some(fifo_output),
            expect: Expect::FifoKept,
            ..BASE
        },
        Case {
            name: "run: SIGINT during the write",
            args: &["run", "big.ply", "-o", "out.ply", "--ascii", "--quiet"],
            files: &[("out.ply", EXISTING)],
            setup: Some(large_cloud),
            expect: Expect::SignalDuringWrite("INT"),
            ..BASE
        },
        Case {
            name: "run: SIGTERM during the write",
            args: &["run", "big.ply", "-o", "out.ply", "--ascii", "--quiet"],
            files: &[("out.ply", EXISTING)],
            setup: Some(large_cloud),
            expect: Expect::SignalDuringWrite("TERM"),
            ..BASE
        },
        // ---- models and limits
        Case {
            name: "run: --model truncated",
            args: &["run", "a.xyz", "--model", "cut.safetensors", "-o", "out.ply"],
            files: &[("a.xyz", CLOUD_XYZ), ("out.ply", EXISTING)],
            setup: Some(truncated_model),
            names: "cut.safetensors",
            ..BASE
        },
        Case {
            name: "run: --model not a model",
            args: &["run", "a.xyz", "--model", "notes.safetensors", "-o", "out.ply"],
            files: &[
                ("a.xyz", CLOUD_XYZ),
                ("notes.safetensors", b"these are notes, not a model\n"),
                ("out.ply", EXISTING),
            ],
            names: "notes.safetensors",
            ..BASE
        },
        Case {
            name: "run: --model missing",
            args: &["run", "a.xyz", "--model", "gone.safetensors", "-o", "out.ply"],
            files: &[("a.xyz", CLOUD_XYZ), ("out.ply", EXISTING)],
            names: "gone.safetensors",
            ..BASE
        },
        Case {
            name: "run: --model with a NaN weight",
            args: &["run", "a.xyz", "--model", "nan.safetensors", "-o", "out.ply"],
            files: &[("a.xyz", CLOUD_XYZ), ("out.ply", EXISTING)],
            setup: Some(nan_model),
            names: "nan.safetensors",
            ..BASE
        },
        Case {
            name: "run: --points 10000000",
            args: &["run", "a.xyz", "--points", "10000000", "-o", "out.ply"],
            files: &[("a.xyz", CLOUD_XYZ), ("out.ply", EXISTING)],
            names: "--points",
            ..BASE
        },
        // ---- render and info
        Case {
            name: "render: missing file",
            args: &["render", "missing.ply", "-o", "out.png"],
            files: &[("out.png", EXISTING)],
            names: "missing.ply",
            ..BASE
        },
        Case {
            name: "render: truncated PLY",
            args: &["render", "cut.ply", "-o", "out.png"],
            files: &[("cut.ply", const { concat!(bin_header!("3"), "0123").as_bytes() }), ("out.png", EXISTING)],
            names: "cut.ply",
            ..BASE
        },
        Case {
            name: "info: model truncated",
            args: &["info", "cut.safetensors"],
            setup: Some(truncated_model),
            names: "cut.safetensors",
            ..BASE
        },
    ]
}

// ---- setups

/// `ro/` made read-only; skipped when permissions are not enforced (root).
fn read_only_folder(dir: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let ro = dir.join("ro");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = ro.join("probe");
    if std::fs::write(&probe, b"").is_ok() {
        std::fs::remove_file(&probe).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
        return Some("permissions are not enforced for this user (root)".into());
    }
    None
}

fn shipped_model() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/ssg-mbv2-wide.safetensors");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The first kilobyte of the shipped model.
fn truncated_model(dir: &Path) -> Option<String> {
    std::fs::write(dir.join("cut.safetensors"), &shipped_model()[..1000]).unwrap();
    None
}

/// The shipped model with its first F32 weight set to NaN.
fn nan_model(dir: &Path) -> Option<String> {
    let mut bytes = shipped_model();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let start = header
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| *k != "__metadata__" && v["dtype"] == "F32")
        .map(|(_, v)| v["data_offsets"][0].as_u64().unwrap() as usize)
        .min()
        .expect("an F32 tensor");
    let at = 8 + n + start;
    bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    std::fs::write(dir.join("nan.safetensors"), bytes).unwrap();
    None
}

/// `out.ply` is a FIFO.
fn fifo_output(dir: &Path) -> Option<String> {
    let status = Command::new("mkfifo").arg(dir.join("out.ply")).status();
    match status {
        Ok(s) if s.success() => None,
        _ => Some("mkfifo is not available".into()),
    }
}

/// `big.ply`: 3,000,000 points (binary), so writing the labelled ascii
/// output takes long enough to be interrupted.
fn large_cloud(dir: &Path) -> Option<String> {
    let n = 3_000_000u32;
    let mut bytes = format!(
        "ply\nformat binary_little_endian 1.0\nelement vertex {n}\nproperty float x\n\
         property float y\nproperty float z\nend_header\n"
    )
    .into_bytes();
    bytes.reserve(n as usize * 12);
    for i in 0..n {
        let t = i as f32 / n as f32;
        for v in [t, (t * 37.0).fract(), (t * 1009.0).fract()] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    std::fs::write(dir.join("big.ply"), bytes).unwrap();
    None
}

// ---- running and checking

/// What a path in the case's folder is, for before/after comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Dir,
    /// Length and hash of the content.
    File(u64, u64),
    Fifo,
    Other,
}

/// Every path under `dir` (hidden ones included), with what it is.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Entry> {
    use std::os::unix::fs::FileTypeExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let ty = std::fs::symlink_metadata(&path).unwrap().file_type();
            let e = if ty.is_dir() {
                stack.push(path.clone());
                Entry::Dir
            } else if ty.is_file() {
                let bytes = std::fs::read(&path).unwrap_or_default();
                let mut h = std::collections::hash_map::DefaultHasher::new();
                bytes.hash(&mut h);
                Entry::File(bytes.len() as u64, h.finish())
            } else if ty.is_fifo() {
                Entry::Fifo
            } else {
                Entry::Other
            };
            out.insert(path.strip_prefix(dir).unwrap().to_path_buf(), e);
        }
    }
    out
}

/// The differences between two snapshots, one line each.
fn changes(before: &BTreeMap<PathBuf, Entry>, after: &BTreeMap<PathBuf, Entry>) -> Vec<String> {
    let mut out = Vec::new();
    for (p, e) in after {
        match before.get(p) {
            None => out.push(format!("new {}", p.display())),
            Some(b) if b != e => out.push(format!("changed {} ({b:?} -> {e:?})", p.display())),
            _ => {}
        }
    }
    for p in before.keys().filter(|p| !after.contains_key(*p)) {
        out.push(format!("removed {}", p.display()));
    }
    out
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pcseg"));
    c.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Longest a case may run before it counts as hung and is killed (a guard
/// against a stuck test, not a timing check: every case takes seconds).
const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(120);

/// Run `pcseg args` in `dir`; `None` when it had to be killed as hung.
fn run(dir: &Path, args: &[&str]) -> Option<Output> {
    use std::io::Read;
    let mut child = command(dir, args).spawn().expect("the pcseg binary runs");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    status.map(|status| Output {
        status,
        stdout,
        stderr,
    })
}

fn write_files(dir: &Path, files: &[(&str, &[u8])]) {
    for (name, bytes) in files {
        let path = dir.join(name);
        if name.ends_with('/') {
            std::fs::create_dir_all(&path).unwrap();
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
    }
}

fn snapshot_changes(before: &BTreeMap<PathBuf, Entry>, dir: &Path) -> Vec<String> {
    changes(before, &snapshot(dir))
}

/// Exit 1, one error line naming the file, folder unchanged.
fn check_refused(case: &Case, out: &Output, changed: &[String]) -> Vec<String> {
    let mut wrong = Vec::new();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(1) {
        wrong.push(format!("exit status {:?}, expected 1", out.status.code()));
    }
    if stderr.contains("panicked") {
        wrong.push("panicked".into());
    }
    let lines: Vec<&str> = stderr.lines().collect();
    match lines.as_slice() {
        [line] => {
            if !line.starts_with("pcseg: error: ") {
                wrong.push("the line does not start with 'pcseg: error: '".into());
            }
            if !line.contains(case.names) {
                wrong.push(format!("the error does not name '{}'", case.names));
            }
        }
        _ => wrong.push(format!("{} stderr lines, expected 1", lines.len())),
    }
    wrong.extend(changed.iter().cloned());
    if !wrong.is_empty() {
        wrong.push(format!("stderr: {stderr:?}"));
    }
    wrong
}

/// `out.ply` is a FIFO: run with a reader on it.
fn run_fifo(case: &Case, dir: &Path) -> Vec<String> {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    const O_NONBLOCK: i32 = 0o4000;
    let fifo = dir.join("out.ply");
    // A reader, opened without blocking, so the writer can open it too.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let before = snapshot(dir);
    let mut child = command(dir, case.args).spawn().unwrap();
    // Drain while the command runs, so a large write cannot block.
    let mut got = Vec::new();
    let mut buf = [0u8; 1 << 16];
    let start = std::time::Instant::now();
    let status = loop {
        match reader.read(&mut buf) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("reading the FIFO: {e}"),
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            return vec![format!("hung: killed after {} s", HANG_GUARD.as_secs())];
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut wrong = Vec::new();
    let still_fifo = std::fs::symlink_metadata(&fifo).is_ok_and(|m| m.file_type().is_fifo());
    if !still_fifo {
        wrong.push("out.ply is no longer a FIFO".into());
    }
    wrong.extend(changes(&before, &snapshot(dir)));
    if stderr.contains("panicked") {
        wrong.push("panicked".into());
    }
    if !status.success() && stderr.lines().count() != 1 {
        wrong.push(format!(
            "refused with {} stderr lines",
            stderr.lines().count()
        ));
    }
    if !wrong.is_empty() {
        wrong.push(format!(
            "status {status:?}, {} bytes through the FIFO, stderr: {stderr:?}",
            got.len()
        ));
    }
    wrong
}

/// Whether `dir` holds a temporary file (`*.tmp`) at its top level.
fn has_temp_file(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
}

/// Send the signal once the temporary output appears; a few attempts, as the
/// write phase must be caught.
fn run_signal(case: &Case, dir: &Path, signal: &str) -> Vec<String> {
    let before = snapshot(dir);
    for attempt in 0..5 {
        let mut child = command(dir, case.args).spawn().unwrap();
        let mut caught = false;
        while child.try_wait().unwrap().is_none() {
            if has_temp_file(dir) {
                // Let the write get going a little, differently each time.
                std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
                let pid = child.id().to_string();
                let sent = Command::new("kill")
                    .args([&format!("-{signal}"), &pid])
                    .status();
                assert!(sent.is_ok_and(|s| s.success()), "kill -{signal} {pid}");
                caught = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let out = child.wait_with_output().unwrap();
        if !caught {
            continue;
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut wrong = changes(&before, &snapshot(dir));
        if stderr.contains("panicked") {
            wrong.push("panicked".into());
        }
        if out.status.success() {
            wrong.push("exit status 0 after the signal".into());
        }
        if !wrong.is_empty() {
            wrong.push(format!("status {:?}, stderr: {stderr:?}", out.status));
        }
        return wrong;
    }
    vec!["the write phase was never caught (no temporary file seen in 5 runs)".into()]
}

fn run_case(case: &Case) -> Result<Vec<String>, String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_files(dir, case.files);
    if let Some(setup) = case.setup {
        if let Some(why) = setup(dir) {
            return Err(why);
        }
    }
    let wrong = match case.expect {
        Expect::Refused => {
            let before = snapshot(dir);
            match run(dir, case.args) {
                Some(out) => check_refused(case, &out, &snapshot_changes(&before, dir)),
                None => vec![format!("hung: killed after {} s", HANG_GUARD.as_secs())],
            }
        }
        Expect::FifoKept => run_fifo(case, dir),
        Expect::SignalDuringWrite(signal) => run_signal(case, dir, signal),
    };
    // Let the folder be removed even after a read-only case.
    if dir.join("ro").is_dir() {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir.join("ro"), std::fs::Permissions::from_mode(0o755));
    }
    Ok(wrong)
}

#[test]
fn bad_inputs_get_one_line_errors_and_leave_files_alone() {
    let mut failed = Vec::new();
    let mut ran = 0;
    for case in cases() {
        match run_case(&case) {
            Err(why) => eprintln!("bad_input: skipped ({why}): {}", case.name),
            Ok(wrong) if wrong.is_empty() => ran += 1,
            Ok(wrong) => failed.push(format!(
                "{} (pcseg {}):\n    {}",
                case.name,
                case.args.join(" "),
                wrong.join("\n    ")
            )),
        }
    }
    assert!(
        failed.is_empty(),
        "{} cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    assert!(ran >= 50, "only {ran} cases ran");
}

/// The table is sound: every case has a name, arguments and what to look
/// for, and names are unique.
#[test]
fn bad_input_table_is_well_formed() {
    let cases = cases();
    let mut names = std::collections::HashSet::new();
    for c in &cases {
        assert!(names.insert(c.name), "duplicate case name {}", c.name);
        assert!(!c.args.is_empty(), "{}", c.name);
        if matches!(c.expect, Expect::Refused) {
            assert!(!c.names.is_empty(), "{}: what must the error name?", c.name);
        }
    }
}
