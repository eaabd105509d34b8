"""The command line as a new user meets it: one-line errors that say what to do, folder and CSV input
and output, -q/-v. No model is trained here: a keyword-rules baseline folder stands in for a model."""

import csv
import io
import json
from pathlib import Path

import pytest
import torch

from arcrime.baselines import KeywordBaseline
from arcrime.cli import main
from arcrime.config import DEFAULT_LABELS
from arcrime.normalize import DEFAULT_STEPS

EXTORTION = "وتوبع المتهم طبقا للفصل 538 من القانون الجنائي بعد أن حاول ابتزاز الضحية."
PLAIN = "افتتح وزير الثقافة معرض الكتاب في دورته الجديدة بحضور عدد من الكتاب."
no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")


@pytest.fixture(scope="module")
def kw_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("kw") / "keywords"
    KeywordBaseline(list(DEFAULT_LABELS), list(DEFAULT_STEPS)).save_pretrained(d)
    return d


@pytest.fixture
def fake_bert(tmp_path):
    """A folder that claims to be a fine-tuned model, with a garbage weights file."""
    d = tmp_path / "bert"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"model_type": "arcrime"}), encoding="utf-8")
    (d / "model.safetensors").write_bytes(b"\x00garbage, not safetensors" * 10)
    return d


def run(args, capsys):
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def one_line_error(err: str, *needles: str) -> None:
    """The error is one line, no traceback, and says what is wrong and what to do."""
    assert "Traceback" not in err, err
    lines = [x for x in err.splitlines() if x.startswith("arcrime: error:")]
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], err


# ---------------------------------------------------------------- errors a new user hits

