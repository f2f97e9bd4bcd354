//! `pcseg.read` and `pcseg.write`: the library's readers (every format
//! `pcseg run` reads) and its atomic writers, with numpy arrays.

use crate::arrays::{triples, triples_to_numpy};
use crate::errors::{to_py, value_error};
use numpy::prelude::*;
use numpy::{PyArray1, PyArrayDescr, PyUntypedArray};
use pcseg::cloud::{ExtraProperty, PointCloud, ScalarKind};
use pcseg::io::{self, Format, PlyEncoding, PlyWriteOptions, ReadOptions};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

/// numpy dtype name of a scalar kind.
fn dtype_name(kind: ScalarKind) -> &'static str {
    match kind {
        ScalarKind::I8 => "int8",
        ScalarKind::U8 => "uint8",
        ScalarKind::I16 => "int16",
        ScalarKind::U16 => "uint16",
        ScalarKind::I32 => "int32",
        ScalarKind::U32 => "uint32",
        ScalarKind::F32 => "float32",
        ScalarKind::F64 => "float64",
    }
}

/// Scalar kind of a native-endian numpy dtype, when PLY has one.
fn kind_of(dtype: &Bound<'_, PyArrayDescr>) -> Option<ScalarKind> {
    if dtype.is_native_byteorder() == Some(false) {
        return None;
    }
    Some(match (dtype.kind(), dtype.itemsize()) {
        (b'i', 1) => ScalarKind::I8,
        (b'u', 1) => ScalarKind::U8,
        (b'i', 2) => ScalarKind::I16,
        (b'u', 2) => ScalarKind::U16,
        (b'i', 4) => ScalarKind::I32,
        (b'u', 4) => ScalarKind::U32,
        (b'f', 4) => ScalarKind::F32,
        (b'f', 8) => ScalarKind::F64,
        _ => return None,
    })
}

fn parse_format(format: Option<&str>) -> PyResult<Option<Format>> {
    format
        .map(|f| f.parse::<Format>().map_err(to_py))
        .transpose()
}

/// Read a point cloud file (PLY, XYZ-style text, ShapeNetPart .pts/.seg,
/// PCD) or a mesh (OBJ, OFF, STL, PLY with faces, glTF/GLB, AC3D; sampled
/// by area into `mesh_points` points from `seed`) as `pcseg run` reads it;
/// see the stub for the returned dict.
#[pyfunction]
#[pyo3(signature = (path, format=None, columns=None, mesh_points=io::DEFAULT_MESH_POINTS, seed=0))]
pub fn read<'py>(
    py: Python<'py>,
    path: PathBuf,
    format: Option<&str>,
    columns: Option<Vec<String>>,
    mesh_points: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let options = ReadOptions {
        format: parse_format(format)?,
        columns,
        mesh: io::MeshSampling {
            points: mesh_points,
            seed,
        },
    };
    let (cloud, info) = py
        .detach(|| io::read_cloud_with(&path, &options))
        .map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item(
        "xyz",
        triples_to_numpy(py, &cloud.points, cloud.exact_points.as_deref())?,
    )?;
    let normals = match &cloud.normals {
        Some(n) => Some(triples_to_numpy(py, n, cloud.exact_normals.as_deref())?),
        None => None,
    };
    d.set_item("normals", normals)?;
    d.set_item(
        "labels",
        cloud.labels.as_ref().map(|l| PyArray1::from_slice(py, l)),
    )?;
    let extra = PyDict::new(py);
    for e in &cloud.extra {
        let values = PyArray1::from_slice(py, &e.values);
        extra.set_item(
            &e.name,
            values.call_method1("astype", (dtype_name(e.kind),))?,
        )?;
    }
    d.set_item("extra", extra)?;
    d.set_item("format", info.format().map_or("mesh", |f| f.name()))?;
    Ok(d)
}

