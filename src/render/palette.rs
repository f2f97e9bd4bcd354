//! Custom part colours (`pcseg run --palette FILE`, `pcseg render --palette FILE`).
//!
//! Two formats, told apart by the first non-blank character:
//!
//! - text, one part a line: `PART R G B` or `PART #rrggbb`, fields separated
//!   by spaces, tabs or commas; `PART` is a global part id (`13`) or
//!   `Category/part` (`Chair/seat`, any case); blank lines and lines starting
//!   with `#` are skipped;
//! - JSON (`{` or `[`): an object `{"Chair/leg": [r, g, b], "13": "#ff0000"}`,
//!   or the list `pcseg categories --json` prints (each part's `id` and
//!   `colour`), so that output, edited, reads back as a palette.
//!
//! Parts the file does not name keep [`part_colour`]. Every problem is a
//! one-line [`Error::Data`] naming the file and, where known, the line.
//!
//! ```
//! use pcseg::render::palette::Palette;
//! let p = Palette::parse("Chair/seat 255 0 0\n# comment\n12 #00ff00\n", "p.txt").unwrap();
//! assert_eq!(p.colour(13), [255, 0, 0]);
//! assert_eq!(p.colour(12), [0, 255, 0]);
//! assert_eq!(p.colour(14), pcseg::categories::part_colour(14));
//! ```

use crate::categories::{find_category, part_colour, NUM_PARTS};
use crate::error::{Error, Result};
use std::path::Path;

/// A colour for every global part id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    colours: [[u8; 3]; NUM_PARTS],
}

impl Default for Palette {
    /// The usual colours ([`part_colour`]).
    fn default() -> Self {
        Palette {
            colours: std::array::from_fn(part_colour),
        }
    }
}

impl Palette {
    /// The colour of a global part id (grey beyond the known parts, as
    /// [`part_colour`]).
    pub fn colour(&self, part: usize) -> [u8; 3] {
        self.colours
            .get(part)
            .copied()
            .unwrap_or_else(|| part_colour(part))
    }

    /// Read a palette file.
    pub fn read(path: &Path) -> Result<Palette> {
        let bytes = std::fs::read(path).map_err(|e| Error::data(path, None, e.to_string()))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::data(path, None, "not UTF-8 text: not a palette file"))?;
        Palette::parse(&text, &path.display().to_string())
    }

    /// Parse palette text; `name` is used in error messages.
    pub fn parse(text: &str, name: &str) -> Result<Palette> {
        let path = Path::new(name);
        let mut palette = Palette::default();
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            parse_json(text, path, &mut palette)?;
            return Ok(palette);
        }
        let mut any = false;
        for (i, line) in text.lines().enumerate() {
            let line_no = Some(i as u64 + 1);
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|f| !f.is_empty())
                .collect();
            let bad = |m: String| Error::data(path, line_no, m);
            let part = part_id(fields[0]).map_err(bad)?;
            let colour = match &fields[1..] {
                [hex] => hex_colour(hex),
                [r, g, b] => channels(&[r, g, b]),
                _ => Err(format!(
                    "expected PART R G B or PART #rrggbb, found {} fields",
                    fields.len()
                )),
            }
            .map_err(bad)?;
            palette.colours[part] = colour;
            any = true;
        }
        if !any {
            return Err(Error::data(path, None, "the palette names no parts"));
        }
        Ok(palette)
    }
}

/// A global part id from `13` or `Chair/seat`.
fn part_id(s: &str) -> std::result::Result<usize, String> {
    if let Ok(id) = s.parse::<usize>() {
        return if id < NUM_PARTS {
            Ok(id)
        } else {
            Err(format!("part id {id} out of range 0..{NUM_PARTS}"))
        };
    }
    let unknown = || {
        format!("unknown part '{s}' (expected a part id 0-49 or Category/part, e.g. Chair/seat)")
    };
    let (cat, part) = s.split_once('/').ok_or_else(unknown)?;
    let c = find_category(cat).ok_or_else(unknown)?;
    let k = c
        .parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case(part))
        .ok_or_else(|| format!("unknown part '{s}': {} has {}", c.name, c.parts.join(", ")))?;
    Ok(c.first_part + k)
}

