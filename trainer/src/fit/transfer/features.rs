//! The feature stages of `run_transfer`: every image through the backbone (clean, then its
//! augmented views), the hand-presence counts of a landmark backbone, and the features laid out
//! as training and validation examples (and as leave-one-session-out items).

use std::ops::Range;
use std::time::Instant;

use anyhow::Result;

use super::job::{Split, TransferJob};
use crate::backbone::cache::{FeatureCache, file_stamp};
use crate::backbone::{BackboneFile, FeatureExtractor};
use crate::dataset::Sample;
use crate::dataset::groups::session_of;
use crate::loso::{self, PRESENCE_THRESHOLD};
use crate::train::epochs::progress_bar;
use crate::train::head;

/// Every image's features, in folder order (each folder's training images, then its
/// validation images), with the presence score split off for a landmark backbone (1 otherwise).
pub(super) struct Features<'a> {
    /// Every image, in the order of `clean`.
    pub all: Vec<&'a Sample>,
    /// The images that have augmented views (training images; all of them for
    /// leave-one-session-out, which trains on every session once).
    pub viewed: Vec<&'a Sample>,
    pub clean: Vec<Vec<f32>>,
    pub clean_presence: Vec<f32>,
    /// One `Vec` per view, in the order of `viewed`.
    pub augmented: Vec<Vec<Vec<f32>>>,
    pub augmented_presence: Vec<Vec<f32>>,
    /// The data folder of each of `all`.
    pub folder_of: Vec<usize>,
    /// Whether each of `all` is a training image.
    pub is_train: Vec<bool>,
    pub seconds: f64,
}

/// Stage 2: features of every image clean, then `job.views` augmented views of each training
/// image (through the cache).
pub(super) fn compute<'a>(job: &TransferJob, backbone: &BackboneFile, extractor: &FeatureExtractor, splits: &'a [Split], hand: bool) -> Result<Features<'a>> {
    let start = Instant::now();
    let all: Vec<&Sample> = splits.iter().flat_map(|s| s.train.iter().chain(&s.val)).collect();
    let clean = cached_features(job, backbone, extractor, &all, None)?;
    let is_train: Vec<bool> = splits.iter().flat_map(|s| s.train.iter().map(|_| true).chain(s.val.iter().map(|_| false))).collect();
    let viewed: Vec<&Sample> = if job.leave_one_session_out { all.clone() } else { splits.iter().flat_map(|s| s.train.iter()).collect() };
    let mut augmented = Vec::new();
    for view in 0..job.views {
        augmented.push(cached_features(job, backbone, extractor, &viewed, Some(view as u64))?);
    }
    let seconds = start.elapsed().as_secs_f64();
    let (clean, clean_presence) = split_presence(clean, hand);
    let (augmented, augmented_presence): (Vec<_>, Vec<_>) = augmented.into_iter().map(|v| split_presence(v, hand)).unzip();
    let folder_of: Vec<usize> = splits.iter().enumerate().flat_map(|(k, s)| std::iter::repeat_n(k, s.train.len() + s.val.len())).collect();
    Ok(Features { all, viewed, clean, clean_presence, augmented, augmented_presence, folder_of, is_train, seconds })
}

/// Per folder and class: images where the landmark network found no hand, and all images.
/// Printed for a landmark backbone (those images are left out of training).
pub(super) fn presence_counts(job: &TransferJob, labels: &[String], f: &Features, folders: usize, hand: bool) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut no_hand = vec![vec![0usize; labels.len()]; folders];
    let mut per_class = vec![vec![0usize; labels.len()]; folders];
    for ((s, p), &k) in f.all.iter().zip(&f.clean_presence).zip(&f.folder_of) {
        per_class[k][s.label] += 1;
        if *p < PRESENCE_THRESHOLD {
            no_hand[k][s.label] += 1;
        }
    }
    if hand {
        for (folder, (n, t)) in job.data.iter().zip(no_hand.iter().zip(&per_class)) {
            eprintln!(
                "data {}: no hand found (presence < {PRESENCE_THRESHOLD}) in {} of {} images ({}); they are left out of training and count as errors in evaluation",
                folder.path.display(),
                n.iter().sum::<usize>(),
                t.iter().sum::<usize>(),
                labels.iter().zip(n.iter().zip(t)).map(|(l, (n, t))| format!("{l}: {n}/{t}")).collect::<Vec<_>>().join(", ")
            );
        }
    }
    (no_hand, per_class)
}