/// A 1-D numeric array's values as `f64`, with its kind.
fn column(obj: &Bound<'_, PyAny>, name: &str, what: &str) -> PyResult<(ScalarKind, Vec<f64>)> {
    let arr = obj
        .cast::<PyUntypedArray>()
        .map_err(|_| PyTypeError::new_err(format!("{name}: {what} must be a numpy array")))?;
    if arr.ndim() != 1 {
        return Err(value_error(
            name,
            format!(
                "{what} has {} dimensions; expected 1 (one value per point)",
                arr.ndim()
            ),
        ));
    }
    let dtype = arr.dtype();
    let Some(kind) = kind_of(&dtype) else {
        return Err(value_error(
            name,
            format!(
                "{what} has dtype {dtype}, which PLY cannot store \
                 (use int8, uint8, int16, uint16, int32, uint32, float32 or float64)"
            ),
        ));
    };
    let values: Vec<f64> = arr
        .call_method1("astype", ("float64",))?
        .cast::<PyArray1<f64>>()?
        .to_vec()?;
    Ok((kind, values))
}

/// Labels: a 1-D integer array (any integer dtype, numpy's default int64
/// included) of values from 0 to 4,294,967,295.
fn label_values(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<u32>> {
    let arr = obj
        .cast::<PyUntypedArray>()
        .map_err(|_| PyTypeError::new_err(format!("{name}: labels must be a numpy array")))?;
    if arr.ndim() != 1 {
        return Err(value_error(
            name,
            format!(
                "labels has {} dimensions; expected 1 (one value per point)",
                arr.ndim()
            ),
        ));
    }
    let dtype = arr.dtype();
    if !matches!(dtype.kind(), b'i' | b'u') {
        return Err(value_error(
            name,
            format!("labels has dtype {dtype}; expected integers (global part ids)"),
        ));
    }
    let values: Vec<i64> = arr
        .call_method1("astype", ("int64",))?
        .cast::<PyArray1<i64>>()?
        .to_vec()?;
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            u32::try_from(v).map_err(|_| {
                value_error(
                    name,
                    format!("point {i}: label {v} is not in 0..=4294967295"),
                )
            })
        })
        .collect()
}

/// Write a point cloud file atomically with the library's writers; see the stub.
#[pyfunction]
#[pyo3(signature = (path, xyz, normals=None, labels=None, extra=None, format=None, ascii=false))]
#[allow(clippy::too_many_arguments)]
pub fn write(
    py: Python<'_>,
    path: PathBuf,
    xyz: &Bound<'_, PyAny>,
    normals: Option<&Bound<'_, PyAny>>,
    labels: Option<&Bound<'_, PyAny>>,
    extra: Option<&Bound<'_, PyDict>>,
    format: Option<&str>,
    ascii: bool,
) -> PyResult<()> {
    let name = path.display().to_string();
    let format = parse_format(format)?;
    let points = triples(xyz, &name, "xyz")?;
    let mut cloud = PointCloud::from_points(points.f32);
    cloud.exact_points = points.exact;
    if let Some(n) = normals.filter(|n| !n.is_none()) {
        let n = triples(n, &name, "normals")?;
        cloud.normals = Some(n.f32);
        cloud.exact_normals = n.exact;
    }
    if let Some(l) = labels.filter(|l| !l.is_none()) {
        cloud.labels = Some(label_values(l, &name)?);
    }
    if let Some(extra) = extra {
        for (key, value) in extra.iter() {
            let key: String = key.extract().map_err(|_| {
                PyValueError::new_err(format!("{name}: extra property names must be strings"))
            })?;
            let (kind, values) = column(&value, &name, &format!("extra '{key}'"))?;
            cloud.extra.push(ExtraProperty {
                name: key,
                kind,
                values,
            });
        }
    }
    pcseg::io::validate_cloud(&cloud, &path, None).map_err(to_py)?;
    let options = PlyWriteOptions {
        encoding: if ascii {
            PlyEncoding::Ascii
        } else {
            PlyEncoding::BinaryLittleEndian
        },
        colours: None,
    };
    py.detach(|| io::write_cloud(&path, &cloud, format, &options))
        .map_err(to_py)
}
