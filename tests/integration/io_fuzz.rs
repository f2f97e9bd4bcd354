//! Fuzz-style robustness: random, mutated and truncated bytes fed to the PLY
//! and XYZ readers must give `Ok` or `Err`, never a panic, and every error
//! must be one line naming the file.

use pcseg::cloud::{ExtraProperty, ScalarKind};
use pcseg::io::ply::{read_ply, write_ply, PlyEncoding, PlyWriteOptions};
use pcseg::io::shapenet_v0::read_seg;
use pcseg::io::xyz::{read_xyz, write_xyz, XyzLayout};
use pcseg::rng::Rng;
use pcseg::PointCloud;
use std::path::Path;

fn seeds() -> Vec<Vec<u8>> {
    let mut c = PointCloud::from_points(vec![[0.5, -1.0, 2.0], [3.0, 4.0, -5.5], [0.0, 0.0, 1.0]]);
    c.normals = Some(vec![[0.0, 0.0, 1.0]; 3]);
    c.labels = Some(vec![1, 2, 3]);
    c.extra.push(ExtraProperty {
        name: "i".into(),
        kind: ScalarKind::U16,
        values: vec![1.0, 2.0, 3.0],
    });
    let mut out = Vec::new();
    for encoding in [
        PlyEncoding::Ascii,
        PlyEncoding::BinaryLittleEndian,
        PlyEncoding::BinaryBigEndian,
    ] {
        let mut b = Vec::new();
        write_ply(
            &mut b,
            &c,
            &PlyWriteOptions {
                encoding,
                colours: None,
            },
        )
        .unwrap();
        out.push(b);
    }
    let mesh = "ply\nformat ascii 1.0\nelement face 1\nproperty list uchar int v\nelement vertex 2\n\
                property float x\nproperty float y\nproperty float z\nend_header\n3 0 1 1\n1 2 3\n4 5 6\n";
    out.push(mesh.as_bytes().to_vec());
    let mut t = Vec::new();
    write_xyz(&mut t, &c, XyzLayout::XyzNormalsLabel).unwrap();
    out.push(t);
    out.push(b"x,y,z\n1,2,3\n# c\n4,5,6\n".to_vec());
    out
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    match rng.below(5) {
        0 => b.truncate(rng.below(b.len() + 1)),
        1 => {
            for _ in 0..1 + rng.below(4) {
                if !b.is_empty() {
                    let i = rng.below(b.len());
                    b[i] = rng.next_u64() as u8;
                }
            }
        }
        2 => {
            let i = rng.below(b.len() + 1);
            let junk: Vec<u8> = (0..rng.below(20)).map(|_| rng.next_u64() as u8).collect();
            b.splice(i..i, junk);
        }
        3 => {
            // Swap a digit for another, or a header count for a huge one.
            let s = String::from_utf8_lossy(&b).replace(" 3\n", " 4000000000\n");
            b = s.into_bytes();
            b.truncate(rng.below(b.len() + 1));
        }
        _ => b = (0..rng.below(200)).map(|_| rng.next_u64() as u8).collect(),
    }
    b
}

fn check<T>(r: pcseg::Result<T>, name: &str) {
    if let Err(e) = r {
        let msg = e.to_string();
        assert!(msg.starts_with(name), "{msg}");
        assert!(!msg.contains('\n'), "{msg:?}");
    }
}

#[test]
fn random_and_truncated_bytes_never_panic() {
    let seeds = seeds();
    let mut rng = Rng::new(12345);
    let p = Path::new("fuzz.ply");
    let x = Path::new("fuzz.xyz");
    let s = Path::new("fuzz.seg");
    for _ in 0..4000 {
        let seed = rng.pick(&seeds).clone();
        let bytes = mutate(&mut rng, &seed);
        check(read_ply(&bytes[..], p), "fuzz.ply");
        check(read_xyz(&bytes[..], x), "fuzz.xyz");
        check(read_seg(&bytes[..], s), "fuzz.seg");
    }
    // Every prefix of each seed file.
    for seed in &seeds {
        for n in 0..seed.len() {
            check(read_ply(&seed[..n], p), "fuzz.ply");
            check(read_xyz(&seed[..n], x), "fuzz.xyz");
        }
    }
}
