//! The one card writer: every model `fit` makes gets its card (`README.md` beside the model)
//! from here. A kind chooses its sections (what it knows: data, sessions, training settings);
//! the header, the command, tables, curves, size, speed and the export check are written the
//! same way for all, from figures measured in the run itself.

use crate::export::latency::Latency;
use crate::train::History;

/// A model card being written (Markdown).
#[derive(Debug, Default)]
pub struct Card(String);

impl Card {
    /// The title and the command that made the model.
    pub fn new(title: &str, command: &str) -> Self {
        Card(format!(
            "# {title}\n\nMade by `beckon-train fit` in the run that produced `model.onnx`; every figure below was measured \
             in that run. The command:\n\n```\n{command}\n```\n\n"
        ))
    }

    /// A `##` section heading.
    pub fn section(&mut self, heading: &str) -> &mut Self {
        self.0 += &format!("## {heading}\n\n");
        self
    }

    /// A `###` heading.
    pub fn subsection(&mut self, heading: &str) -> &mut Self {
        self.0 += &format!("### {heading}\n\n");
        self
    }

    /// Text as given (Markdown, its own line ends).
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.0 += text;
        self
    }

    /// A paragraph.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.0 += &format!("{text}\n\n");
        self
    }

    /// A bullet list.
    pub fn bullets<S: AsRef<str>>(&mut self, items: &[S]) -> &mut Self {
        for item in items {
            self.0 += &format!("- {}\n", item.as_ref());
        }
        self.0 += "\n";
        self
    }

    /// A table: a header row and rows of cells.
    pub fn table<S: AsRef<str>>(&mut self, header: &[&str], rows: &[Vec<S>]) -> &mut Self {
        self.0 += &format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(header.len()));
        for row in rows {
            let cells: Vec<&str> = row.iter().map(AsRef::as_ref).collect();
            self.0 += &format!("| {} |\n", cells.join(" | "));
        }
        self.0 += "\n";
        self
    }

    /// A fenced block (evaluation reports, confusion matrices as text).
    pub fn block(&mut self, text: &str) -> &mut Self {
        let end = if text.ends_with('\n') { "" } else { "\n" };
        self.0 += &format!("```\n{text}{end}```\n\n");
        self
    }

    /// The training curves `fit` draws beside every model, and where the per-epoch figures are.
    pub fn curves(&mut self) -> &mut Self {
        self.paragraph("![accuracy](accuracy.png) ![loss](loss.png)\n\nPer-epoch figures: `history.json`.")
    }

    /// The finished card.
    pub fn finish(self) -> String {
        self.0
    }
}

/// The model file's size.
pub fn file_size(bytes: u64, precision: &str) -> String {
    format!("`{}`: {bytes} bytes ({:.2} MB), {precision}", crate::files::MODEL_FILE, bytes as f64 / 1e6)
}

/// The latency measured on the training machine, and that it is not a Pi figure.
pub fn latency(l: &Latency) -> String {
    format!(
        "tract latency, one image, one thread, through the firmware library on the training machine ({}): median {:.2} ms, \
         p95 {:.2} ms over {} runs. Not a Pi figure: measure on the device with `beckon bench`.",
        cpu_name(),
        l.median_ms,
        l.p95_ms,
        l.runs
    )
}

/// How closely the exported file (tract, firmware library) matched the trained network (burn).
pub fn export_check(images: usize, max_abs_diff: f32, top1_disagreements: Option<usize>) -> String {
    let disagreements = top1_disagreements.map(|d| format!(", top-1 disagreements {d}")).unwrap_or_default();
    format!(
        "Export check: max |burn − tract| = {max_abs_diff:.2e} over {images} held-out images' probabilities (tract through the \
         firmware library){disagreements}."
    )
}

/// Training time in seconds, whole and per epoch.
pub fn training_time(history: &History) -> String {
    let secs: f64 = history.epochs.iter().map(|e| e.seconds).sum();
    format!("Training time {secs:.0} s ({:.1} s per epoch).", secs / history.epochs.len().max(1) as f64)
}

fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| t.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_tables_and_blocks_render_as_markdown() {
        let mut card = Card::new("Model card: x", "beckon-train fit --data d");
        card.section("Data").table(&["label", "train"], &[vec!["a", "3"], vec!["b", "4"]]).block("ok");
        let text = card.finish();
        assert!(text.starts_with("# Model card: x\n"));
        assert!(text.contains("```\nbeckon-train fit --data d\n```"));
        assert!(text.contains("## Data\n\n| label | train |\n|---|---|\n| a | 3 |\n| b | 4 |\n\n```\nok\n```\n"));
    }

    #[test]
    fn the_export_check_names_its_figures() {
        assert_eq!(
            export_check(3, 1.5e-6, Some(0)),
            "Export check: max |burn − tract| = 1.50e-6 over 3 held-out images' probabilities (tract through the firmware \
             library), top-1 disagreements 0."
        );
    }
}
