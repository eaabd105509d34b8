"""The analyst's page in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver`` packages) driven by Selenium; nothing is downloaded at run time.

Paste the example article, wait for the result, check the labels against the API, the highlighted
references against the rule finder, a hover card against the gazetteer, the evidence and an error
message; then drop files and use the batch table (sort, CSV download). The model is the tiny one of
``test_serve.py``, or the folder named by ``ARCRIME_SERVE_MODEL``; with ``ARCRIME_SERVE_SCREENSHOT=PATH``
the screenshot (always written under tmp_path) is also copied to PATH — the README's ``docs/serve.png``
comes from ``ARCRIME_SERVE_MODEL=models/serve-demo ARCRIME_SERVE_SCREENSHOT=docs/serve.png``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver)", allow_module_level=True)
selenium = pytest.importorskip("selenium")
pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from arcrime import legal  # noqa: E402
from arcrime.inference import load  # noqa: E402
from arcrime.serve.app import create_app  # noqa: E402
from conftest import ROOT  # noqa: E402
from test_serve import _free_port, model_dir  # noqa: E402,F401  (the tiny model fixture)

EXAMPLE = (ROOT / "examples" / "article_fes.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server(request):
    path = os.environ.get("ARCRIME_SERVE_MODEL")
    folder = Path(path) if path else request.getfixturevalue("model_dir")
    app = create_app(load(folder, device="cpu"), model_name=folder.resolve().name)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 60
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(30)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chromium")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={tmp / 'profile'}", "--window-size=1280,2000",
                "--lang=ar", "--force-device-scale-factor=1"):
        opts.add_argument(arg)
    downloads = tmp / "downloads"
    downloads.mkdir()
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.downloads = downloads
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _api(server: str, path: str, body: dict) -> dict:
    req = urllib.request.Request(server + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def _wait(driver, seconds: float = 60) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def test_paste_an_article(server, browser, tmp_path):
    d = browser
    d.get(server + "/")
    _wait(d).until(lambda drv: drv.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"

    # an empty article: a message a person understands, and no request result
    d.find_element(By.ID, "analyze").click()
    assert "المقال فارغ" in d.find_element(By.ID, "errors").text

    # paste the example (as a paste does: the whole text at once) and analyse it
    area = d.find_element(By.ID, "article")
    d.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))", area, EXAMPLE)
    d.find_element(By.ID, "analyze").click()
    _wait(d, 120).until(lambda drv: drv.find_element(By.ID, "result").get_attribute("data-state") == "ready")
    assert d.find_element(By.ID, "errors").text == ""

    # labels: the page shows what the API predicts, with the score against the tuned threshold
    api = _api(server, "/v1/predict", {"text": EXAMPLE, "evidence": True})
    shown = [e.get_attribute("data-label") for e in d.find_elements(By.CSS_SELECTOR, "#labels .label.predicted")]
    assert shown == [lab for lab in ["extortion", "defamation", "impersonation"] if lab in api["labels"]]
    assert len(d.find_elements(By.CSS_SELECTOR, "#labels .label")) == 3
    health = json.loads(urllib.request.urlopen(server + "/v1/health", timeout=30).read())
    for lab in health["labels"]:
        verdict = d.find_element(By.CSS_SELECTOR, f'#labels .label[data-label="{lab}"] .verdict').text
        assert f"{api['scores'][lab]:.2f}" in verdict and f"{health['thresholds'][lab]:.2f}" in verdict
    if os.environ.get("ARCRIME_SERVE_MODEL"):  # a trained model: the example is extortion and impersonation
        assert {"extortion", "impersonation"} <= set(shown)

    # every legal reference highlighted, on exactly the characters the finder reports
    refs = legal.extract(EXAMPLE)
    marks = d.find_elements(By.CSS_SELECTOR, "#text mark.legal-ref")
    assert len({m.get_attribute("data-ref") for m in marks}) == len(refs) == 2
    assert [m.text for m in marks] == [r.text for r in refs]
    assert d.find_element(By.ID, "text").text.replace("\n", "") == EXAMPLE.replace("\n", "")

    # evidence: one list per predicted label, each item a sentence of the article whose removal lowers the score
    if api["labels"]:
        tabs = d.find_elements(By.CSS_SELECTOR, "#evidence .tabs button")
        assert [t.get_attribute("data-label") for t in tabs] == api["labels"]
        items = d.find_elements(By.CSS_SELECTOR, "#evidence .ev-list li")
        assert len(items) == len(api["evidence"]["labels"][api["labels"][0]])
        assert len(d.find_elements(By.CSS_SELECTOR, "#text .sent.evidence")) == len(items)
    assert "نحذف كل جملة على حدة" in d.find_element(By.ID, "method").text

    # hover the first reference: the card shows the instrument from the gazetteer
    inst = legal.load_gazetteer()[refs[0].instrument]
    ActionChains(d).move_to_element(marks[0]).perform()
    card = _wait(d, 10).until(EC.visibility_of_element_located((By.ID, "card")))
    _wait(d, 10).until(lambda drv: card.get_attribute("data-instrument") == inst.id)
    assert card.find_element(By.CSS_SELECTOR, ".title").text == inst.name_ar
    assert "المغرب (MA)" in card.text and "538، 447-2" in card.text
    assert card.find_element(By.CSS_SELECTOR, "a.source").get_attribute("href") == inst.source

    shot = tmp_path / "serve.png"
    d.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    target = os.environ.get("ARCRIME_SERVE_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)


def test_drop_files_sort_and_download(server, browser, tmp_path):
    d = browser
    d.get(server + "/")
    _wait(d).until(lambda drv: drv.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
    sheet = tmp_path / "articles.csv"
    with open(sheet, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerow(["fes", EXAMPLE])
        w.writerow(["short", "قررت المحكمة متابعة المتهم بتهمة القذف طبقا للمادة 303 من قانون العقوبات المصري."])
    txt = tmp_path / "one.txt"
    txt.write_text("أوقفت الشرطة شابا انتحل صفة ضابط وطالب تاجرا بمبلغ مالي.", encoding="utf-8")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("نص".encode("cp1256"))
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("title,body\nا,ب\n", encoding="utf-8")
    d.find_element(By.ID, "files").send_keys("\n".join(str(p) for p in (sheet, txt, bad, nocol)))
    _wait(d, 120).until(lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "#batch-table tbody tr")) == 3
                        and drv.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "idle")
    errors = d.find_element(By.ID, "errors").text
    assert "latin1.txt ليس نصا بترميز UTF-8" in errors
    assert "nocol.csv لا يحوي عمودا باسم text" in errors and "'title', 'body'" in errors

    ids = [r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#batch-table tbody tr")]
    assert ids == ["fes", "short", "one.txt"]
    refs_col = d.find_element(By.CSS_SELECTOR, '#batch-head th[data-key="refs"]')
    refs_col.click()  # ascending, then descending
    refs_col = d.find_element(By.CSS_SELECTOR, '#batch-head th[data-key="refs"]')
    refs_col.click()
    assert d.find_element(By.CSS_SELECTOR, '#batch-head th[data-key="refs"]').get_attribute("aria-sort") == "descending"
    counts = [int(r.find_elements(By.TAG_NAME, "td")[-1].text)
              for r in d.find_elements(By.CSS_SELECTOR, "#batch-table tbody tr")]
    assert counts == sorted(counts, reverse=True) and counts[0] == 2

    d.find_element(By.ID, "dl-csv").click()
    out = d.downloads / "arcrime.csv"
    deadline = time.monotonic() + 20
    while not out.is_file() and time.monotonic() < deadline:
        time.sleep(0.2)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert sorted(r["id"] for r in rows) == ["fes", "one.txt", "short"]
    api = _api(server, "/v1/predict", {"id": "fes", "text": EXAMPLE})
    fes = next(r for r in rows if r["id"] == "fes")
    assert fes["labels"] == ";".join(api["labels"]) and fes["legal_refs"] == "2"
    assert abs(float(fes["score_extortion"]) - api["scores"]["extortion"]) < 1e-5

    # a row opens the article with its evidence
    d.find_element(By.CSS_SELECTOR, '#batch-table tbody tr[data-id="one.txt"]').click()
    _wait(d, 60).until(lambda drv: drv.find_element(By.ID, "result").get_attribute("data-id") == "one.txt")
