"""The real-press layer: annotation records by reference, hydration and its error paths.

Every test here writes its own tiny corpus (invented sentences); only the last one reads the public
corpora, and only when they are on this machine.
"""

import json
import lzma
import os
from pathlib import Path

import pytest

from arcrime.cli import main
from arcrime.config import Config
from arcrime.corpus import load_records, read_corpus
from arcrime.real import CORPUS_ENV, hydrate, iter_corpus, read_annotations, text_sha256

HEADER = "file\tline\tid\tsource\tcategory\tdate\turl\tchars\n"
A1 = "القبض على شاب هدد فتاة بنشر صورها ما لم تدفع مبلغا ماليا وفق نظام مكافحة الجرائم المعلوماتية"
A2 = "افتتاح معرض للكتاب في المدينة بمشاركة دور نشر عربية"
A3 = "محكمة تدين مدونا بتهمة القذف في حق رئيس بلدية"
A4 = "الشرطة تحذر من رسائل احتيالية تطلب بيانات بطاقات الدفع"
A5 = "نقاش في البرلمان حول تعديل قانون الصحافة والنشر"


def _write_corpus(root: Path, name: str, rows: list[tuple[str, int, str]]) -> None:
    d = root / name
    d.mkdir(parents=True)
    with lzma.open(d / "articles.txt.xz", "wt", encoding="utf-8") as f:
        for _, _, text in rows:
            f.write(text + "\n")
    with lzma.open(d / "metadata.tsv.xz", "wt", encoding="utf-8") as f:
        f.write(HEADER)
        for k, (file, line, text) in enumerate(rows):
            f.write(f"{file}\t{line}\tid-{k}\t{file[:-4]}\t\t2015-07-2{k}\thttp://example.org/{k}\t{len(text)}\n")


def _rec(rid, corpus, file, line, article, labels, split, refs=(), **extra):
    rec = {"id": rid, "source": {"corpus": corpus, "file": file, "line": line}, "sha256": text_sha256(article),
           "labels": labels, "legal_refs": list(refs), "meta": {"split": split, "story": rid, "annotator": "T"}}
    rec.update(extra)
    return rec


