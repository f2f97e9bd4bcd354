//! PLY files built from a structured description (encoding, elements before
//! and after `vertex`, vertex properties of every type with names that
//! matter to pcseg, generated records, trailing bytes), so the fuzzer spends
//! its time in the body decoder rather than on header syntax.
//!
//! Checks: those of `ply_read`, and, for a file that is well formed by
//! construction, that it is accepted and its coordinates are the generated
//! ones.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use pcseg::io::ply::read_ply;
use std::fmt::Write as _;
use std::path::Path;

const NAME: &str = "fuzz.ply";

/// Property names: the ones pcseg interprets, and a few others.
const NAMES: [&str; 16] = [
    "x",
    "y",
    "z",
    "nx",
    "ny",
    "nz",
    "label",
    "class",
    "part",
    "scalar_label",
    "red",
    "green",
    "blue",
    "intensity",
    "vertex_indices",
    "t",
];
const LABEL_NAMES: [&str; 4] = ["label", "scalar_label", "class", "part"];
/// Type names, canonical and sized aliases.
const TYPES: [&str; 16] = [
    "char", "uchar", "short", "ushort", "int", "uint", "float", "double", "int8", "uint8", "int16",
    "uint16", "int32", "uint32", "float32", "float64",
];

#[derive(Arbitrary, Debug)]
struct Prop {
    name: u8,
    ty: u8,
    /// A list property: count type and length bound.
    list: Option<(u8, u8)>,
}

#[derive(Arbitrary, Debug)]
struct Elem {
    name: u8,
    count: u8,
    props: Vec<Prop>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    encoding: u8,
    before: Vec<Elem>,
    /// x y z (random types) first.
    with_xyz: bool,
    xyz_types: [u8; 3],
    vertex: Vec<Prop>,
    count: u8,
    /// Records written minus records declared (0 most of the time).
    short_by: u8,
    after: Option<Elem>,
    values: Vec<u32>,
    /// ASCII formatting: separators, line endings, float style.
    style: u8,
    tail: Vec<u8>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Int { bytes: usize, signed: bool },
    F32,
    F64,
}

fn kind(t: usize) -> Kind {
    match t % 8 {
        0 => Kind::Int {
            bytes: 1,
            signed: true,
        },
        1 => Kind::Int {
            bytes: 1,
            signed: false,
        },
        2 => Kind::Int {
            bytes: 2,
            signed: true,
        },
        3 => Kind::Int {
            bytes: 2,
            signed: false,
        },
        4 => Kind::Int {
            bytes: 4,
            signed: true,
        },
        5 => Kind::Int {
            bytes: 4,
            signed: false,
        },
        6 => Kind::F32,
        _ => Kind::F64,
    }
}

/// A property as written: name, type index, list (count type, bound).
#[derive(Clone)]
struct P {
    name: &'static str,
    ty: usize,
    list: Option<(usize, usize)>,
}

fn props(src: &[Prop], max: usize) -> Vec<P> {
    src.iter()
        .take(max)
        .map(|p| P {
            name: NAMES[p.name as usize % NAMES.len()],
            ty: p.ty as usize % TYPES.len(),
            // Float list counts are refused by pcseg; keep them rare.
            list: p
                .list
                .map(|(c, n)| (c as usize % TYPES.len(), n as usize % 4)),
        })
        .collect()
}

struct Values<'a> {
    src: &'a [u32],
    i: usize,
}

impl Values<'_> {
    fn next(&mut self) -> u32 {
        let v = self
            .src
            .get(self.i)
            .copied()
            .unwrap_or(self.i as u32 * 2_654_435_761);
        self.i += 1;
        v
    }

    /// A value of `k`: in range for integers (non-negative when
    /// `unsigned_only`), finite and moderate when `finite`, else any bits.
    fn value(&mut self, k: Kind, finite: bool, unsigned_only: bool) -> f64 {
        let r = self.next();
        match k {
            Kind::Int { bytes, signed } => {
                let bits = 8 * bytes as u32;
                let u = if bits == 32 {
                    r as u64
                } else {
                    r as u64 % (1u64 << bits)
                };
                if signed && !unsigned_only {
                    (u as i64 - (1i64 << (bits - 1))) as f64
                } else if signed {
                    (u % (1u64 << (bits - 1))) as f64
                } else {
                    u as f64
                }
            }
            Kind::F32 | Kind::F64 if finite => (r as i32 as f64) / 65536.0,
            Kind::F32 => f32::from_bits(r) as f64,
            Kind::F64 => f64::from_bits(((r as u64) << 32) | self.next() as u64),
        }
    }
}

