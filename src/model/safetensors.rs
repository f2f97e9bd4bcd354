//! safetensors files of named little-endian f32 tensors with string
//! metadata: the one reader and writer behind model files
//! ([`super::weights`]) and training checkpoints
//! (`crate::train::checkpoint`). Files are written atomically
//! ([`crate::io::atomic`]).
//!
//! Errors name the file (`origin`), the tensor and, for shapes, the expected
//! and actual shapes.

use crate::error::{Error, Result};
use crate::io::atomic::write_atomic;
use ndarray::{ArrayD, IxDyn};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// One named f32 tensor: name, shape, values (row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    /// Tensor name (dotted path).
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Values, `shape.iter().product()` of them.
    pub data: Vec<f32>,
}

impl NamedTensor {
    /// A copy of `value` named `name`.
    pub fn from_array(name: String, value: &ArrayD<f32>) -> Self {
        NamedTensor {
            name,
            shape: value.shape().to_vec(),
            data: value.iter().copied().collect(),
        }
    }
}

/// Serialise `tensors` and the `metadata` map to safetensors bytes (tensors
/// are stored sorted by name, whatever their order here).
pub fn to_bytes(tensors: &[NamedTensor], metadata: HashMap<String, String>) -> Result<Vec<u8>> {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|t| t.data.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let mut views = Vec::with_capacity(tensors.len());
    for (t, b) in tensors.iter().zip(&bytes) {
        let view = TensorView::new(Dtype::F32, t.shape.clone(), b)
            .map_err(|e| Error::model(format!("tensor `{}`: {e}", t.name)))?;
        views.push((t.name.clone(), view));
    }
    safetensors::serialize(views, Some(metadata))
        .map_err(|e| Error::model(format!("safetensors: {e}")))
}

/// Write `tensors` and `metadata` to `path` atomically (a temporary file in
/// the same folder, synced, then renamed), so an interrupted write never
/// leaves a truncated file behind.
pub fn write_file(
    path: &Path,
    tensors: &[NamedTensor],
    metadata: HashMap<String, String>,
) -> Result<()> {
    let bytes = to_bytes(tensors, metadata)?;
    write_atomic(path, |w| w.write_all(&bytes))
}

/// Read the bytes of a safetensors file (errors name `path`).
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// The metadata map of safetensors `bytes`; `origin` names them in errors.
pub fn metadata(bytes: &[u8], origin: &Path) -> Result<HashMap<String, String>> {
    let (_, meta) = SafeTensors::read_metadata(bytes)
        .map_err(|e| Error::data(origin, None, format!("not a safetensors file: {e}")))?;
    Ok(meta.metadata().clone().unwrap_or_default())
}

/// VarBuilder-style reader: `get(shape, name)` returns the tensor or an error
/// naming the file, the tensor, and the expected and actual shapes.
pub struct TensorReader<'a> {
    origin: &'a Path,
    st: SafeTensors<'a>,
}

impl<'a> TensorReader<'a> {
    /// Parse safetensors `bytes`; `origin` (a path) names them in errors.
    pub fn new(bytes: &'a [u8], origin: &'a Path) -> Result<Self> {
        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| Error::data(origin, None, format!("not a safetensors file: {e}")))?;
        Ok(TensorReader { origin, st })
    }

    fn err(&self, m: String) -> Error {
        Error::data(self.origin, None, m)
    }

    /// The values of f32 tensor `view` called `name`.
    fn values(&self, name: &str, view: &TensorView) -> Result<Vec<f32>> {
        if view.dtype() != Dtype::F32 {
            return Err(self.err(format!(
                "tensor `{name}`: expected F32, found {:?}",
                view.dtype()
            )));
        }
        Ok(view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// The f32 tensor `name`, which must have `shape`.
    pub fn get(&self, shape: &[usize], name: &str) -> Result<ArrayD<f32>> {
        let t = self.st.tensor(name).map_err(|_| {
            self.err(format!(
                "missing tensor `{name}` (expected shape {shape:?})"
            ))
        })?;
        if t.shape() != shape {
            return Err(self.err(format!(
                "tensor `{name}`: expected shape {shape:?}, found {:?}",
                t.shape()
            )));
        }
        let data = self.values(name, &t)?;
        ArrayD::from_shape_vec(IxDyn(shape), data)
            .map_err(|e| self.err(format!("tensor `{name}`: {e}")))
    }

    /// Names of all tensors in the file.
    pub fn names(&self) -> Vec<String> {
        self.st.names().into_iter().map(str::to_string).collect()
    }

    /// Every tensor (each must be f32), sorted by name.
    pub fn all(&self) -> Result<Vec<NamedTensor>> {
        let mut out = Vec::with_capacity(self.st.len());
        for (name, view) in self.st.tensors() {
            let data = self.values(&name, &view)?;
            out.push(NamedTensor {
                shape: view.shape().to_vec(),
                name,
                data,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

/// Every tensor (sorted by name) and the metadata map of safetensors
/// `bytes` read from `path` (which names them in errors).
pub fn parse(bytes: &[u8], path: &Path) -> Result<(Vec<NamedTensor>, HashMap<String, String>)> {
    let metadata = metadata(bytes, path)?;
    let tensors = TensorReader::new(bytes, path)?.all()?;
    Ok((tensors, metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_bit_exact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.safetensors");
        let tensors = vec![
            NamedTensor {
                name: "b.x".into(),
                shape: vec![2, 3],
                data: vec![1.0, -0.0, f32::MIN_POSITIVE, 3.5e-12, 7.0, -1.25],
            },
            NamedTensor {
                name: "a.y".into(),
                shape: vec![1],
                data: vec![0.1],
            },
        ];
        let mut meta = HashMap::new();
        meta.insert("k".to_string(), "{\"epoch\": 3}".to_string());
        write_file(&path, &tensors, meta.clone()).unwrap();
        let (back, m) = parse(&read_file(&path).unwrap(), &path).unwrap();
        assert_eq!(m, meta);
        assert_eq!(back.len(), 2);
        assert_eq!(back[0], tensors[1]);
        assert_eq!(
            back[1].data.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            tensors[0]
                .data
                .iter()
                .map(|x| x.to_bits())
                .collect::<Vec<_>>()
        );
        assert!(!path.with_extension("safetensors.tmp").exists());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");
        std::fs::write(&path, b"garbage").unwrap();
        let e = parse(&read_file(&path).unwrap(), &path)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(&path.display().to_string()), "{e}");
    }
}
