//! `pcseg categories`: the 16 categories, their synsets, and their parts with
//! global ids and render colours, as text or JSON.

use pcseg::categories::{part_colour, CATEGORIES};

/// Arguments of `pcseg categories`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The categories as JSON: a list of `{index, name, synset, parts: [{id,
/// name, colour}]}`, `colour` as `[r, g, b]` (0-255) and `#rrggbb`.
pub fn categories_json() -> serde_json::Value {
    let list: Vec<serde_json::Value> = CATEGORIES
        .iter()
        .map(|c| {
            let parts: Vec<serde_json::Value> = c
                .parts
                .iter()
                .enumerate()
                .map(|(k, name)| {
                    let id = c.first_part + k;
                    let rgb = part_colour(id);
                    serde_json::json!({
                        "id": id,
                        "name": name,
                        "colour": rgb,
                        "hex": hex(rgb),
                    })
                })
                .collect();
            serde_json::json!({
                "index": c.index,
                "name": c.name,
                "synset": c.synset,
                "parts": parts,
            })
        })
        .collect();
    serde_json::Value::Array(list)
}

fn hex(rgb: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

/// Run `pcseg categories`.
pub fn execute(args: Args) -> anyhow::Result<()> {
    if args.json {
        println!("{}", serde_json::to_string_pretty(&categories_json())?);
        return Ok(());
    }
    for c in CATEGORIES.iter() {
        let parts: Vec<String> = c
            .parts
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let id = c.first_part + k;
                format!("{id} {name} {}", hex(part_colour(id)))
            })
            .collect();
        println!("{:<11} {}  {}", c.name, c.synset, parts.join(", "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lists_all_fifty_parts_once_with_their_colours() {
        let v = categories_json();
        let cats = v.as_array().unwrap();
        assert_eq!(cats.len(), 16);
        let mut ids: Vec<u64> = cats
            .iter()
            .flat_map(|c| c["parts"].as_array().unwrap().iter())
            .map(|p| p["id"].as_u64().unwrap())
            .collect();
        ids.sort();
        assert_eq!(ids, (0..50).collect::<Vec<u64>>());
        assert_eq!(cats[4]["name"], "Chair");
        assert_eq!(cats[4]["synset"], "03001627");
        let seat = &cats[4]["parts"][1];
        assert_eq!(seat["name"], "seat");
        let rgb = part_colour(13);
        assert_eq!(seat["hex"], hex(rgb));
    }
}
