//! A small builder for ONNX graphs over `tract_onnx::pb` (the prost ONNX types).

use prost::Message;
use tract_onnx::pb::attribute_proto::AttributeType;
use tract_onnx::pb::tensor_proto::DataType;
use tract_onnx::pb::tensor_shape_proto::{Dimension, dimension};
use tract_onnx::pb::type_proto::{self, Value};
use tract_onnx::pb::*;

/// ONNX opset the exporter targets.
pub const OPSET: i64 = 13;
/// IR version matching [`OPSET`].
pub const IR_VERSION: i64 = 7;

/// One tensor dimension: fixed, or named (symbolic, e.g. the batch).
#[derive(Debug, Clone)]
pub enum Dim {
    Fixed(i64),
    Named(&'static str),
}

/// Builds a graph node by node.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    graph: GraphProto,
}

impl GraphBuilder {
    pub fn new(name: &str) -> Self {
        Self { graph: GraphProto { name: name.into(), ..Default::default() } }
    }

    /// Continues an existing graph (its nodes, initializers, inputs and outputs are kept).
    pub fn extend(graph: GraphProto) -> Self {
        Self { graph }
    }

    /// The graph so far.
    pub fn graph_mut(&mut self) -> &mut GraphProto {
        &mut self.graph
    }

    /// Declares a graph input.
    pub fn input(&mut self, name: &str, elem: DataType, dims: &[Dim]) {
        self.graph.input.push(value_info(name, elem, dims));
    }

    /// Declares a graph output.
    pub fn output(&mut self, name: &str, elem: DataType, dims: &[Dim]) {
        self.graph.output.push(value_info(name, elem, dims));
    }

    /// Adds an f32 initializer and returns its name.
    pub fn weight(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        self.initializer(name, dims, DataType::Float, values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }

    /// Adds an int64 initializer (indices, shapes, axes) and returns its name.
    pub fn ints(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        self.initializer(name, dims, DataType::Int64, values.iter().flat_map(|v| v.to_le_bytes()).collect())
    }

    fn initializer(&mut self, name: &str, dims: &[usize], data_type: DataType, raw_data: Vec<u8>) -> String {
        // Names come from the graph builders' code, never from users: a duplicate is a bug there
        // (onnxruntime warns and keeps the last one; ONNX forbids it).
        assert!(!self.graph.initializer.iter().any(|t| t.name == name), "initializer {name:?} added twice");
        self.graph.initializer.push(TensorProto {
            name: name.into(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: data_type as i32,
            raw_data,
            ..Default::default()
        });
        name.into()
    }

    /// Adds a node `op(inputs) → output` and returns the output name.
    pub fn node(&mut self, op: &str, name: &str, inputs: &[&str], output: &str, attributes: Vec<AttributeProto>) -> String {
        self.graph.node.push(NodeProto {
            op_type: op.into(),
            name: name.into(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            attribute: attributes,
            ..Default::default()
        });
        output.into()
    }

    /// The finished model with `metadata` as `metadata_props`.
    pub fn finish(self, producer: &str, doc: &str, metadata: Vec<(String, String)>) -> ModelProto {
        ModelProto {
            ir_version: IR_VERSION,
            opset_import: vec![OperatorSetIdProto { domain: String::new(), version: OPSET }],
            producer_name: producer.into(),
            producer_version: env!("CARGO_PKG_VERSION").into(),
            doc_string: doc.into(),
            graph: Some(self.graph),
            metadata_props: metadata.into_iter().map(|(key, value)| StringStringEntryProto { key, value }).collect(),
            ..Default::default()
        }
    }
}

fn value_info(name: &str, elem: DataType, dims: &[Dim]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Dim::Fixed(v) => dimension::Value::DimValue(*v),
                Dim::Named(n) => dimension::Value::DimParam(n.to_string()),
            }),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            value: Some(Value::TensorType(type_proto::Tensor { elem_type: elem as i32, shape: Some(TensorShapeProto { dim }) })),
            ..Default::default()
        }),
        ..Default::default()
    }
}
/// Dense layers of a head: weight `[in, out]` row-major (as burn holds them), bias `[out]`.
#[derive(Debug, Clone)]
pub struct DenseWeights {
    pub weight: Vec<f32>,
    pub inputs: usize,
    pub outputs: usize,
    pub bias: Vec<f32>,
}

/// A dense head on `input`: one `Gemm` per layer (`beckon_head1`, `beckon_head2`, …) with a
/// `Relu` between them. Returns the last layer's output (its logits).
pub fn add_dense_head(g: &mut GraphBuilder, input: &str, layers: &[DenseWeights]) -> String {
    let mut x = input.to_string();
    for (i, l) in layers.iter().enumerate() {
        let n = i + 1;
        let w = g.weight(&format!("beckon_head{n}.weight"), &[l.inputs, l.outputs], &l.weight);
        let b = g.weight(&format!("beckon_head{n}.bias"), &[l.outputs], &l.bias);
        x = g.node("Gemm", &format!("beckon_head{n}"), &[&x, &w, &b], &format!("beckon_head{n}"), vec![]);
        if n < layers.len() {
            x = g.node("Relu", &format!("beckon_head{n}_relu"), &[&x], &format!("beckon_head{n}_relu"), vec![]);
        }
    }
    x
}

/// An integer attribute.
pub fn attr_int(name: &str, v: i64) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: AttributeType::Int as i32, i: v, ..Default::default() }
}

/// An integer-list attribute.
pub fn attr_ints(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: AttributeType::Ints as i32, ints: v.to_vec(), ..Default::default() }
}

/// Serializes a model to ONNX bytes.
pub fn encode(model: &ModelProto) -> Vec<u8> {
    model.encode_to_vec()
}

/// Parses ONNX bytes.
pub fn decode(bytes: &[u8]) -> Result<ModelProto, prost::DecodeError> {
    ModelProto::decode(bytes)
}
