//! Dataset readers: a tiny ShapeNetPart written by the test in both official
//! layouts, the project's real samples when they are beside the clone
//! (`cli_util::real_samples`; skipped with a one-line note otherwise), and a
//! plain folder of labelled files.

use pcseg::categories::find_category;
use pcseg::io::dataset::{load_shape, Dataset, Layout, Split};
use pcseg::io::folder_dataset::FolderDataset;
use pcseg::io::xyz::{write_normal_txt, write_xyz, XyzLayout};
use pcseg::io::{write_cloud, PlyWriteOptions};
use pcseg::rng::Rng;
use pcseg::PointCloud;
use std::io::Write;
use std::path::Path;

/// (synset, token, number of points); the labels use every part of the category.
const SHAPES: [(&str, &str, usize); 5] = [
    ("03001627", "chair_a", 40),
    ("03001627", "chair_b", 35),
    ("04379243", "table_a", 30),
    ("04379243", "table_b", 25),
    ("04379243", "table_c", 20),
];

/// A labelled cloud whose coordinates are exact in 6 decimals, so both
/// layouts hold the same numbers.
fn shape_cloud(synset: &str, n: usize, seed: u64) -> PointCloud {
    let cat = find_category(synset).unwrap();
    let mut rng = Rng::new(seed);
    let q = |v: f32| ((v * 1e4).round() / 1e4 * 1e6).round() / 1e6;
    let mut c = PointCloud::from_points(
        (0..n)
            .map(|_| {
                [
                    q(rng.uniform(-0.5, 0.5)),
                    q(rng.uniform(-0.5, 0.5)),
                    q(rng.uniform(-0.5, 0.5)),
                ]
            })
            .collect(),
    );
    c.normals = Some(vec![[0.0, 1.0, 0.0]; n]);
    c.labels = Some(
        (0..n)
            .map(|i| (cat.first_part + i % cat.num_parts()) as u32)
            .collect(),
    );
    c
}

fn write_lists(root: &Path, train: &[&str], val: &[&str], test: &[&str]) {
    let dir = root.join("train_test_split");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, list) in [("train", train), ("val", val), ("test", test)] {
        let entries: Vec<String> = list.iter().map(|s| format!("shape_data/{s}")).collect();
        let json = serde_json::to_string(&entries).unwrap();
        std::fs::write(dir.join(format!("shuffled_{name}_file_list.json")), json).unwrap();
    }
}

const TRAIN: [&str; 3] = ["03001627/chair_a", "04379243/table_a", "04379243/gone_1"];
const VAL: [&str; 2] = ["04379243/table_b", "03001627/chair_a"];
const TEST: [&str; 3] = ["03001627/chair_b", "04379243/table_c", "03001627/gone_2"];

/// Write the tiny dataset in `layout` under `root`.
fn write_dataset(root: &Path, layout: Layout) {
    std::fs::write(
        root.join("synsetoffset2category.txt"),
        "Chair\t03001627\nTable\t04379243\n",
    )
    .unwrap();
    write_lists(root, &TRAIN, &VAL, &TEST);
    for (i, (synset, token, n)) in SHAPES.iter().enumerate() {
        let c = shape_cloud(synset, *n, i as u64);
        let dir = root.join(synset);
        match layout {
            Layout::Normal => {
                std::fs::create_dir_all(&dir).unwrap();
                let mut f = std::fs::File::create(dir.join(format!("{token}.txt"))).unwrap();
                write_normal_txt(&mut f, &c).unwrap();
            }
            Layout::V0 => {
                std::fs::create_dir_all(dir.join("points")).unwrap();
                std::fs::create_dir_all(dir.join("points_label")).unwrap();
                let mut f = std::fs::File::create(dir.join(format!("points/{token}.pts"))).unwrap();
                let bare = PointCloud::from_points(c.points.clone());
                write_xyz(&mut f, &bare, XyzLayout::Xyz).unwrap();
                let first = find_category(synset).unwrap().first_part as u32;
                let mut f =
                    std::fs::File::create(dir.join(format!("points_label/{token}.seg"))).unwrap();
                for l in c.labels.as_ref().unwrap() {
                    writeln!(f, "{}", l - first + 1).unwrap();
                }
            }
        }
    }
}

fn names(shapes: &[pcseg::io::dataset::ShapeRef]) -> Vec<String> {
    shapes.iter().map(|s| s.name()).collect()
}

