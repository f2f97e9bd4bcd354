//! Mesh readers (OBJ, OFF, STL, PLY, AC3D, glTF/GLB) on hand-written files,
//! their bad-input errors, and area-uniform surface sampling.

use pcseg::io::mesh::stl::{write_stl_ascii, write_stl_binary};
use pcseg::io::mesh::{is_mesh_path, read_mesh, sample_cloud, sample_surface, MeshFormat, TriMesh};
use pcseg::rng::Rng;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

/// A unit cube as 12 triangles, outward normals, one group per face pair.
fn cube() -> TriMesh {
    let mut m = TriMesh::new();
    for i in 0..8u32 {
        m.vertices
            .push([(i & 1) as f64, ((i >> 1) & 1) as f64, ((i >> 2) & 1) as f64]);
    }
    let quads: [[u32; 4]; 6] = [
        [0, 2, 3, 1], // z = 0, normal -z
        [4, 5, 7, 6], // z = 1
        [0, 1, 5, 4], // y = 0
        [2, 6, 7, 3], // y = 1
        [0, 4, 6, 2], // x = 0
        [1, 3, 7, 5], // x = 1
    ];
    for (k, q) in quads.iter().enumerate() {
        let g = m.group_id(["bottom", "top", "front", "back", "left", "right"][k]);
        m.push_polygon(q, g);
    }
    m
}

/// Every face normal of a closed convex mesh around `centre` points out.
fn normals_point_out(m: &TriMesh, centre: [f64; 3]) -> bool {
    (0..m.triangles.len()).all(|i| {
        let n = m.face_normal(i).unwrap();
        let c = m.corners(i);
        let mid: [f64; 3] =
            std::array::from_fn(|k| (c[0][k] + c[1][k] + c[2][k]) / 3.0 - centre[k]);
        n[0] * mid[0] + n[1] * mid[1] + n[2] * mid[2] > 0.0
    })
}

#[test]
fn mesh_paths_are_recognised() {
    for (p, f) in [
        ("a.obj", MeshFormat::Obj),
        ("a.OFF", MeshFormat::Off),
        ("a.stl", MeshFormat::Stl),
        ("a.ply", MeshFormat::Ply),
        ("a.ac", MeshFormat::Ac3d),
        ("a.acc", MeshFormat::Ac3d),
        ("a.glb", MeshFormat::Gltf),
        ("a.gltf", MeshFormat::Gltf),
    ] {
        assert_eq!(MeshFormat::from_path(Path::new(p)), Some(f), "{p}");
        assert!(is_mesh_path(Path::new(p)));
    }
    assert!(!is_mesh_path(Path::new("a.xyz")));
    assert!(!is_mesh_path(Path::new("obj")));
}

#[test]
fn obj_quads_groups_and_missing_mtl() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# a cube of quads in two groups, with a material library that is not there\n\
        mtllib nowhere.mtl\n\
        v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nv 0 0 1\nv 1 0 1\nv 0 1 1\nv 1 1 1\n\
        vt 0 0\nvn 0 0 1\n\
        o box\ng caps\nusemtl red\n\
        f 1/1 3/1 4/1 2/1\nf 5//1 6//1 8//1 7//1\n\
        g sides\n\
        f 1 2 6 5\nf 3 7 8 4\nf -8 -4 -2 -6\nf 2 4 8 6\n\
        l 1 2\np 3\n";
    let p = write(dir.path(), "cube.obj", text);
    let m = read_mesh(&p).unwrap();
    assert_eq!(m.triangles.len(), 12);
    assert!(close(m.total_area(), 6.0, 1e-12));
    assert!(m.group_names.contains(&"caps".to_string()));
    assert!(m.group_names.contains(&"sides".to_string()));
    let areas = m.group_areas();
    let caps = m.group_names.iter().position(|n| n == "caps").unwrap();
    let sides = m.group_names.iter().position(|n| n == "sides").unwrap();
    assert!(
        close(areas[caps], 2.0, 1e-12) && close(areas[sides], 4.0, 1e-12),
        "{areas:?}"
    );
    assert_eq!(m.bbox().unwrap(), ([0.0; 3], [1.0; 3]));
}

#[test]
fn obj_keeps_double_precision() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.obj",
        "v 0.1234567890123 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
    );
    let m = read_mesh(&p).unwrap();
    assert_eq!(m.vertices[0][0], 0.1234567890123);
}

