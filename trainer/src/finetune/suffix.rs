//! The suffix of a backbone as a burn network: its ONNX nodes interpreted op by op, with the
//! convolutions as trainable burn `Conv2d` layers initialised from the ONNX weights.
//!
//! Supported after the cut: Conv (any group, pads, strides), Clip, Relu, Mul/Add by a constant
//! (frozen batch norm), Add of two tensors, AveragePool over the whole map, GlobalAveragePool,
//! Reshape/Flatten/Squeeze to the feature vector.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use burn::module::{Module, Param};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::pb::{NodeProto, TensorProto};

use super::cut::Cut;

/// One interpreted node; tensors are numbered slots (0 = the cut tensor).
#[derive(Debug, Clone)]
pub enum Op {
    Conv { conv: usize, x: usize },
    Clip { x: usize, min: f32, max: f32 },
    Relu { x: usize },
    ScaleShift { x: usize, mul: bool, values: Vec<f32> },
    Add { a: usize, b: usize },
    GlobalMean { x: usize },
    Flatten { x: usize },
}

/// What a trainable convolution was in the ONNX graph.
#[derive(Debug, Clone)]
pub struct ConvSource {
    pub weight: String,
    pub bias: Option<String>,
    pub dims: [usize; 4],
}

/// The interpreted suffix: ops, where each writes, the output slot.
#[derive(Debug, Clone)]
pub struct Plan {
    pub ops: Vec<(Op, usize)>,
    pub output: usize,
    pub convs: Vec<ConvSource>,
    /// Channels, height and width of the cut tensor.
    pub input_shape: [usize; 3],
}

/// The suffix's trainable layers.
#[derive(Module, Debug)]
pub struct Suffix {
    convs: Vec<Conv2d>,
}

