import json

import pytest

pytest.importorskip("onnxruntime")

from arcrime.export import export_onnx  # noqa: E402
from arcrime.inference import load  # noqa: E402
from arcrime.training import train  # noqa: E402
from conftest import tiny_config  # noqa: E402


def test_onnx_export_matches_pytorch(tmp_path, tiny_split, tiny_tokenizer):
    train(tiny_config(tmp_path, tiny_split, tokenizer=tiny_tokenizer, epochs=1.0))
    model_dir = tmp_path / "models" / "tiny"
    info = export_onnx(model_dir, tmp_path / "onnx", int8=True)
    assert set(info["files"]) == {"model.onnx", "model.int8.onnx"}
    texts = [json.loads(x)["text"] for x in tiny_split["test"].read_text(encoding="utf-8").splitlines()]
    torch_p = load(model_dir, device="cpu")
    fp32 = load(tmp_path / "onnx", prefer_int8=False)
    assert (tmp_path / "onnx" / "config.json").is_file()  # the model folder's convention
    int8 = load(tmp_path / "onnx")
    for t in texts:
        a, b, c = torch_p.predict_text(t), fp32.predict_text(t), int8.predict_text(t)
        for lab in a.scores:
            assert b.scores[lab] == pytest.approx(a.scores[lab], abs=1e-4)
            assert c.scores[lab] == pytest.approx(a.scores[lab], abs=0.1)
        assert a.legal_refs == b.legal_refs
    # padded batches of windows of different lengths (the fused attention must honour the mask)
    recs = [{"id": str(i), "text": t} for i, t in enumerate(texts)]
    for a, b in zip(torch_p.predict_records(recs), fp32.predict_records(recs)):
        for lab in a.scores:
            assert b.scores[lab] == pytest.approx(a.scores[lab], abs=1e-4)
    layers = json.loads((model_dir / "config.json").read_text())["encoder"]["num_hidden_layers"]
    assert info["fused_operators"].get("Attention") == layers  # one fused attention node per layer