#[test]
fn off_with_comments_polygons_and_header_variants() {
    let dir = tempfile::tempdir().unwrap();
    let text = "OFF # a tetrahedron plus a quad\n\
        # comment line\n\
        \n\
        5 5 0 # counts\n\
        0 0 0\n1 0 0\n0 1 0\n0 0 1 # apex\n\
        2 2 0\n\
        3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3 255 0 0\n\
        4 0 1 4 2\n";
    let p = write(dir.path(), "tet.off", text);
    let m = read_mesh(&p).unwrap();
    assert_eq!((m.vertices.len(), m.triangles.len()), (5, 6));
    let tet = 1.5 + 3f64.sqrt() / 2.0;
    let quad = 0.5 * 2.0 + 0.5 * 2.0; // triangles (0,1,4) and (0,4,2)
    assert!(
        close(m.total_area(), tet + quad, 1e-12),
        "{}",
        m.total_area()
    );
    // Glued counts (ModelNet) and COFF/NOFF variants with extra vertex columns.
    let p = write(
        dir.path(),
        "glued.off",
        "OFF3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n",
    );
    assert_eq!(read_mesh(&p).unwrap().triangles.len(), 1);
    let p = write(
        dir.path(),
        "c.off",
        "NOFF\n3 1 0\n0 0 0 0 0 1\n1 0 0 0 0 1\n0 1 0 0 0 1\n3 0 1 2\n",
    );
    assert!(close(read_mesh(&p).unwrap().total_area(), 0.5, 1e-12));
    let p = write(
        dir.path(),
        "d.off",
        "OFF 3 1 0\n0 0 0\n2 0 0\n0 2 0\n3 0 1 2\n",
    );
    assert!(close(read_mesh(&p).unwrap().total_area(), 2.0, 1e-12));
}

#[test]
fn stl_ascii_and_binary_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let c = cube();
    let mut ascii = Vec::new();
    write_stl_ascii(&mut ascii, &c).unwrap();
    let p = write(dir.path(), "cube_ascii.stl", &ascii);
    let a = read_mesh(&p).unwrap();
    assert_eq!((a.vertices.len(), a.triangles.len()), (8, 12));
    assert_eq!(a.group_names.len(), 6);
    assert!(close(a.total_area(), 6.0, 1e-12));
    assert!(normals_point_out(&a, [0.5; 3]));
    let mut bin = Vec::new();
    write_stl_binary(&mut bin, &c, b"pcseg test").unwrap();
    assert_eq!(bin.len(), 84 + 50 * 12);
    let p = write(dir.path(), "cube_bin.stl", &bin);
    let b = read_mesh(&p).unwrap();
    assert_eq!((b.vertices.len(), b.triangles.len()), (8, 12));
    for i in 0..12 {
        assert_eq!(b.corners(i), c.corners(i));
    }
    assert!(normals_point_out(&b, [0.5; 3]));
}

#[test]
fn binary_stl_whose_header_starts_with_solid() {
    let dir = tempfile::tempdir().unwrap();
    let mut bin = Vec::new();
    write_stl_binary(&mut bin, &cube(), b"solid exported by some CAD tool").unwrap();
    assert!(bin.starts_with(b"solid"));
    let p = write(dir.path(), "solid.stl", &bin);
    let m = read_mesh(&p).unwrap();
    assert_eq!(m.triangles.len(), 12);
    assert!(close(m.total_area(), 6.0, 1e-12));
}

/// The cube as a PLY body with quads, extra vertex and face properties.
fn cube_ply(encoding: &str) -> Vec<u8> {
    let c = cube();
    let mut out = format!(
        "ply\nformat {encoding} 1.0\ncomment a cube\nelement vertex 8\n\
         property double x\nproperty float y\nproperty float z\nproperty uchar red\n\
         element face 6\nproperty uchar flags\nproperty list uchar int vertex_indices\n\
         element edge 1\nproperty int a\nproperty int b\nend_header\n"
    )
    .into_bytes();
    let quads: [[i32; 4]; 6] = [
        [0, 2, 3, 1],
        [4, 5, 7, 6],
        [0, 1, 5, 4],
        [2, 6, 7, 3],
        [0, 4, 6, 2],
        [1, 3, 7, 5],
    ];
    let big = encoding == "binary_big_endian";
    let f64b = |v: f64| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let f32b = |v: f32| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let i32b = |v: i32| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    if encoding == "ascii" {
        let mut s = String::new();
        for p in &c.vertices {
            s += &format!("{} {} {} 200\n", p[0], p[1], p[2]);
        }
        for q in &quads {
            s += &format!("7 4 {} {} {} {}\n", q[0], q[1], q[2], q[3]);
        }
        s += "0 1\n";
        out.extend_from_slice(s.as_bytes());
    } else {
        for p in &c.vertices {
            out.extend_from_slice(&f64b(p[0]));
            out.extend_from_slice(&f32b(p[1] as f32));
            out.extend_from_slice(&f32b(p[2] as f32));
            out.push(200);
        }
        for q in &quads {
            out.extend_from_slice(&[7, 4]);
            for &v in q {
                out.extend_from_slice(&i32b(v));
            }
        }
        out.extend_from_slice(&i32b(0));
        out.extend_from_slice(&i32b(1));
    }
    out
}

