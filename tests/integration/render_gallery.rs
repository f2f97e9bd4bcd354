//! Gallery layout tests: the grid is cols x rows tiles of the requested size.

use pcseg::categories::part_colour;
use pcseg::render::gallery::SEPARATOR;
use pcseg::render::tile::BACKGROUND;
use pcseg::render::{grid_rows, render_gallery, RenderItem, RenderOptions};
use pcseg::PointCloud;

fn cube(label: u32) -> PointCloud {
    let mut c = PointCloud::default();
    for i in 0..12 {
        for j in 0..12 {
            let (a, b) = (i as f32 / 11.0 - 0.5, j as f32 / 11.0 - 0.5);
            c.points.extend([[a, b, 0.5], [a, 0.5, b], [0.5, a, b]]);
        }
    }
    c.labels = Some(vec![label; c.points.len()]);
    c
}

#[test]
fn grid_is_cols_by_rows_tiles_in_order() {
    let labels = [4u32, 5, 6, 7, 36];
    let items: Vec<_> = labels
        .iter()
        .map(|&l| RenderItem {
            cloud: cube(l),
            name: format!("c{l}"),
            category: None,
        })
        .collect();
    let size = 96u32;
    let opts = RenderOptions {
        size,
        ..Default::default()
    };
    for cols in [1usize, 2, 3, 5, 7] {
        let img = render_gallery(&items, cols, &opts).unwrap();
        let rows = grid_rows(items.len(), cols);
        assert_eq!(rows, items.len().div_ceil(cols));
        assert_eq!(
            (img.width, img.height),
            (cols as u32 * size, rows as u32 * size)
        );
        for cell in 0..cols * rows {
            let (x0, y0) = ((cell % cols) as u32 * size, (cell / cols) as u32 * size);
            let mut mine = 0;
            let mut any = 0;
            for y in y0 + 1..y0 + size {
                for x in x0 + 1..x0 + size {
                    let p = img.get(x, y);
                    any += (p != BACKGROUND) as usize;
                    if let Some(&l) = labels.get(cell) {
                        mine += (p == part_colour(l as usize)) as usize;
                    }
                }
            }
            if cell < items.len() {
                // The tile of item `cell` holds (at least) its legend swatch.
                assert!(mine >= 49, "cols {cols} cell {cell}");
            } else {
                assert_eq!(any, 0, "empty cell {cell} is not blank");
            }
        }
        if cols > 1 {
            assert_eq!(img.get(size, 5), SEPARATOR);
        }
    }
    assert!(render_gallery(&items, 0, &opts).is_err());
    assert!(render_gallery(&[], 2, &opts).is_err());
}
