//! What to teach and what a teaching run gave: the types the parts of [`super`] share.

use std::path::PathBuf;

/// What to teach.
#[derive(Debug, Clone)]
pub struct TeachJob {
    /// One folder per gesture.
    pub data: PathBuf,
    /// Where `model.onnx` and its card go.
    pub out: PathBuf,
    /// The landmark model whose network and features are reused (its head is replaced).
    pub base: PathBuf,
    /// Poses far from every taught gesture count as no hand ([`known`]); `false` (the
    /// default of `beckon train`) lets the closest taught gesture win for any hand.
    pub reject_untaught: bool,
    /// The known distance is this times the calibrated one ([`known`]): below 1 rejects more
    /// untaught poses and more of the taught ones shown differently.
    pub within: f32,
    /// What the base model already knows ([`super::base`]): its training examples' features,
    /// learned together with the user's (`None`: the user's examples alone).
    pub base_features: Option<PathBuf>,
    /// Sessions of the base features to leave out (to measure on them honestly).
    pub base_without: Vec<String>,
    /// Keep the base's gestures nobody recorded (personalising some of them) instead of making
    /// them one `other` class ([`super::mix`]).
    pub keep_base_gestures: bool,
    /// Within a gesture both have, the user's examples weigh this many times the base's.
    pub user_weight: f32,
    /// Also write the examples' features here, in the base features format (how a shipped
    /// model's `features.bin` is made).
    pub save_features: Option<PathBuf>,
    /// The command line, for the card.
    pub command: String,
}

impl TeachJob {
    /// A job with the defaults of `beckon train`: the base model's features beside it, if any.
    pub fn new(data: PathBuf, out: PathBuf, base: PathBuf) -> Self {
        Self {
            base_features: super::base::BaseFeatures::beside(&base),
            data,
            out,
            base,
            reject_untaught: false,
            within: 1.0,
            base_without: Vec::new(),
            keep_base_gestures: false,
            user_weight: 2.0,
            save_features: None,
            command: String::new(),
        }
    }
}

/// The base features a run learned from.
#[derive(Debug, Clone)]
pub struct BaseUse {
    pub path: PathBuf,
    /// Per gesture of the taught model: base examples in it.
    pub examples: Vec<usize>,
    /// Sessions left out.
    pub without: Vec<String>,
    pub user_weight: f32,
}

/// Leave-one-recording-out: each recording predicted by a head trained without it.
#[derive(Debug, Clone)]
pub struct Holdout {
    pub recordings: usize,
    /// `[true gesture][predicted gesture]` counts.
    pub confusion: Vec<Vec<usize>>,
}

impl Holdout {
    pub fn accuracy(&self) -> f64 {
        let total: usize = self.confusion.iter().flatten().sum();
        let right: usize = (0..self.confusion.len()).map(|i| self.confusion[i][i]).sum();
        right as f64 / total.max(1) as f64
    }
    /// Per gesture: right / examples (`None` for a gesture with no examples held out).
    pub fn recall(&self) -> Vec<Option<f64>> {
        self.confusion.iter().enumerate().map(|(i, row)| (row.iter().sum::<usize>() > 0).then(|| row[i] as f64 / row.iter().sum::<usize>() as f64)).collect()
    }
}

/// The model the user has against the taught one, on the user's own recordings — the question
/// a user asks ("is it better now than before I taught it?"). Only gestures the base model
/// knows count: on a new gesture the model the user has cannot be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versus {
    /// The user's examples of gestures the base model knows.
    pub examples: usize,
    /// How many of them the base model labels right (none was trained on them).
    pub base_right: usize,
    /// How many the taught model labels right, each recording predicted by a model taught
    /// without it (with a single recording: `None`, no held-out figure).
    pub taught_right: Option<usize>,
}

impl Versus {
    /// One line for people: both figures and, in plain words, whether teaching helped.
    pub fn line(&self) -> String {
        let share = |n: usize| format!("{n}/{} ({:.0} %)", self.examples, 100.0 * n as f64 / self.examples.max(1) as f64);
        match self.taught_right {
            None => format!(
                "the model you have gets {} of your examples right; record each gesture again to see how the taught one does on a new take",
                share(self.base_right)
            ),
            Some(t) => {
                let verdict = match t.cmp(&self.base_right) {
                    std::cmp::Ordering::Greater => "the taught model is better on your recordings",
                    std::cmp::Ordering::Equal => "no better and no worse on your recordings",
                    std::cmp::Ordering::Less => {
                        "the taught model is WORSE on your recordings than the one you have: keep the one you have, or record more takes"
                    }
                };
                format!("the model you have {}, the taught one {} (each take held out): {verdict}", share(self.base_right), share(t))
            }
        }
    }
}

/// What a teaching run produced.
#[derive(Debug, Clone)]
pub struct TeachReport {
    pub model_path: PathBuf,
    pub labels: Vec<String>,
    pub examples: Vec<usize>,
    pub recordings: Vec<usize>,
    pub no_hand: Vec<usize>,
    /// With ≥ 2 recordings.
    pub holdout: Option<Holdout>,
    /// With untaught poses rejected: the distance that counts as known, and the share of
    /// held-out examples (leave-one-recording-out) within it.
    pub known: Option<(f32, Option<f64>)>,
    /// Largest difference between the written model's probabilities (through tract) and the
    /// head's own, on the examples.
    pub max_abs_diff: f32,
    pub seconds: f64,
    pub base: Option<BaseUse>,
    /// The base model against the taught one on the user's recordings (`None` when none of the
    /// taught gestures is one the base model knows).
    pub versus: Option<Versus>,
}

pub const MODEL_FILE: &str = "model.onnx";
pub const CARD_FILE: &str = "README.md";

#[cfg(test)]
mod tests {
    use super::Versus;

    #[test]
    fn the_comparison_says_plainly_when_teaching_made_it_worse() {
        let v = |taught| Versus { examples: 20, base_right: 18, taught_right: taught };
        assert!(v(Some(19)).line().ends_with("the taught model is better on your recordings"), "{}", v(Some(19)).line());
        assert!(v(Some(18)).line().ends_with("no better and no worse on your recordings"));
        let worse = v(Some(12)).line();
        assert!(worse.contains("18/20 (90 %)") && worse.contains("12/20 (60 %)") && worse.contains("WORSE"), "{worse}");
        assert!(v(None).line().contains("record each gesture again"));
    }
}
