//! Images → burn tensors.

use burn::prelude::*;
use image::RgbImage;

/// Raw pixels (0–255 as f32) of same-sized RGB images as a `[batch, 3, H, W]` tensor.
pub fn pixels(images: &[&RgbImage], device: &Device) -> Tensor<4> {
    let (w, h) = images[0].dimensions();
    let mut data = Vec::with_capacity(images.len() * 3 * (w * h) as usize);
    for img in images {
        data.extend(beckon::preprocess::to_chw_bytes(img).into_iter().map(f32::from));
    }
    Tensor::from_data(TensorData::new(data, [images.len(), 3, h as usize, w as usize]), device)
}

/// Class indices as an int tensor `[batch]`.
pub fn labels(labels: &[usize], device: &Device) -> Tensor<1, Int> {
    let data: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
    Tensor::from_data(TensorData::new(data, [labels.len()]), device)
}
