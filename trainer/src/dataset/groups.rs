//! Session-aware validation splits. Frames of one capture session are near-duplicates: if some
//! sit in training and others in validation, validation accuracy measures memory, not
//! generalisation. Grouping files by session and holding out whole sessions avoids that.

use std::collections::BTreeMap;
use std::path::Path;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::Sample;

/// How files are grouped into sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    /// Every file on its own (a plain stratified split).
    None,
    /// The file name up to the first `_` (`26_0013_0.jpg` → `26`, `s1_4.png` → `s1`), with a
    /// trailing frame number of three or more digits dropped from a word
    /// (`pic00107_0.jpg` → `pic`).
    Prefix,
}

/// The session `path` belongs to.
pub fn group_of(path: &Path, by: GroupBy) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    match by {
        GroupBy::None => path.to_string_lossy().into_owned(),
        GroupBy::Prefix => {
            let prefix = stem.split('_').next().unwrap_or_default();
            let word = prefix.trim_end_matches(|c: char| c.is_ascii_digit());
            let frame_number = prefix.len() - word.len() >= 3;
            if frame_number && word.ends_with(|c: char| c.is_ascii_alphabetic()) { word.to_string() } else { prefix.to_string() }
        }
    }
}

/// The session of `sample`: the one its dataset's `labels.csv` gives (with `by` = prefix), else
/// [`group_of`] its file name.
pub fn session_of(sample: &Sample, by: GroupBy) -> String {
    match (&sample.session, by) {
        (Some(s), GroupBy::Prefix) => s.clone(),
        _ => group_of(&sample.path, by),
    }
}

/// Holds out whole groups for validation until about `val_fraction` of the images are held out
/// (groups taken in a seeded random order; one that would overshoot the target by more than a
/// quarter is passed over; if all would, the smallest is held out). Returns (train, validation, the held-out group names, sorted).
///
/// With [`GroupBy::None`] this is [`stratified_split`](super::stratified_split) (the split `fit`
/// makes for the seed CNN, so the same seed holds out the same files for every model).
pub fn group_split(samples: Vec<Sample>, by: GroupBy, val_fraction: f64, seed: u64) -> (Vec<Sample>, Vec<Sample>, Vec<String>) {
    if by == GroupBy::None {
        let classes = samples.iter().map(|s| s.label + 1).max().unwrap_or(0);
        let (train, val) = super::stratified_split(samples, classes, val_fraction, seed);
        return (train, val, Vec::new());
    }
    let held = held_out_groups(samples.iter().map(|s| session_of(s, by)), val_fraction, seed);
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for s in samples {
        if held.contains(&session_of(&s, by)) { val.push(s) } else { train.push(s) }
    }
    train.shuffle(&mut StdRng::seed_from_u64(seed ^ 1));
    (train, val, held)
}

/// The groups [`group_split`] holds out, given each image's group: groups taken in a seeded
/// random order until about `val_fraction` of the images are held out. Sorted.
pub fn held_out_groups(groups_of_images: impl Iterator<Item = String>, val_fraction: f64, seed: u64) -> Vec<String> {
    let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0usize;
    for g in groups_of_images {
        *sizes.entry(g).or_default() += 1;
        total += 1;
    }
    let mut groups: Vec<(String, usize)> = sizes.into_iter().collect();
    groups.shuffle(&mut StdRng::seed_from_u64(seed));
    let target = (total as f64 * val_fraction).round() as usize;
    let (mut held, mut count) = (Vec::new(), 0usize);
    for (name, n) in &groups {
        if count >= target {
            break;
        }
        if count + n <= target + target / 4 {
            held.push(name.clone());
            count += n;
        }
    }
    if held.is_empty() && groups.len() > 1 && target > 0 {
        // Every group is larger than the target: hold out the smallest one.
        let (name, _) = groups.iter().min_by_key(|(name, n)| (*n, name.clone())).expect("two or more groups");
        held.push(name.clone());
    }
    held.sort();
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_name_sessions() {
        let g = |name: &str| group_of(Path::new(name), GroupBy::Prefix);
        assert_eq!(g("hands/3/26_0013_0.jpg"), "26");
        assert_eq!(g("1528664299.56_pic00046_0.jpg"), "1528664299.56");
        assert_eq!(g("pic00107_0.jpg"), "pic");
        assert_eq!(g("Hand_0000026_0.jpg"), "Hand");
        assert_eq!(g("noseparator.png"), "noseparator");
        assert_eq!(g("s1_4.png"), "s1");
        assert_eq!(g("cam12_0001.png"), "cam12");
    }

    #[test]
    fn whole_sessions_go_to_one_side() {
        let samples: Vec<Sample> =
            (0..100).map(|i| Sample { image: image::RgbImage::new(1, 1), label: i % 3, path: format!("{}_{i}.jpg", i % 10).into(), session: None }).collect();
        let (train, val, held) = group_split(samples, GroupBy::Prefix, 0.2, 3);
        assert_eq!(held.len(), 2, "{held:?}");
        assert_eq!(val.len(), 20);
        assert_eq!(train.len(), 80);
        for s in &train {
            assert!(!held.contains(&group_of(&s.path, GroupBy::Prefix)));
        }
        let (_, _, again) = group_split(
            (0..100).map(|i| Sample { image: image::RgbImage::new(1, 1), label: 0, path: format!("{}_{i}.jpg", i % 10).into(), session: None }).collect(),
            GroupBy::Prefix,
            0.2,
            3,
        );
        assert_eq!(held, again);
    }
}
