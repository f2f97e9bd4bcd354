//! The ShapeNetPart category table: the single source of truth for category
//! names, synsets, global part ranges, part names, shape counts and part colours.
//!
//! Every other module (readers, metric, synthetic data, renderer, CLI) reads
//! this table; nothing else hard-codes a part id.
//!
//! Global part ids run `0..NUM_PARTS`; each category owns a contiguous range
//! starting at [`Category::first_part`]. The category index is the line order of
//! the official `synsetoffset2category.txt`.

/// Number of categories in ShapeNetPart.
pub const NUM_CATEGORIES: usize = 16;
/// Number of global part ids in ShapeNetPart.
pub const NUM_PARTS: usize = 50;

/// One ShapeNetPart category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// Index in `synsetoffset2category.txt` order (0..16).
    pub index: usize,
    /// Name as written in `synsetoffset2category.txt` (e.g. `Airplane`).
    pub name: &'static str,
    /// WordNet synset id, the folder name in the dataset (e.g. `02691156`).
    pub synset: &'static str,
    /// First global part id of this category.
    pub first_part: usize,
    /// Part names in global id order.
    pub parts: &'static [&'static str],
    /// Number of shapes in the official dataset (all splits together).
    pub shapes: usize,
}

impl Category {
    /// Number of parts of this category.
    pub fn num_parts(&self) -> usize {
        self.parts.len()
    }

    /// The global part ids of this category.
    pub fn part_range(&self) -> std::ops::Range<usize> {
        self.first_part..self.first_part + self.parts.len()
    }

    /// Whether a global part id belongs to this category.
    pub fn owns_part(&self, part: usize) -> bool {
        self.part_range().contains(&part)
    }
}

macro_rules! category {
    ($index:expr, $name:expr, $synset:expr, $first:expr, [$($part:expr),+], $shapes:expr) => {
        Category {
            index: $index,
            name: $name,
            synset: $synset,
            first_part: $first,
            parts: &[$($part),+],
            shapes: $shapes,
        }
    };
}

/// The 16 ShapeNetPart categories in official order.
pub const CATEGORIES: [Category; NUM_CATEGORIES] = [
    category!(
        0,
        "Airplane",
        "02691156",
        0,
        ["body", "wing", "tail", "engine"],
        2690
    ),
    category!(1, "Bag", "02773838", 4, ["handle", "body"], 76),
    category!(2, "Cap", "02954340", 6, ["panels", "peak"], 55),
    category!(
        3,
        "Car",
        "02958343",
        8,
        ["roof", "hood", "wheel", "body"],
        898
    ),
    category!(
        4,
        "Chair",
        "03001627",
        12,
        ["back", "seat", "leg", "arm"],
        3758
    ),
    category!(
        5,
        "Earphone",
        "03261776",
        16,
        ["earphone", "headband", "data_wire"],
        69
    ),
    category!(6, "Guitar", "03467517", 19, ["head", "neck", "body"], 787),
    category!(7, "Knife", "03624134", 22, ["blade", "handle"], 392),
    category!(
        8,
        "Lamp",
        "03636649",
        24,
        ["base", "lampshade", "canopy", "tube"],
        1547
    ),
    category!(9, "Laptop", "03642806", 28, ["keyboard", "screen"], 451),
    category!(
        10,
        "Motorbike",
        "03790512",
        30,
        ["gas_tank", "seat", "wheel", "handle", "light", "body"],
        202
    ),
    category!(11, "Mug", "03797390", 36, ["handle", "body"], 184),
    category!(
        12,
        "Pistol",
        "03948459",
        38,
        ["barrel", "handle", "trigger_and_guard"],
        283
    ),
    category!(13, "Rocket", "04099429", 41, ["body", "fin", "nose"], 66),
    category!(
        14,
        "Skateboard",
        "04225987",
        44,
        ["wheel", "deck", "belt_for_foot"],
        152
    ),
    category!(
        15,
        "Table",
        "04379243",
        47,
        ["desktop", "leg", "support"],
        5271
    ),
];

/// Official split sizes (train, val, test) of ShapeNetPart.
pub const SPLIT_SIZES: [(&str, usize); 3] = [("train", 12_137), ("val", 1_870), ("test", 2_874)];

