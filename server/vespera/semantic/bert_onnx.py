"""Build an ONNX sentence encoder from a BERT checkpoint's safetensors, without a deep-learning
framework.

The default model (all-MiniLM-L6-v2) is published as safetensors weights; running it offline
through onnxruntime needs an ONNX graph. Exporting one with a framework costs gigabytes of
install, so the graph is written here directly: the BERT encoder, then mean pooling over the
attention mask and L2 normalisation, so that the model's single output is the sentence vector.

The graph has two inputs, ``input_ids`` and ``attention_mask`` (int64, batch x tokens, both
axes dynamic), and one output, ``embedding`` (float32, batch x hidden).
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


class CheckpointError(ValueError):
    """The folder does not hold a BERT checkpoint this builder understands."""


def read_safetensors(path: Path) -> dict[str, np.ndarray[Any, Any]]:
    """The tensors of a ``.safetensors`` file (an 8-byte header size, a JSON header, the data)."""
    raw = path.read_bytes()
    if len(raw) < 8:
        raise CheckpointError(f"{path} is not a safetensors file.")
    (size,) = struct.unpack("<Q", raw[:8])
    try:
        header = json.loads(raw[8 : 8 + size])
    except ValueError as exc:
        raise CheckpointError(f"{path} has an unreadable header: {exc}") from exc
    base = 8 + size
    tensors: dict[str, np.ndarray[Any, Any]] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise CheckpointError(f"{path}: tensor {name} has unsupported type {info['dtype']}.")
        start, end = info["data_offsets"]
        array = np.frombuffer(raw[base + start : base + end], dtype=dtype)
        tensors[name] = array.reshape(info["shape"]).astype(np.float32, copy=False)
    return tensors


class _Graph:
    """Accumulates nodes and initializers, naming intermediate values uniquely."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._count = 0

    def const(self, name: str, value: np.ndarray[Any, Any]) -> str:
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def op(self, kind: str, inputs: list[str], **attrs: Any) -> str:
        self._count += 1
        out = f"{kind.lower()}_{self._count}"
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def linear(self, x: str, weights: dict[str, np.ndarray[Any, Any]], prefix: str) -> str:
        # Checkpoints store (out, in); MatMul wants (in, out).
        w = self.const(f"{prefix}.weight_t", np.ascontiguousarray(weights[f"{prefix}.weight"].T))
        b = self.const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op("Add", [self.op("MatMul", [x, w]), b])

    def layer_norm(
        self, x: str, weights: dict[str, np.ndarray[Any, Any]], prefix: str, eps: float
    ) -> str:
        scale = self.const(f"{prefix}.weight", weights[f"{prefix}.weight"])
        bias = self.const(f"{prefix}.bias", weights[f"{prefix}.bias"])
        return self.op("LayerNormalization", [x, scale, bias], axis=-1, epsilon=eps)


def _strip_prefix(weights: dict[str, np.ndarray[Any, Any]]) -> dict[str, np.ndarray[Any, Any]]:
    """Checkpoints saved from a task model prefix every name with ``bert.``."""
    if any(k.startswith("bert.") for k in weights):
        return {k.removeprefix("bert."): v for k, v in weights.items()}
    return weights


def build_encoder(model_dir: Path) -> onnx.ModelProto:
    """The ONNX sentence encoder of the BERT checkpoint in ``model_dir``.

    ``model_dir`` holds ``config.json`` and ``model.safetensors``, as published for
    sentence-transformers models of the BERT family.
    """
    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{model_dir} has no readable config.json: {exc}") from exc
    if config.get("model_type") != "bert":
        raise CheckpointError(
            f"{model_dir} holds a {config.get('model_type')!r} model; only BERT is supported."
        )
    if config.get("hidden_act", "gelu") != "gelu":
        raise CheckpointError(f"{model_dir}: activation {config['hidden_act']} is not supported.")
    weights = _strip_prefix(read_safetensors(model_dir / "model.safetensors"))
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    layers = int(config["num_hidden_layers"])
    eps = float(config.get("layer_norm_eps", 1e-12))
    head_size = hidden // heads
    try:
        return _encoder(weights, hidden, heads, head_size, layers, eps)
    except KeyError as exc:
        raise CheckpointError(f"{model_dir}: the checkpoint lacks tensor {exc}.") from exc