#[test]
fn ply_meshes_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    for enc in ["ascii", "binary_little_endian", "binary_big_endian"] {
        let p = write(dir.path(), &format!("cube_{enc}.ply"), cube_ply(enc));
        let m = read_mesh(&p).unwrap_or_else(|e| panic!("{enc}: {e}"));
        assert_eq!((m.vertices.len(), m.triangles.len()), (8, 12), "{enc}");
        assert!(close(m.total_area(), 6.0, 1e-12), "{enc}");
        assert!(normals_point_out(&m, [0.5; 3]), "{enc}");
    }
    // `vertex_index` is accepted too.
    let text = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n\
        property float z\nelement face 1\nproperty list uchar uint vertex_index\nend_header\n\
        0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n";
    let p = write(dir.path(), "tri.ply", text);
    assert!(close(read_mesh(&p).unwrap().total_area(), 0.5, 1e-12));
}

const AC3D: &str = "AC3Db
MATERIAL \"grey\" rgb 0.5 0.5 0.5  amb 0.2 0.2 0.2  emis 0 0 0  spec 0 0 0  shi 10  trans 0
OBJECT world
kids 2
OBJECT poly
name \"floor\"
data 11
hello
world
numvert 4
0 0 0
1 0 0
1 0 1
0 0 1
numsurf 1
SURF 0x10
mat 0
refs 4
0 0 0
3 0 1
2 1 1
1 1 0
kids 0
OBJECT group
name \"outer\"
loc 10 0 0
kids 1
OBJECT poly
name \"inner\"
rot 0 1 0 -1 0 0 0 0 1
loc 0 5 0
texture \"skin.png\"
crease 30.0
numvert 4
0 0 0 0 0 1
2 0 0 0 0 1
0 3 0 0 0 1
2 3 0 0 0 1
numsurf 2
SURF 0X14
mat 0
refs 4
0 0 0 0 0
1 1 0 1 0
2 0 1 0 1
3 1 1 1 1
SURF 0x12
mat 0
refs 2
0 0 0
1 1 0
kids 0
";

#[test]
fn ac3d_hierarchy_transforms_strips_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "model.ac", AC3D);
    let m = read_mesh(&p).unwrap();
    assert_eq!(
        m.group_names,
        vec!["floor".to_string(), "inner".to_string()]
    );
    // floor quad: 2 triangles; inner strip of 4: 2 triangles; the line is skipped.
    assert_eq!(m.triangles.len(), 4);
    let areas = m.group_areas();
    assert!(
        close(areas[0], 1.0, 1e-12) && close(areas[1], 6.0, 1e-12),
        "{areas:?}"
    );
    // The floor's normal is up (+y) with that corner order.
    assert!(m.face_normal(0).unwrap()[1] > 0.99);
    // inner: v' = v R + loc (row vector, PLIB), then the parent's loc:
    // (x, y, 0) -> (-y, x, 0) + (0, 5, 0) + (10, 0, 0).
    let inner: Vec<[f64; 3]> = m.vertices[4..].to_vec();
    let expect = [
        [10.0, 5.0, 0.0],
        [10.0, 7.0, 0.0],
        [7.0, 5.0, 0.0],
        [7.0, 7.0, 0.0],
    ];
    for (a, e) in inner.iter().zip(&expect) {
        for k in 0..3 {
            assert!((a[k] - e[k]).abs() < 1e-12, "{inner:?}");
        }
    }
    // The strip keeps a consistent orientation: both triangles face the same way.
    let n2 = m.face_normal(2).unwrap();
    let n3 = m.face_normal(3).unwrap();
    assert!(n2[2] * n3[2] > 0.0, "{n2:?} {n3:?}");
}