fn floats(t: &TensorProto) -> Result<Vec<f32>> {
    if t.data_type != DataType::Float as i32 {
        bail!("initializer {} is not f32 (fine-tuning needs an f32 backbone, not a quantized one)", t.name);
    }
    if !t.raw_data.is_empty() {
        Ok(t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    } else {
        Ok(t.float_data.clone())
    }
}

fn attr_ints(node: &NodeProto, name: &str) -> Option<Vec<i64>> {
    node.attribute.iter().find(|a| a.name == name).map(|a| a.ints.clone())
}

impl Plan {
    /// Interprets `cut`'s nodes; `features` is the length of the cut tensor per image.
    pub fn new(cut: &Cut, features: usize) -> Result<Self> {
        let mut slots: HashMap<String, usize> = HashMap::from([(cut.tensor.clone(), 0)]);
        let mut ops = Vec::new();
        let mut convs = Vec::new();
        let init = |name: &str| cut.initializers.get(name).with_context(|| format!("{name} is not a constant"));
        let mut input_shape = [0usize; 3];
        for n in &cut.nodes {
            let slot = |name: &str| slots.get(name).copied();
            let x = slot(&n.input[0]);
            let op = match (n.op_type.as_str(), x) {
                ("Conv", Some(x)) => {
                    let w = init(&n.input[1])?;
                    let dims: Vec<usize> = w.dims.iter().map(|&d| d as usize).collect();
                    let [o, i, kh, kw] = dims[..] else { bail!("Conv {}: weight is not 4-D", n.name) };
                    let group = n.attribute.iter().find(|a| a.name == "group").map_or(1, |a| a.i as usize);
                    if convs.is_empty() && x == 0 {
                        let c = i * group;
                        let hw = ((features / c) as f64).sqrt() as usize;
                        input_shape = [c, hw, hw];
                    }
                    convs.push(ConvSource { weight: n.input[1].clone(), bias: n.input.get(2).filter(|b| !b.is_empty()).cloned(), dims: [o, i, kh, kw] });
                    Op::Conv { conv: convs.len() - 1, x }
                }
                ("Clip", Some(x)) => {
                    let scalar = |k: usize, default: f32| -> Result<f32> {
                        match n.input.get(k).filter(|s| !s.is_empty()) {
                            Some(name) => Ok(floats(init(name)?)?[0]),
                            None => Ok(default),
                        }
                    };
                    Op::Clip { x, min: scalar(1, f32::NEG_INFINITY)?, max: scalar(2, f32::INFINITY)? }
                }
                ("Relu", Some(x)) => Op::Relu { x },
                ("Mul" | "Add", Some(a)) if cut.initializers.contains_key(&n.input[1]) => {
                    Op::ScaleShift { x: a, mul: n.op_type == "Mul", values: floats(init(&n.input[1])?)? }
                }
                ("Add", Some(a)) => match slot(&n.input[1]) {
                    Some(b) => Op::Add { a, b },
                    None => bail!("Add {}: unknown input {}", n.name, n.input[1]),
                },
                ("AveragePool" | "GlobalAveragePool", Some(x)) => Op::GlobalMean { x },
                ("Reshape" | "Flatten" | "Squeeze", Some(x)) => Op::Flatten { x },
                (other, _) => bail!(
                    "node {} ({other}) after the cut is not supported for fine-tuning (Conv, Clip, Relu, Mul/Add, pooling, \
                     Reshape/Flatten are); use fewer --fine-tune blocks",
                    n.name
                ),
            };
            let out = slots.len();
            slots.insert(n.output[0].clone(), out);
            ops.push((op, out));
        }
        let output = *slots.get(&cut.output).context("the backbone output is not computed after the cut")?;
        if convs.is_empty() {
            bail!("no convolution after the cut");
        }
        Ok(Self { ops, output, convs, input_shape })
    }

    /// The suffix layers with the backbone's weights, on `device`.
    pub fn init(&self, cut: &Cut, device: &Device) -> Result<Suffix> {
        let mut convs = Vec::new();
        let conv_nodes = cut.nodes.iter().filter(|n| n.op_type == "Conv");
        for (src, node) in self.convs.iter().zip(conv_nodes) {
            let [o, i, kh, kw] = src.dims;
            let group = node.attribute.iter().find(|a| a.name == "group").map_or(1, |a| a.i as usize);
            let strides = attr_ints(node, "strides").unwrap_or(vec![1, 1]);
            let pads = attr_ints(node, "pads").unwrap_or(vec![0, 0, 0, 0]);
            if node.attribute.iter().any(|a| a.name == "auto_pad" && !a.s.is_empty() && a.s != b"NOTSET") {
                bail!("Conv {}: auto_pad is not supported for fine-tuning", node.name);
            }
            let mut conv = Conv2dConfig::new([i * group, o], [kh, kw])
                .with_stride([strides[0] as usize, strides[1] as usize])
                .with_groups(group)
                .with_padding(PaddingConfig2d::Explicit(pads[0] as usize, pads[1] as usize, pads[2] as usize, pads[3] as usize))
                .with_bias(src.bias.is_some())
                .init(device);
            let w = floats(&cut.initializers[&src.weight])?;
            conv.weight = Param::from_tensor(Tensor::from_data(TensorData::new(w, [o, i, kh, kw]), device));
            if let Some(name) = &src.bias {
                let b = floats(&cut.initializers[name])?;
                conv.bias = Some(Param::from_tensor(Tensor::from_data(TensorData::new(b, [o]), device)));
            }
            convs.push(conv);
        }
        Ok(Suffix { convs })
    }
}

impl Suffix {
    /// Features `[N, D]` from cut tensors `[N, C, H, W]`.
    pub fn forward(&self, plan: &Plan, input: Tensor<4>) -> Tensor<2> {
        let device = input.device();
        let mut slots: Vec<Option<Tensor<4>>> = vec![None; plan.ops.len() + 1];
        slots[0] = Some(input);
        let get = |slots: &Vec<Option<Tensor<4>>>, i: usize| slots[i].clone().expect("computed before use");
        for (op, out) in &plan.ops {
            let y = match op {
                Op::Conv { conv, x } => self.convs[*conv].forward(get(&slots, *x)),
                Op::Clip { x, min, max } => get(&slots, *x).clamp(*min, *max),
                Op::Relu { x } => burn::tensor::activation::relu(get(&slots, *x)),
                Op::ScaleShift { x, mul, values } => {
                    let v = get(&slots, *x);
                    let c = Tensor::<1>::from_data(TensorData::new(values.clone(), [values.len()]), &device).reshape([1, values.len(), 1, 1]);
                    if *mul { v * c } else { v + c }
                }
                Op::Add { a, b } => get(&slots, *a) + get(&slots, *b),
                Op::GlobalMean { x } => get(&slots, *x).mean_dim(3).mean_dim(2),
                Op::Flatten { x } => get(&slots, *x),
            };
            slots[*out] = Some(y);
        }
        get(&slots, plan.output).flatten::<2>(1, 3)
    }

    /// The trained weights, as (initializer name, values) pairs to write back into the ONNX file.
    pub fn weights(&self, plan: &Plan) -> Vec<(String, Vec<f32>)> {
        let f = |d: TensorData| d.convert::<f32>().try_into_vec::<f32>().expect("f32 weights");
        let mut out = Vec::new();
        for (conv, src) in self.convs.iter().zip(&plan.convs) {
            out.push((src.weight.clone(), f(conv.weight.val().into_data())));
            if let (Some(name), Some(b)) = (&src.bias, &conv.bias) {
                out.push((name.clone(), f(b.val().into_data())));
            }
        }
        out
    }
}