@no_cuda
def test_cuda_without_cuda_is_one_line(kw_model, fake_bert, tmp_path, capsys):
    data = tmp_path / "t.jsonl"
    data.write_text(json.dumps({"id": "a", "text": EXTORTION, "labels": ["extortion"]}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    for args in (["predict", "--model", fake_bert, "--device", "cuda", EXTORTION],
                 ["predict", "--model", kw_model, "--device", "cuda", EXTORTION],
                 ["evaluate", "--model", fake_bert, "--data", data, "--device", "cuda", "--out", tmp_path / "ev"],
                 ["serve", "--model", kw_model, "--device", "cuda:0"]):
        rc, out, err = run(args, capsys)
        assert rc == 2, args
        one_line_error(err, "CUDA is not available", "--device cpu")
        assert out == ""


def test_legal_find_without_text(capsys):
    rc, _, err = run(["legal", "find"], capsys)
    assert rc == 2
    one_line_error(err, "give a TEXT, --input FILE or - for stdin")


@pytest.mark.parametrize("args", [["legal", "find", "-"], ["legal", "find", "--input", "-"]])
def test_legal_find_reads_stdin(args, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(("\ufeff" + EXTORTION).encode("utf-8"))))
    rc, out, err = run(args, capsys)
    assert rc == 0, err
    refs = [json.loads(x) for x in out.splitlines()]
    assert [r["instrument"] for r in refs] == ["MA/penal-code"]
    assert EXTORTION[refs[0]["start"]:refs[0]["end"]] == refs[0]["text"]


def test_legal_find_input_file_problems(tmp_path, capsys):
    rc, _, err = run(["legal", "find", "--input", tmp_path / "nope.txt"], capsys)
    assert rc == 2
    one_line_error(err, "nope.txt: no such file")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa")
    rc, _, err = run(["legal", "find", "--input", bad], capsys)
    assert rc == 2
    one_line_error(err, "invalid UTF-8", "re-encode")


def test_damaged_weights_are_one_line(fake_bert, capsys):
    rc, _, err = run(["predict", "--model", fake_bert, "--device", "cpu", EXTORTION], capsys)
    assert rc == 2
    one_line_error(err, "model.safetensors", "damaged or truncated")


def test_truncated_weights_are_one_line(tmp_path, capsys):
    from safetensors.numpy import save_file
    import numpy as np

    d = tmp_path / "m"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"model_type": "arcrime"}), encoding="utf-8")
    save_file({"w": np.ones((64, 64), dtype=np.float32)}, str(d / "model.safetensors"))
    data = (d / "model.safetensors").read_bytes()
    (d / "model.safetensors").write_bytes(data[: len(data) // 2])
    rc, _, err = run(["predict", "--model", d, "--device", "cpu", EXTORTION], capsys)
    assert rc == 2
    one_line_error(err, "model.safetensors", "truncated")


def test_missing_model_folder(tmp_path, capsys):
    rc, _, err = run(["predict", "--model", tmp_path / "models" / "none", "--device", "cpu", EXTORTION], capsys)
    assert rc == 2
    one_line_error(err, "model folder not found", "arcrime train")


def test_evaluate_missing_data(kw_model, tmp_path, capsys):
    rc, _, err = run(["evaluate", "--model", kw_model, "--data", tmp_path / "missing.jsonl",
                      "--out", tmp_path / "ev"], capsys)
    assert rc == 2
    one_line_error(err, "missing.jsonl: no such file")
    assert not (tmp_path / "ev").exists()


def test_empty_input_file(kw_model, tmp_path, capsys):
    for name, content in (("empty.jsonl", b""), ("blank.txt", b"\n  \n\n")):
        p = tmp_path / name
        p.write_bytes(content)
        out = tmp_path / f"{name}.out"
        rc, _, err = run(["predict", "--model", kw_model, "--input", p, "--output", out], capsys)
        assert rc == 2
        one_line_error(err, f"{p} is empty: no article to predict")
        assert not out.exists() and not Path(f"{out}.partial").exists()


def test_missing_input_and_usage_errors(kw_model, tmp_path, capsys):
    rc, _, err = run(["predict", "--model", kw_model, "--input", tmp_path / "none.jsonl"], capsys)
    assert rc == 2
    one_line_error(err, "none.jsonl: no such file or folder")
    rc, _, err = run(["predict", "--model", kw_model], capsys)
    assert rc == 2
    one_line_error(err, "give an article TEXT, --input FILE")
    rc, _, err = run(["predict", "--model", kw_model, "--input", tmp_path, "نص"], capsys)
    assert rc == 2
    one_line_error(err, "not both")
    rc, _, err = run(["predict", "--model", kw_model, "--resume", EXTORTION], capsys)
    assert rc == 2
    one_line_error(err, "--resume needs --output")
    # engine settings (batch size, token budget) tune the BERT engine; a baseline has none and predicts the same
    rc, out, err = run(["predict", "--model", kw_model, "--batch-size", "8", EXTORTION], capsys)
    assert rc == 0 and json.loads(out)["labels"] == ["extortion"]
    # the keyword gate is a BERT option: asking it of a baseline is a one-line error
    rc, _, err = run(["predict", "--model", kw_model, "--keyword-gate", EXTORTION], capsys)
    assert rc == 2
    one_line_error(err, "baseline", "--keyword-gate")


# ---------------------------------------------------------------- folder input, CSV output

def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "articles"
    d.mkdir()
    (d / "b-second.txt").write_text(PLAIN, encoding="utf-8")
    (d / "a-first.txt").write_bytes(("\ufeff" + EXTORTION).encode("utf-8"))  # Windows Notepad's BOM
    (d / "notes.md").write_text("not an article", encoding="utf-8")
    (d / "c-empty.txt").write_text("  \n", encoding="utf-8")
    (d / "sub").mkdir()
    return d


def test_predict_folder_of_txt(kw_model, tmp_path, capsys):
    d = _folder(tmp_path)
    out = tmp_path / "out.jsonl"
    rc, stdout, err = run(["predict", "--model", kw_model, "--input", d, "--output", out], capsys)
    assert rc == 0, err
    preds = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [p["id"] for p in preds] == ["a-first", "b-second"]  # sorted by name, id = name without .txt
    assert preds[0]["labels"] == ["extortion"] and preds[1]["labels"] == []
    ref = preds[0]["legal_refs"][0]
    assert EXTORTION[ref["start"]:ref["end"]] == ref["text"]  # offsets into the file's text (BOM dropped)
    assert "notes.md: skipped: not a .txt file" in err and "sub: skipped" in err
    errs = [json.loads(x) for x in Path(f"{out}.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(Path(e["file"]).name, e["field"]) for e in errs] == [("c-empty.txt", "text")]
    assert "predicted 2 article(s); 1 reported error(s)" in err
    assert stdout == ""


def test_predict_folder_without_txt(kw_model, tmp_path, capsys):
    d = tmp_path / "empty_dir"
    d.mkdir()
    (d / "x.pdf").write_bytes(b"%PDF")
    rc, _, err = run(["predict", "--model", kw_model, "--input", d], capsys)
    assert rc == 2
    one_line_error(err, "no .txt file in this folder")


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode("utf-8"))  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_predict_csv(kw_model, tmp_path, capsys):
    d = _folder(tmp_path)
    out = tmp_path / "out.csv"
    rc, _, err = run(["predict", "--model", kw_model, "--input", d, "--output", out, "--format", "csv"], capsys)
    assert rc == 0, err
    rows = _read_csv(out.read_bytes())
    assert rows[0] == ["id", "labels"] + [f"score_{lab}" for lab in DEFAULT_LABELS] + ["legal_refs"]
    assert [r[0] for r in rows[1:]] == ["a-first", "b-second"]
    a = dict(zip(rows[0], rows[1]))
    assert a["labels"] == "extortion" and float(a["score_extortion"]) == 1.0 and float(a["score_defamation"]) == 0.0
    start, end = EXTORTION.index("للفصل"), EXTORTION.index("الجنائي") + len("الجنائي")
    assert a["legal_refs"] == f"{start}-{end} article MA/penal-code 538"
    assert dict(zip(rows[0], rows[2]))["legal_refs"] == ""
    # stdout: the same rows; an .csv output picks the format by itself
    rc, stdout, _ = run(["predict", "--model", kw_model, "--input", d, "--format", "csv"], capsys)
    assert rc == 0 and _read_csv(stdout.encode("utf-8")) == rows
    out2 = tmp_path / "auto.csv"
    assert run(["predict", "--model", kw_model, "--input", d, "--output", out2], capsys)[0] == 0
    assert out2.read_bytes() == out.read_bytes()


def test_predict_several_labels_in_csv(kw_model, tmp_path, capsys):
    text = "انتحل المتهم صفة موظف وحاول ابتزاز الضحية."
    rc, stdout, err = run(["predict", "--model", kw_model, "--format", "csv", text], capsys)
    assert rc == 0, err
    rows = _read_csv(stdout.encode("utf-8"))
    assert rows[1][1] == "extortion;impersonation"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_after_torn_write(kw_model, tmp_path, capsys, fmt):
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": f"a{i}", "text": (EXTORTION if i % 2 else PLAIN) + f" {i}"},
                                      ensure_ascii=False) + "\n" for i in range(7)), encoding="utf-8")
    full = tmp_path / f"full.{fmt}"
    assert run(["predict", "--model", kw_model, "--input", inp, "--output", full, "--format", fmt], capsys)[0] == 0
    data = full.read_bytes()
    cut = [i for i in range(len(data)) if data[i:i + 1] == b"\n"][3] + 20  # three or four lines, then a torn one
    out = tmp_path / f"out.{fmt}"
    Path(f"{out}.partial").write_bytes(data[:cut])
    rc, _, err = run(["predict", "--model", kw_model, "--input", inp, "--output", out, "--format", fmt,
                      "--resume"], capsys)
    assert rc == 0, err
    assert "resuming:" in err
    assert out.read_bytes() == data
    assert not Path(f"{out}.partial").exists()


