//! Decoding stored weights once, at load.
//!
//! A quantized or f16 model stores its weights as int8 (or f16) initializers followed by
//! `DequantizeLinear` (or `Cast`) nodes. tract folds constant subgraphs only while the result
//! stays under 4 MiB, so a large decoded weight (the seed CNN's 12 MB dense layer) would be
//! decoded again on every frame and its matrix product would run with a non-constant weight:
//! measured 1.85× slower than f32 for int8 weights and 2.4× for f16 weights. This pass decodes
//! every such chain once instead: the file stays small, the run-time graph is the f32 one.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::konst::Const;
use tract_onnx::tract_core::ops::source::TypedSource;

/// Replaces every node whose inputs are all constants, and whose single output has no more
/// elements than its largest input (a decode, not an expansion), by the constant it computes.
/// Returns how many nodes were folded.
pub fn fold_constant_decoding(model: &mut TypedModel) -> TractResult<usize> {
    let mut folded = 0;
    while let Some(patch) = next_fold(model)? {
        patch.apply(model)?;
        folded += 1;
    }
    Ok(folded)
}

fn next_fold(model: &TypedModel) -> TractResult<Option<TypedModelPatch>> {
    for id in model.eval_order()? {
        let node = model.node(id);
        if node.inputs.is_empty() || node.outputs.len() != 1 || node.op_is::<Const>() || node.op_is::<TypedSource>() {
            continue;
        }
        let facts = model.node_input_facts(id)?;
        let Some(consts) = facts.iter().map(|f| f.konst.clone()).collect::<Option<Vec<_>>>() else {
            continue;
        };
        let largest_input = consts.iter().map(|t| t.volume()).max().unwrap_or(0);
        let inputs = consts.into_iter().map(|t| t.into_tvalue()).collect();
        let Ok(Some(mut outputs)) = node.op.eval_out_of_plan(inputs) else { continue };
        if outputs.len() != 1 || outputs[0].volume() > largest_input {
            continue;
        }
        let mut patch = TypedModelPatch::default();
        let value = outputs.remove(0).into_arc_tensor();
        let wire = patch.wire_node(&node.name, Const::new(value)?, &[])?[0];
        patch.shunt_outside(model, OutletId::new(id, 0), wire)?;
        return Ok(Some(patch));
    }
    Ok(None)
}
