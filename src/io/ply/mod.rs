//! PLY point clouds: ascii, binary little-endian and binary big-endian.
//!
//! The header is parsed with ply-rs-bw's grammar ([`header`]); the vertex body
//! is decoded directly ([`read`]) and written directly ([`write`]).

pub mod header;
pub mod read;
pub mod write;

pub use header::{read_ply_header, PlyElement, PlyEncoding, PlyHeader, PlyProperty, PlyType};
pub use read::{read_ply, read_ply_with_header, LABEL_NAMES};
pub use write::{write_ply, PlyWriteOptions};
