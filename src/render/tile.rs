//! One rendered shape: a square tile with a caption (category, point count,
//! name), the splatted cloud, and a legend of part colours.

use super::font::{draw_text, fit_text, text_width, GLYPH_H, LINE_H};
use super::image::Image;
use super::palette::Palette;
use super::splat::{splat_cloud, Rect, SplatInfo, SplatStyle};
use super::view::View;
use crate::categories::{part_category, part_name, Category};
use crate::cloud::PointCloud;
use crate::error::{Error, Result};

/// Background colour of every tile.
pub const BACKGROUND: [u8; 3] = [246, 246, 243];
/// Colour of points without a label.
pub const UNLABELLED: [u8; 3] = [165, 165, 165];
/// Main text colour.
pub const TEXT: [u8; 3] = [40, 40, 40];
/// Colour of secondary text and of legend entries for absent parts.
pub const MUTED: [u8; 3] = [140, 140, 140];
/// Smallest tile size in pixels.
pub const MIN_SIZE: u32 = 64;
/// Largest tile size in pixels.
pub const MAX_SIZE: u32 = 8192;

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    /// Viewing direction.
    pub view: View,
    /// Tile width and height in pixels.
    pub size: u32,
    /// Category forced for every shape (legend and caption); `None` infers it.
    pub category: Option<&'static Category>,
    /// Part colours of the points and the legend.
    pub palette: Palette,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            view: View::Iso,
            size: 512,
            category: None,
            palette: Palette::default(),
        }
    }
}

impl RenderOptions {
    /// Check the options, e.g. the tile size range.
    pub fn validate(&self) -> Result<()> {
        if !(MIN_SIZE..=MAX_SIZE).contains(&self.size) {
            return Err(Error::usage(format!(
                "tile size {} px is outside {MIN_SIZE}..={MAX_SIZE}",
                self.size
            )));
        }
        Ok(())
    }
}

/// A shape to render: the cloud, the name shown in its caption, and a
/// category hint (e.g. from its synset folder) used when it has no labels.
#[derive(Debug, Clone)]
pub struct RenderItem {
    /// The cloud.
    pub cloud: PointCloud,
    /// Caption name (usually the file stem).
    pub name: String,
    /// Category hint for unlabelled clouds.
    pub category: Option<&'static Category>,
}

/// The category owning most labels of `cloud`, or `None` without labels.
pub fn infer_category(cloud: &PointCloud) -> Option<&'static Category> {
    let labels = cloud.labels.as_ref()?;
    let mut votes = [0usize; crate::categories::NUM_CATEGORIES];
    for &l in labels {
        if let Some(c) = part_category(l as usize) {
            votes[c.index] += 1;
        }
    }
    let (best, &n) = votes
        .iter()
        .enumerate()
        .max_by_key(|&(i, &n)| (n, usize::MAX - i))?;
    (n > 0).then(|| &crate::categories::CATEGORIES[best])
}

/// Display colour of each point: its part's colour in `palette`, or
/// [`UNLABELLED`].
pub fn point_colours(cloud: &PointCloud, palette: &Palette) -> Vec<[u8; 3]> {
    match &cloud.labels {
        Some(l) => l.iter().map(|&p| palette.colour(p as usize)).collect(),
        None => vec![UNLABELLED; cloud.len()],
    }
}

/// One legend line: swatch colour, text, and whether the part occurs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendEntry {
    /// Swatch colour.
    pub colour: [u8; 3],
    /// Part name.
    pub name: String,
    /// Whether any point carries this part.
    pub present: bool,
}

/// Legend of a cloud: every part of `category` (absent ones marked), or,
/// without a category, the distinct labels present; swatches in `palette`.
pub fn legend(
    cloud: &PointCloud,
    category: Option<&'static Category>,
    palette: &Palette,
) -> Vec<LegendEntry> {
    let mut seen = [false; crate::categories::NUM_PARTS];
    let mut others = Vec::new();
    if let Some(labels) = &cloud.labels {
        for &l in labels {
            let l = l as usize;
            if l < crate::categories::NUM_PARTS {
                seen[l] = true;
            } else if !others.contains(&l) {
                others.push(l);
            }
        }
    }
    match category {
        Some(c) => c
            .part_range()
            .map(|p| LegendEntry {
                colour: palette.colour(p),
                name: c.parts[p - c.first_part].to_string(),
                present: seen[p],
            })
            .collect(),
        None => {
            others.sort_unstable();
            let known = (0..crate::categories::NUM_PARTS).filter(|&p| seen[p]);
            known
                .chain(others)
                .map(|p| LegendEntry {
                    colour: palette.colour(p),
                    name: part_name(p).unwrap_or_else(|| format!("id {p}")),
                    present: true,
                })
                .collect()
        }
    }
}

