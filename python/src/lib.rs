//! `pcseg._pcseg`: the Python extension module behind the `pcseg` package.
//!
//! Thin bindings over the pcseg library: [`model`] (the network and
//! `segment`), [`files`] (`read`, `write`), [`arrays`] (numpy arrays to and
//! from [`pcseg::PointCloud`] parts) and [`errors`] (library errors as Python
//! exceptions). Everything that computes runs with the GIL released.

mod arrays;
mod errors;
mod files;
mod model;

use pcseg::categories::{part_colour, CATEGORIES};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// The 16 ShapeNetPart categories as dicts `{index, name, synset, parts}`,
/// each part `{id, name, colour: (r, g, b), hex}` (as `pcseg categories --json`).
#[pyfunction]
fn categories(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for c in &CATEGORIES {
        let parts = PyList::empty(py);
        for (k, name) in c.parts.iter().enumerate() {
            let id = c.first_part + k;
            let rgb = part_colour(id);
            let part = PyDict::new(py);
            part.set_item("id", id)?;
            part.set_item("name", *name)?;
            part.set_item("colour", (rgb[0], rgb[1], rgb[2]))?;
            part.set_item(
                "hex",
                format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]),
            )?;
            parts.append(part)?;
        }
        let d = PyDict::new(py);
        d.set_item("index", c.index)?;
        d.set_item("name", c.name)?;
        d.set_item("synset", c.synset)?;
        d.set_item("parts", parts)?;
        list.append(d)?;
    }
    Ok(list)
}

/// The extension module.
#[pymodule]
fn _pcseg(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<model::Model>()?;
    m.add_class::<model::Segmentation>()?;
    m.add_function(wrap_pyfunction!(categories, m)?)?;
    m.add_function(wrap_pyfunction!(files::read, m)?)?;
    m.add_function(wrap_pyfunction!(files::write, m)?)?;
    m.add_function(wrap_pyfunction!(arrays::input_cloud_len, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
