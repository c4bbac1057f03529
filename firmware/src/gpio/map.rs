//! [`LedMap`]: which output pins each label switches on.

use crate::error::{Error, Result};

/// The BCM pins beckon uses when none are given: three LEDs on GPIO 17, 27 and 22 (header pins
/// 11, 13 and 15), a common breadboard layout.
pub const DEFAULT_PINS: [u8; 3] = [17, 27, 22];

/// For each model label, the set of pins that are on while that label is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedMap {
    labels: Vec<String>,
    pins: Vec<u8>,
    on: Vec<Vec<u8>>,
}

impl LedMap {
    /// The default mapping: label number `i` (its position in the model's labels) shown in
    /// binary on `pins` (first pin = lowest bit). With labels `0…5` and three LEDs, "1" lights
    /// the first LED, "2" the second, "3" the first two, …, and "0" (a fist) none. A `quiet`
    /// label (a model's no-hand label) switches everything off and takes no number.
    pub fn binary(labels: &[String], pins: &[u8], quiet: Option<usize>) -> Result<Self> {
        let numbered = labels.len() - usize::from(quiet.is_some_and(|q| q < labels.len()));
        if numbered > 1 << pins.len() {
            return Err(Error::Config {
                setting: "--led".into(),
                problem: format!("{} labels do not fit in binary on {} pins; map labels to pins with --led LABEL=PIN[+PIN]", labels.len(), pins.len()),
            });
        }
        let mut number = 0usize;
        let on = (0..labels.len())
            .map(|i| {
                if Some(i) == quiet {
                    return Vec::new();
                }
                number += 1;
                let n = number - 1;
                pins.iter().enumerate().filter(|(bit, _)| n >> bit & 1 == 1).map(|(_, p)| *p).collect()
            })
            .collect();
        Ok(Self { labels: labels.to_vec(), pins: pins.to_vec(), on })
    }

    /// Without a mapping: finger counts in binary on [`DEFAULT_PINS`]; other gestures (a taught
    /// model) one pin each, in order, for the first three; the no-hand label (`no_hand`) and
    /// `other` (poses nobody taught) none.
    pub fn default_for(labels: &[String], no_hand: Option<usize>) -> Result<Self> {
        let gestures = labels.iter().enumerate().filter(|(i, _)| Some(*i) != no_hand).map(|(_, l)| l);
        if gestures.clone().all(|l| l.parse::<u8>().is_ok()) {
            return Self::binary(labels, &DEFAULT_PINS, no_hand);
        }
        let specs: Vec<String> = gestures.filter(|l| *l != crate::teach::mix::OTHER).zip(DEFAULT_PINS).map(|(l, pin)| format!("{l}={pin}")).collect();
        Self::parse(labels, &specs)
    }

    /// Parses `LABEL=PIN[+PIN…]` specs (BCM numbers), e.g. `["1=17", "2=27", "3=17+27"]`.
    /// Labels not named switch every pin off. Unknown labels and bad pins are refused.
    pub fn parse(labels: &[String], specs: &[String]) -> Result<Self> {
        let mut on = vec![Vec::new(); labels.len()];
        let mut pins: Vec<u8> = Vec::new();
        for spec in specs {
            let err = |problem: String| Error::Config { setting: format!("--led {spec}"), problem };
            let (label, list) = spec.split_once('=').ok_or_else(|| err("expected LABEL=PIN[+PIN], e.g. 3=17+27".into()))?;
            let idx = labels
                .iter()
                .position(|l| l == label.trim())
                .ok_or_else(|| err(format!("the model has no label {:?}; its labels are {}", label.trim(), labels.join(", "))))?;
            if !on[idx].is_empty() {
                return Err(err(format!("label {:?} is mapped twice", label.trim())));
            }
            for p in list.split('+') {
                let pin: u8 = p.trim().parse().ok().filter(|n| *n <= 27).ok_or_else(|| err(format!("{:?} is not a BCM GPIO number 0–27", p.trim())))?;
                on[idx].push(pin);
                if !pins.contains(&pin) {
                    pins.push(pin);
                }
            }
        }
        Ok(Self { labels: labels.to_vec(), pins, on })
    }

    /// Every pin used, in first-use order.
    pub fn pins(&self) -> &[u8] {
        &self.pins
    }

    /// The mapping as actions: each mapped label holds its pins on while its gesture holds.
    pub fn to_actions(&self) -> Vec<crate::actions::Action> {
        (0..self.labels.len())
            .filter(|i| !self.pins_for(*i).is_empty())
            .map(|i| crate::actions::Action { label: i, pins: self.pins_for(i).to_vec(), kind: crate::actions::ActionKind::Hold, hand: None })
            .collect()
    }

    /// Pins on for label `index` (empty for an unknown index).
    pub fn pins_for(&self, index: usize) -> &[u8] {
        self.on.get(index).map(Vec::as_slice).unwrap_or(&[])
    }

    /// One line per label, e.g. `"3" → GPIO17 GPIO27`.
    pub fn describe(&self) -> String {
        self.labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let pins: Vec<String> = self.pins_for(i).iter().map(|p| format!("GPIO{p}")).collect();
                format!("{l:?} → {}", if pins.is_empty() { "all off".into() } else { pins.join(" ") })
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| i.to_string()).collect()
    }

    #[test]
    fn binary_counts_on_three_pins() {
        let m = LedMap::binary(&labels(6), &DEFAULT_PINS, None).unwrap();
        assert_eq!(m.pins_for(0), &[] as &[u8]);
        assert_eq!(m.pins_for(1), &[17]);
        assert_eq!(m.pins_for(3), &[17, 27]);
        assert_eq!(m.pins_for(5), &[17, 22]);
        assert!(LedMap::binary(&labels(9), &DEFAULT_PINS, None).is_err());
        // A no-hand label last: off, and the others keep their numbers.
        let q = LedMap::binary(&labels(7), &DEFAULT_PINS, Some(6)).unwrap();
        assert_eq!((q.pins_for(5), q.pins_for(6)), (&[17u8, 22][..], &[][..]));
        assert!(LedMap::binary(&labels(9), &DEFAULT_PINS, Some(8)).is_ok());
    }

    #[test]
    fn parse_maps_and_refuses_unknown_labels_and_pins() {
        let m = LedMap::parse(&labels(3), &["1=17".into(), "2=27+22".into()]).unwrap();
        assert_eq!(m.pins(), &[17, 27, 22]);
        assert_eq!(m.pins_for(2), &[27, 22]);
        let e = LedMap::parse(&labels(3), &["7=17".into()]).unwrap_err().to_string();
        assert!(e.contains("no label \"7\""), "{e}");
        let e = LedMap::parse(&labels(3), &["1=40".into()]).unwrap_err().to_string();
        assert!(e.contains("BCM"), "{e}");
        let e = LedMap::parse(&labels(3), &["1:17".into()]).unwrap_err().to_string();
        assert!(e.contains("LABEL=PIN"), "{e}");
    }
}
