//! Seeded, stratified train/validation split.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::Sample;

/// Splits `samples` so that each class puts `round(n × val_fraction)` of its samples (at least
/// one when it has two or more) into validation. Shuffled with `seed`: the same seed and input
/// give the same split.
pub fn stratified_split(samples: Vec<Sample>, n_classes: usize, val_fraction: f64, seed: u64) -> (Vec<Sample>, Vec<Sample>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut by_class: Vec<Vec<Sample>> = vec![Vec::new(); n_classes];
    for s in samples {
        by_class[s.label].push(s);
    }
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for mut class in by_class {
        class.shuffle(&mut rng);
        let n = class.len();
        let mut n_val = (n as f64 * val_fraction).round() as usize;
        if n >= 2 && val_fraction > 0.0 {
            n_val = n_val.clamp(1, n - 1);
        }
        val.extend(class.drain(..n_val));
        train.extend(class);
    }
    train.shuffle(&mut rng);
    (train, val)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(per_class: &[usize]) -> Vec<Sample> {
        per_class
            .iter()
            .enumerate()
            .flat_map(|(label, &n)| {
                (0..n).map(move |i| Sample { image: image::RgbImage::new(1, 1), label, path: format!("{label}/{i}.png").into(), session: None })
            })
            .collect()
    }

    #[test]
    fn split_is_stratified_disjoint_and_seeded() {
        let (train, val) = stratified_split(samples(&[10, 20, 5]), 3, 0.2, 7);
        let count = |v: &[Sample], c| v.iter().filter(|s| s.label == c).count();
        assert_eq!([count(&val, 0), count(&val, 1), count(&val, 2)], [2, 4, 1]);
        assert_eq!(train.len() + val.len(), 35);
        assert!(val.iter().all(|v| train.iter().all(|t| t.path != v.path)));
        let (train2, _) = stratified_split(samples(&[10, 20, 5]), 3, 0.2, 7);
        assert_eq!(train.iter().map(|s| &s.path).collect::<Vec<_>>(), train2.iter().map(|s| &s.path).collect::<Vec<_>>());
        let (train3, _) = stratified_split(samples(&[10, 20, 5]), 3, 0.2, 8);
        assert_ne!(train.iter().map(|s| &s.path).collect::<Vec<_>>(), train3.iter().map(|s| &s.path).collect::<Vec<_>>());
    }
}
