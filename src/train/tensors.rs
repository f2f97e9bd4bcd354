//! Reading and writing named f32 tensors with a JSON metadata entry as a
//! safetensors file, the container of training checkpoints.

use crate::error::{Error, Result};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;
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

/// Write `tensors` and the metadata map to `path` atomically (a temporary
/// file in the same folder, then a rename), so an interrupted write never
/// leaves a truncated file behind.
pub fn write_tensors(
    path: &Path,
    tensors: &[NamedTensor],
    metadata: HashMap<String, String>,
) -> Result<()> {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|t| t.data.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let mut views = Vec::with_capacity(tensors.len());
    for (t, b) in tensors.iter().zip(&bytes) {
        let view = TensorView::new(Dtype::F32, t.shape.clone(), b)
            .map_err(|e| Error::data(path, None, format!("tensor `{}`: {e}", t.name)))?;
        views.push((t.name.clone(), view));
    }
    let buffer = safetensors::serialize(views, Some(metadata))
        .map_err(|e| Error::data(path, None, format!("cannot serialise: {e}")))?;
    let tmp = path.with_extension("safetensors.tmp");
    std::fs::write(&tmp, buffer).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Read every tensor (which must be f32) and the metadata map of a
/// safetensors file. Tensors come back sorted by name.
pub fn read_tensors(path: &Path) -> Result<(Vec<NamedTensor>, HashMap<String, String>)> {
    let buffer = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_tensors(&buffer, path)
}

/// [`read_tensors`] on bytes already read from `path` (which names them in
/// errors).
pub fn parse_tensors(
    buffer: &[u8],
    path: &Path,
) -> Result<(Vec<NamedTensor>, HashMap<String, String>)> {
    let bad = |m: String| Error::data(path, None, m);
    let (_, meta) = SafeTensors::read_metadata(buffer)
        .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let metadata = meta.metadata().clone().unwrap_or_default();
    let st = SafeTensors::deserialize(buffer)
        .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let mut out = Vec::with_capacity(st.len());
    for (name, view) in st.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(bad(format!(
                "tensor `{name}` has dtype {:?}, expected F32",
                view.dtype()
            )));
        }
        let data = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        out.push(NamedTensor {
            name,
            shape: view.shape().to_vec(),
            data,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((out, metadata))
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
        write_tensors(&path, &tensors, meta.clone()).unwrap();
        let (back, m) = read_tensors(&path).unwrap();
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
        std::fs::write(&path, b"garbage").unwrap();
        let e = read_tensors(&path).unwrap_err().to_string();
        assert!(e.starts_with(&path.display().to_string()), "{e}");
    }
}