/// A minimal glTF document of one triangle with `translation`, its buffer
/// given as `uri` (or the GLB chunk when `None`).
fn gltf_json(uri: Option<&str>) -> String {
    let buffer = match uri {
        Some(u) => format!("{{\"byteLength\": 42, \"uri\": \"{u}\"}}"),
        None => "{\"byteLength\": 42}".to_string(),
    };
    format!(
        "{{\"asset\": {{\"version\": \"2.0\"}}, \"scene\": 0, \"scenes\": [{{\"nodes\": [0]}}],\
         \"nodes\": [{{\"name\": \"root\", \"translation\": [0, 0, 2], \"children\": [1]}}, \
         {{\"mesh\": 0, \"scale\": [2, 2, 2]}}],\
         \"meshes\": [{{\"name\": \"tri\", \"primitives\": [{{\"attributes\": {{\"POSITION\": 0}}, \"indices\": 1}}]}}],\
         \"accessors\": [{{\"bufferView\": 0, \"componentType\": 5126, \"count\": 3, \"type\": \"VEC3\", \
         \"min\": [0, 0, 0], \"max\": [1, 1, 0]}}, \
         {{\"bufferView\": 1, \"componentType\": 5123, \"count\": 3, \"type\": \"SCALAR\"}}],\
         \"bufferViews\": [{{\"buffer\": 0, \"byteOffset\": 0, \"byteLength\": 36}}, \
         {{\"buffer\": 0, \"byteOffset\": 36, \"byteLength\": 6}}],\
         \"buffers\": [{buffer}]}}"
    )
}

fn gltf_bin() -> Vec<u8> {
    let mut b = Vec::new();
    for v in [0f32, 0., 0., 1., 0., 0., 0., 1., 0.] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for i in [0u16, 1, 2] {
        b.extend_from_slice(&i.to_le_bytes());
    }
    b
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                s.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn glb(json: &str, bin: &[u8]) -> Vec<u8> {
    let mut j = json.as_bytes().to_vec();
    while !j.len().is_multiple_of(4) {
        j.push(b' ');
    }
    let mut b = bin.to_vec();
    while !b.len().is_multiple_of(4) {
        b.push(0);
    }
    let total = 12 + 8 + j.len() + 8 + b.len();
    let mut out = Vec::new();
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&(j.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&j);
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b"BIN\0");
    out.extend_from_slice(&b);
    out
}

