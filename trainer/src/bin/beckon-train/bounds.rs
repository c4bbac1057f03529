//! Bounds for numeric options, checked when the command line is parsed: a value outside them
//! is refused with the range and why, before anything is read or allocated
//! (`--input-size 100000` would ask for 30 GB per batch; `--lr nan` trains to garbage).

use clap::builder::{RangedU64ValueParser, TypedValueParser};

/// An integer option in `min..=max`.
pub fn int(min: u64, max: u64) -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::<usize>::new().range(min..=max)
}

/// A pixel size in `min..=max`.
pub fn pixels(min: u64, max: u64) -> RangedU64ValueParser<u32> {
    RangedU64ValueParser::<u32>::new().range(min..=max)
}

/// A finite real option in `min..=max`.
pub fn real(min: f64, max: f64) -> impl TypedValueParser<Value = f64> {
    move |s: &str| -> Result<f64, String> {
        let v: f64 = s.trim().parse().map_err(|_| format!("{s:?} is not a number"))?;
        if !v.is_finite() || v < min || v > max {
            return Err(format!("{s} is outside {min}..={max}"));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct T {
        #[arg(long, value_parser = real(1e-6, 1.0))]
        lr: f64,
        #[arg(long, value_parser = pixels(8, 1024))]
        size: u32,
    }

    #[test]
    fn out_of_range_and_non_finite_values_are_refused() {
        assert!(T::try_parse_from(["t", "--lr", "0.001", "--size", "224"]).is_ok());
        for (lr, size) in [("nan", "224"), ("1e30", "224"), ("inf", "224"), ("0", "224"), ("0.001", "100000"), ("0.001", "0")] {
            let e = T::try_parse_from(["t", "--lr", lr, "--size", size]).unwrap_err().to_string();
            assert!(e.contains("--lr") || e.contains("--size"), "{e}");
        }
    }
}
