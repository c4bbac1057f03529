//! The taught head's training set: the user's examples together with what the base model knows
//! ([`super::base`]).
//!
//! - The model's gestures are the ones recorded, in order. With `keep_base_gestures`, the base's
//!   gestures nobody recorded stay as they were (personalising a few of the shipped gestures);
//!   otherwise they become one [`OTHER`] class: a hand showing them is "other", not the closest
//!   taught gesture.
//! - Every class weighs the same in total. Within a gesture both the user and the base have
//!   examples of, the user's together weigh `user_weight` times the base's (default 2), so the
//!   user's way of showing it wins where the two differ, and the base fills in the rest.

use super::base::BaseFeatures;

/// The class the base's untaught gestures become.
pub const OTHER: &str = "other";

/// How the base's gestures map onto the taught model's.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The taught model's gestures (without the no-hand label).
    pub labels: Vec<String>,
    /// Per base label: its class in the taught model.
    base_class: Vec<usize>,
}

impl Plan {
    /// `recorded`: the user's gesture folders, sorted.
    pub fn new(recorded: &[String], base: Option<&BaseFeatures>, keep_base_gestures: bool) -> Self {
        let mut labels = recorded.to_vec();
        let Some(base) = base else { return Self { labels, base_class: Vec::new() } };
        let mut base_class = Vec::with_capacity(base.labels.len());
        for l in &base.labels {
            let class = match labels.iter().position(|k| k == l) {
                Some(c) => c,
                None => {
                    let name = if keep_base_gestures { l.as_str() } else { OTHER };
                    labels.iter().position(|k| k == name).unwrap_or_else(|| {
                        labels.push(name.to_string());
                        labels.len() - 1
                    })
                }
            };
            base_class.push(class);
        }
        Self { labels, base_class }
    }

    /// The taught model's class of a base label.
    pub fn class_of(&self, base_label: usize) -> usize {
        self.base_class[base_label]
    }
}

/// Rows, classes and weights (summing to 1) for [`super::softmax::Softmax::fit_weighted`].
#[derive(Debug, Clone, Default)]
pub struct Mix<'a> {
    pub x: Vec<&'a [f32]>,
    pub y: Vec<usize>,
    pub w: Vec<f32>,
}

/// The user's rows (features, class) and the base's, weighted as the module says.
pub fn mix<'a>(plan: &Plan, user: impl IntoIterator<Item = (&'a [f32], usize)>, base: Option<&'a BaseFeatures>, user_weight: f32) -> Mix<'a> {
    let classes = plan.labels.len();
    let mut m = Mix::default();
    let mut from_user = Vec::new();
    for (x, y) in user {
        m.x.push(x);
        m.y.push(y);
        from_user.push(true);
    }
    for r in base.map(|b| b.rows.as_slice()).unwrap_or_default() {
        m.x.push(&r.features);
        m.y.push(plan.base_class[r.label]);
        from_user.push(false);
    }
    let (mut n_user, mut n_base) = (vec![0usize; classes], vec![0usize; classes]);
    for (&y, &u) in m.y.iter().zip(&from_user) {
        if u { n_user[y] += 1 } else { n_base[y] += 1 }
    }
    let present = (0..classes).filter(|&c| n_user[c] + n_base[c] > 0).count().max(1) as f32;
    let share = |c: usize, u: bool| -> f32 {
        let user_share = match (n_user[c], n_base[c]) {
            (0, _) => 0.0,
            (_, 0) => 1.0,
            _ => user_weight / (user_weight + 1.0),
        };
        let (share, n) = if u { (user_share, n_user[c]) } else { (1.0 - user_share, n_base[c]) };
        share / (n.max(1) as f32 * present)
    };
    m.w = m.y.iter().zip(&from_user).map(|(&y, &u)| share(y, u)).collect();
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::teach::base::BaseRow;

    fn base() -> BaseFeatures {
        let rows = (0..12).map(|i| BaseRow { label: i % 4, session: 0, features: vec![i as f32] }).collect();
        BaseFeatures { path: "b".into(), dims: 1, labels: ["0", "1", "2", "5"].map(String::from).to_vec(), sessions: vec!["s".into()], rows }
    }

    #[test]
    fn untaught_base_gestures_become_other_and_classes_weigh_alike() {
        let b = base();
        let plan = Plan::new(&["0".into(), "thumb".into()], Some(&b), false);
        assert_eq!(plan.labels, ["0", "thumb", OTHER]);
        let user: Vec<Vec<f32>> = (0..6).map(|i| vec![i as f32]).collect();
        let m = mix(&plan, user.iter().enumerate().map(|(i, v)| (v.as_slice(), i % 2)), Some(&b), 2.0);
        let total = |c: usize, from_user: bool| -> f32 {
            m.y.iter().zip(&m.w).enumerate().filter(|(i, (y, _))| **y == c && (*i < 6) == from_user).map(|(_, (_, w))| w).sum()
        };
        // "0": user 2/3, base 1/3 of a third; "thumb": all user; other: all base (9 rows).
        assert!((total(0, true) - 2.0 / 9.0).abs() < 1e-6 && (total(0, false) - 1.0 / 9.0).abs() < 1e-6);
        assert!((total(1, true) - 1.0 / 3.0).abs() < 1e-6 && (total(2, false) - 1.0 / 3.0).abs() < 1e-6);
        assert!((m.w.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let keep = Plan::new(&["0".into(), "thumb".into()], Some(&b), true);
        assert_eq!(keep.labels, ["0", "thumb", "1", "2", "5"]);
    }
}