fn encode(out: &mut Vec<u8>, k: Kind, v: f64, big: bool) {
    macro_rules! put {
        ($x:expr) => {
            if big {
                out.extend_from_slice(&$x.to_be_bytes())
            } else {
                out.extend_from_slice(&$x.to_le_bytes())
            }
        };
    }
    match k {
        Kind::Int {
            bytes: 1,
            signed: true,
        } => put!(v as i8),
        Kind::Int { bytes: 1, .. } => put!(v as u8),
        Kind::Int {
            bytes: 2,
            signed: true,
        } => put!(v as i16),
        Kind::Int { bytes: 2, .. } => put!(v as u16),
        Kind::Int { signed: true, .. } => put!(v as i32),
        Kind::Int { .. } => put!(v as u32),
        Kind::F32 => put!(v as f32),
        Kind::F64 => put!(v),
    }
}

fn ascii(out: &mut String, k: Kind, v: f64, style: u8) {
    match k {
        Kind::Int { .. } => write!(out, "{}", v as i64),
        Kind::F32 if style & 8 != 0 => write!(out, "{:e}", v as f32),
        Kind::F32 => write!(out, "{}", v as f32),
        Kind::F64 if style & 8 != 0 => write!(out, "{v:e}"),
        Kind::F64 => write!(out, "{v}"),
    }
    .unwrap();
}

/// Body of `count` records of `ps`. Returns the x y z of each record when
/// the element has them.
fn records(
    ps: &[P],
    count: usize,
    enc: usize,
    style: u8,
    vals: &mut Values,
    body: &mut Vec<u8>,
) -> Vec<[f32; 3]> {
    let mut xyz = Vec::with_capacity(count);
    for _ in 0..count {
        let mut line = String::new();
        let mut p3 = [0f32; 3];
        for (j, p) in ps.iter().enumerate() {
            let k = kind(p.ty);
            let sep = if j == 0 {
                ""
            } else if style & 1 != 0 {
                " \t "
            } else {
                " "
            };
            line.push_str(sep);
            if let Some((ct, bound)) = p.list {
                let n = vals.next() as usize % (bound + 1);
                let ck = kind(ct);
                if enc == 0 {
                    write!(line, "{n}").unwrap();
                } else {
                    encode(body, ck, n as f64, enc == 2);
                }
                for _ in 0..n {
                    let v = vals.value(k, false, false);
                    if enc == 0 {
                        line.push(' ');
                        ascii(&mut line, k, v, style);
                    } else {
                        encode(body, k, v, enc == 2);
                    }
                }
                continue;
            }
            let coord = ["x", "y", "z", "nx", "ny", "nz"].contains(&p.name);
            let v = vals.value(k, coord, LABEL_NAMES.contains(&p.name));
            if let Some(a) = ["x", "y", "z"].iter().position(|&n| n == p.name) {
                p3[a] = v as f32;
            }
            if enc == 0 {
                ascii(&mut line, k, v, style);
            } else {
                encode(body, k, v, enc == 2);
            }
        }
        if enc == 0 {
            body.extend_from_slice(line.as_bytes());
            body.extend_from_slice(if style & 2 != 0 { b" \r\n" } else { b"\n" });
        }
        xyz.push(p3);
    }
    xyz
}

