//! Training curves as PNG charts (train vs validation), like Keras' history plots.

use std::path::Path;
use std::sync::Once;

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::history::History;

pub(crate) const FONT: &str = "sans-serif";

pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // plotters needs a font to draw text; take one that ships inside a crate, so charts
        // render the same on any machine without system fonts.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT);
    });
}

/// Draws `accuracy.png` and `loss.png` into `dir`.
pub fn draw(history: &History, dir: &Path, title: &str) -> Result<()> {
    let epochs: Vec<f64> = history.epochs.iter().map(|e| e.epoch as f64).collect();
    let pick = |f: fn(&super::EpochStats) -> f64| -> Vec<f64> { history.epochs.iter().map(f).collect() };
    draw_one(&dir.join("accuracy.png"), &format!("{title}: accuracy"), "accuracy", &epochs, &pick(|e| e.train_accuracy), &pick(|e| e.val_accuracy))?;
    draw_one(&dir.join("loss.png"), &format!("{title}: loss"), "loss", &epochs, &pick(|e| e.train_loss), &pick(|e| e.val_loss))
}

/// One chart with a train and a validation curve.
pub fn draw_one(path: &Path, title: &str, y_name: &str, x: &[f64], train: &[f64], val: &[f64]) -> Result<()> {
    register_font();
    let err = |e: &dyn std::fmt::Display| anyhow!("cannot draw {}: {e}", path.display());
    let root = BitMapBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let finite = train.iter().chain(val).copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    let (lo, hi) = if lo.is_finite() { (lo.min(0.0), hi.max(lo + 1e-6) * 1.05) } else { (0.0, 1.0) };
    let x_max = x.last().copied().unwrap_or(1.0).max(1.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(1f64.min(x_max)..x_max, lo..hi)
        .map_err(|e| err(&e))?;
    chart.configure_mesh().x_desc("epoch").y_desc(y_name).label_style((FONT, 15)).draw().map_err(|e| err(&e))?;
    for (values, name, color) in [(train, "train", BLUE), (val, "validation", RED)] {
        chart
            .draw_series(LineSeries::new(x.iter().copied().zip(values.iter().copied()), color.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).label_font((FONT, 15)).draw().map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
