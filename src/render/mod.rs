//! `pcseg render`: a headless software renderer for labelled point clouds.
//!
//! Points are splatted as small shaded discs with a depth buffer
//! ([`splat`]), coloured by part with [`crate::categories::part_colour`]
//! (unlabelled points grey), seen orthographically from a named [`View`] in
//! the ShapeNetPart frame (y up, front +x) and auto-fitted. Each shape is a
//! square tile with a caption (category, point count, name) and a legend of
//! its category's parts ([`tile`]); several shapes make a grid gallery
//! ([`gallery`]). Text uses a built-in 5x8 bitmap font ([`font`]); PNGs are
//! written atomically ([`png_file`]).
//!
//! ```
//! use pcseg::render::{render_tile, RenderItem, RenderOptions};
//! use pcseg::PointCloud;
//! let mut cloud = PointCloud::from_points(vec![[0.0, 0.0, 0.0], [0.1, 0.2, 0.0]]);
//! cloud.labels = Some(vec![36, 37]);
//! let item = RenderItem { cloud, name: "mug".into(), category: None };
//! let opts = RenderOptions { size: 128, ..Default::default() };
//! let (img, _) = render_tile(&item, &opts).unwrap();
//! assert_eq!((img.width, img.height), (128, 128));
//! ```

pub mod font;
pub mod gallery;
pub mod image;
pub mod palette;
pub mod png_file;
pub mod splat;
pub mod tile;
pub mod view;

pub use gallery::{grid_rows, render_gallery};
pub use image::Image;
pub use png_file::{read_png, write_png};
pub use tile::{render_tile, RenderItem, RenderOptions};
pub use view::View;
