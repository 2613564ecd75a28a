"""The sentence encoder built from the checkpoint's weights, run by onnxruntime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vespera.semantic.bert_onnx import CheckpointError, build_encoder, read_safetensors
from vespera.semantic.embedders import LocalEmbedder
from vespera.semantic.model_files import bundled_checkpoint, ensure_model
from vespera.semantic.settings import EmbeddingSettings


@pytest.fixture(scope="module")
def int8() -> LocalEmbedder:
    return LocalEmbedder(ensure_model(EmbeddingSettings()), max_tokens=128, threads=1)


@pytest.fixture(scope="module")
def float32() -> LocalEmbedder:
    model = ensure_model(EmbeddingSettings(precision="float32"))
    return LocalEmbedder(model, max_tokens=128, threads=1)


@pytest.mark.parametrize("which", ["int8", "float32"])
def test_fear_in_a_cellar_is_nearer_fear_of_the_dark_than_a_sunny_meadow(
    which: str, request: pytest.FixtureRequest
) -> None:
    embedder: LocalEmbedder = request.getfixturevalue(which)
    cellar, dark, meadow = embedder.embed(
        ["fear in a cellar", "frightened of the dark", "a sunny meadow"]
    )
    assert float(cellar @ dark) > float(cellar @ meadow) + 0.3


def test_vectors_are_unit_length_and_do_not_depend_on_their_batch(
    int8: LocalEmbedder, float32: LocalEmbedder
) -> None:
    short = "The lamp went out."
    long = " ".join(["The storm broke over the harbour while the bells rang."] * 20)
    alone = float32.embed([short])[0]
    together = float32.embed([long, short, ""])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)
    # Padding to the longest text in a batch must not change a shorter text's vector.
    assert np.allclose(alone, together[1], atol=1e-5)
    # Int8 scales activations by the batch's range: a vector moves a little with its batch.
    moved = float(int8.embed([short])[0] @ int8.embed([long, short, ""])[1])
    assert moved > 0.98
    assert int8.tokens([long])[0] == 128  # truncated at the model's length


def test_quantised_vectors_stay_close_to_float32(
    int8: LocalEmbedder, float32: LocalEmbedder
) -> None:
    texts = [
        "Mira has been frightened of the dark since she was a child.",
        "The army camped below the walls for a month.",
        "Stalls of fish and rope along the quay; gulls, tar and shouting.",
    ]
    similarity = (int8.embed(texts) * float32.embed(texts)).sum(axis=1)
    assert similarity.min() > 0.97


def test_a_folder_without_a_bert_checkpoint_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"no readable config\.json"):
        build_encoder(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}', encoding="utf-8")
    with pytest.raises(CheckpointError, match="only BERT is supported"):
        build_encoder(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"\x01")
    with pytest.raises(CheckpointError, match="not a safetensors file"):
        read_safetensors(tmp_path / "model.safetensors")


def test_the_bundled_checkpoint_has_every_tensor_the_encoder_needs() -> None:
    source = bundled_checkpoint()
    assert source is not None
    tensors = read_safetensors(source / "model.safetensors")
    assert tensors["embeddings.word_embeddings.weight"].shape == (30522, 384)
    model = build_encoder(source)
    assert [i.name for i in model.graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in model.graph.output] == ["embedding"]
