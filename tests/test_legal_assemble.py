"""scripts/legal_assemble.py --append: a later draw joins the committed legal split without renumbering it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from arcrime.real import text_sha256

ROOT = Path(__file__).resolve().parents[1]
TEXT = "أحالت النيابة المتهم على المحكمة بموجب الفصل 447-1 من القانون الجنائي بعد شكاية الضحية."


def _article(line: int, draw: int) -> dict:
    return {"key": f"SaudiNewsNet|okaz.txt|{line}",
            "source": {"corpus": "SaudiNewsNet", "file": "okaz.txt", "line": line},
            "sha256": text_sha256(TEXT), "cues": ["article_number"], "draw": draw, "text": TEXT}


def _layer_record(i: int, line: int, draw: int) -> dict:
    return {"id": f"real-legal-{i:04d}", "source": {"corpus": "SaudiNewsNet", "file": "okaz.txt", "line": line},
            "sha256": text_sha256(TEXT), "labels": [], "legal_refs": [],
            "meta": {"split": "legal", "story": f"legal-SaudiNewsNet-okaz.txt-{line}", "annotator": "L1",
                     "guidelines": "v3.1", "scope": "legal_refs", "selected_by": "cue:article_number", "draw": draw}}


def _setup(tmp_path: Path, new: list[dict]) -> tuple[Path, Path, Path]:
    work = tmp_path / "work"
    work.mkdir()
    s = TEXT.index("الفصل")
    e = TEXT.index("الجنائي") + len("الجنائي")
    (work / "batch_04.jsonl").write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in new), "utf-8")
    (work / "batch_04.ann.jsonl").write_text("".join(json.dumps(
        {"key": a["key"], "refs": [{"start": s, "end": e, "kind": "article", "instrument": "MA/penal-code",
                                    "articles": ["447-1"]}]}) + "\n" for a in new), "utf-8")
    out, adj = tmp_path / "legal.jsonl", tmp_path / "adj.jsonl"
    out.write_text("".join(json.dumps(_layer_record(i, line, 1)) + "\n" for i, line in ((1, 10), (2, 20))), "utf-8")
    adj.write_text(json.dumps({"id": "real-legal-0002", "start": 0, "end": 5, "kind": "law", "decision": "removed",
                               "rule": "bare_constitution", "annotator": "L1", "reason": "r"}) + "\n", "utf-8")
    return work, out, adj


def _run(work: Path, out: Path, adj: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts/legal_assemble.py"), "--work", str(work), "--out",
                           str(out), "--adjudication", str(adj), "--append"], capture_output=True, text=True, cwd=ROOT)


def test_append_keeps_the_split_and_numbers_the_new_draw_after_it(tmp_path):
    work, out, adj = _setup(tmp_path, [_article(40, 2), _article(30, 2)])
    before = out.read_text("utf-8")
    r = _run(work, out, adj)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert out.read_text("utf-8").startswith(before)  # the earlier records are kept byte for byte
    assert [x["id"] for x in rows] == ["real-legal-0001", "real-legal-0002", "real-legal-0003", "real-legal-0004"]
    assert [x["source"]["line"] for x in rows[2:]] == [30, 40]  # the new draw in corpus order
    assert rows[2]["meta"]["annotator"] == "L4" and rows[2]["meta"]["draw"] == 2
    assert rows[2]["legal_refs"] == [{"start": TEXT.index("الفصل"), "end": TEXT.index("الجنائي") + 7,
                                      "kind": "article", "instrument": "MA/penal-code", "articles": ["447-1"]}]
    assert "text" not in rows[2]
    assert len(adj.read_text("utf-8").splitlines()) == 1  # the earlier adjudication row is kept


def test_append_refuses_an_article_already_in_the_split_or_an_earlier_draw(tmp_path):
    work, out, adj = _setup(tmp_path, [_article(20, 2), _article(50, 1)])
    before = out.read_text("utf-8"), adj.read_text("utf-8")
    r = _run(work, out, adj)
    assert r.returncode != 0
    assert "SaudiNewsNet|okaz.txt|20 is already in" in r.stderr
    assert "SaudiNewsNet|okaz.txt|50 is of draw 1, not after the last draw" in r.stderr
    assert (out.read_text("utf-8"), adj.read_text("utf-8")) == before  # nothing written