/// The images as leave-one-session-out items (empty unless the job asks for it).
pub(super) fn loso_items(job: &TransferJob, f: &Features) -> Vec<loso::Item> {
    if !job.leave_one_session_out {
        return Vec::new();
    }
    f.all
        .iter()
        .enumerate()
        .map(|(i, s)| loso::Item {
            folder: f.folder_of[i],
            // A folder split by file (`--group-by none`) has no sessions: its files never
            // match a held-out session of another folder.
            session: session_of(s, job.data[f.folder_of[i]].group_by),
            label: s.label,
            train: f.is_train[i],
            features: f.clean[i].clone(),
            presence: f.clean_presence[i],
            views: f.augmented.iter().zip(&f.augmented_presence).map(|(v, p)| (v[i].clone(), p[i])).collect(),
        })
        .collect()
}

/// The features as the head's training and validation examples, with their presence scores.
pub(super) struct Examples {
    pub train: Vec<head::Example>,
    pub val: Vec<head::Example>,
    pub train_presence: Vec<f32>,
    pub val_presence: Vec<f32>,
    /// Each folder's validation examples, as a range of `val`.
    pub val_ranges: Vec<Range<usize>>,
    /// How many clean and augmented feature vectors there were.
    pub counts: (usize, usize),
}

/// Stage 3: the features moved into examples (no copies: cut tensors for fine-tuning are 200 kB
/// each): every folder's clean training and validation images, then the augmented views of
/// training images.
pub(super) fn examples(job: &TransferJob, splits: &[Split], f: Features) -> Examples {
    let counts = (f.clean.len(), f.augmented.iter().map(|v| v.len()).sum::<usize>());
    let mut clean = f.clean.into_iter();
    let mut presence = f.clean_presence.iter().copied();
    let mut e = Examples { train: Vec::new(), val: Vec::new(), train_presence: Vec::new(), val_presence: Vec::new(), val_ranges: Vec::new(), counts };
    for split in splits {
        e.train.extend(split.train.iter().zip(clean.by_ref()).map(|(s, f)| (f, s.label)));
        e.train_presence.extend(presence.by_ref().take(split.train.len()));
        let start = e.val.len();
        e.val.extend(split.val.iter().zip(clean.by_ref()).map(|(s, f)| (f, s.label)));
        e.val_presence.extend(presence.by_ref().take(split.val.len()));
        e.val_ranges.push(start..e.val.len());
    }
    for (views, p) in f.augmented.into_iter().zip(f.augmented_presence) {
        let of_training = views.into_iter().zip(p).zip(&f.viewed).enumerate().filter(|(i, _)| !job.leave_one_session_out || f.is_train[*i]);
        for (_, ((features, p), s)) in of_training {
            e.train.push((features, s.label));
            e.train_presence.push(p);
        }
    }
    e
}

fn cached_features(job: &TransferJob, backbone: &BackboneFile, extractor: &FeatureExtractor, samples: &[&Sample], view: Option<u64>) -> Result<Vec<Vec<f32>>> {
    let stamps: Vec<_> = samples.iter().map(|s| file_stamp(&s.path)).collect();
    // Clean features depend on the backbone and the files only; augmented views also on the
    // augmentation settings and the seed.
    let views_key = view.map(|v| (v, format!("{:?}", job.augmentation), job.head.seed));
    let key = FeatureCache::key(&(backbone.digest, backbone.input_size, job.fine_tune, views_key, &stamps, 1u32));
    if let Some(f) = job.cache.load(key, samples.len()) {
        return Ok(f);
    }
    let what = match view {
        None => "features".to_string(),
        Some(v) => format!("view {}/{}", v + 1, job.views),
    };
    let bar = progress_bar(job.head.progress, samples.len() as u64, what);
    let size = backbone.input_size;
    let features = extractor.features_of(samples.len(), job.threads, &bar, |i| {
        Ok(match view {
            None => samples[i].image.clone(),
            Some(v) => job.augmentation.view(&samples[i].image, size, job.head.seed, i as u64, v),
        })
    })?;
    bar.finish_and_clear();
    if let Err(e) = job.cache.store(key, &features) {
        log::warn!("feature cache not written: {e:#}");
    }
    Ok(features)
}

/// Landmark backbones end their feature vector with the presence score: split it off.
fn split_presence(features: Vec<Vec<f32>>, hand: bool) -> (Vec<Vec<f32>>, Vec<f32>) {
    if !hand {
        let n = features.len();
        return (features, vec![1.0; n]);
    }
    features
        .into_iter()
        .map(|mut f| {
            let p = f.pop().unwrap_or(0.0);
            (f, p)
        })
        .unzip()
}