#[test]
fn both_layouts_give_the_same_shapes_and_labels() {
    let mut loaded = Vec::new();
    for layout in [Layout::Normal, Layout::V0] {
        let dir = tempfile::tempdir().unwrap();
        write_dataset(dir.path(), layout);
        let ds = Dataset::open(dir.path()).unwrap();
        assert_eq!(ds.layout(), layout);
        assert_eq!(ds.categories().len(), 2);

        let test = ds.shapes(Split::Test).unwrap();
        assert_eq!(
            names(&test.shapes),
            ["03001627/chair_b", "04379243/table_c"]
        );
        assert_eq!(test.missing, ["03001627/gone_2"]);
        let w = test.warnings("ds");
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("1 of 3 listed shapes are missing on disk and were skipped (first: 03001627/gone_2)"),
            "{w:?}"
        );

        // trainval drops the duplicate chair_a, keeps list order.
        let tv = ds.shapes(Split::TrainVal).unwrap();
        assert_eq!(
            names(&tv.shapes),
            ["03001627/chair_a", "04379243/table_a", "04379243/table_b"]
        );
        assert_eq!(tv.missing, ["04379243/gone_1"]);
        assert_eq!(ds.shapes(Split::Train).unwrap().shapes.len(), 2);
        assert_eq!(ds.shapes(Split::Val).unwrap().shapes.len(), 2);
        assert_eq!(ds.shapes(Split::All).unwrap().shapes.len(), 5);

        // Category filter and limit.
        let chair = find_category("chair").unwrap();
        let all = ds.load_split(Split::All, &[chair], None).unwrap();
        assert_eq!(names(&all.shapes), ["03001627/chair_a", "03001627/chair_b"]);
        assert!(
            all.warnings[0].contains("1 of 3 listed"),
            "{:?}",
            all.warnings
        );
        let one = ds.load_split(Split::All, &[], Some(1)).unwrap();
        assert_eq!(one.clouds.len(), 1);

        let every = ds.load_split(Split::All, &[], None).unwrap();
        assert_eq!(every.clouds.len(), 5);
        loaded.push(every.clouds);
    }
    // Same points and global labels whichever layout they came from, and
    // equal to what was written.
    for (i, (synset, _, n)) in SHAPES.iter().enumerate() {
        let order = [0, 2, 3, 1, 4]; // list order: chair_a, table_a, table_b, chair_b, table_c
        let k = order.iter().position(|&o| o == i).unwrap();
        let want = shape_cloud(synset, *n, i as u64);
        for clouds in &loaded {
            assert_eq!(clouds[k].points, want.points);
            assert_eq!(clouds[k].labels, want.labels);
        }
    }
}

#[test]
fn without_split_lists_all_means_everything_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(dir.path(), Layout::Normal);
    std::fs::remove_dir_all(dir.path().join("train_test_split")).unwrap();
    let ds = Dataset::open(dir.path()).unwrap();
    assert!(!ds.has_splits());
    let all = ds.shapes(Split::All).unwrap();
    assert_eq!(
        names(&all.shapes),
        [
            "03001627/chair_a",
            "03001627/chair_b",
            "04379243/table_a",
            "04379243/table_b",
            "04379243/table_c"
        ]
    );
    let e = ds.shapes(Split::Test).unwrap_err().to_string();
    assert!(e.contains("only the 'all' split is available"), "{e}");
}

#[test]
fn bad_datasets_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = Dataset::open(dir.path()).unwrap_err().to_string();
    assert!(e.contains("not a ShapeNetPart root"), "{e}");
    write_dataset(dir.path(), Layout::Normal);
    // A Chair shape holding a Table label.
    let bad = dir.path().join("03001627/chair_b.txt");
    let text = std::fs::read_to_string(&bad)
        .unwrap()
        .replacen(" 12.000000", " 47.000000", 1);
    std::fs::write(&bad, text).unwrap();
    let ds = Dataset::open(dir.path()).unwrap();
    let e = ds
        .load_split(Split::Test, &[], None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("chair_b.txt: point 0: label 47 (Table/desktop) is not a Chair part"),
        "{e}"
    );
    // Unknown synset in the category file.
    std::fs::write(
        dir.path().join("synsetoffset2category.txt"),
        "Sofa\t04256520\n",
    )
    .unwrap();
    let e = Dataset::open(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("synsetoffset2category.txt: line 1: unknown synset 04256520"),
        "{e}"
    );
}

