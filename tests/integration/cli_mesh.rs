//! Meshes through the binary: `run`, `info` and `render` on OBJ, OFF, STL,
//! PLY with faces and GLB files (sampled by area into `--points` points,
//! deterministic per `--seed`), and `run --mesh-out` writing the segmented
//! mesh as PLY (a label and colour per face) or OBJ + MTL.

use crate::cli_util::{failure, pcseg, stdout};
use pcseg::categories::part_colour;
use pcseg::io::mesh::read_mesh;
use pcseg::io::ply::read_ply_header;
use pcseg::io::read_cloud;
use std::path::{Path, PathBuf};

pub(crate) fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Two boxes, one above the other, as OBJ groups `lower` and `upper`
/// (quads), 16 vertices and 24 triangles.
pub(crate) const TWO_BOXES_OBJ: &str = "o lower\n\
v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0 0 1\nv 1 0 1\nv 1 1 1\nv 0 1 1\n\
f 1 4 3 2\nf 5 6 7 8\nf 1 2 6 5\nf 2 3 7 6\nf 3 4 8 7\nf 4 1 5 8\n\
o upper\n\
v 0 0 3\nv 1 0 3\nv 1 1 3\nv 0 1 3\nv 0 0 4\nv 1 0 4\nv 1 1 4\nv 0 1 4\n\
f 9 12 11 10\nf 13 14 15 16\nf 9 10 14 13\nf 10 11 15 14\nf 11 12 16 15\nf 12 9 13 16\n";

const TETRA_OFF: &str =
    "OFF\n4 4 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n";

const TETRA_STL: &str = "solid t\n\
facet normal 0 0 -1\nouter loop\nvertex 0 0 0\nvertex 0 1 0\nvertex 1 0 0\nendloop\nendfacet\n\
facet normal 0 -1 0\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 0 1\nendloop\nendfacet\n\
facet normal -1 0 0\nouter loop\nvertex 0 0 0\nvertex 0 0 1\nvertex 0 1 0\nendloop\nendfacet\n\
facet normal 1 1 1\nouter loop\nvertex 1 0 0\nvertex 0 1 0\nvertex 0 0 1\nendloop\nendfacet\nendsolid t\n";

/// A PLY mesh whose vertices carry a float property but no label.
const TETRA_PLY: &str = "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\n\
property float z\nproperty float quality\nelement face 4\nproperty list uchar int vertex_indices\nend_header\n\
0 0 0 1\n1 0 0 1\n0 1 0 1\n0 0 1 1\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n";

/// A binary glTF of one triangle (positions float32, indices uint16).
fn triangle_glb() -> Vec<u8> {
    let json = "{\"asset\": {\"version\": \"2.0\"}, \"scene\": 0, \"scenes\": [{\"nodes\": [0]}], \
        \"nodes\": [{\"mesh\": 0}], \
        \"meshes\": [{\"name\": \"tri\", \"primitives\": [{\"attributes\": {\"POSITION\": 0}, \"indices\": 1}]}], \
        \"accessors\": [{\"bufferView\": 0, \"componentType\": 5126, \"count\": 3, \"type\": \"VEC3\", \
        \"min\": [0, 0, 0], \"max\": [1, 1, 0]}, \
        {\"bufferView\": 1, \"componentType\": 5123, \"count\": 3, \"type\": \"SCALAR\"}], \
        \"bufferViews\": [{\"buffer\": 0, \"byteOffset\": 0, \"byteLength\": 36}, \
        {\"buffer\": 0, \"byteOffset\": 36, \"byteLength\": 6}], \
        \"buffers\": [{\"byteLength\": 42}]}";
    let mut bin = Vec::new();
    for v in [0f32, 0., 0., 1., 0., 0., 0., 1., 0.] {
        bin.extend_from_slice(&v.to_le_bytes());
    }
    for i in [0u16, 1, 2] {
        bin.extend_from_slice(&i.to_le_bytes());
    }
    let mut j = json.as_bytes().to_vec();
    while !j.len().is_multiple_of(4) {
        j.push(b' ');
    }
    while !bin.len().is_multiple_of(4) {
        bin.push(0);
    }
    let mut out = b"glTF".to_vec();
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&((12 + 8 + j.len() + 8 + bin.len()) as u32).to_le_bytes());
    out.extend_from_slice(&(j.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&j);
    out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
    out.extend_from_slice(b"BIN\0");
    out.extend_from_slice(&bin);
    out
}

