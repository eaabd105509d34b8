"""`arcrime serve`: every API route, every bad input and every limit, through FastAPI's test client
on a tiny model trained here; evidence checked against a predictor whose answer is known (the
keyword baseline); the micro-batcher on its own; the real server started by the CLI."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from arcrime import legal  # noqa: E402
from arcrime.baselines import KeywordBaseline  # noqa: E402
from arcrime.inference import load  # noqa: E402
from arcrime.serve.app import MAX_ARTICLE_CHARS, MAX_BATCH, MAX_BODY_BYTES, create_app  # noqa: E402
from arcrime.serve.batcher import MicroBatcher  # noqa: E402
from arcrime.serve.evidence import MIN_DROP, occlusion_units, split_sentences  # noqa: E402
from conftest import ROOT, tiny_config  # noqa: E402

EXAMPLE = (ROOT / "examples" / "article_fes.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, dev_records, tiny_tokenizer) -> Path:
    from arcrime.training import train
    from conftest import split_files

    tmp = tmp_path_factory.mktemp("serve")
    split = split_files(tmp, dev_records, 20, 5, 5)
    train(tiny_config(tmp, split, tokenizer=tiny_tokenizer, epochs=1.0))
    return tmp / "models" / "tiny"


@pytest.fixture(scope="module")
def client(model_dir):
    app = create_app(load(model_dir, device="cpu"), model_name="tiny")
    with TestClient(app) as c:
        yield c


def _detail(r) -> str:
    return r.json()["detail"]


def _same(a: dict, b: dict) -> bool:
    """Equal predictions; scores may differ in the last printed digit when articles share a padded batch."""
    return ({k: v for k, v in a.items() if k != "scores"} == {k: v for k, v in b.items() if k != "scores"}
            and a["scores"].keys() == b["scores"].keys()
            and all(abs(a["scores"][k] - b["scores"][k]) <= 2e-6 for k in a["scores"]))


# ---------------------------------------------------------------- health, page, docs


def test_health(client, model_dir):
    h = client.get("/v1/health").json()
    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    assert h["status"] == "ok" and h["model"] == "tiny"
    assert h["labels"] == labels == ["extortion", "defamation", "impersonation"]
    assert h["thresholds"] == {lab: cfg["thresholds"][lab] for lab in labels}
    assert h["limits"] == {"article_chars": MAX_ARTICLE_CHARS, "batch_articles": MAX_BATCH,
                           "body_bytes": MAX_BODY_BYTES, "file_types": [".txt", ".jsonl", ".csv"]}
    assert h["evidence"]["min_drop"] == MIN_DROP and "occlusion" in h["evidence"]["method"]


def _local_refs(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]*)"', html)


def test_page_is_local_rtl_and_locked_down(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="ar" dir="rtl">' in html
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["referrer-policy"] == "no-referrer"
    refs = _local_refs(html)
    assert "/static/app.js" in refs and "/static/style.css" in refs
    for ref in refs:  # no CDN: every asset from this server (or an inline data: URI)
        assert ref.startswith("/") or ref.startswith("data:"), ref
    for asset in ("/static/app.js", "/static/style.css"):
        a = client.get(asset)
        assert a.status_code == 200 and len(a.text) > 1000
        assert not re.search(r"https?://", a.text), f"{asset} refers to an outside URL"
    # the evidence method is stated on the page in one line
    assert "نحذف كل جملة على حدة" in html


def test_docs_work_offline(client):
    r = client.get("/docs")
    assert r.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", r.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert not re.search(r"https?://", r.text)
    for u in urls:
        if u.startswith("/docs-assets/"):
            assert client.get(u).status_code == 200, u
    assert len(client.get("/docs-assets/swagger-ui-bundle.js").content) > 100_000
    spec = client.get("/openapi.json").json()
    for path in ("/v1/predict", "/v1/predict/batch", "/v1/legal/find", "/v1/health", "/v1/files/parse"):
        assert path in spec["paths"], path
    assert str(MAX_BATCH) in spec["paths"]["/v1/predict/batch"]["post"]["description"]


# ---------------------------------------------------------------- predictions


def test_predict_is_the_cli_json(client, model_dir, capsys):
    from arcrime.cli import main

    assert main(["predict", "--model", str(model_dir), "--device", "cpu", EXAMPLE]) == 0
    cli = json.loads(capsys.readouterr().out)
    r = client.post("/v1/predict", json={"text": EXAMPLE})
    assert r.status_code == 200
    assert r.json() == cli
    assert "evidence" not in r.json()
    assert [(x["start"], x["end"]) for x in cli["legal_refs"]] == [(x.start, x.end) for x in legal.extract(EXAMPLE)]


def test_predict_id_and_verbose(client):
    r = client.post("/v1/predict", json={"id": "fes", "text": EXAMPLE, "verbose": True}).json()
    assert r["id"] == "fes"
    assert all("raw_number" in ref and "short_form" in ref for ref in r["legal_refs"])
    plain = client.post("/v1/predict", json={"text": EXAMPLE}).json()
    assert all("raw_number" not in ref for ref in plain["legal_refs"])


def test_predict_with_evidence(client):
    r = client.post("/v1/predict", json={"text": EXAMPLE, "evidence": True})
    assert r.status_code == 200
    res = r.json()
    ev = res["evidence"]
    units = occlusion_units(EXAMPLE)
    assert [(s["start"], s["end"]) for s in ev["sentences"]] == units and len(units) == 3
    assert set(ev["labels"]) == set(res["labels"])  # evidence for the predicted labels only
    for lab, items in ev["labels"].items():
        assert [e["contribution"] for e in items] == sorted((e["contribution"] for e in items), reverse=True)
        for e in items:
            assert e["contribution"] >= MIN_DROP
            assert EXAMPLE[e["start"]:e["end"]] == e["text"]
            assert e["contribution"] == pytest.approx(res["scores"][lab] - e["score_without"], abs=2e-6)
    # the scores without each sentence are those of the shortened article, scored on its own
    a, b = units[1]
    alone = client.post("/v1/predict", json={"text": EXAMPLE[:a] + EXAMPLE[b:]}).json()["scores"]
    for lab, d in ev["sentences"][1]["drop"].items():
        assert d == pytest.approx(res["scores"][lab] - alone[lab], abs=2e-6)
    # the prediction itself is unchanged by asking for evidence
    # (labels and references exactly; scores to 1e-5: with evidence the article shares its forward passes with its
    # shortened copies, and a batch of other shapes can move a score in the sixth decimal)
    plain = client.post("/v1/predict", json={"text": EXAMPLE}).json()
    assert {k: v for k, v in res.items() if k not in ("evidence", "scores")} == {k: v for k, v in plain.items() if k != "scores"}
    assert res["scores"] == pytest.approx(plain["scores"], abs=1e-5)


def test_batch(client):
    arts = [{"text": EXAMPLE}, {"id": "b", "text": "المادة 25 من القانون رقم 175 لسنة 2018 في مصر."}]
    r = client.post("/v1/predict/batch", json={"articles": arts})
    assert r.status_code == 200
    preds = r.json()["predictions"]
    assert [p["id"] for p in preds] == ["text-1", "b"]
    one = client.post("/v1/predict", json={"text": EXAMPLE}).json()
    assert _same(preds[0], one)
    with_ev = client.post("/v1/predict/batch", json={"articles": arts, "evidence": True}).json()["predictions"]
    assert all("evidence" in p for p in with_ev)
    assert with_ev[1]["evidence"]["note"]  # a one-sentence article: no occlusion possible
    full = client.post("/v1/predict/batch", json={"articles": [{"text": f"مقال {k}. ابتزاز"} for k in range(MAX_BATCH)]})
    assert full.status_code == 200 and len(full.json()["predictions"]) == MAX_BATCH


# ---------------------------------------------------------------- bad input and limits


@pytest.mark.parametrize("body, status, needle", [
    ({"text": ""}, 422, "empty"),
    ({"text": "   \n\t "}, 422, "empty"),
    ({"id": "x"}, 422, "text: missing"),
    ({"text": 42}, 422, "text: must be a string"),
    ({"text": "a\x00b\x01c"}, 422, "binary"),
    ({"text": "ا" * (MAX_ARTICLE_CHARS + 1)}, 422, f"{MAX_ARTICLE_CHARS + 1} characters; the limit is {MAX_ARTICLE_CHARS}"),
    ([1, 2], 422, "expected a JSON object"),
])
def test_predict_bad_input(client, body, status, needle):
    r = client.post("/v1/predict", json=body)
    assert r.status_code == status
    assert needle in _detail(r)
    assert "input" not in r.json()  # the text is not echoed back


def test_bad_input_in_arabic_for_the_page(client):
    r = client.post("/v1/predict", json={"text": " "})
    assert r.json()["detail_ar"].startswith("المقال فارغ")


def test_invalid_json(client):
    r = client.post("/v1/predict", content=b'{"text": "abc"', headers={"content-type": "application/json"})
    assert r.status_code == 422 and "not valid JSON" in _detail(r)


def test_batch_bad_input_and_limits(client):
    too_many = client.post("/v1/predict/batch", json={"articles": [{"text": "نص"}] * (MAX_BATCH + 1)})
    assert too_many.status_code == 422
    assert f"{MAX_BATCH + 1} articles; the limit is {MAX_BATCH}" in _detail(too_many)
    none = client.post("/v1/predict/batch", json={"articles": []})
    assert none.status_code == 422 and "at least one article" in _detail(none)
    dup = client.post("/v1/predict/batch", json={"articles": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]})
    assert dup.status_code == 422 and "share the id 'a'" in _detail(dup)
    empty = client.post("/v1/predict/batch", json={"articles": [{"text": "نص"}, {"text": ""}]})
    assert empty.status_code == 422 and "articles.1.text" in _detail(empty) and "empty" in _detail(empty)


def test_body_over_the_limit(client):
    big = json.dumps({"text": "ا" * 10}).encode() + b" " * MAX_BODY_BYTES
    r = client.post("/v1/predict", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "the limit per request" in _detail(r)

    def chunks():  # no Content-Length: the limit still holds
        for _ in range(MAX_BODY_BYTES // 500_000 + 2):
            yield b" " * 500_000

    r = client.post("/v1/predict", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert client.get("/v1/health").status_code == 200  # the server is fine afterwards


def test_legal_find(client):
    r = client.post("/v1/legal/find", json={"text": EXAMPLE})
    assert r.status_code == 200
    assert r.json()["legal_refs"] == [x.to_dict() for x in legal.extract(EXAMPLE)]
    eg = "المادة 25 من قانون العقوبات"
    assert client.post("/v1/legal/find", json={"text": eg, "country": "EG"}).json()["legal_refs"] == \
        [x.to_dict() for x in legal.extract(eg, country="EG")]
    bad = client.post("/v1/legal/find", json={"text": eg, "country": "egypt"})
    assert bad.status_code == 422 and "two-letter ISO code" in _detail(bad)
    assert client.post("/v1/legal/find", json={"text": ""}).status_code == 422


def test_instrument_card(client):
    iid = legal.extract(EXAMPLE)[0].instrument
    card = client.get(f"/v1/legal/instruments/{iid}").json()
    inst = legal.load_gazetteer()[iid]
    assert card["name_ar"] == inst.name_ar and card["country"] == inst.country and card["source"] == inst.source
    assert [a["article"] for a in card["articles"]] == list(inst.articles)
    r = client.get("/v1/legal/instruments/XX/no-such-law")
    assert r.status_code == 404 and "no instrument" in _detail(r)


# ---------------------------------------------------------------- files dropped on the page


def _parse(client, name: str, data: bytes):
    return client.post("/v1/files/parse", params={"name": name}, content=data,
                       headers={"content-type": "application/octet-stream"})


def test_files_txt_jsonl_csv(client):
    r = _parse(client, "article_fes.txt", EXAMPLE.encode("utf-8"))
    assert r.status_code == 200 and r.json()["articles"] == [{"id": "article_fes.txt", "text": EXAMPLE}]
    jl = "\n".join([json.dumps({"id": "a", "text": "نص أول"}, ensure_ascii=False), "{bad json",
                    json.dumps({"id": "c", "text": ""}), json.dumps({"text": "نص بلا معرّف"}, ensure_ascii=False)])
    r = _parse(client, "batch.jsonl", jl.encode("utf-8")).json()
    assert r["articles"] == [{"id": "a", "text": "نص أول"}, {"id": "batch.jsonl:4", "text": "نص بلا معرّف"}]
    assert [(p["line"], p["error"].split(" (")[0]) for p in r["problems"]] == [(2, "not valid JSON"), (3, "text is empty")]
    csv_text = 'id,title,Text\nx1,t,"سطر أول\nسطر ثان"\nx2,t,\n,t,ثالث\n'
    r = _parse(client, "sheet.csv", b"\xef\xbb\xbf" + csv_text.encode("utf-8")).json()  # with a BOM, as Excel writes
    assert r["articles"] == [{"id": "x1", "text": "سطر أول\nسطر ثان"}, {"id": "sheet.csv:5", "text": "ثالث"}]
    assert r["problems"] == [{"file": "sheet.csv", "line": 4, "error": "text is empty"}]


@pytest.mark.parametrize("name, data, status, needle", [
    ("a.txt", "نص".encode("cp1256"), 422, "is not UTF-8"),
    ("a.csv", "المعرف,العنوان\n1,2\n".encode("utf-8"), 422, "no text column (columns found: 'المعرف', 'العنوان')"),
    ("a.txt", b"", 422, "is empty"),
    ("a.txt", b"  \n ", 422, "is empty"),
    ("a.jsonl", b'{"id": 1}\n', 422, "holds no usable article"),
    ("a.pdf", b"%PDF-1.4", 415, "drop .txt, .jsonl or .csv"),
    ("big.txt", "ا".encode("utf-8") * (MAX_BODY_BYTES // 2 + 1), 413, "over"),
])
def test_file_errors(client, name, data, status, needle):
    r = _parse(client, name, data)
    assert r.status_code == status
    assert needle in _detail(r)
    assert r.json().get("detail_ar")


def test_file_over_limit_message_names_the_file():
    from arcrime.serve.files import FileProblem, parse_file

    with pytest.raises(FileProblem) as e:
        parse_file("big.csv", b"x" * 11, max_bytes=10, max_chars=100)
    assert e.value.status == 413 and "big.csv is 0.0 MB; the limit is 0.0 MB per file" in e.value.message
    recs, problems = parse_file("a.jsonl", b'{"text": "short"}\n{"text": "much too long"}\n', 100, max_chars=8)
    assert recs == [{"id": "a.jsonl:1", "text": "short"}] and "the limit is 8 per article" in problems[0]["error"]


# ---------------------------------------------------------------- evidence against a known answer


def test_evidence_points_at_the_sentence_that_decides():
    # the keyword baseline scores 1.0 exactly when a label keyword occurs: the answer is known
    pred = KeywordBaseline(["extortion", "defamation", "impersonation"], [])
    text = ("أوقفت الشرطة شخصا في الدار البيضاء. وكان يطالب الضحية بالمال في محاولة ابتزاز واضحة. "
            "وأنشأ حسابات وهمية باسم موظف عمومي. وستتم متابعته أمام المحكمة.")
    with TestClient(create_app(pred)) as c:
        res = c.post("/v1/predict", json={"text": text, "evidence": True}).json()
        assert res["labels"] == ["extortion", "impersonation"]
        ev = res["evidence"]["labels"]
        assert [e["text"] for e in ev["extortion"]] == ["وكان يطالب الضحية بالمال في محاولة ابتزاز واضحة."]
        assert ev["extortion"][0]["contribution"] == 1.0 and ev["extortion"][0]["flips"] is True
        assert [e["text"] for e in ev["impersonation"]] == ["وأنشأ حسابات وهمية باسم موظف عمومي."]
        # sentences whose removal changes nothing are not evidence
        assert all(s["drop"]["extortion"] == 0.0 for k, s in enumerate(res["evidence"]["sentences"]) if k != 1)
        # the keyword twice: removing either sentence leaves the score as it was, so neither is evidence
        twice = "طالبه بالمال في ابتزاز صريح. ثم كرر الابتزاز في رسالة أخرى. وانتهى الأمر بتوقيفه."
        res = c.post("/v1/predict", json={"text": twice, "evidence": True}).json()
        assert res["labels"] == ["extortion"] and res["evidence"]["labels"] == {"extortion": []}


def test_sentence_splitting():
    t = "قال المصدر: «انتهى الأمر.» ثم غادر! هل عاد؟ طبقا للقانون رقم 07.03 والفصل 447-1.\nسطر جديد بلا نقطة"
    assert [t[a:b] for a, b in split_sentences(t)] == [
        "قال المصدر: «انتهى الأمر.»", "ثم غادر!", "هل عاد؟", "طبقا للقانون رقم 07.03 والفصل 447-1.", "سطر جديد بلا نقطة"]
    one = "طالبه بالمال، وهدده بنشر الصور، ثم اختفى"
    assert [one[a:b] for a, b in occlusion_units(one)] == ["طالبه بالمال،", "وهدده بنشر الصور،", "ثم اختفى"]
    many = ". ".join(f"جملة {k}" for k in range(100)) + "."
    units = occlusion_units(many, max_units=10)
    assert len(units) == 10 and units[0][0] == 0 and units[-1][1] == len(many)
    assert all(a < b for (_, a), (b, _) in zip(units, units[1:]))


# ---------------------------------------------------------------- micro-batching


class _Echo:
    """A stand-in for a Prediction: the batcher hands ``to_dict()`` to the callers."""

    def __init__(self, d):
        self.d = d

    def to_dict(self):
        return self.d


class _Recording:
    """A predictor that records the size of each engine call and fails on a poisoned record."""

    def __init__(self, delay: float = 0.02):
        self.calls: list[int] = []
        self.delay = delay

    def predict_records(self, records):
        records = list(records)
        self.calls.append(len(records))
        time.sleep(self.delay)
        if any(r["text"] == "poison" for r in records):
            raise ValueError("poisoned")
        for r in records:
            yield _Echo({"id": r["id"], "echo": r["text"]})


def test_batcher_shares_calls_and_keeps_order():
    pred = _Recording()
    b = MicroBatcher(pred, max_records=64, max_wait=0.05)
    b.start()
    results: dict[int, list] = {}

    def client(k: int) -> None:
        recs = [{"id": f"{k}-{j}", "text": f"t{k}-{j}"} for j in range(3)]
        results[k] = b.submit(recs).result(timeout=10)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    b.close()
    assert len(results) == 20
    for k, out in results.items():  # nothing lost, nothing mixed up
        assert [o["echo"] for o in out] == [f"t{k}-{j}" for j in range(3)]
    assert sum(pred.calls) == 60 and len(pred.calls) < 20  # concurrent requests shared engine calls
    assert b.stats["requests"] == 20 and b.stats["records"] == 60


def test_batcher_isolates_a_failing_request():
    pred = _Recording(delay=0.05)
    b = MicroBatcher(pred, max_records=64, max_wait=0.2)
    b.start()
    good = b.submit([{"id": "a", "text": "fine"}])
    bad = b.submit([{"id": "b", "text": "poison"}])
    assert good.result(timeout=10) == [{"id": "a", "echo": "fine"}]
    with pytest.raises(ValueError, match="poisoned"):
        bad.result(timeout=10)
    b.close()
    with pytest.raises(RuntimeError, match="not running"):
        b.submit([{"id": "c", "text": "late"}])


def test_concurrent_requests_through_the_app(client):
    texts = [f"{EXAMPLE}\n\nملحق رقم {k}." for k in range(12)]
    expected = [client.post("/v1/predict", json={"text": t}).json() for t in texts]
    before = client.get("/v1/health").json()["batching"]
    out: dict[int, dict] = {}

    def go(k: int) -> None:
        out[k] = client.post("/v1/predict", json={"text": texts[k]}).json()

    threads = [threading.Thread(target=go, args=(k,)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = client.get("/v1/health").json()["batching"]
    assert all(_same(out[k], expected[k]) for k in range(12))  # same answers as one at a time, none lost
    assert after["requests"] - before["requests"] == 12
    assert after["engine_calls"] - before["engine_calls"] <= 12


# ---------------------------------------------------------------- the command


def _outside_address() -> str | None:
    """This machine's address on its default route (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") or ip == "0.0.0.0" else ip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_serve_runs_on_loopback(model_dir):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "arcrime.cli", "serve", "--model", str(model_dir), "--port",
                             str(port), "--device", "cpu"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=2) as r:
                    health = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.3)
        assert health and health["status"] == "ok" and health["model"] == "tiny"
        ip = _outside_address()
        if ip:  # bound to the loopback address only: this machine's other address refuses
            with socket.socket() as s, pytest.raises(ConnectionRefusedError):
                s.settimeout(5)
                s.connect((ip, port))
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in out


def test_cli_serve_missing_model(tmp_path, capsys):
    from arcrime.cli import main

    assert main(["serve", "--model", str(tmp_path / "nope")]) == 2
    assert "no such model folder" in capsys.readouterr().err