def test_resume_refuses_other_input(kw_model, tmp_path, capsys):
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": "z9", "text": PLAIN}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    Path(f"{out}.partial").write_text(json.dumps({"id": "other"}) + "\n", encoding="utf-8")
    rc, _, err = run(["predict", "--model", kw_model, "--input", inp, "--output", out, "--resume"], capsys)
    assert rc == 2
    one_line_error(err, "--resume needs the same input")
    assert Path(f"{out}.partial").read_text(encoding="utf-8") == json.dumps({"id": "other"}) + "\n"


# ---------------------------------------------------------------- -q / -v

def test_quiet_and_verbose(kw_model, tmp_path, capsys):
    d = _folder(tmp_path)
    out = tmp_path / "o.jsonl"
    _, _, err = run(["predict", "--model", kw_model, "--input", d, "--output", out], capsys)
    assert "predicted 2 article(s)" in err and "notes.md" in err
    for args in (["-q", "predict"], ["predict", "-q"]):
        rc, _, err = run(args + ["--model", kw_model, "--input", d, "--output", out], capsys)
        assert rc == 0
        assert "predicted" not in err and "notes.md" in err  # info gone, warnings kept
    rc, _, err = run(["-q", "predict", "--model", kw_model, "--input", tmp_path / "none"], capsys)
    assert rc == 2 and "arcrime: error:" in err  # errors always show
    rc, _, err = run(["-v", "predict", "--model", kw_model, "--input", tmp_path / "none"], capsys)
    assert rc == 2 and "Traceback" in err  # -v adds where the error happened
    rc, stdout, _ = run(["-q", "predict", "--model", kw_model, EXTORTION], capsys)
    assert rc == 0 and json.loads(stdout)["labels"] == ["extortion"]  # results stay on stdout


