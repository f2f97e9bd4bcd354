//! A gallery: several shapes rendered as tiles on a grid in one image.

use super::image::Image;
use super::tile::{render_tile, RenderItem, RenderOptions, BACKGROUND};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Colour of the 1-pixel lines between tiles.
pub const SEPARATOR: [u8; 3] = [200, 200, 196];

/// Number of grid rows for `n` tiles in `cols` columns.
pub fn grid_rows(n: usize, cols: usize) -> usize {
    n.div_ceil(cols.max(1))
}

/// Render `items` as a grid of `cols` columns (rows as needed), each tile
/// `opts.size` pixels square, in item order left to right, top to bottom.
/// The image is exactly `cols * size` x `rows * size` pixels.
pub fn render_gallery(items: &[RenderItem], cols: usize, opts: &RenderOptions) -> Result<Image> {
    opts.validate()?;
    if cols == 0 {
        return Err(Error::usage("a gallery needs at least 1 column"));
    }
    if items.is_empty() {
        return Err(Error::usage("nothing to render"));
    }
    let rows = grid_rows(items.len(), cols);
    let size = opts.size as u64;
    let (w, h) = (cols as u64 * size, rows as u64 * size);
    if w * h > 400_000_000 || w > u32::MAX as u64 || h > u32::MAX as u64 {
        return Err(Error::usage(format!(
            "a {cols} x {rows} gallery of {size} px tiles is too large ({w} x {h} px)"
        )));
    }
    // Tiles are independent: each worker renders into its own image.
    let tiles: Vec<Image> = items
        .par_iter()
        .map(|item| render_tile(item, opts).map(|(img, _)| img))
        .collect::<Result<_>>()?;
    let mut out = Image::new(w as u32, h as u32, BACKGROUND);
    for (i, tile) in tiles.iter().enumerate() {
        let (c, r) = ((i % cols) as i64, (i / cols) as i64);
        out.blit(tile, c * size as i64, r * size as i64);
    }
    if cols > 1 || rows > 1 {
        for c in 1..cols as i64 {
            out.fill_rect(c * size as i64, 0, 1, h as i64, SEPARATOR);
        }
        for r in 1..rows as i64 {
            out.fill_rect(0, r * size as i64, w as i64, 1, SEPARATOR);
        }
    }
    Ok(out)
}