fn hex_colour(s: &str) -> std::result::Result<[u8; 3], String> {
    let bad = || format!("'{s}': expected #rrggbb");
    let h = s.strip_prefix('#').ok_or_else(bad)?;
    if h.len() != 6 || !h.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 3];
    for (k, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&h[2 * k..2 * k + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn channels(v: &[&str; 3]) -> std::result::Result<[u8; 3], String> {
    let mut out = [0u8; 3];
    for (o, s) in out.iter_mut().zip(v) {
        *o = s
            .parse::<u8>()
            .map_err(|_| format!("colour value '{s}': expected a whole number 0-255"))?;
    }
    Ok(out)
}

/// A JSON colour: `[r, g, b]` (0-255) or `"#rrggbb"`.
fn json_colour(v: &serde_json::Value) -> std::result::Result<[u8; 3], String> {
    match v {
        serde_json::Value::String(s) => hex_colour(s),
        serde_json::Value::Array(a) if a.len() == 3 => {
            let mut out = [0u8; 3];
            for (o, x) in out.iter_mut().zip(a) {
                *o = x
                    .as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| format!("colour value {x}: expected a whole number 0-255"))?;
            }
            Ok(out)
        }
        other => Err(format!("colour {other}: expected [r, g, b] or \"#rrggbb\"")),
    }
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> Option<u64> {
    let at = text.find(needle)?;
    Some(text[..at].matches('\n').count() as u64 + 1)
}

fn parse_json(text: &str, path: &Path, palette: &mut Palette) -> Result<()> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::data(path, Some(e.line() as u64), format!("not valid JSON: {e}")))?;
    let mut any = false;
    match &v {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let line = line_of(text, &format!("\"{key}\""));
                let bad = |m: String| Error::data(path, line, m);
                let part = part_id(key).map_err(bad)?;
                palette.colours[part] = json_colour(value).map_err(bad)?;
                any = true;
            }
        }
        serde_json::Value::Array(categories) => {
            for c in categories {
                let parts = c.get("parts").and_then(|p| p.as_array()).ok_or_else(|| {
                    Error::data(
                        path,
                        None,
                        "a JSON list palette is `pcseg categories --json` output: \
                         every entry needs \"parts\"",
                    )
                })?;
                for p in parts {
                    let id = p.get("id").and_then(|i| i.as_u64()).ok_or_else(|| {
                        Error::data(path, None, format!("part {p}: needs a numeric \"id\""))
                    })?;
                    let line = line_of(text, &format!("\"id\": {id}"));
                    let bad = |m: String| Error::data(path, line, m);
                    let part = part_id(&id.to_string()).map_err(bad)?;
                    let colour = p
                        .get("colour")
                        .or_else(|| p.get("hex"))
                        .ok_or_else(|| bad(format!("part {id}: needs \"colour\"")))?;
                    palette.colours[part] = json_colour(colour).map_err(bad)?;
                    any = true;
                }
            }
        }
        _ => unreachable!("starts with {{ or ["),
    }
    if !any {
        return Err(Error::data(path, None, "the palette names no parts"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let e = Palette::parse(text, "pal.txt").unwrap_err().to_string();
        assert!(!e.contains('\n'), "{e}");
        e
    }

    #[test]
    fn text_lines_set_the_named_parts_only() {
        let p = Palette::parse("  # mine\n\nchair/LEG, 1, 2, 3\n0 #0a0B0c\n", "p").unwrap();
        assert_eq!(p.colour(14), [1, 2, 3]);
        assert_eq!(p.colour(0), [10, 11, 12]);
        assert_eq!(p.colour(1), part_colour(1));
        assert_eq!(Palette::default().colour(7), part_colour(7));
    }

    #[test]
    fn json_objects_and_category_lists_are_read() {
        let p = Palette::parse("{\"Chair/seat\": [9, 8, 7], \"0\": \"#ffffff\"}", "p").unwrap();
        assert_eq!(p.colour(13), [9, 8, 7]);
        assert_eq!(p.colour(0), [255, 255, 255]);
        let list = r##"[{"name": "Airplane", "parts": [{"id": 2, "name": "tail", "colour": [4, 5, 6], "hex": "#040506"}]}]"##;
        let p = Palette::parse(list, "p").unwrap();
        assert_eq!(p.colour(2), [4, 5, 6]);
    }

    #[test]
    fn bad_palettes_name_the_file_and_line() {
        let e = err("12 1 2 3\nChair/wheel 1 2 3\n");
        assert!(
            e.starts_with("pal.txt: line 2: ") && e.contains("Chair/wheel"),
            "{e}"
        );
        let e = err("12 1 2 300\n");
        assert!(
            e.starts_with("pal.txt: line 1: ") && e.contains("300"),
            "{e}"
        );
        let e = err("\n\n50 1 2 3\n");
        assert!(
            e.starts_with("pal.txt: line 3: ") && e.contains("out of range"),
            "{e}"
        );
        let e = err("12 1 2\n");
        assert!(
            e.starts_with("pal.txt: line 1: ") && e.contains("3 fields"),
            "{e}"
        );
        let e = err("12 #12345\n");
        assert!(e.starts_with("pal.txt: line 1: "), "{e}");
        let e = err("# only comments\n");
        assert!(e.contains("names no parts"), "{e}");
        let e = err("{\n\"Chair/seat\": [1, 2, 3],\n\"Sofa/arm\": [1, 2, 3]\n}");
        assert!(
            e.starts_with("pal.txt: line 3: ") && e.contains("Sofa/arm"),
            "{e}"
        );
        let e = err("{\n\"Chair/seat\": [1, 2\n");
        assert!(e.starts_with("pal.txt: line ") && e.contains("JSON"), "{e}");
    }
}
