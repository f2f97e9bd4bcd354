//! The category confusion of `--category auto`: how often shapes of each
//! true category were given each category.

use crate::categories::{CATEGORIES, NUM_CATEGORIES};
use serde::Serialize;
use std::fmt::Write;

/// Counts of (true category, chosen category) over shapes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryConfusion {
    /// `counts[truth][chosen]`, categories in official order.
    pub counts: [[usize; NUM_CATEGORIES]; NUM_CATEGORIES],
}

impl Default for CategoryConfusion {
    fn default() -> Self {
        CategoryConfusion {
            counts: [[0; NUM_CATEGORIES]; NUM_CATEGORIES],
        }
    }
}

impl CategoryConfusion {
    /// Count one shape of category `truth` that was given category `chosen`.
    pub fn add(&mut self, truth: usize, chosen: usize) {
        self.counts[truth][chosen] += 1;
    }

    /// Add another confusion's counts.
    pub fn merge(&mut self, other: &CategoryConfusion) {
        for (row, o) in self.counts.iter_mut().zip(&other.counts) {
            for (c, v) in row.iter_mut().zip(o) {
                *c += v;
            }
        }
    }

    /// Shapes counted.
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    /// Shapes given their true category.
    pub fn correct(&self) -> usize {
        (0..NUM_CATEGORIES).map(|c| self.counts[c][c]).sum()
    }

    /// Fraction given their true category (None when empty).
    pub fn accuracy(&self) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| self.correct() as f64 / total as f64)
    }

    /// The mistakes as `(truth, chosen, count)`, most frequent first (ties
    /// in category order).
    pub fn mistakes(&self) -> Vec<(usize, usize, usize)> {
        let mut m: Vec<_> = (0..NUM_CATEGORIES)
            .flat_map(|t| (0..NUM_CATEGORIES).map(move |c| (t, c)))
            .filter(|&(t, c)| t != c && self.counts[t][c] > 0)
            .map(|(t, c)| (t, c, self.counts[t][c]))
            .collect();
        m.sort_by(|a, b| b.2.cmp(&a.2).then((a.0, a.1).cmp(&(b.0, b.1))));
        m
    }

    /// Text summary: accuracy, per-category accuracy of the categories
    /// present, and every mistake.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "category (auto): {} of {} right ({:.2} %)",
            self.correct(),
            self.total(),
            100.0 * self.accuracy().unwrap_or(0.0)
        );
        let mistakes = self.mistakes();
        if mistakes.is_empty() {
            let _ = writeln!(s, "  no confusions");
        }
        for (t, c, n) in mistakes {
            let row: usize = self.counts[t].iter().sum();
            let _ = writeln!(
                s,
                "  {:<11} -> {:<11} {n} of {row}",
                CATEGORIES[t].name, CATEGORIES[c].name
            );
        }
        s
    }

    /// The confusion matrix as a Markdown table (rows: true categories
    /// present; columns: every category chosen at least once).
    pub fn to_markdown(&self) -> String {
        let rows: Vec<usize> = (0..NUM_CATEGORIES)
            .filter(|&t| self.counts[t].iter().sum::<usize>() > 0)
            .collect();
        let cols: Vec<usize> = (0..NUM_CATEGORIES)
            .filter(|&c| rows.iter().any(|&t| self.counts[t][c] > 0))
            .collect();
        let mut s = String::from("| true \\ chosen |");
        for &c in &cols {
            let _ = write!(s, " {} |", CATEGORIES[c].name);
        }
        s.push_str(" right |\n|---|");
        s.push_str(&"---:|".repeat(cols.len() + 1));
        s.push('\n');
        for &t in &rows {
            let row: usize = self.counts[t].iter().sum();
            let _ = write!(s, "| {} |", CATEGORIES[t].name);
            for &c in &cols {
                match self.counts[t][c] {
                    0 => s.push_str(" |"),
                    n => {
                        let _ = write!(s, " {n} |");
                    }
                }
            }
            let _ = writeln!(
                s,
                " {:.1} % |",
                100.0 * self.counts[t][t] as f64 / row as f64
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_accuracy_mistakes_and_tables() {
        let mut a = CategoryConfusion::default();
        a.add(4, 4);
        a.add(4, 4);
        a.add(15, 11); // a table called a mug
        let mut b = CategoryConfusion::default();
        b.add(15, 15);
        b.add(4, 15);
        a.merge(&b);
        assert_eq!(a.total(), 5);
        assert_eq!(a.correct(), 3);
        assert_eq!(a.accuracy(), Some(0.6));
        assert_eq!(a.mistakes(), vec![(4, 15, 1), (15, 11, 1)]);
        let text = a.to_text();
        assert!(text.contains("3 of 5 right (60.00 %)"), "{text}");
        assert!(text.contains("Table       -> Mug         1 of 2"), "{text}");
        let md = a.to_markdown();
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines[0], "| true \\ chosen | Chair | Mug | Table | right |");
        assert_eq!(lines[2], "| Chair | 2 | | 1 | 66.7 % |");
        assert_eq!(lines[3], "| Table | | 1 | 1 | 50.0 % |");
        assert_eq!(CategoryConfusion::default().accuracy(), None);
    }
}