/// Every mesh format, written into `dir`.
fn mesh_files(dir: &Path) -> Vec<PathBuf> {
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("boxes.obj", TWO_BOXES_OBJ.into()),
        ("tetra.off", TETRA_OFF.into()),
        ("tetra.stl", TETRA_STL.into()),
        ("tetra.ply", TETRA_PLY.into()),
        ("tri.glb", triangle_glb()),
    ];
    files
        .into_iter()
        .map(|(name, bytes)| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect()
}

/// The face labels and colours of a PLY written by `--mesh-out`.
pub(crate) fn ply_face_labels(path: &Path) -> Vec<(u32, [u8; 3])> {
    let bytes = std::fs::read(path).unwrap();
    let mut cursor = std::io::Cursor::new(&bytes[..]);
    let header = read_ply_header(&mut cursor, path).unwrap();
    let names: Vec<Vec<&str>> = header
        .elements
        .iter()
        .map(|e| e.properties.iter().map(|p| p.name.as_str()).collect())
        .collect();
    assert_eq!(names[0], ["x", "y", "z"]);
    assert_eq!(
        names[1],
        ["vertex_indices", "label", "red", "green", "blue"]
    );
    let body = &bytes[cursor.position() as usize..];
    let nv = header.elements[0].count as usize;
    let nf = header.elements[1].count as usize;
    let faces = &body[nv * 24..];
    assert_eq!(faces.len(), nf * 20, "face records of 1 + 12 + 4 + 3 bytes");
    faces
        .chunks(20)
        .map(|r| {
            assert_eq!(r[0], 3);
            let label = u32::from_le_bytes(r[13..17].try_into().unwrap());
            (label, [r[17], r[18], r[19]])
        })
        .collect()
}

#[test]
fn run_samples_every_mesh_format_into_labelled_points() {
    let dir = tempfile::tempdir().unwrap();
    for input in mesh_files(dir.path()) {
        let out = dir.path().join("out.ply");
        let o = pcseg(
            &[
                "run",
                s(&input),
                "-o",
                s(&out),
                "--points",
                "300",
                "-c",
                "chair",
                "-q",
            ],
            None,
        );
        stdout(&o);
        let c = read_cloud(&out, None).unwrap();
        assert_eq!(c.len(), 300, "{}", input.display());
        assert!(c.normals.is_some(), "{}", input.display());
        let labels = c.labels.unwrap();
        assert!(labels.iter().all(|l| (12..16).contains(l)), "{labels:?}");
        // The points lie on the mesh: inside its bounding box.
        let m = read_mesh(&input).unwrap();
        let (lo, hi) = m.bbox().unwrap();
        for p in &c.points {
            for k in 0..3 {
                assert!(p[k] as f64 >= lo[k] - 1e-6 && p[k] as f64 <= hi[k] + 1e-6);
            }
        }
    }
    // Without --points a mesh gives 2,500 points; the default output name
    // is a PLY beside the input.
    let obj = dir.path().join("boxes.obj");
    stdout(&pcseg(&["run", s(&obj), "-c", "chair", "-q"], None));
    let c = read_cloud(&dir.path().join("boxes.labelled.ply"), None).unwrap();
    assert_eq!(c.len(), 2500);
}

#[test]
fn mesh_sampling_repeats_per_seed() {
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("boxes.obj");
    std::fs::write(&obj, TWO_BOXES_OBJ).unwrap();
    let run = |seed: &str, name: &str| {
        let out = dir.path().join(name);
        stdout(&pcseg(
            &[
                "run",
                s(&obj),
                "-o",
                s(&out),
                "--seed",
                seed,
                "-c",
                "lamp",
                "-q",
            ],
            None,
        ));
        read_cloud(&out, None).unwrap().points
    };
    let a = run("4", "a.ply");
    assert_eq!(a, run("4", "b.ply"));
    assert_ne!(a, run("5", "c.ply"));
}