#[test]
fn gltf_and_glb_with_node_transforms() {
    let dir = tempfile::tempdir().unwrap();
    let uri = format!(
        "data:application/octet-stream;base64,{}",
        base64(&gltf_bin())
    );
    let files = [
        write(dir.path(), "inline.gltf", gltf_json(Some(&uri))),
        {
            write(dir.path(), "tri data.bin", gltf_bin());
            write(
                dir.path(),
                "external.gltf",
                gltf_json(Some("tri%20data.bin")),
            )
        },
        write(dir.path(), "binary.glb", glb(&gltf_json(None), &gltf_bin())),
    ];
    for p in &files {
        let m = read_mesh(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(m.triangles.len(), 1);
        assert_eq!(m.group_names, vec!["tri".to_string()]);
        // scale 2 then translate z by 2.
        assert!(close(m.total_area(), 2.0, 1e-12));
        assert_eq!(
            m.corners(0),
            [[0.0, 0.0, 2.0], [2.0, 0.0, 2.0], [0.0, 2.0, 2.0]]
        );
    }
}

/// Every bad input gives a one-line error naming the file, never a panic.
#[test]
fn bad_inputs_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bin = Vec::new();
    write_stl_binary(&mut bin, &cube(), b"x").unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("short.stl", bin[..bin.len() - 7].to_vec(), "truncated"),
        ("tiny.stl", b"abc".to_vec(), "not an STL"),
        ("open.stl", b"solid a\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\n".to_vec(), "truncated"),
        ("range.off", b"OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 3\n".to_vec(), "out of range"),
        ("nan.off", b"OFF\n3 1 0\n0 0 0\nnan 0 0\n0 1 0\n3 0 1 2\n".to_vec(), "not finite"),
        ("none.off", b"OFF\n3 0 0\n0 0 0\n1 0 0\n0 1 0\n".to_vec(), "no triangles"),
        ("flat.off", b"OFF\n3 1 0\n0 0 0\n1 0 0\n2 0 0\n3 0 1 2\n".to_vec(), "no surface area"),
        ("cut.off", b"OFF\n3 1 0\n0 0 0\n1 0 0\n".to_vec(), "ends after 2 of 3 vertices"),
        ("word.off", b"OFF\n3 1 0\n0 0 0\n1 x 0\n0 1 0\n3 0 1 2\n".to_vec(), "bad number"),
        ("4d.off", b"4OFF\n".to_vec(), "unsupported OFF variant"),
        ("range.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n".to_vec(), "out of range"),
        ("empty.obj", b"v 0 0 0\n".to_vec(), "no triangles"),
        ("bad.obj", b"v 0 zero 0\n".to_vec(), "bad OBJ"),
        (
            "cloud.ply",
            b"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n".to_vec(),
            "no 'face' element",
        ),
        ("short.ply", cube_ply("binary_little_endian")[..300].to_vec(), "truncated"),
        ("range.ply", String::from_utf8(cube_ply("ascii")).unwrap().replace("7 4 0 2 3 1", "7 4 0 2 3 9").into_bytes(), "out of range"),
        ("cut.ac", AC3D.as_bytes()[..AC3D.len() - 60].to_vec(), "truncated"),
        ("range.ac", AC3D.replace("3 0 1\n2 1 1", "7 0 1\n2 1 1").into_bytes(), "out of range"),
        ("nothing.ac", b"hello\n".to_vec(), "not an AC3D"),
        ("garbage.glb", b"glTF\x02\x00\x00\x00garbage".to_vec(), "bad glTF"),
        ("short.glb", glb(&gltf_json(None), &gltf_bin()[..20]), "truncated"),
        ("mesh.xyz", b"0 0 0\n".to_vec(), "unknown mesh format"),
    ];
    for (name, bytes, expect) in &cases {
        let p = write(dir.path(), name, bytes);
        let e = read_mesh(&p).expect_err(name).to_string();
        assert!(e.contains(name), "{name}: {e}");
        assert!(e.contains(expect), "{name}: expected '{expect}' in: {e}");
        assert!(!e.contains('\n'), "{name}: {e}");
    }
    let e = read_mesh(&dir.path().join("missing.obj"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.obj"), "{e}");
    let e = read_mesh(&dir.path().join("missing.stl"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.stl"), "{e}");
}

/// Truncations and byte flips of every fixture give `Ok` or `Err`, never a
/// panic.
#[test]
fn mangled_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut bin = Vec::new();
    write_stl_binary(&mut bin, &cube(), b"solid").unwrap();
    let mut ascii = Vec::new();
    write_stl_ascii(&mut ascii, &cube()).unwrap();
    let fixtures: Vec<(&str, Vec<u8>)> = vec![
        ("a.stl", bin),
        ("b.stl", ascii),
        ("a.ply", cube_ply("ascii")),
        ("b.ply", cube_ply("binary_big_endian")),
        ("a.ac", AC3D.as_bytes().to_vec()),
        (
            "a.off",
            b"OFF\n4 2 0\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n3 0 1 2\n3 1 3 2\n".to_vec(),
        ),
        (
            "a.obj",
            b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 1\nf 1 2 3 4\ng x\nf 1/1/1 2 3\n".to_vec(),
        ),
        ("a.glb", glb(&gltf_json(None), &gltf_bin())),
    ];
    let mut rng = Rng::new(11);
    for (name, bytes) in &fixtures {
        let p = dir.path().join(name);
        for cut in (0..bytes.len()).step_by((bytes.len() / 40).max(1)) {
            std::fs::write(&p, &bytes[..cut]).unwrap();
            let _ = read_mesh(&p);
        }
        for _ in 0..200 {
            let mut b = bytes.clone();
            for _ in 0..3 {
                let i = rng.below(b.len());
                b[i] = *rng.pick(b"0123456789 -.\n\x00\xffeE/#");
            }
            std::fs::write(&p, &b).unwrap();
            if let Ok(m) = read_mesh(&p) {
                m.validate(&p).unwrap();
                sample_surface(&m, 10, 1).unwrap();
            }
        }
    }
}

/// Six triangles with areas from 0.09 to 400.
fn unequal_mesh() -> TriMesh {
    let mut m = TriMesh::new();
    let g = m.group_id("all");
    for (k, s) in [0.3f64, 1.0, 2.0, 3.5, 7.0, 20.0].into_iter().enumerate() {
        let z = k as f64;
        let b = m.vertices.len() as u32;
        m.vertices
            .extend([[0.0, 0.0, z], [s, 0.0, z], [0.0, 2.0 * s, z]]);
        m.push_triangle([b, b + 1, b + 2], g);
    }
    // A degenerate triangle that must never be drawn.
    m.push_triangle([0, 1, 1], g);
    m
}

#[test]
fn sampling_is_area_uniform_chi_square() {
    let m = unequal_mesh();
    let n = 200_000;
    let s = sample_surface(&m, n, 42).unwrap();
    let total = m.total_area();
    let mut counts = vec![0f64; m.triangles.len()];
    for &t in &s.triangles {
        counts[t as usize] += 1.0;
    }
    assert_eq!(counts[6], 0.0, "degenerate triangle drawn");
    let mut chi2 = 0.0;
    for (i, c) in counts.iter().enumerate().take(6) {
        let expected = n as f64 * m.triangle_area(i) / total;
        assert!(expected > 20.0);
        chi2 += (c - expected).powi(2) / expected;
    }
    // 5 degrees of freedom: P(chi2 > 25.7) = 1e-4.
    assert!(chi2 < 25.7, "chi-square {chi2} with counts {counts:?}");
    // Within a triangle, uniform too: the mean of points is the centroid.
    let big: Vec<_> = s
        .points
        .iter()
        .zip(&s.triangles)
        .filter(|(_, &t)| t == 5)
        .collect();
    let mean: [f64; 2] = std::array::from_fn(|k| {
        big.iter().map(|(p, _)| p[k] as f64).sum::<f64>() / big.len() as f64
    });
    assert!(
        (mean[0] - 20.0 / 3.0).abs() < 0.1 && (mean[1] - 40.0 / 3.0).abs() < 0.2,
        "{mean:?}"
    );
    // And the share of points in the half-area sub-triangle near the right
    // angle (legs scaled by 1/sqrt 2) is one half.
    let r = 1.0 / 2f64.sqrt();
    let inside = big
        .iter()
        .filter(|(p, _)| (p[0] as f64) / (20.0 * r) + (p[1] as f64) / (40.0 * r) < 1.0)
        .count() as f64
        / big.len() as f64;
    assert!((inside - 0.5).abs() < 0.01, "{inside}");
}

#[test]
fn sample_normals_are_unit_face_normals_and_seeds_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "model.ac", AC3D);
    let m = read_mesh(&p).unwrap();
    let s = sample_surface(&m, 5000, 9).unwrap();
    assert_eq!(
        (s.points.len(), s.normals.len(), s.triangles.len()),
        (5000, 5000, 5000)
    );
    for (n, &t) in s.normals.iter().zip(&s.triangles) {
        let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        assert!((len - 1.0).abs() < 1e-6);
        let f = m.face_normal(t as usize).unwrap();
        for k in 0..3 {
            assert!((n[k] as f64 - f[k]).abs() < 1e-6);
        }
    }
    // Points lie in their triangle's plane.
    for (p, &t) in s.points.iter().zip(&s.triangles) {
        let f = m.face_normal(t as usize).unwrap();
        let a = m.corners(t as usize)[0];
        let d: f64 = (0..3).map(|k| (p[k] as f64 - a[k]) * f[k]).sum();
        assert!(d.abs() < 1e-5);
    }
    assert_eq!(sample_surface(&m, 5000, 9).unwrap(), s);
    assert_ne!(sample_surface(&m, 5000, 10).unwrap().points, s.points);
    let groups = s.groups(&m);
    let inner = groups.iter().filter(|&&g| g == 1).count() as f64 / 5000.0;
    assert!((inner - 6.0 / 7.0).abs() < 0.03, "{inner}");
    let cloud = sample_cloud(&m, 100, 9).unwrap();
    assert_eq!(cloud.len(), 100);
    assert_eq!(cloud.normals.as_ref().unwrap()[..], s.normals[..100]);
    assert_eq!(cloud.points[..], s.points[..100]);
}

