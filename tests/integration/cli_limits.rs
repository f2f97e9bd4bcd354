//! Unbounded counts are refused on the command line, before any work.

use crate::cli_util::{failure, pcseg};

#[test]
fn run_refuses_a_million_points_per_forward_pass() {
    let dir = tempfile::tempdir().unwrap();
    let cloud = dir.path().join("c.xyz");
    let text: String = (0..300)
        .map(|i| format!("{} {} {}\n", i as f32 * 0.01, (i % 7) as f32 * 0.1, 0.5))
        .collect();
    std::fs::write(&cloud, text).unwrap();
    let out = dir.path().join("out.ply");
    let (cloud_s, out_s) = (cloud.to_str().unwrap(), out.to_str().unwrap());
    for (flag, value, want) in [
        (
            "--points",
            "1000000",
            "--points 1000000: at most 65536 points per forward pass",
        ),
        (
            "--whole-max",
            "10000000",
            "--whole-max 10000000: at most 65536 points per forward pass",
        ),
        ("--votes", "1000", "--votes 1000: at most 64 votes"),
    ] {
        let lines = failure(&pcseg(&["run", cloud_s, "-o", out_s, flag, value], None));
        assert_eq!(lines, [format!("pcseg: error: {want}")]);
        assert!(!out.exists());
    }
    let lines = failure(&pcseg(
        &["eval", dir.path().to_str().unwrap(), "--points", "1000000"],
        None,
    ));
    assert_eq!(
        lines,
        ["pcseg: error: --points 1000000: at most 65536 points per forward pass"]
    );
}
