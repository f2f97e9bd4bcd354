//! Model files: save -> load round trip, loader errors, `describe`.

use ndarray::{ArrayD, IxDyn};
use pcseg::model::weights::{describe, from_bytes, to_bytes};
use pcseg::model::{CloudInput, Model, ModelConfig, Network};

#[test]
fn save_load_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.safetensors");
    let mut model = Model::init(ModelConfig::tiny(), 3).unwrap();
    // Non-trivial running statistics, so they are checked too.
    let id = model.params.id("stem.bn.running_var").unwrap();
    model.params.get_mut(id).mapv_inplace(|v| v * 1.7);
    model.trained = true;
    model.note = "unit test".into();
    model.save(&path).unwrap();
    let back = Model::load(&path).unwrap();
    assert_eq!(back.config(), model.config());
    assert_eq!(back.params.names(), model.params.names());
    for id in model.params.ids() {
        assert_eq!(
            back.params.get(id),
            model.params.get(id),
            "{}",
            model.params.name(id)
        );
    }
    assert!(back.trained);
    assert_eq!(back.note, "unit test");
    // Same logits from the loaded network.
    let c = crate::model_util::cloud(50, 3, 1);
    let input = CloudInput {
        points: &c.points,
        normals: Some(&c.normals),
        category: 3,
        seed: 5,
        fps_ordered: 0,
    };
    let a = model.to_network().forward_one(&input).unwrap();
    let b = Network::load(&path).unwrap().forward_one(&input).unwrap();
    assert_eq!(a, b);
    // The header is plain safetensors metadata with the category table.
    let bytes = std::fs::read(&path).unwrap();
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let meta = meta.metadata().clone().unwrap();
    assert_eq!(meta["format"], "pcseg-model");
    assert_eq!(meta["model_name"], "tiny");
    assert!(meta["categories"].contains("\"synset\":\"02691156\""));
    let parts: Vec<String> = serde_json::from_str(&meta["part_names"]).unwrap();
    assert_eq!(parts.len(), 50);
    assert_eq!(parts[12], "Chair/back");
}

#[test]
fn loader_errors_name_file_tensor_and_shapes() {
    let mut model = Model::init(ModelConfig::tiny(), 3).unwrap();
    let id = model.params.id("sa1.0.expand.linear.weight").unwrap();
    let good = model.params.get(id).shape().to_vec();
    *model.params.get_mut(id) = ArrayD::zeros(IxDyn(&[good[0], good[1] + 1]));
    let bytes = to_bytes(&model).unwrap();
    let err = from_bytes(&bytes, "bad.safetensors")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "bad.safetensors: tensor `sa1.0.expand.linear.weight`: expected shape {:?}, found {:?}",
            good,
            [good[0], good[1] + 1]
        )
    );
    let err = from_bytes(b"not a model at all", "junk.bin")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("junk.bin: not a safetensors file"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.safetensors");
    let err = Model::load(&missing).unwrap_err().to_string();
    assert!(err.contains("missing.safetensors"), "{err}");
}

#[test]
fn describe_reports_size_cost_and_training_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.safetensors");
    Model::init(ModelConfig::default(), 1)
        .unwrap()
        .save(&path)
        .unwrap();
    let info = |json| describe(&Model::load(&path).unwrap(), "m", json);
    let text = info(false);
    println!("{text}");
    let (params, _) = pcseg::model::cost::param_count(&ModelConfig::default());
    assert!(text.contains(&format!("parameters: {params}")));
    assert!(text.contains("trained: no"));
    assert!(text.contains("SA1        512 centres, r 0.2, K 32"));
    let json: serde_json::Value = serde_json::from_str(&info(true)).unwrap();
    assert_eq!(json["model_name"], "ssg-mbv2");
    assert_eq!(json["parameters"], params);
    assert_eq!(json["trained"], false);
    let flops = json["flops"].as_u64().unwrap();
    assert_eq!(
        flops,
        pcseg::model::cost::flops(&ModelConfig::default(), 2048).total()
    );
}

/// A tiny model whose tensor `name` holds `value` at flat index `at`.
fn model_with(name: &str, at: usize, value: f32) -> Model {
    let mut model = Model::init(ModelConfig::tiny(), 3).unwrap();
    let id = model.params.id(name).unwrap();
    *model.params.get_mut(id).iter_mut().nth(at).unwrap() = value;
    model
}

#[test]
fn non_finite_weights_are_refused_naming_file_tensor_and_index() {
    let cases = [
        ("sa1.0.expand.linear.weight", 17, f32::NAN, "NaN"),
        ("out.bias", 2, f32::INFINITY, "inf"),
        ("stem.bn.running_var", 0, f32::NEG_INFINITY, "-inf"),
    ];
    for (name, at, value, shown) in cases {
        let bytes = to_bytes(&model_with(name, at, value)).unwrap();
        let want = format!(
            "model.safetensors: tensor `{name}` has a non-finite value ({shown}) at index {at}"
        );
        let err = from_bytes(&bytes, "model.safetensors").unwrap_err();
        assert_eq!(err.to_string(), want);
        let err = Network::from_bytes(&bytes, "model.safetensors").unwrap_err();
        assert_eq!(err.to_string(), want);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nan.safetensors");
    let mut model = model_with("sa1.0.expand.linear.weight", 17, f32::NAN);
    model.trained = true;
    model.save(&path).unwrap();
    let err = Network::load(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: tensor `sa1.0.expand.linear.weight` has a non-finite value (NaN) at index 17",
            path.display()
        )
    );

    // `pcseg run --model` refuses it on one line and writes nothing.
    let cloud = dir.path().join("c.xyz");
    let c = crate::model_util::cloud(64, 3, 1);
    let text: String = c
        .points
        .iter()
        .map(|p| format!("{} {} {}\n", p[0], p[1], p[2]))
        .collect();
    std::fs::write(&cloud, text).unwrap();
    let out = dir.path().join("out.ply");
    let o = crate::cli_util::pcseg(
        &[
            "run",
            cloud.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--model",
            path.to_str().unwrap(),
            "--category",
            "chair",
        ],
        None,
    );
    let lines = crate::cli_util::failure(&o);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("nan.safetensors: tensor `sa1.0.expand.linear.weight` has a non-finite value (NaN) at index 17"),
        "{lines:?}"
    );
    assert!(!out.exists());
}
