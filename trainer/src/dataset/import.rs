//! Importing the Sign Language Digits dataset (Arda Mavi, Apache-2.0) into a folder-per-class
//! tree of PNGs.
//!
//! The data ships inside the PyPI wheel `simple-pytorch-wrapper==0.0.6` as
//! `simple_pytorch_wrapper/examples/data/X.npy` (float32 `[n, 64, 64]`, grey, 0–1) and `Y.npy`
//! (one-hot `[n, 10]`, argmax = digit). Digits 0–5 are hands raising that many fingers.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail, ensure};

/// Path of the images inside the wheel.
pub const WHEEL_X: &str = "simple_pytorch_wrapper/examples/data/X.npy";
/// Path of the labels inside the wheel.
pub const WHEEL_Y: &str = "simple_pytorch_wrapper/examples/data/Y.npy";

/// The two arrays, decoded.
pub struct Digits {
    /// Grey images, row-major, values 0–1.
    pub images: Vec<Vec<f32>>,
    pub side: usize,
    /// Digit of each image.
    pub digits: Vec<usize>,
}

/// Reads `X.npy` and `Y.npy` from the wheel file (a zip).
pub fn read_wheel(wheel: &Path) -> Result<Digits> {
    let file = std::fs::File::open(wheel)
        .with_context(|| format!("cannot open {}; get it with `pip download --no-deps simple-pytorch-wrapper==0.0.6`", wheel.display()))?;
    let mut zip = zip::ZipArchive::new(file).with_context(|| format!("{} is not a wheel (zip) file", wheel.display()))?;
    let mut read = |name: &str| -> Result<Vec<u8>> {
        let mut entry = zip.by_name(name).with_context(|| format!("{} has no {name}; is it simple-pytorch-wrapper 0.0.6?", wheel.display()))?;
        let mut buf = Vec::new();
        entry.read_to_end(&mut buf)?;
        Ok(buf)
    };
    let (x, y) = (read(WHEEL_X)?, read(WHEEL_Y)?);
    decode(&x, &y).with_context(|| format!("in {}", wheel.display()))
}

/// Reads `X.npy` and `Y.npy` from a folder.
pub fn read_npy_dir(dir: &Path) -> Result<Digits> {
    let read = |n: &str| std::fs::read(dir.join(n)).with_context(|| format!("cannot read {}", dir.join(n).display()));
    decode(&read("X.npy")?, &read("Y.npy")?).with_context(|| format!("in {}", dir.display()))
}

/// Decodes the two `.npy` byte buffers.
pub fn decode(x_npy: &[u8], y_npy: &[u8]) -> Result<Digits> {
    let x = npyz::NpyFile::new(x_npy).context("X.npy is not a .npy file")?;
    let shape = x.shape().to_vec();
    ensure!(shape.len() == 3 && shape[1] == shape[2], "X.npy: shape {shape:?}, expected [n, side, side]");
    let (n, side) = (shape[0] as usize, shape[1] as usize);
    let xs: Vec<f32> = x.into_vec().context("X.npy: expected float32 values")?;
    let y = npyz::NpyFile::new(y_npy).context("Y.npy is not a .npy file")?;
    let yshape = y.shape().to_vec();
    ensure!(yshape.len() == 2 && yshape[0] as usize == n, "Y.npy: shape {yshape:?}, expected [{n}, classes]");
    let classes = yshape[1] as usize;
    let ys: Vec<f32> = y.into_vec().context("Y.npy: expected float32 values")?;
    let digits = ys.chunks(classes).map(|row| beckon::model::classifier::argmax(row).0).collect();
    let images = xs.chunks(side * side).map(|c| c.to_vec()).collect();
    Ok(Digits { images, side, digits })
}

/// Writes the images of `keep` digits as `out/<digit>/<digit>_<index>.png` (8-bit grey).
/// Returns how many images each kept digit got. Refuses to write into a non-empty class folder.
pub fn write_png_tree(digits: &Digits, keep: &[usize], out: &Path) -> Result<Vec<(usize, usize)>> {
    let mut counts = Vec::new();
    for &d in keep {
        let dir = out.join(d.to_string());
        if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
            bail!("{} already holds files; import into an empty folder so nothing is overwritten", dir.display());
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut count = 0;
        for (i, (img, _)) in digits.images.iter().zip(&digits.digits).enumerate().filter(|(_, (_, dd))| **dd == d) {
            let px: Vec<u8> = img.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8).collect();
            let grey = image::GrayImage::from_raw(digits.side as u32, digits.side as u32, px).context("image size")?;
            let path = dir.join(format!("{d}_{i:04}.png"));
            grey.save(&path).with_context(|| format!("cannot write {}", path.display()))?;
            count += 1;
        }
        counts.push((d, count));
    }
    Ok(counts)
}
