//! Random views of a training image, so a head (or a fine-tuned backbone) learns the gesture and
//! not one picture: a random square crop (scale and position), a small rotation, brightness,
//! contrast and colour changes, sometimes grey. No flips by default: left and right hands can
//! mean different gestures.

use image::{Rgb, RgbImage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How strong the random changes are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Augmentation {
    /// Smallest crop side, as a fraction of the image's short side (1 = no crop).
    pub min_scale: f32,
    /// Largest rotation either way, degrees.
    pub max_rotation_deg: f32,
    /// Largest brightness and contrast change (0.25 = ±25 %).
    pub max_light: f32,
    /// Largest per-channel gain change (colour cast).
    pub max_colour: f32,
    /// Probability of turning the view grey.
    pub grey: f32,
    /// Probability of a horizontal flip (off by default).
    pub flip: f32,
}

impl Default for Augmentation {
    fn default() -> Self {
        Self { min_scale: 0.75, max_rotation_deg: 12.0, max_light: 0.25, max_colour: 0.1, grey: 0.15, flip: 0.0 }
    }
}

impl Augmentation {
    /// View number `view` of `image` (seeded by `seed` and `key`, e.g. the sample's index), as a
    /// `size`×`size` image. The same arguments always give the same view.
    pub fn view(&self, image: &RgbImage, size: u32, seed: u64, key: u64, view: u64) -> RgbImage {
        let mut rng = StdRng::seed_from_u64(seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ view.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let (w, h) = (image.width() as f32, image.height() as f32);
        let side = w.min(h) * rng.random_range(self.min_scale.min(1.0)..=1.0);
        let angle = rng.random_range(-self.max_rotation_deg..=self.max_rotation_deg).to_radians();
        // Keep the rotated crop inside the image where possible: shrink the free range.
        let reach = side * 0.5 * (angle.cos().abs() + angle.sin().abs());
        let cx = if w / 2.0 > reach { rng.random_range(reach..=w - reach) } else { w / 2.0 };
        let cy = if h / 2.0 > reach { rng.random_range(reach..=h - reach) } else { h / 2.0 };
        let flip = rng.random::<f32>() < self.flip;
        let brightness = 1.0 + rng.random_range(-self.max_light..=self.max_light);
        let contrast = 1.0 + rng.random_range(-self.max_light..=self.max_light);
        let gains: [f32; 3] = std::array::from_fn(|_| 1.0 + rng.random_range(-self.max_colour..=self.max_colour));
        let grey = rng.random::<f32>() < self.grey;

        let step = side / size as f32;
        let (sin, cos) = angle.sin_cos();
        let mut out = RgbImage::new(size, size);
        let mut sum = 0.0f32;
        for (x, y, px) in out.enumerate_pixels_mut() {
            let u = (x as f32 + 0.5 - size as f32 / 2.0) * step * if flip { -1.0 } else { 1.0 };
            let v = (y as f32 + 0.5 - size as f32 / 2.0) * step;
            let sx = cx + u * cos - v * sin;
            let sy = cy + u * sin + v * cos;
            *px = bilinear(image, sx - 0.5, sy - 0.5);
            sum += px.0.iter().map(|&c| f32::from(c)).sum::<f32>();
        }
        let mean = sum / (3 * size * size) as f32;
        for px in out.pixels_mut() {
            let mut c = px.0.map(f32::from);
            if grey {
                let l = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
                c = [l; 3];
            }
            for (k, v) in c.iter_mut().enumerate() {
                *v = ((*v - mean) * contrast + mean) * brightness * gains[k];
            }
            *px = Rgb(c.map(|v| v.round().clamp(0.0, 255.0) as u8));
        }
        out
    }
}

/// Bilinear sample with edge clamping.
fn bilinear(image: &RgbImage, x: f32, y: f32) -> Rgb<u8> {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: i64, yi: i64| image.get_pixel(xi.clamp(0, w - 1) as u32, yi.clamp(0, h - 1) as u32).0.map(f32::from);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let (a, b, c, d) = (at(x0, y0), at(x0 + 1, y0), at(x0, y0 + 1), at(x0 + 1, y0 + 1));
    Rgb(std::array::from_fn(|k| {
        let top = a[k] + (b[k] - a[k]) * fx;
        let bottom = c[k] + (d[k] - c[k]) * fx;
        (top + (bottom - top) * fy).round().clamp(0.0, 255.0) as u8
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> RgbImage {
        RgbImage::from_fn(120, 90, |x, y| Rgb([(x * 2) as u8, (y * 2) as u8, 100]))
    }

    #[test]
    fn views_are_seeded_sized_and_differ() {
        let a = Augmentation::default();
        let v1 = a.view(&photo(), 32, 7, 3, 0);
        assert_eq!(v1.dimensions(), (32, 32));
        assert_eq!(v1, a.view(&photo(), 32, 7, 3, 0));
        assert_ne!(v1, a.view(&photo(), 32, 7, 3, 1));
        assert_ne!(v1, a.view(&photo(), 32, 8, 3, 0));
    }

    #[test]
    fn without_changes_a_view_is_the_image() {
        let none = Augmentation { min_scale: 1.0, max_rotation_deg: 0.0, max_light: 0.0, max_colour: 0.0, grey: 0.0, flip: 0.0 };
        let square = image::imageops::crop_imm(&photo(), 15, 0, 90, 90).to_image();
        let v = none.view(&square, 90, 1, 1, 1);
        let centre = square;
        let diff = v.iter().zip(centre.iter()).map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs()).max().unwrap();
        assert!(diff <= 1, "max difference {diff}");
    }

    #[test]
    fn no_flip_by_default_keeps_left_on_the_left() {
        let left_red = RgbImage::from_fn(64, 64, |x, _| if x < 32 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) });
        let a = Augmentation { max_light: 0.0, max_colour: 0.0, grey: 0.0, ..Augmentation::default() };
        for view in 0..20 {
            let v = a.view(&left_red, 32, 5, 0, view);
            assert!(v.get_pixel(2, 16).0[0] > v.get_pixel(2, 16).0[2], "view {view} flipped");
        }
    }
}
