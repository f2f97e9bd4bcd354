//! numpy arrays to and from the parts of a [`PointCloud`].
//!
//! Input `(N, 3)` arrays must be `float32` or `float64` (any layout: a
//! column slice `a[:, :3]` is read through its strides); they are read in
//! place (no intermediate copy) and copied once into the cloud's
//! own `f32` storage, plus, for `float64` values that `f32` does not hold
//! exactly, once more into the cloud's exact copy (as the file readers keep
//! `double` coordinates), so that the pipeline sees exactly what `pcseg run`
//! sees when it reads the same values from a file.

use crate::errors::value_error;
use numpy::prelude::*;
use numpy::{PyArray1, PyArray2, PyArrayDescr, PyUntypedArray};
use pcseg::cloud::{fits_f32, PointCloud};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// `(N, 3)` values as the cloud stores them: `f32`, and the exact `f64`
/// values when `f32` loses some of them.
pub struct Triples {
    /// The values rounded to `f32`.
    pub f32: Vec<[f32; 3]>,
    /// The exact values, when some do not fit `f32`.
    pub exact: Option<Vec<[f64; 3]>>,
}

/// The array behind `obj`, refused with a `TypeError` when it is no numpy array.
fn untyped<'a, 'py>(
    obj: &'a Bound<'py, PyAny>,
    name: &str,
    what: &str,
) -> PyResult<&'a Bound<'py, PyUntypedArray>> {
    obj.cast::<PyUntypedArray>().map_err(|_| {
        let kind = obj
            .get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string());
        PyTypeError::new_err(format!(
            "{name}: {what} must be a numpy array, not {kind} (use numpy.asarray)"
        ))
    })
}

/// Whether a dtype is native-endian `f32` (4) or `f64` (8); `None` otherwise.
fn float_width(dtype: &Bound<'_, PyArrayDescr>) -> Option<usize> {
    let native = dtype.is_native_byteorder() != Some(false);
    (dtype.kind() == b'f' && native && matches!(dtype.itemsize(), 4 | 8)).then(|| dtype.itemsize())
}

/// Read an `(N, 3)` C-contiguous float32/float64 array (`what` names it in
/// messages, `name` is the cloud's name); any memory layout. Refused with
/// `ValueError`: another shape, another dtype (float16, integers, ...).
pub fn triples(obj: &Bound<'_, PyAny>, name: &str, what: &str) -> PyResult<Triples> {
    let arr = untyped(obj, name, what)?;
    let shape = arr.shape();
    if shape.len() != 2 || shape[1] != 3 {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        return Err(value_error(
            name,
            format!(
                "{what} has shape ({}{}); expected (N, 3)",
                dims.join(", "),
                if dims.len() == 1 { "," } else { "" }
            ),
        ));
    }
    let dtype = arr.dtype();
    let Some(width) = float_width(&dtype) else {
        return Err(value_error(
            name,
            format!("{what} has dtype {dtype}; expected float32 or float64"),
        ));
    };
    // A C-contiguous array is read as one slice; another layout (a column
    // slice such as `a[:, :3]`, a transposed array) through its strides: in
    // both cases the values are copied once, into the cloud.
    // (`as_slice` also takes a Fortran-ordered array, whose slice is not
    // row-major: only a C-contiguous one is read as a slice.)
    let c_order = arr.is_c_contiguous();
    if width == 4 {
        let a = obj.cast::<PyArray2<f32>>()?.try_readonly()?;
        let f32 = match a.as_slice().ok().filter(|_| c_order) {
            Some(s) => s.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect(),
            None => a
                .as_array()
                .rows()
                .into_iter()
                .map(|r| [r[0], r[1], r[2]])
                .collect(),
        };
        return Ok(Triples { f32, exact: None });
    }
    let a = obj.cast::<PyArray2<f64>>()?.try_readonly()?;
    let round = |c: [f64; 3]| [c[0] as f32, c[1] as f32, c[2] as f32];
    let (f32, lossy): (Vec<[f32; 3]>, bool) = match a.as_slice().ok().filter(|_| c_order) {
        Some(s) => (
            s.chunks_exact(3)
                .map(|c| round([c[0], c[1], c[2]]))
                .collect(),
            !s.iter().all(|&v| fits_f32(v)),
        ),
        None => {
            let v = a.as_array();
            (
                v.rows()
                    .into_iter()
                    .map(|r| round([r[0], r[1], r[2]]))
                    .collect(),
                !v.iter().all(|&x| fits_f32(x)),
            )
        }
    };
    let exact = lossy.then(|| match a.as_slice().ok().filter(|_| c_order) {
        Some(s) => s.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect(),
        None => a
            .as_array()
            .rows()
            .into_iter()
            .map(|r| [r[0], r[1], r[2]])
            .collect(),
    });
    Ok(Triples { f32, exact })
}

/// The cloud of `xyz` (and `normals`), checked as every reader checks a
/// cloud (no points, non-finite values, lengths), `name` heading messages.
pub fn input_cloud(
    xyz: &Bound<'_, PyAny>,
    normals: Option<&Bound<'_, PyAny>>,
    name: &str,
) -> PyResult<PointCloud> {
    let points = triples(xyz, name, "xyz")?;
    let mut cloud = PointCloud::from_points(points.f32);
    cloud.exact_points = points.exact;
    if let Some(n) = normals.filter(|n| !n.is_none()) {
        let n = triples(n, name, "normals")?;
        cloud.normals = Some(n.f32);
        cloud.exact_normals = n.exact;
    }
    pcseg::predict::check_cloud(&cloud, name).map_err(crate::errors::to_py)?;
    Ok(cloud)
}

/// Build the cloud `Model.segment` would build from `xyz` (and `normals`)
/// and return its number of points; for measuring the cost of the input
/// conversion alone (`tests/test_memory.py`).
#[pyfunction(name = "_input_cloud_len", signature = (xyz, normals=None))]
pub fn input_cloud_len(
    xyz: &Bound<'_, PyAny>,
    normals: Option<&Bound<'_, PyAny>>,
) -> PyResult<usize> {
    Ok(input_cloud(xyz, normals, "<array>")?.len())
}

/// `(N, 3)` values as a numpy array: `float64` when exact values are given,
/// else `float32`.
pub fn triples_to_numpy<'py>(
    py: Python<'py>,
    f32: &[[f32; 3]],
    exact: Option<&[[f64; 3]]>,
) -> PyResult<Bound<'py, PyAny>> {
    let n = f32.len();
    Ok(match exact {
        Some(e) => PyArray1::from_vec(py, e.iter().flatten().copied().collect())
            .reshape([n, 3])?
            .into_any(),
        None => PyArray1::from_vec(py, f32.iter().flatten().copied().collect())
            .reshape([n, 3])?
            .into_any(),
    })
}