def _encoder(
    w: dict[str, np.ndarray[Any, Any]],
    hidden: int,
    heads: int,
    head_size: int,
    layers: int,
    eps: float,
) -> onnx.ModelProto:
    g = _Graph()
    i64 = np.int64
    # Embeddings: words + positions + token type 0 (single-segment input), then LayerNorm.
    words = g.op(
        "Gather", [g.const("word_embeddings", w["embeddings.word_embeddings.weight"]), "input_ids"]
    )
    seq_len = g.op(
        "Gather", [g.op("Shape", ["input_ids"]), g.const("one_index", np.array(1, dtype=i64))]
    )
    positions = g.op(
        "Range",
        [g.const("zero", np.array(0, dtype=i64)), seq_len, g.const("step", np.array(1, dtype=i64))],
    )
    pos_table = g.const("position_embeddings", w["embeddings.position_embeddings.weight"])
    type_zero = g.const("token_type_zero", w["embeddings.token_type_embeddings.weight"][0])
    x = g.op("Add", [g.op("Add", [words, g.op("Gather", [pos_table, positions])]), type_zero])
    x = g.layer_norm(x, w, "embeddings.LayerNorm", eps)

    # Additive attention mask: 0 where attended, a large negative number on padding.
    mask_f = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask_4d = g.op("Unsqueeze", [mask_f, g.const("mask_axes", np.array([1, 2], dtype=i64))])
    one = g.const("one_f", np.array(1.0, dtype=np.float32))
    neg = g.const("neg_f", np.array(-1e9, dtype=np.float32))
    bias = g.op("Mul", [g.op("Sub", [one, mask_4d]), neg])

    split = g.const("split_shape", np.array([0, 0, heads, head_size], dtype=i64))
    merge = g.const("merge_shape", np.array([0, 0, hidden], dtype=i64))
    scale = g.const("attention_scale", np.array(1.0 / math.sqrt(head_size), dtype=np.float32))
    half = g.const("half_f", np.array(0.5, dtype=np.float32))
    root2 = g.const("sqrt2_f", np.array(math.sqrt(2.0), dtype=np.float32))
    for n in range(layers):
        p = f"encoder.layer.{n}"
        q = g.op(
            "Transpose",
            [g.op("Reshape", [g.linear(x, w, f"{p}.attention.self.query"), split])],
            perm=[0, 2, 1, 3],
        )
        k = g.op(
            "Transpose",
            [g.op("Reshape", [g.linear(x, w, f"{p}.attention.self.key"), split])],
            perm=[0, 2, 3, 1],
        )
        v = g.op(
            "Transpose",
            [g.op("Reshape", [g.linear(x, w, f"{p}.attention.self.value"), split])],
            perm=[0, 2, 1, 3],
        )
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), bias])
        context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), merge])
        attended = g.linear(context, w, f"{p}.attention.output.dense")
        x = g.layer_norm(g.op("Add", [attended, x]), w, f"{p}.attention.output.LayerNorm", eps)
        inner = g.linear(x, w, f"{p}.intermediate.dense")
        # Exact GELU: x * 0.5 * (1 + erf(x / sqrt(2))).
        erf = g.op("Erf", [g.op("Div", [inner, root2])])
        gelu = g.op("Mul", [g.op("Mul", [inner, half]), g.op("Add", [erf, one])])
        out = g.linear(gelu, w, f"{p}.output.dense")
        x = g.layer_norm(g.op("Add", [out, x]), w, f"{p}.output.LayerNorm", eps)

    # Mean pooling over the attended tokens, then L2 normalisation.
    mask_3d = g.op("Unsqueeze", [mask_f, g.const("pool_axis", np.array([2], dtype=i64))])
    token_axis = g.const("token_axis", np.array([1], dtype=i64))
    summed = g.op("ReduceSum", [g.op("Mul", [x, mask_3d]), token_axis], keepdims=0)
    counts = g.op("ReduceSum", [mask_3d, token_axis], keepdims=0)
    tiny = g.const("tiny_f", np.array(1e-9, dtype=np.float32))
    mean = g.op("Div", [summed, g.op("Max", [counts, tiny])])
    # Before opset 18 only ReduceSum takes its axes as an input; ReduceL2 has an attribute.
    norm = g.op("ReduceL2", [mean], axes=[1], keepdims=1)
    g.nodes.append(helper.make_node("Div", [mean, g.op("Max", [norm, tiny])], ["embedding"]))

    graph = helper.make_graph(
        g.nodes,
        "sentence_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        initializer=g.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
