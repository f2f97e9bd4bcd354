//! PLY header limits: huge or repetitive headers are refused with one line
//! naming the file (and quickly: the header is parsed in linear time), and a
//! property declared twice is an error, not silently merged.

use pcseg::io::ply::{read_ply, read_ply_header};
use pcseg::io::read_cloud;
use std::path::Path;

/// An ascii PLY with x, y, z and `extra` more float properties, one vertex.
fn wide_ply(extra: usize) -> Vec<u8> {
    let mut s = String::from(
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\n",
    );
    for i in 0..extra {
        s.push_str(&format!("property float p{i}\n"));
    }
    s.push_str("end_header\n1 2 3");
    for i in 0..extra {
        s.push_str(&format!(" {i}"));
    }
    s.push('\n');
    s.into_bytes()
}

fn header_err(bytes: &[u8]) -> String {
    read_ply_header(&mut &bytes[..], Path::new("h.ply"))
        .unwrap_err()
        .to_string()
}

#[test]
fn a_duplicated_property_name_is_refused_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("dup.ply");
    std::fs::write(
        &p,
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n\
         property float z\nproperty int source_label\nproperty int source_label\nend_header\n\
         1 2 3 4 5\n",
    )
    .unwrap();
    let e = read_cloud(&p, None).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}: line 8: property 'source_label' of 'vertex' declared twice",
            p.display()
        )
    );
}

#[test]
fn a_header_with_100k_properties_is_refused_on_one_line() {
    let e = header_err(&wide_ply(100_000));
    assert_eq!(
        e,
        "h.ply: line 1028: element 'vertex' has more than 1024 properties"
    );
    let e = read_ply(&wide_ply(100_000)[..], Path::new("wide.ply"))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("wide.ply: line 1028: "), "{e}");
    assert!(!e.contains('\n'), "{e}");
}

#[test]
fn a_header_with_1000_properties_still_parses_and_reads() {
    let bytes = wide_ply(997);
    let h = read_ply_header(&mut &bytes[..], Path::new("h.ply")).unwrap();
    assert_eq!(h.elements[0].properties.len(), 1000);
    assert_eq!(h.elements[0].properties[999].name, "p996");
    let cloud = read_ply(&bytes[..], Path::new("h.ply")).unwrap();
    assert_eq!(cloud.points, vec![[1.0, 2.0, 3.0]]);
    assert_eq!(cloud.extra.len(), 997);
    // Exactly at the limit is fine too.
    let bytes = wide_ply(1021);
    let h = read_ply_header(&mut &bytes[..], Path::new("h.ply")).unwrap();
    assert_eq!(h.elements[0].properties.len(), 1024);
}

#[test]
fn too_many_elements_lines_or_bytes_are_refused() {
    let mut s = String::from("ply\nformat ascii 1.0\n");
    for i in 0..300 {
        s.push_str(&format!("element e{i} 0\n"));
    }
    s.push_str("end_header\n");
    assert_eq!(
        header_err(s.as_bytes()),
        "h.ply: line 259: PLY header declares more than 256 elements"
    );

    // A megabyte of comments: refused once the header passes 1 MiB.
    let mut s = String::from("ply\nformat ascii 1.0\n");
    let comment = format!("comment {}\n", "c".repeat(1000));
    while s.len() < 2 << 20 {
        s.push_str(&comment);
    }
    s.push_str("end_header\n");
    let e = header_err(s.as_bytes());
    assert!(
        e.starts_with("h.ply: line ") && e.ends_with(": PLY header is larger than 1 MiB"),
        "{e}"
    );

    // Many short lines and no end_header: the message says what is wrong.
    let s = "ply\nformat ascii 1.0\n".to_string() + &"comment\n".repeat(120_000);
    assert_eq!(
        header_err(s.as_bytes()),
        "h.ply: line 100001: PLY header has more than 100000 lines (no end_header?)"
    );

    // One line longer than 4 KiB.
    let s = format!(
        "ply\nformat ascii 1.0\ncomment {}\nend_header\n",
        "x".repeat(5000)
    );
    assert_eq!(
        header_err(s.as_bytes()),
        "h.ply: line 3: PLY header line too long"
    );
}