fn declare(header: &mut String, name: &str, count: usize, ps: &[P]) {
    writeln!(header, "element {name} {count}").unwrap();
    for p in ps {
        match p.list {
            Some((ct, _)) => {
                writeln!(
                    header,
                    "property list {} {} {}",
                    TYPES[ct], TYPES[p.ty], p.name
                )
            }
            None => writeln!(header, "property {} {}", TYPES[p.ty], p.name),
        }
        .unwrap();
    }
}

fn unique(names: impl Iterator<Item = String>) -> bool {
    let mut seen = std::collections::HashSet::new();
    names.into_iter().all(|n| seen.insert(n))
}

fuzz_target!(|input: Input| {
    let enc = input.encoding as usize % 3;
    let mut vertex = Vec::new();
    if input.with_xyz {
        for (name, t) in ["x", "y", "z"].into_iter().zip(input.xyz_types) {
            vertex.push(P {
                name,
                ty: t as usize % TYPES.len(),
                list: None,
            });
        }
    }
    vertex.extend(props(&input.vertex, 12));
    let before: Vec<(String, usize, Vec<P>)> = input
        .before
        .iter()
        .take(2)
        .map(|e| {
            (
                format!("e{}", e.name % 4),
                e.count as usize % 9,
                props(&e.props, 4),
            )
        })
        .collect();
    let after = input.after.as_ref().map(|e| {
        (
            format!("e{}", e.name % 4),
            e.count as usize % 9,
            props(&e.props, 4),
        )
    });
    let declared = input.count as usize;
    let written = declared.saturating_sub(if input.short_by.is_multiple_of(8) {
        input.short_by as usize / 8
    } else {
        0
    });

    let mut header = String::from("ply\n");
    header.push_str(
        [
            "format ascii 1.0\n",
            "format binary_little_endian 1.0\n",
            "format binary_big_endian 1.0\n",
        ][enc],
    );
    header.push_str("comment structured fuzz input\n");
    for (name, count, ps) in &before {
        declare(&mut header, name, *count, ps);
    }
    declare(&mut header, "vertex", declared, &vertex);
    if let Some((name, count, ps)) = &after {
        declare(&mut header, name, *count, ps);
    }
    header.push_str("end_header\n");

    let mut vals = Values {
        src: &input.values,
        i: 0,
    };
    let mut bytes = header.into_bytes();
    for (_, count, ps) in &before {
        records(ps, *count, enc, input.style, &mut vals, &mut bytes);
    }
    let xyz = records(&vertex, written, enc, input.style, &mut vals, &mut bytes);
    let mut after_complete = true;
    if let Some((_, count, ps)) = &after {
        if written == declared {
            records(ps, *count, enc, input.style, &mut vals, &mut bytes);
        } else {
            after_complete = false;
        }
    }
    bytes.extend_from_slice(&input.tail);

    let path = Path::new(NAME);
    let result = read_ply(&bytes[..], path);
    let well_formed = declared > 0
        && written == declared
        && after_complete
        && input.tail.is_empty()
        && vertex.iter().all(|p| p.list.is_none())
        && ["x", "y", "z"]
            .iter()
            .all(|n| vertex.iter().any(|p| p.name == *n))
        && unique(vertex.iter().map(|p| p.name.to_string()))
        && unique(
            before
                .iter()
                .chain(&after)
                .map(|e| e.0.clone())
                .chain(["vertex".to_string()]),
        )
        && before.iter().chain(&after).all(|e| !e.2.is_empty())
        && before
            .iter()
            .chain(&after)
            .all(|e| unique(e.2.iter().map(|p| p.name.to_string())))
        && before.iter().chain(&after).all(|e| {
            e.2.iter().all(|p| {
                p.list
                    .is_none_or(|(c, _)| !matches!(kind(c), Kind::F32 | Kind::F64))
            })
        });
    match result {
        Ok(cloud) => {
            common::check_cloud(&cloud, NAME);
            if well_formed {
                assert_eq!(
                    cloud.points, xyz,
                    "decoded coordinates differ from the written ones"
                );
            }
            common::check_ply_round_trip(&cloud);
        }
        Err(e) => {
            common::check_error(&e, NAME);
            assert!(
                !well_formed,
                "a well-formed file was refused: {e}\n{}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }
});