def test_data_stats_on_stdout(tmp_path, capsys):
    p = tmp_path / "c.jsonl"
    recs = [{"id": f"x{i}", "text": EXTORTION + (" مكرر" * i), "labels": ["extortion"],
             "meta": {"split": "train" if i else "test"}} for i in range(3)]
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    rc, out, err = run(["data", "stats", p], capsys)
    assert rc == 0, err
    assert out.startswith("articles: 3") and "pair(s) across splits" in out
    rc, out, _ = run(["data", "stats", p, "--json"], capsys)
    s = json.loads(out)
    assert s["articles"] == 3 and s["near_duplicates"]["pairs_across_splits"]


def test_write_predictions_library(kw_model):
    """The writer behind `arcrime predict`, called with plain records: bad ones are reported, not fatal."""
    from arcrime.inference import load
    from arcrime.output import write_predictions

    buf = io.StringIO()
    res = write_predictions(load(kw_model), [{"id": "a", "text": EXTORTION}, {"id": "b", "text": " "},
                                             {"id": "c", "text": PLAIN}], stream=buf, verbose=True)
    assert [json.loads(x)["id"] for x in buf.getvalue().splitlines()] == ["a", "c"]
    assert (res.read, res.predicted, len(res.errors)) == (3, 2, 1) and "'b'" in res.errors[0].message
    with pytest.raises(ValueError, match="format"):
        write_predictions(load(kw_model), [], stream=buf, fmt="xlsx")


def test_text_that_names_a_folder_gets_a_hint(kw_model, tmp_path, capsys):
    rc, out, err = run(["predict", "--model", kw_model, tmp_path], capsys)
    assert rc == 0 and f"use --input {tmp_path}" in err
    long_text = "ابتزاز " * 400  # longer than a file name may be: no OSError
    rc, out, err = run(["predict", "--model", kw_model, long_text], capsys)
    assert rc == 0 and "use --input" not in err


def test_predict_without_model_uses_the_released_one(capsys):
    from arcrime.inference import RELEASED_MODEL

    size = sum(p.stat().st_size for p in RELEASED_MODEL.iterdir()) / 2**20
    assert size <= 20 and (RELEASED_MODEL / "README.md").is_file()  # fp16, with its model card
    rc, out, err = run(["predict", "--device", "cpu", "تعرضت الضحية للابتزاز عبر حساب وهمي"], capsys)
    assert rc == 0 and "using the released model" in err
    d = json.loads(out)
    assert set(d["scores"]) == set(DEFAULT_LABELS)


def test_released_model_is_a_standard_hf_model():
    """Stored in fp16, loaded in fp32 by AutoModel and the pipeline, which agree with arcrime.predict."""
    import pickle

    from transformers import AutoModel, pipeline

    import arcrime
    from arcrime.inference import RELEASED_MODEL

    m = AutoModel.from_pretrained(RELEASED_MODEL)
    assert {p.dtype for p in m.parameters()} == {torch.float32}
    assert m.config.label2id == {lab: i for i, lab in m.config.id2label.items()}
    text = "تعرضت الضحية للابتزاز عبر حساب وهمي"
    ours = arcrime.predict(arcrime.load(RELEASED_MODEL, device="cpu"), text)
    theirs = pipeline("arabic-crime-news", model=str(RELEASED_MODEL), device="cpu")(text)
    assert theirs == {k: v for k, v in ours.to_dict().items() if k != "id"}
    assert pickle.loads(pickle.dumps(ours)) == ours  # a Prediction travels between processes


def test_gate_thresholds_are_never_zero():
    import numpy as np

    from arcrime.keywords import gate_thresholds

    y = np.array([[1], [1], [1], [0], [0]])
    gated = np.array([[0.0], [0.0], [0.9], [0.0], [0.2]])  # most positives lack the keyword: F1 is best at 0
    assert gate_thresholds(y, gated, ["x"])["x"] > 0
