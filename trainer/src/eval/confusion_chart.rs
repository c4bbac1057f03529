//! The confusion matrix as a PNG: one cell per (true, predicted) pair, shaded by the share of
//! the true class's images, with the count written in.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use super::Evaluation;
use crate::train::charts::{FONT, register_font};

/// Draws `eval` into `path` (PNG) under `title`.
pub fn draw(eval: &Evaluation, path: &Path, title: &str) -> Result<()> {
    register_font();
    let err = |e: &dyn std::fmt::Display| anyhow!("cannot draw {}: {e}", path.display());
    let n = eval.labels.len();
    let cell = (480 / n.max(1)).clamp(24, 90) as i32;
    let (left, top) = (110, 80);
    let size = (left + cell * n as i32 + 30, top + cell * n as i32 + 70);
    let root = BitMapBackend::new(path, (size.0 as u32, size.1 as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let text = |s: &str, px: i32| Text::new(s.to_string(), (0, 0), (FONT, px).into_font());
    root.draw(&Text::new(format!("{title}: accuracy {:.4}", eval.accuracy()), (10, 10), (FONT, 20).into_font())).map_err(|e| err(&e))?;
    root.draw(&Text::new("predicted", (left, top - 45), (FONT, 15).into_font())).map_err(|e| err(&e))?;
    root.draw(&Text::new("true", (10, top - 20), (FONT, 15).into_font())).map_err(|e| err(&e))?;
    for (i, label) in eval.labels.iter().enumerate() {
        let at = cell * i as i32;
        root.draw(&(EmptyElement::at((left + at + cell / 3, top - 22)) + text(label, 15))).map_err(|e| err(&e))?;
        root.draw(&(EmptyElement::at((left - 40, top + at + cell / 3)) + text(label, 15))).map_err(|e| err(&e))?;
    }
    for (t, row) in eval.confusion.iter().enumerate() {
        let support: usize = row.iter().sum();
        for (p, &count) in row.iter().enumerate() {
            let share = count as f64 / support.max(1) as f64;
            let shade = (255.0 * (1.0 - share)) as u8;
            let fill = if t == p { RGBColor(shade, shade, 255) } else { RGBColor(255, shade, shade) };
            let (x0, y0) = (left + cell * p as i32, top + cell * t as i32);
            root.draw(&Rectangle::new([(x0, y0), (x0 + cell, y0 + cell)], fill.filled())).map_err(|e| err(&e))?;
            root.draw(&Rectangle::new([(x0, y0), (x0 + cell, y0 + cell)], BLACK.mix(0.3))).map_err(|e| err(&e))?;
            let colour = if share > 0.6 { WHITE } else { BLACK };
            let label = Text::new(count.to_string(), (x0 + cell / 3, y0 + cell / 3), (FONT, 15).into_font().color(&colour));
            root.draw(&label).map_err(|e| err(&e))?;
        }
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