/// Files written by Python's trimesh (when it is installed) read with the
/// same triangle count and area.
#[test]
fn files_written_by_trimesh_when_available() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import sys, trimesh
d = sys.argv[1]
m = trimesh.creation.icosphere(subdivisions=2, radius=1.5)
m.apply_translation([0.25, -1.0, 3.0])
for ext in ["stl", "ply", "obj", "off", "glb"]:
    m.export(f"{d}/sphere.{ext}")
trimesh.creation.box(extents=[1, 2, 3]).export(f"{d}/box.stl", file_type="stl_ascii")
print(len(m.faces), repr(float(m.area)))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir.path())
        .output();
    let out = match out {
        Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
        _ => {
            eprintln!("skipping: python3 with trimesh is not available");
            return;
        }
    };
    let mut it = out.split_whitespace();
    let faces: usize = it.next().unwrap().parse().unwrap();
    let area: f64 = it.next().unwrap().parse().unwrap();
    for ext in ["stl", "ply", "obj", "off", "glb"] {
        let p = dir.path().join(format!("sphere.{ext}"));
        let m = read_mesh(&p).unwrap_or_else(|e| panic!("{ext}: {e}"));
        assert_eq!(m.triangles.len(), faces, "{ext}");
        assert!(
            close(m.total_area(), area, 1e-5),
            "{ext}: {} vs {area}",
            m.total_area()
        );
        assert!(normals_point_out(&m, [0.25, -1.0, 3.0]), "{ext}");
    }
    let b = read_mesh(&dir.path().join("box.stl")).unwrap();
    assert_eq!((b.vertices.len(), b.triangles.len()), (8, 12));
    assert!(close(b.total_area(), 22.0, 1e-9));
}

