"""Shared steps of the one-time converters in this folder (tf2onnx, then graph edits).

Not run by tests or CI. Each converter imports it from beside itself.
"""
import hashlib
import os
import subprocess
import sys
import tempfile

import onnx
from onnx import helper


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_source(path, known):
    """Exits unless `path` has one of the `known` sha256 values (a dict name -> sha or a str)."""
    got = sha256(path)
    wanted = set(known.values()) if isinstance(known, dict) else {known}
    if got not in wanted:
        sys.exit(f"{path}: sha256 {got}; expected {sorted(wanted)}")
    return got


def tf2onnx(args):
    """Runs `python -m tf2onnx.convert ARGS --output TMP` and loads the result."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw.onnx")
        subprocess.run([sys.executable, "-m", "tf2onnx.convert", *args, "--output", raw], check=True)
        return onnx.load(raw)


def rename_input(graph, new="pixels"):
    """Renames the graph's only input (and its uses)."""
    if len(graph.input) != 1:
        sys.exit(f"unexpected inputs {[i.name for i in graph.input]}")
    old = graph.input[0].name
    for node in graph.node:
        node.input[:] = [new if i == old else i for i in node.input]
    graph.input[0].name = new


def flatten_output(graph, tensor, width, name="features"):
    """Makes `tensor`, flattened to [1, width], the graph's only output `name`."""
    if not any(tensor in n.output for n in graph.node):
        sys.exit(f"no tensor {tensor} in the converted graph")
    graph.node.append(helper.make_node("Flatten", [tensor], [name], name=f"{name}_flatten", axis=1))
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, [1, width]))


def prune(graph):
    """Drops the nodes and initializers that feed no output."""
    needed = {o.name for o in graph.output}
    keep = []
    for node in reversed(graph.node):
        if any(o in needed for o in node.output):
            keep.append(node)
            needed.update(node.input)
    del graph.node[:]
    graph.node.extend(reversed(keep))
    inits = [t for t in graph.initializer if t.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(inits)


def save(model, props, path):
    """Replaces the metadata with `props`, checks the model (full check) and saves it."""
    del model.metadata_props[:]
    for k, v in props.items():
        model.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(model, full_check=True)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"{path}: {os.path.getsize(path)} bytes, sha256 {sha256(path)}, ops {ops}")
    return path