#[test]
fn info_describes_a_mesh_and_render_draws_one() {
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("boxes.obj");
    std::fs::write(&obj, TWO_BOXES_OBJ).unwrap();
    let text = stdout(&pcseg(&["info", s(&obj)], None));
    assert!(
        text.contains("OBJ mesh, 16 vertices, 24 triangles, 2 group(s)"),
        "{text}"
    );
    assert!(text.contains("points:     2500"), "{text}");
    // A PLY with faces is a mesh too.
    let ply = dir.path().join("tetra.ply");
    std::fs::write(&ply, TETRA_PLY).unwrap();
    let text = stdout(&pcseg(&["info", s(&ply)], None));
    assert!(text.contains("PLY mesh, 4 vertices, 4 triangles"), "{text}");
    let png = dir.path().join("boxes.png");
    stdout(&pcseg(&["render", s(&obj), "-o", s(&png)], None));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
}

/// A PLY whose vertices carry labels stays a labelled cloud even with faces:
/// sampling would drop the labels.
#[test]
fn a_ply_with_faces_and_vertex_labels_is_read_as_its_vertices() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("labelled.ply");
    std::fs::write(
        &p,
        "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n\
         property int label\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n\
         0 0 0 12\n1 0 0 13\n0 1 0 12\n3 0 1 2\n",
    )
    .unwrap();
    let c = read_cloud(&p, None).unwrap();
    assert_eq!(c.labels, Some(vec![12, 13, 12]));
}

#[test]
fn mesh_out_gives_every_face_a_part() {
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("boxes.obj");
    std::fs::write(&obj, TWO_BOXES_OBJ).unwrap();
    let out = dir.path().join("out.ply");
    let seg = dir.path().join("seg.ply");
    stdout(&pcseg(
        &[
            "run",
            s(&obj),
            "-o",
            s(&out),
            "--mesh-out",
            s(&seg),
            "-c",
            "chair",
            "-q",
        ],
        None,
    ));
    let cloud_labels = read_cloud(&out, None).unwrap().labels.unwrap();
    let faces = ply_face_labels(&seg);
    assert_eq!(faces.len(), 24);
    for (label, colour) in &faces {
        assert!(cloud_labels.contains(label), "{label}");
        assert_eq!(*colour, part_colour(*label as usize));
    }
    let back = read_mesh(&seg).unwrap();
    assert_eq!(back.triangles.len(), 24);
    assert_eq!(back.vertices, read_mesh(&obj).unwrap().vertices);

    // OBJ: a group and a material per part, and the .mtl beside it.
    let seg_obj = dir.path().join("seg.obj");
    stdout(&pcseg(
        &[
            "run",
            s(&obj),
            "-o",
            s(&out),
            "--mesh-out",
            s(&seg_obj),
            "-c",
            "chair",
            "-q",
        ],
        None,
    ));
    let text = std::fs::read_to_string(&seg_obj).unwrap();
    let mtl = std::fs::read_to_string(dir.path().join("seg.mtl")).unwrap();
    let groups: Vec<&str> = text.lines().filter(|l| l.starts_with("g ")).collect();
    let mut parts: Vec<u32> = faces.iter().map(|f| f.0).collect();
    parts.sort();
    parts.dedup();
    assert_eq!(groups.len(), parts.len(), "{text}");
    for g in groups {
        let name = &g[2..];
        assert!(text.contains(&format!("usemtl {name}\n")));
        assert!(mtl.contains(&format!("newmtl {name}\nKd ")), "{mtl}");
    }
    assert_eq!(text.lines().filter(|l| l.starts_with("f ")).count(), 24);
    assert!(text.contains("mtllib seg.mtl\n"));
}