/// Find a category by name (case-insensitive) or synset id.
///
/// ```
/// use pcseg::categories::find_category;
/// assert_eq!(find_category("chair").unwrap().synset, "03001627");
/// assert_eq!(find_category("04379243").unwrap().name, "Table");
/// assert!(find_category("sofa").is_none());
/// ```
pub fn find_category(name_or_synset: &str) -> Option<&'static Category> {
    let key = name_or_synset.trim();
    CATEGORIES
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(key) || c.synset == key)
}

/// The category that owns a global part id, or `None` when `part >= NUM_PARTS`.
pub fn part_category(part: usize) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.owns_part(part))
}

/// Human-readable name of a global part id, e.g. `Chair/leg`.
pub fn part_name(part: usize) -> Option<String> {
    part_category(part).map(|c| format!("{}/{}", c.name, c.parts[part - c.first_part]))
}

/// All category names joined with `, ` (for error messages listing valid choices).
pub fn category_names() -> String {
    CATEGORIES
        .iter()
        .map(|c| c.name.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fixed display colour of a global part id (sRGB).
///
/// Parts inside a category get clearly different hues (the hue steps by the
/// golden angle from a per-category offset), so a labelled cloud reads well
/// whatever its category. Ids outside `0..NUM_PARTS` are grey.
pub fn part_colour(part: usize) -> [u8; 3] {
    let Some(cat) = part_category(part) else {
        return [128, 128, 128];
    };
    let local = (part - cat.first_part) as f32;
    let hue = (cat.index as f32 * 0.071 + local * 0.381_966) % 1.0;
    let sat = if (local as usize).is_multiple_of(2) {
        0.75
    } else {
        0.6
    };
    hsv_to_rgb(hue, sat, 0.92)
}

fn hsv_to_rgb(h: f32, s: f32, v: f32) -> [u8; 3] {
    let i = (h * 6.0).floor();
    let f = h * 6.0 - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - f * s), v * (1.0 - (1.0 - f) * s));
    let (r, g, b) = match i as i32 % 6 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    [
        (r * 255.0).round() as u8,
        (g * 255.0).round() as u8,
        (b * 255.0).round() as u8,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_contiguous_and_total_50() {
        let mut next = 0;
        for (i, c) in CATEGORIES.iter().enumerate() {
            assert_eq!(c.index, i);
            assert_eq!(
                c.first_part, next,
                "{} does not start where the previous ends",
                c.name
            );
            assert!((2..=6).contains(&c.num_parts()));
            next += c.num_parts();
        }
        assert_eq!(next, NUM_PARTS);
        assert_eq!(CATEGORIES.iter().map(|c| c.shapes).sum::<usize>(), 16_881);
        assert_eq!(SPLIT_SIZES.iter().map(|s| s.1).sum::<usize>(), 16_881);
    }

    #[test]
    fn part_lookup_round_trips() {
        for part in 0..NUM_PARTS {
            let c = part_category(part).unwrap();
            assert!(c.owns_part(part));
        }
        assert!(part_category(NUM_PARTS).is_none());
        assert_eq!(part_name(45).unwrap(), "Skateboard/deck");
        assert_eq!(part_name(48).unwrap(), "Table/leg");
    }

    #[test]
    fn lookup_is_case_insensitive_and_takes_synsets() {
        assert_eq!(find_category("AIRPLANE").unwrap().index, 0);
        assert_eq!(find_category(" mug ").unwrap().index, 11);
        assert_eq!(find_category("03642806").unwrap().name, "Laptop");
        assert!(find_category("").is_none());
    }

    #[test]
    fn parts_within_a_category_have_distinct_colours() {
        for c in &CATEGORIES {
            let colours: Vec<_> = c.part_range().map(part_colour).collect();
            for i in 0..colours.len() {
                for j in i + 1..colours.len() {
                    let d: i32 = (0..3)
                        .map(|k| (colours[i][k] as i32 - colours[j][k] as i32).abs())
                        .sum();
                    assert!(d > 60, "{}: parts {i} and {j} look alike", c.name);
                }
            }
        }
    }
}
