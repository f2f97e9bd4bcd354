//! `pcseg.Model` and its `Segmentation` results: the same library calls as
//! `pcseg run` (`pcseg::predict::predict` with the same `PredictOptions`).

use crate::arrays::input_cloud;
use crate::errors::to_py;
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pcseg::categories::{category_names, find_category, Category, CATEGORIES};
use pcseg::error::Result;
use pcseg::model::{Model as TrainModel, Network, Precision};
use pcseg::predict::{
    part_probabilities, predict, CategoryChoice, PredictOptions, Prediction, DEFAULT_WHOLE_MAX,
    MAX_POINTS, MAX_VOTES,
};
use pcseg::train::checkpoint;
use pcseg::PointCloud;
use pyo3::exceptions::{PyUserWarning, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// File name of the default model (as the CLI names it in messages).
const DEFAULT_MODEL_NAME: &str = "ssg-mbv2-wide.safetensors";
/// The default model, embedded like the CLI embeds it.
static DEFAULT_MODEL: &[u8] = include_bytes!("../../assets/ssg-mbv2-wide.safetensors");

/// A model file, or the model inside a training checkpoint, as `pcseg run
/// --model PATH` loads it.
fn load_model(path: &Path) -> Result<TrainModel> {
    checkpoint::load_model(path)
}

/// The options, bounded as `pcseg run` bounds its flags.
fn options(points: usize, whole_max: usize, votes: usize, seed: u64) -> PyResult<PredictOptions> {
    let checks = [
        ("points", points, 1, MAX_POINTS, "points per forward pass"),
        (
            "whole_max",
            whole_max,
            0,
            MAX_POINTS,
            "points per forward pass",
        ),
        ("votes", votes, 1, MAX_VOTES, "votes"),
    ];
    for (arg, n, min, max, what) in checks {
        if n < min {
            return Err(PyValueError::new_err(format!(
                "{arg} {n}: must be at least {min}"
            )));
        }
        if n > max {
            return Err(PyValueError::new_err(format!(
                "{arg} {n}: at most {max} {what}"
            )));
        }
    }
    Ok(PredictOptions {
        points,
        whole_max,
        votes,
        seed,
    })
}

/// `None` / `"auto"` (any case) or a category name (any case) or synset id.
fn category_choice(category: Option<&str>) -> PyResult<CategoryChoice> {
    match category {
        None => Ok(CategoryChoice::Auto),
        Some(s) if s.trim().eq_ignore_ascii_case("auto") => Ok(CategoryChoice::Auto),
        Some(s) => find_category(s).map(CategoryChoice::Given).ok_or_else(|| {
            PyValueError::new_err(format!(
                "unknown category '{s}'; valid: auto, {}",
                category_names()
            ))
        }),
    }
}

/// How to segment: the choice and options of one `segment` call.
#[derive(Clone, Copy)]
struct Job {
    choice: CategoryChoice,
    options: PredictOptions,
    probabilities: bool,
}

impl Job {
    /// The job of a `segment` / `segment_many` call's arguments, checked.
    fn new(
        category: Option<&str>,
        points: usize,
        whole_max: usize,
        votes: usize,
        seed: u64,
        probabilities: bool,
    ) -> PyResult<Job> {
        Ok(Job {
            choice: category_choice(category)?,
            options: options(points, whole_max, votes, seed)?,
            probabilities,
        })
    }
}

/// A prediction and, when asked, its part probabilities.
struct Done {
    prediction: Prediction,
    probabilities: Option<Vec<f32>>,
}

fn run(net: &Network, cloud: &PointCloud, job: Job, name: &str) -> Result<Done> {
    let prediction = predict(net, cloud, job.choice, &job.options, name)?;
    let probabilities = if job.probabilities {
        Some(part_probabilities(
            net,
            cloud,
            prediction.category,
            &job.options,
            name,
        )?)
    } else {
        None
    };
    Ok(Done {
        prediction,
        probabilities,
    })
}

/// The result of segmenting one cloud.
#[pyclass(frozen, module = "pcseg", name = "Segmentation")]
pub struct Segmentation {
    /// Global part id per input point (int32, shape (N,)).
    #[pyo3(get)]
    labels: Py<PyArray1<i32>>,
    /// The category segmented under.
    #[pyo3(get)]
    category: &'static str,
    /// Its parts' names, in global id order from `first_part`.
    #[pyo3(get)]
    part_names: Vec<&'static str>,
    /// Global id of the category's first part.
    #[pyo3(get)]
    first_part: usize,
    /// Score of the chosen category (automatic choice only, else None).
    #[pyo3(get)]
    confidence: Option<f32>,
    /// Its margin over the next category (automatic choice only, else None).
    #[pyo3(get)]
    margin: Option<f32>,
    /// Every category's score by name (automatic choice only, else None).
    #[pyo3(get)]
    scores: Option<Py<PyDict>>,
    /// Part probabilities (float32, shape (N, len(part_names))) when asked.
    #[pyo3(get)]
    probabilities: Option<Py<PyArray2<f32>>>,
}

#[pymethods]
impl Segmentation {
    fn __repr__(&self, py: Python<'_>) -> String {
        let n = numpy::PyUntypedArrayMethods::len(self.labels.bind(py));
        match (self.confidence, self.margin) {
            (Some(c), Some(m)) => format!(
                "Segmentation({n} points, category {} (auto: confidence {c:.2}, margin {m:.2}))",
                self.category
            ),
            _ => format!("Segmentation({n} points, category {})", self.category),
        }
    }
}

impl Segmentation {
    fn new(py: Python<'_>, done: Done) -> PyResult<Self> {
        let p = done.prediction;
        let category: &'static Category = p.category;
        let n = p.labels.len();
        // Global part ids are below 50: the u32 -> i32 conversion reuses the buffer.
        let labels: Vec<i32> = p.labels.into_iter().map(|l| l as i32).collect();
        let scores = match &p.auto {
            Some(a) => {
                let d = PyDict::new(py);
                for c in &CATEGORIES {
                    d.set_item(c.name, a.scores[c.index])?;
                }
                Some(d.unbind())
            }
            None => None,
        };
        let probabilities = match done.probabilities {
            Some(v) => Some(
                PyArray1::from_vec(py, v)
                    .reshape([n, category.num_parts()])?
                    .unbind(),
            ),
            None => None,
        };
        Ok(Segmentation {
            labels: PyArray1::from_vec(py, labels).unbind(),
            category: category.name,
            part_names: category.parts.to_vec(),
            first_part: category.first_part,
            confidence: p.auto.as_ref().map(|a| a.scores[category.index]),
            margin: p.auto.as_ref().map(|a| a.margin),
            scores,
            probabilities,
        })
    }
}

/// `net` set to the precision named `name` (ValueError for an unknown name,
/// or bf16 on a CPU without AMX).
fn set_precision(net: &mut Network, name: &str) -> PyResult<()> {
    let precision: Precision = name.parse().map_err(PyValueError::new_err)?;
    net.set_precision(precision).map_err(to_py)
}

/// A part-segmentation network: `Model()` is the default model embedded in
/// pcseg, `Model.load(path)` a model file or training checkpoint.
#[pyclass(frozen, module = "pcseg", name = "Model")]
pub struct Model {
    net: Arc<Network>,
    origin: String,
}

impl Model {
    fn from_network(py: Python<'_>, net: Network, origin: String) -> PyResult<Self> {
        if !net.is_trained() {
            PyErr::warn(
                py,
                &py.get_type::<PyUserWarning>(),
                &std::ffi::CString::new(format!(
                    "the model ({origin}) is untrained: its labels are meaningless"
                ))?,
                1,
            )?;
        }
        Ok(Model {
            net: Arc::new(net),
            origin,
        })
    }
}

#[pymethods]
impl Model {
    /// The default model embedded in pcseg (what `pcseg run` uses without
    /// --model), its products in `precision` ("f32" or "bf16").
    #[new]
    #[pyo3(signature = (precision="f32"))]
    fn new(py: Python<'_>, precision: &str) -> PyResult<Self> {
        let mut net = Network::from_bytes(DEFAULT_MODEL, DEFAULT_MODEL_NAME).map_err(to_py)?;
        set_precision(&mut net, precision)?;
        Model::from_network(py, net, "embedded".into())
    }

    /// A model file (.safetensors) or a training checkpoint (`last.safetensors`).
    #[staticmethod]
    #[pyo3(signature = (path, precision="f32"))]
    fn load(py: Python<'_>, path: std::path::PathBuf, precision: &str) -> PyResult<Self> {
        let mut net = py
            .detach(|| load_model(&path).map(|m| m.to_network()))
            .map_err(to_py)?;
        set_precision(&mut net, precision)?;
        Model::from_network(py, net, path.display().to_string())
    }

    /// The arithmetic of the network's products: "f32" or "bf16".
    #[getter]
    fn precision(&self) -> String {
        self.net.precision().to_string()
    }

    /// Where the weights come from: `embedded` or the path given to `load`.
    #[getter]
    fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether the weights come from training.
    #[getter]
    fn trained(&self) -> bool {
        self.net.is_trained()
    }

    /// Whether the network has a category classifier (else `auto` compares decodings).
    #[getter]
    fn has_classifier(&self) -> bool {
        self.net.has_classifier()
    }

    /// The training note stored with the weights.
    #[getter]
    fn note(&self) -> &str {
        self.net.note()
    }

    fn __repr__(&self) -> String {
        format!("Model({})", self.origin)
    }

    /// Segment one cloud; see the stub for the arguments.
    #[pyo3(signature = (xyz, normals=None, category=None, points=2048, votes=pcseg::predict::DEFAULT_VOTES, seed=0,
                        probabilities=false, whole_max=DEFAULT_WHOLE_MAX))]
    #[allow(clippy::too_many_arguments)]
    fn segment(
        &self,
        py: Python<'_>,
        xyz: &Bound<'_, PyAny>,
        normals: Option<&Bound<'_, PyAny>>,
        category: Option<&str>,
        points: usize,
        votes: usize,
        seed: u64,
        probabilities: bool,
        whole_max: usize,
    ) -> PyResult<Segmentation> {
        let job = Job::new(category, points, whole_max, votes, seed, probabilities)?;
        let name = "<array>";
        let cloud = input_cloud(xyz, normals, name)?;
        let net = &*self.net;
        let done = py.detach(|| run(net, &cloud, job, name)).map_err(to_py)?;
        drop(cloud);
        Segmentation::new(py, done)
    }

    /// Segment many clouds in parallel (one rayon task per cloud); see the stub.
    #[pyo3(signature = (clouds, normals=None, category=None, points=2048, votes=pcseg::predict::DEFAULT_VOTES, seed=0,
                        probabilities=false, whole_max=DEFAULT_WHOLE_MAX))]
    #[allow(clippy::too_many_arguments)]
    fn segment_many(
        &self,
        py: Python<'_>,
        clouds: &Bound<'_, PyAny>,
        normals: Option<&Bound<'_, PyAny>>,
        category: Option<&str>,
        points: usize,
        votes: usize,
        seed: u64,
        probabilities: bool,
        whole_max: usize,
    ) -> PyResult<Vec<Segmentation>> {
        let job = Job::new(category, points, whole_max, votes, seed, probabilities)?;
        let xyzs: Vec<Bound<'_, PyAny>> = clouds.try_iter()?.collect::<PyResult<_>>()?;
        let normals: Option<Vec<Bound<'_, PyAny>>> = match normals.filter(|n| !n.is_none()) {
            Some(n) => Some(n.try_iter()?.collect::<PyResult<_>>()?),
            None => None,
        };
        if let Some(n) = &normals {
            if n.len() != xyzs.len() {
                return Err(PyValueError::new_err(format!(
                    "normals: {} arrays for {} clouds",
                    n.len(),
                    xyzs.len()
                )));
            }
        }
        let names: Vec<String> = (0..xyzs.len()).map(|i| format!("<array {i}>")).collect();
        let mut inputs = Vec::with_capacity(xyzs.len());
        for (i, xyz) in xyzs.iter().enumerate() {
            let n = normals.as_ref().map(|n| &n[i]);
            inputs.push(input_cloud(xyz, n, &names[i])?);
        }
        drop(xyzs);
        let net = &*self.net;
        let done = py
            .detach(|| {
                inputs
                    .par_iter()
                    .zip(&names)
                    .map(|(cloud, name)| run(net, cloud, job, name))
                    .collect::<Result<Vec<_>>>()
            })
            .map_err(to_py)?;
        done.into_iter().map(|d| Segmentation::new(py, d)).collect()
    }
}
