"""Bad input, interruption and resume, for the CLI entry points."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import tiny_config

PY = [sys.executable, "-m", "arcrime.cli"]


def _run(args, **kw):
    return subprocess.run(PY + args, capture_output=True, text=True, timeout=600, **kw)


class _Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _main(args, capsys):
    """Run the CLI in-process (no interpreter start-up per call)."""
    from arcrime.cli import main

    try:
        rc = main(args)
    except SystemExit as e:
        rc = e.code
    out = capsys.readouterr()
    return _Result(rc, out.out, out.err)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, dev_records, tiny_tokenizer):
    from conftest import split_files
    from arcrime.training import train

    tmp = tmp_path_factory.mktemp("rob")
    split = split_files(tmp, dev_records, 20, 5, 5)
    train(tiny_config(tmp, split, tokenizer=tiny_tokenizer, epochs=1.0))
    return tmp / "models" / "tiny"


def _write_cfg(path: Path, cfg) -> Path:
    path.write_text(yaml.safe_dump(cfg.to_dict(), allow_unicode=True), encoding="utf-8")
    return path


# trains in subprocesses (~35 s): slow, so the default suite stays under 3 minutes on 2 cores (issue 16);
# run with `pytest -m slow`
@pytest.mark.slow
def test_kill9_then_resume_matches_uninterrupted(tmp_path, tiny_split, tiny_tokenizer):
    full = tiny_config(tmp_path, tiny_split, name="full", tokenizer=tiny_tokenizer, epochs=12.0, checkpoint_every=3)
    part = tiny_config(tmp_path, tiny_split, name="part", tokenizer=tiny_tokenizer, epochs=12.0, checkpoint_every=3)
    r = _run(["train", "--config", str(_write_cfg(tmp_path / "full.yaml", full))])
    assert r.returncode == 0, r.stderr
    proc = subprocess.Popen(PY + ["train", "--config", str(_write_cfg(tmp_path / "part.yaml", part))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpts = tmp_path / "models" / "part.checkpoints"
    t0 = time.time()
    # a checkpoint is complete once Trainer has written its trainer_state.json (the last file it saves)
    while (not list(ckpts.glob("checkpoint-*/trainer_state.json")) and time.time() - t0 < 300
           and proc.poll() is None):
        time.sleep(0.02)
    time.sleep(0.3)
    if proc.poll() is not None:
        pytest.skip("training finished before it could be killed (machine too fast for this setup)")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "models" / "part" / "config.json").exists()
    r = _run(["train", "--config", str(tmp_path / "part.yaml"), "--resume"])
    assert r.returncode == 0, r.stderr
    assert "resumed from" in r.stderr
    a = json.loads((tmp_path / "experiments" / "full" / "metrics_test.json").read_text())
    b = json.loads((tmp_path / "experiments" / "part" / "metrics_test.json").read_text())
    for key in ("labels", "legal_refs", "thresholds"):
        assert a[key] == b[key]
    assert (tmp_path / "experiments" / "full" / "predictions_test.jsonl").read_text() == \
        (tmp_path / "experiments" / "part" / "predictions_test.jsonl").read_text()


def test_predict_resume_no_duplicates_no_loss(tmp_path, model_dir, capsys):
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": f"a{i}", "text": f"نص رقم {i} عن ابتزاز"}, ensure_ascii=False) + "\n"
                           for i in range(7)), encoding="utf-8")
    full = tmp_path / "full.jsonl"
    assert _main(["predict", "--model", str(model_dir), "--input", str(inp), "--output", str(full),
                  "--device", "cpu"], capsys).returncode == 0
    lines = full.read_text(encoding="utf-8").splitlines()
    out = tmp_path / "out.jsonl"
    Path(str(out) + ".partial").write_text("\n".join(lines[:3]) + "\n" + lines[3][:25], encoding="utf-8")  # torn
    r = _main(["predict", "--model", str(model_dir), "--input", str(inp), "--output", str(out), "--resume",
               "--device", "cpu"], capsys)
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8").splitlines() == lines
    assert not Path(str(out) + ".partial").exists()


@pytest.mark.parametrize("payload,expect_ok,expect_errors", [
    (b'{"id": "e", "text": ""}\n', 0, 1),                          # empty text
    (b'{"id": "w", "text": "   \\n\\t "}\n', 0, 1),               # whitespace only
    (b'{"id": "n", "text": "No Arabic at all, 12345."}\n', 1, 0),   # no Arabic: processed
    (b'\xff\xfe\x00garbage\n{"id": "ok", "text": "\xd9\x86\xd8\xb5"}\n', 1, 1),  # invalid UTF-8 + good line
    (bytes(range(256)) * 4, 0, 5),                                  # binary garbage: 5 lines, 5 errors
    (b'{"id": "x"}\n{"text": "\xd9\x86\xd8\xb5"}\n{"id": 3, "text": "a"}\n', 0, 3),  # missing/mistyped fields
])
def test_predict_bad_input(tmp_path, model_dir, payload, expect_ok, expect_errors, capsys):
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(payload)
    out = tmp_path / "out.jsonl"
    r = _main(["predict", "--model", str(model_dir), "--input", str(inp), "--output", str(out), "--device", "cpu"],
              capsys)
    n_out = len(out.read_text(encoding="utf-8").splitlines()) if out.exists() else 0
    n_err = (len(Path(str(out) + ".errors.jsonl").read_text(encoding="utf-8").splitlines())
             if Path(str(out) + ".errors.jsonl").exists() else 0)
    assert (n_out, n_err) == (expect_ok, expect_errors), r.stderr
    assert r.returncode == (0 if expect_ok else 2)
    if expect_errors:
        err = json.loads(Path(str(out) + ".errors.jsonl").read_text(encoding="utf-8").splitlines()[0])
        assert err["file"] == str(inp) and err["line"] >= 1 and err["field"]


def test_predict_long_article_not_truncated(model_dir):
    from arcrime.inference import load

    p = load(model_dir, device="cpu")
    ref = "الفصل 538 من القانون الجنائي"
    text = ("وقالت مصادر مطلعة إن التحقيق مستمر. " * 6000) + "وتوبع طبقا ل" + ref + "."  # ~220 kB
    out = p.predict_text(text)
    assert set(out.scores) == {"extortion", "defamation", "impersonation"}
    doc = p.encoder.encode(text)
    assert doc.windows[-1][1] == doc.n_tokens and len(doc.windows) > 100
    for r in out.legal_refs:
        assert text[r["start"]:r["end"]] == r["text"]


def test_cli_errors_are_clear(tmp_path, model_dir, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  epochs: many\n  lr: 3\n", encoding="utf-8")
    r = _main(["train", "--config", str(bad)], capsys)
    assert r.returncode == 2
    assert "train.epochs: expected float" in r.stderr and "train.lr: unknown key" in r.stderr and "learning_rate" in r.stderr
    data = tmp_path / "x.jsonl"
    data.write_text('{"id": "a", "text": "نص", "labels": []}\n', encoding="utf-8")
    r = _main(["evaluate", "--model", str(tmp_path / "nope"), "--data", str(data), "--out", str(tmp_path / "ev")],
              capsys)
    assert r.returncode == 2 and "model folder not found" in r.stderr
    r = _main(["evaluate", "--model", str(model_dir), "--data", str(tmp_path / "missing.jsonl")], capsys)
    assert r.returncode == 2 and "missing.jsonl: no such file" in r.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "arcrime"}', encoding="utf-8")
    r = _main(["predict", "--model", str(broken), "نص"], capsys)
    assert r.returncode == 2 and "missing model.safetensors" in r.stderr
    old = tmp_path / "old"
    old.mkdir()
    (old / "arcrime_model.json").write_text("{}", encoding="utf-8")  # a pre-0.2 folder, incomplete
    r = _main(["predict", "--model", str(old), "نص"], capsys)
    assert r.returncode == 2 and "missing heads.safetensors" in r.stderr
    v = tmp_path / "v.jsonl"
    v.write_text('{"id": "a", "text": "نص", "labels": ["theft"]}\n', encoding="utf-8")
    r = _main(["data", "validate", str(v)], capsys)
    assert r.returncode == 1 and f"{v}:1: labels: unknown label(s) ['theft']" in r.stdout


def test_library_api_rejects_bad_text_clearly(model_dir):
    from arcrime.corpus import DataError
    from arcrime.inference import load

    p = load(model_dir, device="cpu")
    for bad, needle in [("", "empty"), ("  \n", "empty"), ("\x00\x01\x02", "binary"), (None, "missing")]:
        with pytest.raises(DataError) as e:
            list(p.predict_records([{"id": "x1", "text": bad}]))
        assert "'x1'" in str(e.value) and "field text" in str(e.value) and needle in str(e.value)
    assert p.predict_text("No Arabic here at all.").labels is not None


def test_train_and_evaluate_keep_going_over_bad_records(tmp_path, tiny_split, tiny_tokenizer, model_dir, capsys):
    from arcrime.training import train

    bad_train = tmp_path / "train_bad.jsonl"
    bad_train.write_bytes(tiny_split["train"].read_bytes() + b'{"id": "zz", "text": "x", "labels": ["theft"]}\n{oops\n')
    split = dict(tiny_split, train=bad_train)
    res = train(tiny_config(tmp_path, split, name="badtrain", tokenizer=tiny_tokenizer, epochs=1.0))
    assert res["test"]["n_docs"] == 6
    err = capsys.readouterr().err
    assert "train_bad.jsonl: 2 problem(s)" in err and ":25: labels" in err and ":26: <json>" in err
    listed = (tmp_path / "experiments" / "badtrain" / "errors_train.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["line"] for x in listed] == [25, 26]
    from arcrime.corpus import DataError

    with pytest.raises(DataError):
        train(tiny_config(tmp_path, split, name="strict", tokenizer=tiny_tokenizer, epochs=1.0), strict=True)
    bad_test = tmp_path / "test_bad.jsonl"
    bad_test.write_bytes(tiny_split["test"].read_bytes() + b'\xff\xfe\n{"id": "q", "labels": []}\n')
    r = _main(["evaluate", "--model", str(model_dir), "--data", str(bad_test), "--out", str(tmp_path / "ev"),
               "--device", "cpu"], capsys)
    assert r.returncode == 0
    errs = (tmp_path / "ev" / "errors_test_bad.jsonl").read_text(encoding="utf-8").splitlines()
    m = json.loads((tmp_path / "ev" / "metrics_test_bad.json").read_text())
    assert len(errs) == 2 and m["n_docs"] == 6 and m["invalid_records"] == 2  # 8 lines = 6 scored + 2 reported


def test_five_megabyte_article(model_dir):
    """A 5 MB article goes through normalization, windowing, the model and the legal finder."""
    from arcrime import legal
    from arcrime.inference import load

    unit = "وتابعت النيابة العامة المتهم طبقا للفصل 538 من القانون الجنائي بعد شكاية الضحية. "
    text = unit * (5_000_000 // len(unit.encode("utf-8")) + 1)
    assert len(text.encode("utf-8")) >= 5_000_000
    refs = legal.extract(text)
    assert len(refs) == text.count("للفصل 538") and all(text[r.start:r.end] == r.text for r in refs[:50])
    p = load(model_dir, device="cpu", batch_size=256)
    out = p.predict_text(text)
    assert set(out.scores) == {"extortion", "defamation", "impersonation"}


def test_resume_skips_a_checkpoint_cut_short(tmp_path):
    """A process killed while Trainer was saving leaves a checkpoint folder without trainer_state.json
    (written last); resume must take the newest complete one."""
    from arcrime.fileio import last_complete_checkpoint

    assert last_complete_checkpoint(tmp_path / "none") is None
    for step, complete in ((3, True), (6, True), (9, False)):
        d = tmp_path / f"checkpoint-{step}"
        d.mkdir()
        if complete:
            (d / "trainer_state.json").write_text("{}", encoding="utf-8")
    assert last_complete_checkpoint(tmp_path) == str(tmp_path / "checkpoint-6")