/// Render one shape into a `size` x `size` tile. Returns the tile and what
/// the splatter chose.
pub fn render_tile(item: &RenderItem, opts: &RenderOptions) -> Result<(Image, SplatInfo)> {
    opts.validate()?;
    let size = opts.size;
    let cloud = &item.cloud;
    let category = opts
        .category
        .or_else(|| infer_category(cloud))
        .or(item.category);
    let mut img = Image::new(size, size, BACKGROUND);
    let s = if size >= 384 { 2 } else { 1 };
    let pad = (3 * s + 1) as i64;
    let line = (LINE_H * s) as i64;
    let text_w = size - 2 * pad as u32;

    // Caption: category and point count, then the name.
    let what = match (category, cloud.labels.is_some()) {
        (Some(c), true) => c.name.to_string(),
        (Some(c), false) => format!("{} (unlabelled)", c.name),
        (None, true) => "labelled".to_string(),
        (None, false) => "unlabelled".to_string(),
    };
    let caption = format!("{what}  {} pts", cloud.len());
    draw_text(&mut img, pad, pad, &fit_text(&caption, text_w, s), s, TEXT);
    draw_text(
        &mut img,
        pad,
        pad + line,
        &fit_text(&item.name, text_w, s),
        s,
        MUTED,
    );

    // Legend: entries flow left to right, wrapping, aligned to the bottom.
    let entries = legend(cloud, category, &opts.palette);
    let swatch = (GLYPH_H * s) as i64;
    let gap = 3 * s as i64;
    let sep = 9 * s as i64;
    let mut rows: Vec<Vec<(i64, &LegendEntry)>> = Vec::new();
    let mut x = pad;
    for e in &entries {
        let w = swatch + gap + text_width(&e.name, s) as i64;
        if rows.is_empty() || (x + w > size as i64 - pad && x > pad) {
            rows.push(Vec::new());
            x = pad;
        }
        rows.last_mut().expect("a row was pushed").push((x, e));
        x += w + sep;
    }
    let legend_top = size as i64 - pad - rows.len() as i64 * line + 2 * s as i64;
    for (r, row) in rows.iter().enumerate() {
        let y = legend_top + r as i64 * line;
        for &(x, e) in row {
            if e.present {
                img.fill_rect(x, y, swatch, swatch, e.colour);
            } else {
                img.stroke_rect(x, y, swatch, swatch, e.colour);
            }
            let colour = if e.present { TEXT } else { MUTED };
            draw_text(&mut img, x + swatch + gap, y, &e.name, s, colour);
        }
    }

    // The cloud between caption and legend.
    let top = pad + 2 * line + s as i64;
    let bottom = if rows.is_empty() {
        size as i64 - pad
    } else {
        legend_top - 2 * s as i64
    };
    let rect = Rect {
        x: pad,
        y: top,
        w: size as i64 - 2 * pad,
        h: (bottom - top).max(1),
    };
    let colours = point_colours(cloud, &opts.palette);
    let info = splat_cloud(
        &mut img,
        rect,
        &cloud.points,
        cloud.normals.as_deref(),
        &colours,
        &opts.view.camera(),
        SplatStyle::default(),
    );
    Ok((img, info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::categories::find_category;

    fn labelled(labels: Vec<u32>) -> PointCloud {
        let mut c = PointCloud::from_points(vec![[0.0; 3]; labels.len()]);
        c.labels = Some(labels);
        c
    }

    #[test]
    fn category_is_the_majority_of_labels() {
        let c = labelled(vec![44, 45, 45, 12, 46]);
        assert_eq!(infer_category(&c).unwrap().name, "Skateboard");
        assert!(infer_category(&labelled(vec![99])).is_none());
        assert!(infer_category(&PointCloud::from_points(vec![[0.0; 3]])).is_none());
    }

    #[test]
    fn legend_lists_category_parts_and_marks_absent_ones() {
        let mug = find_category("mug");
        let usual = Palette::default();
        let l = legend(&labelled(vec![37, 37]), mug, &usual);
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].name.as_str(), l[0].present), ("handle", false));
        assert_eq!((l[1].name.as_str(), l[1].present), ("body", true));
        assert_eq!(l[1].colour, crate::categories::part_colour(37));
        let red = Palette::parse("Mug/body 255 0 0\n", "p.txt").unwrap();
        assert_eq!(
            legend(&labelled(vec![37]), mug, &red)[1].colour,
            [255, 0, 0]
        );
        assert_eq!(point_colours(&labelled(vec![37, 36]), &red)[0], [255, 0, 0]);
        let l = legend(&labelled(vec![60, 4]), None, &usual);
        let names: Vec<_> = l.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Bag/handle", "id 60"]);
    }

    #[test]
    fn tiny_sizes_are_refused() {
        let opts = RenderOptions {
            size: 10,
            ..Default::default()
        };
        let item = RenderItem {
            cloud: labelled(vec![4]),
            name: "x".into(),
            category: None,
        };
        assert!(render_tile(&item, &opts).is_err());
    }
}