#[test]
fn mesh_out_refusals_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let obj = dir.path().join("boxes.obj");
    std::fs::write(&obj, TWO_BOXES_OBJ).unwrap();
    let xyz = dir.path().join("cloud.xyz");
    std::fs::write(&xyz, "0 0 0\n1 0 0\n0 1 0\n0 0 1\n").unwrap();
    let count = || std::fs::read_dir(dir.path()).unwrap().count();
    let before = count();
    let out = dir.path().join("out.ply");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["run", s(&xyz), "-o", s(&out), "--mesh-out", "seg.ply"],
            "cloud.xyz is a point cloud, not a mesh",
        ),
        (
            vec!["run", s(&obj), "-o", s(&out), "--mesh-out", "seg.stl"],
            "--mesh-out seg.stl: a segmented mesh is written as .ply or .obj",
        ),
        (
            vec![
                "run",
                s(&obj),
                s(&xyz),
                "-o",
                "outdir",
                "--mesh-out",
                "seg.ply",
            ],
            "takes a single mesh input",
        ),
        (
            vec!["run", s(&obj), "-o", s(&out), "--mesh-out", s(&out)],
            "is also the -o output",
        ),
    ];
    for (args, want) in cases {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_pcseg"))
            .args(&args)
            .arg("-q")
            .current_dir(dir.path())
            .output()
            .unwrap();
        let lines = failure(&o);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(want), "{args:?}: {lines:?}");
        assert_eq!(count(), before, "{args:?} left files behind");
    }
    // A mesh that does not read is one line naming it.
    let bad = dir.path().join("bad.off");
    std::fs::write(&bad, "OFF\n3 1 0\n0 0 0\n1 0 0\n").unwrap();
    let lines = failure(&pcseg(&["run", s(&bad), "-o", s(&out), "-q"], None));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("bad.off"), "{lines:?}");
    assert!(!out.exists());
}

/// Meshes written by Python's trimesh run through pcseg, and trimesh reads
/// the segmented PLY back with its face labels and colours.
#[test]
fn trimesh_files_in_and_mesh_out_read_by_trimesh() {
    let dir = tempfile::tempdir().unwrap();
    let write = r#"
import sys, trimesh
d = sys.argv[1]
m = trimesh.creation.box(extents=[1, 2, 3])
for ext in ["obj", "stl", "glb"]:
    m.export(f"{d}/box.{ext}")
"#;
    let ok = std::process::Command::new("python3")
        .args(["-c", write, s(dir.path())])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("trimesh_files_in_and_mesh_out_read_by_trimesh: skipped, python3 with trimesh is not available");
        return;
    }
    let out = dir.path().join("out.ply");
    for ext in ["obj", "stl", "glb"] {
        let input = dir.path().join(format!("box.{ext}"));
        let seg = dir.path().join(format!("seg_{ext}.ply"));
        stdout(&pcseg(
            &[
                "run",
                s(&input),
                "-o",
                s(&out),
                "--points",
                "500",
                "--mesh-out",
                s(&seg),
                "-c",
                "table",
                "-q",
            ],
            None,
        ));
        assert_eq!(read_cloud(&out, None).unwrap().len(), 500, "{ext}");
        assert_eq!(ply_face_labels(&seg).len(), 12, "{ext}");
    }
    let seg = dir.path().join("seg_glb.ply");
    let read = r#"
import sys, json, trimesh
m = trimesh.load(sys.argv[1], process=False)
raw = m.metadata["_ply_raw"]["face"]["data"]
print(json.dumps({"faces": len(m.faces),
                  "colours": m.visual.face_colors[:, :3].tolist(),
                  "labels": raw["label"].tolist()}))
"#;
    let o = std::process::Command::new("python3")
        .args(["-c", read, s(&seg)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ours = ply_face_labels(&seg);
    assert_eq!(v["faces"], 12);
    for (i, (label, colour)) in ours.iter().enumerate() {
        assert_eq!(v["labels"][i], *label);
        let c: Vec<u8> = v["colours"][i]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u8)
            .collect();
        assert_eq!(c, colour.to_vec());
    }
}