#[test]
fn real_samples_open_and_report_missing_shapes() {
    let Some(root) = crate::cli_util::real_samples("real_samples_open_and_report_missing_shapes")
    else {
        return;
    };
    let ds = Dataset::open(&root).unwrap();
    assert_eq!(ds.layout(), Layout::Normal);
    assert_eq!(ds.categories().len(), 16);
    let test = ds.load_split(Split::Test, &[], None).unwrap();
    assert_eq!(
        names(&test.shapes),
        ["04379243/1a00aa6b75362cc5b324368d54a7416f"]
    );
    assert!(
        test.warnings[0].contains("2873 of 2874 listed shapes are missing"),
        "{:?}",
        test.warnings
    );
    let all = ds.load_split(Split::All, &[], None).unwrap();
    assert_eq!(all.shapes.len(), 4);
    let counts: Vec<usize> = all.clouds.iter().map(|c| c.len()).collect();
    let mut sorted = counts.clone();
    sorted.sort();
    assert_eq!(sorted, [2475, 2598, 2751, 2794]);
    for (s, c) in all.shapes.iter().zip(&all.clouds) {
        assert!(c.normals.is_some());
        assert!(c
            .labels
            .as_ref()
            .unwrap()
            .iter()
            .all(|&l| s.category.owns_part(l as usize)));
        // The shapes are centred and scaled as documented: bbox diagonal ~1.
        let (lo, hi) = c.bbox().unwrap();
        let diag = (0..3).map(|k| (hi[k] - lo[k]).powi(2)).sum::<f32>().sqrt();
        assert!((diag - 1.0).abs() < 0.02, "{}: diagonal {diag}", s.name());
    }
    let table = all
        .shapes
        .iter()
        .position(|s| s.token == "1a2abbc9712e2fffc3bd24f986301745")
        .unwrap();
    let labels = all.clouds[table].labels.as_ref().unwrap();
    let count = |p| labels.iter().filter(|&&l| l == p).count();
    assert_eq!((count(47), count(48), count(49)), (2629, 139, 26));
    assert_eq!(load_shape(&all.shapes[table]).unwrap(), all.clouds[table]);
}

#[test]
fn folder_of_labelled_files_is_a_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("chair")).unwrap();
    std::fs::create_dir_all(root.join("04379243")).unwrap();
    let chair = shape_cloud("03001627", 20, 1);
    let table = shape_cloud("04379243", 15, 2);
    write_cloud(
        &root.join("chair/a.ply"),
        &chair,
        None,
        &PlyWriteOptions::default(),
    )
    .unwrap();
    write_cloud(
        &root.join("04379243/b.xyz"),
        &table,
        None,
        &Default::default(),
    )
    .unwrap();
    std::fs::write(root.join("chair/readme.md"), "notes").unwrap();
    let ds = FolderDataset::open(root, None).unwrap();
    let list = ds.shapes();
    assert_eq!(list.shapes.len(), 2);
    assert_eq!(list.shapes[0].category.name, "Table");
    assert_eq!(list.shapes[1].category.name, "Chair");
    let loaded = ds.load(&[], None).unwrap();
    assert_eq!(loaded.clouds[0], table);
    assert_eq!(loaded.clouds[1], chair);
    assert!(
        loaded.warnings[0].contains("1 files without a point cloud or mesh extension"),
        "{:?}",
        loaded.warnings
    );

    // A file in the root has no category folder: an error naming it...
    write_cloud(
        &root.join("c.ply"),
        &chair,
        None,
        &PlyWriteOptions::default(),
    )
    .unwrap();
    let e = FolderDataset::open(root, None).unwrap_err().to_string();
    assert!(e.contains("c.ply: cannot tell the category"), "{e}");
    // ...unless the category is given, which then applies to every file, and
    // the Table file's labels no longer fit.
    let ds = FolderDataset::open(root, find_category("Chair")).unwrap();
    assert_eq!(ds.shapes().shapes.len(), 3);
    let e = ds.load(&[], None).unwrap_err().to_string();
    assert!(
        e.contains("b.xyz: point 0: label 47 (Table/desktop) is not a Chair part"),
        "{e}"
    );
    // Unlabelled files cannot be used for eval/train.
    let only = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(only.path().join("mug")).unwrap();
    std::fs::write(only.path().join("mug/x.xyz"), "1 2 3\n").unwrap();
    let e = FolderDataset::open(only.path(), None)
        .unwrap()
        .load(&[], None)
        .unwrap_err();
    assert!(e.to_string().ends_with("x.xyz: no labels"), "{e}");
}