/// Survey of the meshes indexed by `scripts/fetch_meshes.sh` (index at
/// `$PCSEG_MESH_INDEX`, default `/tmp/pcseg-meshes/index.tsv`): reads every
/// mesh, prints per category how many read, triangle counts and bounding-box
/// proportions, and writes a 2,048-point sample of each to `samples/` beside
/// the index for rendering. `cargo test --release --test integration
/// mesh_index_survey -- --ignored --nocapture`
#[test]
#[ignore]
fn mesh_index_survey() {
    let index = std::env::var("PCSEG_MESH_INDEX").unwrap_or("/tmp/pcseg-meshes/index.tsv".into());
    let Ok(text) = std::fs::read_to_string(&index) else {
        eprintln!("skipping: no mesh index at {index} (run scripts/fetch_meshes.sh)");
        return;
    };
    let out = Path::new(&index).parent().unwrap().join("samples");
    let mut by_cat: std::collections::BTreeMap<String, (usize, Vec<usize>, Vec<String>)> =
        Default::default();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (cat, path) = (cols[0], Path::new(cols[1]));
        let entry = by_cat.entry(cat.to_string()).or_default();
        entry.0 += 1;
        let t = std::time::Instant::now();
        match read_mesh(path) {
            Ok(m) => {
                let (lo, hi) = m.bbox().unwrap();
                let ext: [f64; 3] = std::array::from_fn(|k| hi[k] - lo[k]);
                let big = ext.iter().cloned().fold(0.0, f64::max);
                let s = sample_cloud(&m, 2048, 1).unwrap();
                let dir = out.join(cat);
                std::fs::create_dir_all(&dir).unwrap();
                let name = format!("{:03}.ply", entry.1.len());
                pcseg::io::write_cloud(&dir.join(&name), &s, None, &Default::default()).unwrap();
                println!(
                    "{cat}\t{name}\t{} tris\t{} groups\text {:.2} {:.2} {:.2}\tsize {:.3}\t{:.0} ms\t{}",
                    m.triangles.len(),
                    m.group_names.len(),
                    ext[0] / big,
                    ext[1] / big,
                    ext[2] / big,
                    big,
                    t.elapsed().as_secs_f64() * 1e3,
                    path.display()
                );
                entry.1.push(m.triangles.len());
            }
            Err(e) => entry.2.push(e.to_string()),
        }
    }
    for (cat, (n, mut tris, errs)) in by_cat {
        tris.sort_unstable();
        let med = tris.get(tris.len() / 2).copied().unwrap_or(0);
        println!(
            "SUMMARY {cat}: {}/{n} read, triangles min {} median {med} max {}",
            tris.len(),
            tris.first().copied().unwrap_or(0),
            tris.last().copied().unwrap_or(0)
        );
        for e in errs {
            println!("  FAIL {e}");
        }
    }
}