@pytest.fixture()
def tiny(tmp_path):
    corpora = tmp_path / "corpora"
    _write_corpus(corpora, "SaudiNewsNet", [("okaz.txt", 1, A1), ("okaz.txt", 2, A2), ("okaz.txt", 3, A4),
                                            ("okaz.txt", 4, A5)])
    _write_corpus(corpora, "antcorpus.data", [("JawharaFM.txt", 1, A3)])
    start = A1.index("نظام مكافحة")
    ref = {"start": start, "end": len(A1), "kind": "law", "instrument": None, "articles": []}
    real = tmp_path / "real"
    real.mkdir()
    good = [_rec("r1", "SaudiNewsNet", "okaz.txt", 1, A1, ["extortion"], "train", [ref]),
            _rec("r2", "SaudiNewsNet", "okaz.txt", 2, A2, [], "dev"),
            _rec("r3", "antcorpus.data", "JawharaFM.txt", 1, A3, ["defamation"], "test")]
    (real / "a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in good), encoding="utf-8")
    return corpora, real, ref


def test_iter_corpus_reads_text_and_metadata(tiny):
    corpora, _, _ = tiny
    arts = list(iter_corpus(corpora / "SaudiNewsNet"))
    assert [a.text for a in arts] == [A1, A2, A4, A5]
    assert (arts[1].file, arts[1].line, arts[1].row, arts[1].corpus_id) == ("okaz.txt", 2, 2, "id-1")


def test_hydrate_writes_corpus_files_that_every_command_reads(tiny, tmp_path):
    corpora, real, ref = tiny
    out = tmp_path / "hyd"
    res = hydrate(real, corpora, out)
    assert res["errors"] == [] and res["written"] == {"train": 1, "dev": 1, "test": 1, "legal": 0}
    recs, errs = read_corpus(out / "real_train.jsonl")
    assert errs == [] and recs[0]["text"] == A1 and recs[0]["meta"]["real"] is True
    assert recs[0]["meta"]["source"]["url"] == "http://example.org/0"  # from the user's metadata
    span = recs[0]["legal_refs"][0]
    assert span["text"] == A1[ref["start"]:ref["end"]] == "نظام مكافحة الجرائم المعلوماتية"
    # a config names several train files: written + real
    cfg = Config.from_dict({"data": {"train": [str(out / "real_dev.jsonl")], "real": str(out), "select_on": "real"}})
    assert cfg.data.train_files() == [str(out / "real_dev.jsonl"), str(out / "real_train.jsonl")]
    assert cfg.data.dev_files() == [str(out / "real_dev.jsonl")]
    assert set(cfg.data.eval_files()) >= {"real_dev", "real_test"}
    assert len(load_records(cfg.data.train_files())) == 2


def test_real_layer_missing_says_so(tmp_path):
    cfg = Config.from_dict({"data": {"real": str(tmp_path / "nowhere")}})
    assert cfg.data.real_files() is None
    assert cfg.data.train_files() == ["data/train.jsonl"]
    assert "not found" in cfg.data.real_status() and "arcrime data hydrate" in cfg.data.real_status()


def test_every_error_is_reported_per_record_and_the_rest_hydrates(tiny, tmp_path):
    corpora, real, ref = tiny
    bad = [
        _rec("m1", "SaudiNewsNet", "okaz.txt", 3, A4 + " تغيير", [], "train"),  # changed text
        _rec("m2", "SaudiNewsNet", "okaz.txt", 9, A1, [], "train"),  # no such line
        _rec("m3", "antcorpus.multisource.data", "BBC.txt", 1, A1, [], "train"),  # corpus folder absent
        _rec("m4", "SaudiNewsNet", "okaz.txt", 4, A5, [], "train",
             [{"start": 0, "end": 999, "kind": "law", "instrument": None, "articles": []}]),  # span past the end
        _rec("m5", "antcorpus.data", "JawharaFM.txt", 2, A2, [], "train", text=A2),  # carries text
        _rec("r1", "SaudiNewsNet", "okaz.txt", 1, A1, [], "train"),  # duplicate id
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in bad] + ["{not json"]
    (real / "b.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "hyd"
    res = hydrate(real, corpora, out)
    got = {(Path(e.file).name, e.line): (e.field, e.message) for e in res["errors"]}
    assert got[("b.jsonl", 1)][0] == "sha256" and "sha256 mismatch for SaudiNewsNet okaz.txt line 3" in got[("b.jsonl", 1)][1]
    assert "no article at okaz.txt line 9" in got[("b.jsonl", 2)][1]
    assert "corpus folder" in got[("b.jsonl", 3)][1] and "not found" in got[("b.jsonl", 3)][1]
    assert got[("b.jsonl", 4)][0] == "legal_refs[0]"
    assert got[("b.jsonl", 5)][0] == "text"
    assert got[("b.jsonl", 6)][0] == "id" and "duplicate" in got[("b.jsonl", 6)][1]
    assert got[("b.jsonl", 7)][0] == "<json>"
    assert res["written"] == {"train": 1, "dev": 1, "test": 1, "legal": 0}  # the good records of a.jsonl still hydrate
    logged = [json.loads(x) for x in (out / "hydrate_errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(logged) == len(res["errors"]) == 7


def test_cli_hydrate_uses_env_and_exit_codes(tiny, tmp_path, monkeypatch, capsys):
    corpora, real, _ = tiny
    monkeypatch.delenv(CORPUS_ENV, raising=False)
    assert main(["data", "hydrate", "--real", str(real), "--out", str(tmp_path / "o")]) == 2
    assert CORPUS_ENV in capsys.readouterr().err
    monkeypatch.setenv(CORPUS_ENV, str(corpora))
    assert main(["data", "hydrate", "--real", str(real), "--out", str(tmp_path / "o")]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["written"] == {"train": 1, "dev": 1, "test": 1, "legal": 0}
    assert main(["data", "hydrate", "--real", str(real), "--corpus", str(tmp_path / "none"),
                 "--out", str(tmp_path / "o")]) != 0


def test_stats_prints_real_layer_beside_written(tiny, tmp_path, capsys):
    corpora, real, _ = tiny
    hydrate(real, corpora, tmp_path / "h")
    written_test = Path(__file__).resolve().parents[1] / "data" / "test.jsonl"
    assert main(["data", "stats", str(written_test), str(tmp_path / "h" / "real_test.jsonl"),
                 str(tmp_path / "h" / "real_train.jsonl")]) == 0
    out = capsys.readouterr().out
    head = out.splitlines()[0].split()
    assert head == ["written", "real"] and "== real ==" in out


def _shared_corpus() -> Path | None:
    env = os.environ.get(CORPUS_ENV)
    cand = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "unlabeled"
    return cand if (cand / "SaudiNewsNet").is_dir() else None


@pytest.mark.skipif(_shared_corpus() is None, reason=f"public corpora not on this machine (set {CORPUS_ENV})")
def test_real_layer_hydrates_from_the_shared_corpora(tmp_path):
    real = Path(__file__).resolve().parents[1] / "data" / "real"
    recs, errs = read_annotations(sorted(real.glob("*.jsonl")))
    assert errs == []
    res = hydrate(real, _shared_corpus(), tmp_path)
    assert res["errors"] == []
    assert sum(res["written"].values()) == len(recs)


def test_annotation_schema_errors_name_file_line_field(tiny, tmp_path):
    corpora, real, _ = tiny
    bad_kind = _rec("k1", "SaudiNewsNet", "okaz.txt", 2, A2, [], "train",
                    [{"start": 0, "end": 4, "kind": "statute", "instrument": None, "articles": []}])
    no_kind = _rec("k2", "antcorpus.data", "JawharaFM.txt", 1, A3, [], "train",
                   [{"start": 0, "end": 4, "instrument": None, "articles": "12"}])
    same_pos = _rec("k3", "SaudiNewsNet", "okaz.txt", 1, A1, [], "dev")  # r1's article again
    bool_line = _rec("k4", "SaudiNewsNet", "okaz.txt", True, A1, [], "dev")
    (real / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False)
                                            for r in (bad_kind, no_kind, same_pos, bool_line)) + "\n", encoding="utf-8")
    res = hydrate(real, corpora, tmp_path / "h")
    got = {(Path(e.file).name, e.line, e.field) for e in res["errors"]}
    assert ("c.jsonl", 1, "legal_refs[0].kind") in got
    assert ("c.jsonl", 2, "legal_refs[0].kind") in got and ("c.jsonl", 2, "legal_refs[0].articles") in got
    assert ("c.jsonl", 3, "source") in got and any("same article as 'r1'" in e.message for e in res["errors"])
    assert ("c.jsonl", 4, "source.line") in got
    assert res["written"] == {"train": 1, "dev": 1, "test": 1, "legal": 0}
    assert (tmp_path / "h" / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")


def test_damaged_or_missing_metadata_is_reported_per_record(tiny, tmp_path):
    corpora, real, _ = tiny
    (corpora / "antcorpus.data" / "metadata.tsv.xz").unlink()
    res = hydrate(real, corpora, tmp_path / "h1")
    msgs = [e.message for e in res["errors"]]
    assert len(msgs) == 1 and "metadata.tsv.xz" in msgs[0] and res["written"]["test"] == 0
    with lzma.open(corpora / "SaudiNewsNet" / "metadata.tsv.xz", "wt", encoding="utf-8") as f:
        f.write(HEADER + "okaz.txt\tnot-a-number\n" + "".join(f"okaz.txt\t{k}\tid\tokaz\t\td\tu\t1\n" for k in (2, 3, 4)))
    res = hydrate(real, corpora, tmp_path / "h2")
    assert {e.field for e in res["errors"]} == {"source"} and len(res["errors"]) == 3
    assert any("row 2" in e.message and "damaged" in e.message for e in res["errors"])


def test_real_outputs_carry_no_article_text(tiny, tmp_path):
    """Scoring hydrated real press writes predictions without span text and error analysis without snippets."""
    from arcrime.training import train_baseline

    corpora, real, _ = tiny
    hyd = tmp_path / "h"
    hydrate(real, corpora, hyd)
    cfg = Config.from_dict({
        "data": {"train": str(hyd / "real_train.jsonl"), "dev": str(hyd / "real_dev.jsonl"),
                 "test": str(hyd / "real_test.jsonl"), "real": str(hyd)},
        "baseline": {"kind": "keywords"},
        "run": {"name": "kw", "experiments_dir": str(tmp_path / "exp"), "models_dir": str(tmp_path / "models")}})
    train_baseline(cfg)
    run = tmp_path / "exp" / "kw"
    dumped = "".join(p.read_text(encoding="utf-8") for p in run.glob("*_real_*"))
    assert (run / "predictions_real_test.jsonl").is_file() and (run / "errors_real_test.md").is_file()
    for art in (A1, A2, A3):
        for k in range(0, len(art) - 20, 10):
            assert art[k:k + 20] not in dumped
    assert "نظام مكافحة الجرائم المعلوماتية" not in dumped
    assert json.loads((run / "metrics_real_test.json").read_text(encoding="utf-8"))["by_reference"] is True


def test_committed_annotations_validate():
    """data/real/*.jsonl are valid annotation records with no text, whether or not the corpora are here."""
    real = Path(__file__).resolve().parents[1] / "data" / "real"
    recs, errs = read_annotations(sorted(real.glob("*.jsonl")))
    assert errs == [] and len(recs) >= 1500
    assert all("text" not in r and all("text" not in x for x in r["legal_refs"]) for _, _, r in recs)
    assert all("url" not in r["source"] for _, _, r in recs)  # addresses carry headlines: joined at hydration
    splits = {r["meta"]["split"] for _, _, r in recs}
    assert splits == {"train", "dev", "test", "legal"}
    # the legal split is annotated for legal references only: no crime labels, marked as such
    assert all(r["labels"] == [] and r["meta"]["scope"] == "legal_refs" for _, _, r in recs if r["meta"]["split"] == "legal")
    stories = {}
    for _, _, r in recs:
        assert stories.setdefault(r["meta"]["story"], r["meta"]["split"]) == r["meta"]["split"]


def test_silver_labels_articles_outside_the_layer_and_keeps_held_out_reprints_out(tmp_path):
    from arcrime.silver import build_silver

    corpora = tmp_path / "corpora"
    held = "محكمة تدين مدونا بتهمة القذف في حق رئيس بلدية بعد شكوى قدمها"
    reprint = held + " أمس"  # a reprint of a held-out (test) story: must not become a silver article
    extortion = "شاب يبتز موظفا ويهدده بنشر صور خاصة ما لم يدفع مبلغا"
    negs = [f"افتتاح معرض رقم {k} للكتاب في المدينة بمشاركة دور نشر" for k in range(6)]
    rows = [("okaz.txt", 1, held), ("okaz.txt", 2, reprint), ("okaz.txt", 3, extortion), ("okaz.txt", 4, A1)]
    rows += [("okaz.txt", 5 + k, t) for k, t in enumerate(negs)]
    _write_corpus(corpora, "SaudiNewsNet", rows)
    real = tmp_path / "real"
    real.mkdir()
    ann = [_rec("t1", "SaudiNewsNet", "okaz.txt", 1, held, ["defamation"], "test"),
           _rec("tr1", "SaudiNewsNet", "okaz.txt", 4, A1, ["extortion"], "train")]
    (real / "a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ann), encoding="utf-8")
    out = tmp_path / "silver.jsonl"
    res = build_silver(real, corpora, out, negatives=3, seed=5)
    recs = load_records(out)
    texts = [r["text"] for r in recs]
    assert held not in texts and A1 not in texts  # annotated articles (any split) stay out
    assert reprint not in texts and res["removed_near_held_out"] == 1
    assert [r["labels"] for r in recs if r["text"] == extortion] == [["extortion"]]
    assert sum(not r["labels"] for r in recs) == 3 == res["negatives_drawn"]
    assert res["written"] == len(recs) == 4 and all(r["meta"]["silver"] for r in recs)
    assert build_silver(real, corpora, tmp_path / "again.jsonl", negatives=3, seed=5) == res | {
        "out": str(tmp_path / "again.jsonl")}  # seeded
    assert (tmp_path / "again.jsonl").read_bytes() == out.read_bytes()


def test_cli_silver_rejects_bad_options_and_missing_corpora(tiny, tmp_path, caplog):
    corpora, real, _ = tiny
    out = tmp_path / "s.jsonl"
    assert main(["data", "silver", "--corpus", str(corpora), "--real", str(real), "--out", str(out),
                 "--negatives", "-3"]) == 2
    assert "--negatives must be >= 0" in caplog.text and not out.exists()
    assert main(["data", "silver", "--corpus", str(tmp_path / "none"), "--real", str(real), "--out", str(out)]) == 2
    assert main(["data", "silver", "--corpus", str(corpora), "--real", str(real), "--out", str(out)]) == 0
    assert out.exists()


def test_domain_corpus_selects_crime_news_outside_the_layer_and_adds_written_train(tmp_path):
    from arcrime.domain import build_domain_corpus, domain_reasons

    corpora = tmp_path / "corpora"
    held = "محكمة الاستئناف تؤجل محاكمة متهم في قضية سرقة سيارات فاخرة بعد شكوى"
    reprint = held + " أمس"  # a reprint of a held-out (test) story: must not reach pretraining
    court = "النيابة العامة توجه تهمة النصب والاحتيال إلى موقوف في قضية عقارات"  # terms only
    law = "صدر القانون رقم 09-08 المتعلق بحماية الأشخاص الذاتيين تجاه معالجة المعطيات"  # a legal reference
    sport = "المنتخب يفوز في مباراة ودية استعدادا للبطولة القارية المقبلة"
    rows = [("okaz.txt", 1, held), ("okaz.txt", 2, reprint), ("okaz.txt", 3, court), ("okaz.txt", 4, law),
            ("okaz.txt", 5, sport), ("okaz.txt", 6, A1)]
    _write_corpus(corpora, "SaudiNewsNet", rows)
    real = tmp_path / "real"
    real.mkdir()
    ann = [_rec("t1", "SaudiNewsNet", "okaz.txt", 1, held, [], "test"),
           _rec("tr1", "SaudiNewsNet", "okaz.txt", 6, A1, ["extortion"], "train")]
    (real / "a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ann), encoding="utf-8")
    written = tmp_path / "train.jsonl"
    written.write_text(json.dumps({"id": "w1", "text": "نص مكتوب\nعلى سطرين عن ابتزاز", "labels": ["extortion"],
                                   "legal_refs": []}, ensure_ascii=False) + "\n", encoding="utf-8")
    assert domain_reasons(sport) == [] and domain_reasons(court) == ["terms"] and "legal" in domain_reasons(law)
    out = tmp_path / "domain.txt"
    res = build_domain_corpus(real, corpora, out, written=[written], seed=3)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == sorted([court, law, "نص مكتوب على سطرين عن ابتزاز"])  # one article per line
    assert res["removed_near_held_out"] == 1 and res["articles_outside_layer"] == 4 and res["written"] == 3
    assert build_domain_corpus(real, corpora, tmp_path / "b.txt", written=[written], seed=3)["written"] == 3
    assert (tmp_path / "b.txt").read_bytes() == out.read_bytes()  # seeded
    with pytest.raises(FileNotFoundError, match="no such written-corpus file"):
        build_domain_corpus(real, corpora, out, written=[tmp_path / "none.jsonl"])
    assert main(["data", "domain", "--corpus", str(corpora), "--real", str(real), "--out", str(tmp_path / "c.txt"),
                 "--written", str(written), "--min-terms", "0"]) == 2


def test_legal_split_hydrates_apart_and_carries_no_labels(tiny, tmp_path):
    corpora, real, ref = tiny
    # the legal-reference development set: its own file, never a training file
    (real / "legal.jsonl").write_text(json.dumps(_rec("l1", "SaudiNewsNet", "okaz.txt", 3, A4, [], "legal"),
                                                 ensure_ascii=False) + "\n", encoding="utf-8")
    res = hydrate(real, corpora, tmp_path / "hyd")
    assert res["errors"] == [] and res["written"] == {"train": 1, "dev": 1, "test": 1, "legal": 1}
    recs, errs = read_corpus(tmp_path / "hyd" / "real_legal.jsonl")
    assert errs == [] and [r["id"] for r in recs] == ["l1"] and recs[0]["text"] == A4
    cfg = Config.from_dict({"data": {"real": str(tmp_path / "hyd")}})
    assert not any("real_legal" in str(f) for f in cfg.data.train_files())
    # crime labels on a legal-split record are refused, naming the file, line and field
    (real / "legal.jsonl").write_text(json.dumps(_rec("l1", "SaudiNewsNet", "okaz.txt", 3, A4, ["extortion"], "legal"),
                                                 ensure_ascii=False) + "\n", encoding="utf-8")
    res = hydrate(real, corpora, tmp_path / "hyd2")
    assert res["written"]["legal"] == 0
    [e] = res["errors"]
    assert e.field == "labels" and e.file.endswith("legal.jsonl") and e.line == 1 and "must be []" in e.message
