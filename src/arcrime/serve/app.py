"""The FastAPI app: the analyst's page and the ``/v1`` REST API over one loaded model.

One app factory, :func:`create_app`, takes an already-loaded predictor (the model loads once) and
puts a :class:`~arcrime.serve.batcher.MicroBatcher` in front of it, so concurrent requests share
the engine's batches. Predictions are the same JSON objects as ``arcrime predict`` prints, plus
``evidence`` (:mod:`arcrime.serve.evidence`) when asked. Request bodies are capped before they are
parsed, bad input gets a 4xx whose ``detail`` says what to change (and ``detail_ar`` in Arabic
where the page shows it), and nothing a client sends is stored or logged.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, field_validator, model_validator

from .. import legal
from ..corpus import looks_binary
from ..prediction import Predictor as ModelPredictor
from ..tagging import TaggedPredictor
from .batcher import MicroBatcher
from .evidence import MAX_UNITS, METHOD, MIN_DROP, assemble, plan
from .files import EXTENSIONS, FileProblem, parse_file

MAX_ARTICLE_CHARS = 100_000  # characters per article
MAX_BATCH = 64  # articles per /v1/predict/batch request
MAX_BODY_BYTES = 4_000_000  # bytes per request body (and per uploaded file)
VERBOSE_KEYS = ("raw_number", "year", "short_form")  # dropped from legal_refs unless verbose, as in the CLI

STATIC = Path(__file__).parent / "static"
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


# ---------------------------------------------------------------- request and response models


class InputProblem(ValueError):
    """A bad value; ``ar`` is the same message in Arabic for the page."""

    def __init__(self, message: str, ar: str):
        super().__init__(message)
        self.ar = ar


def _check_text(v: str) -> str:
    if not v.strip():
        raise InputProblem("the article is empty: send the text of an article", "المقال فارغ: الصق نص مقال.")
    if looks_binary(v):
        raise InputProblem("the text is binary data, not an article", "النص بيانات ثنائية وليس مقالا.")
    return v


class Article(BaseModel):
    id: str | None = Field(None, max_length=200, description="your id for the article (default text-N)")
    text: str = Field(..., max_length=MAX_ARTICLE_CHARS,
                      description=f"the article body, at most {MAX_ARTICLE_CHARS} characters")

    _text = field_validator("text")(_check_text)


class PredictRequest(Article):
    evidence: bool = Field(False, description="add the sentences that drive each predicted label "
                                              "(sentence occlusion: one extra model pass per sentence)")
    verbose: bool = Field(False, description="keep raw_number, year and short_form in legal_refs")


class BatchRequest(BaseModel):
    articles: list[Article] = Field(..., min_length=1, max_length=MAX_BATCH,
                                    description=f"1 to {MAX_BATCH} articles; ids must be unique")
    evidence: bool = False
    verbose: bool = False

    @model_validator(mode="after")
    def _unique_ids(self) -> "BatchRequest":
        seen: dict[str, int] = {}
        for k, a in enumerate(self.articles):
            if a.id is None:
                continue
            if a.id in seen:
                raise InputProblem(f"articles {seen[a.id]} and {k} share the id {a.id!r}; ids must be unique",
                                   f"المقالان {seen[a.id]} و{k} لهما المعرّف نفسه {a.id!r}.")
            seen[a.id] = k
        return self


class LegalFindRequest(BaseModel):
    text: str = Field(..., max_length=MAX_ARTICLE_CHARS)
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$",
                                description="ISO code that disambiguates names such as قانون العقوبات")

    _text = field_validator("text")(_check_text)


class LegalRef(BaseModel):
    start: int = Field(description="offset into the original text (inclusive)")
    end: int = Field(description="offset into the original text (exclusive)")
    text: str
    kind: str = Field(description="code | law | decree | article")
    instrument: str | None = Field(description="gazetteer id, e.g. MA/penal-code; null when unknown")
    articles: list[str]
    raw_number: str | None = None
    year: int | None = None
    short_form: bool | None = None
    bill: bool | None = None


class EvidenceSentence(BaseModel):
    start: int
    end: int
    text: str
    contribution: float = Field(description="score of the label minus its score without this sentence")
    score_without: float
    flips: bool = Field(description="without this sentence the label falls below its threshold")


class Evidence(BaseModel):
    method: str
    min_drop: float
    sentences: list[dict[str, Any]] = Field(description="every unit removed: start, end, drop per label")
    labels: dict[str, list[EvidenceSentence]] = Field(description="per predicted label, the evidence ranked")
    note: str | None = None


class Prediction(BaseModel):
    id: str
    labels: list[str]
    scores: dict[str, float]
    legal_refs: list[LegalRef]
    evidence: Evidence | None = None


class BatchPrediction(BaseModel):
    predictions: list[Prediction]


class LegalFound(BaseModel):
    legal_refs: list[LegalRef]


class ParsedFile(BaseModel):
    name: str
    articles: list[Article]
    problems: list[dict[str, Any]] = Field(description="records left out, with line (or id) and reason")


class ErrorOut(BaseModel):
    detail: str
    detail_ar: str | None = None


ERRORS = {413: {"model": ErrorOut, "description": "request body or file over the size limit"},
          422: {"model": ErrorOut, "description": "bad input; detail says what to change"}}


# ---------------------------------------------------------------- errors a person understands


def _loc(err: dict[str, Any]) -> str:
    return ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"


def friendly(err: dict[str, Any]) -> tuple[str, str | None]:
    """An English and (where known) Arabic message for one pydantic validation error."""
    t, loc, ctx = err.get("type", ""), _loc(err), err.get("ctx") or {}
    if t == "value_error" and isinstance(ctx.get("error"), InputProblem):
        e = ctx["error"]
        return (f"{loc}: {e}" if loc != "body" else str(e)), e.ar
    if t == "json_invalid":
        return (f"the request body is not valid JSON ({ctx.get('error', 'parse error')}); send a JSON object "
                'such as {"text": "..."}', "جسم الطلب ليس JSON صالحا.")
    if t == "missing":
        return (f"{loc}: missing; send a JSON object with a 'text' string" if loc.endswith("text") else
                f"{loc}: missing", "نص المقال مفقود." if loc.endswith("text") else None)
    if t == "string_too_long":
        n = len(err.get("input") or "")
        lim = ctx.get("max_length")
        return (f"{loc}: {n} characters; the limit is {lim} per article — split it or send its first part",
                f"المقال طوله {n} حرفا، والحد الأقصى {lim} حرف للمقال الواحد.")
    if t == "too_long":
        lim = ctx.get("max_length")
        return (f"{loc}: {ctx.get('actual_length')} articles; the limit is {lim} per request — send them in "
                f"several requests", f"عدد المقالات يتجاوز الحد الأقصى ({lim}) للطلب الواحد.")
    if t == "too_short":
        return f"{loc}: send at least one article", "أرسل مقالا واحدا على الأقل."
    if t in ("model_attributes_type", "dict_type", "model_type"):
        return f"{loc}: expected a JSON object", None
    if t == "string_type":
        return f"{loc}: must be a string", None
    if t == "string_pattern_mismatch" and loc == "country":
        return "country: a two-letter ISO code in capitals, e.g. MA, EG, SA", None
    return f"{loc}: {err.get('msg', 'invalid')}", None


def _error(status: int, detail: str, detail_ar: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"detail": detail}
    if detail_ar:
        body["detail_ar"] = detail_ar
    return JSONResponse(body, status_code=status)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 before anything parses them (chunked bodies
    included: the body is read here, up to the limit, then replayed to the app)."""

    def __init__(self, app: Any, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, int(declared))
            return
        chunks, size, more = [], 0, True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, size)
                return
            chunks.append(chunk)
            more = msg.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: dict, receive: Any, send: Any, size: int) -> None:
        mb = self.max_bytes / 1_000_000
        resp = _error(413, f"the request body is over {mb:.1f} MB (the limit per request and per file); "
                           f"send fewer or shorter articles per request (at most {MAX_BATCH} articles of "
                           f"{MAX_ARTICLE_CHARS} characters) or split the file",
                      f"حجم الطلب يتجاوز {mb:.1f} ميغابايت، وهو الحد الأقصى للطلب وللملف الواحد. قسّم الملف أو "
                      "أرسل مقالات أقل.")
        await resp(scope, receive, send)


# ---------------------------------------------------------------- the gazetteer card


@lru_cache(maxsize=1)
def _article_details() -> dict[str, list[dict[str, Any]]]:
    """Per-article subject and source of each instrument, read from the packaged gazetteer (the
    :class:`~arcrime.legal.Instrument` objects keep only the article numbers)."""
    text = resources.files("arcrime.legal").joinpath("gazetteer.jsonl").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        if line.strip():
            d = json.loads(line)
            out[d["id"]] = [{k: a.get(k) for k in ("article", "label_ar", "subject_en", "source")}
                            for a in d.get("articles", [])]
    return out


def instrument_card(iid: str) -> dict[str, Any] | None:
    gaz = legal.load_gazetteer()
    if iid not in gaz:
        return None
    inst = gaz[iid]
    return {"id": inst.id, "name_ar": inst.name_ar, "country": inst.country, "kind": inst.kind,
            "number": inst.number, "year": inst.year, "source": inst.source, "confidence": inst.confidence,
            "articles": _article_details().get(iid, [])}


# ---------------------------------------------------------------- the app


def _trim_refs(res: dict[str, Any], verbose: bool) -> dict[str, Any]:
    if not verbose:
        for ref in res["legal_refs"]:
            for k in VERBOSE_KEYS:
                ref.pop(k, None)
    return res


def create_app(predictor: ModelPredictor, model_name: str = "model", max_wait: float = 0.0) -> FastAPI:
    """The page and the API over ``predictor`` (loaded once by the caller).

    Args:
        predictor: any :class:`~arcrime.prediction.Predictor` (``arcrime.load``: BERT, ONNX or baseline).
        model_name: shown on the page and in ``/v1/health``.
        max_wait: seconds the batcher waits for more requests after the first; 0 (default) takes only
            those already queued, which adds no latency to a lone request and under load batches
            whatever arrived while the engine was busy.
    """
    # with the legal span tagger, the batcher runs the wrapped model (the rules' references) and the tagger runs
    # once per article afterwards: never on the sentence-occluded copies that the evidence scores
    tagged = predictor if isinstance(predictor, TaggedPredictor) else None
    batcher = MicroBatcher(tagged.inner if tagged else predictor, max_records=MAX_BATCH, max_wait=max_wait)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        batcher.start()
        yield
        batcher.close()

    app = FastAPI(
        title="arcrime", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
        description=("Arabic crime-news labels (extortion, defamation, impersonation) with evidence, and legal "
                     f"references linked to a gazetteer. Limits: {MAX_ARTICLE_CHARS} characters per article, "
                     f"{MAX_BATCH} articles per batch, {MAX_BODY_BYTES // 1_000_000} MB per request or file. "
                     "Nothing sent is stored."))
    app.state.batcher = batcher
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        msgs = [friendly(e) for e in exc.errors()]
        en = "; ".join(m for m, _ in msgs)
        ar = "؛ ".join(a for _, a in msgs if a) or None
        return _error(422, en, ar)

    @app.exception_handler(FileProblem)
    async def _file_problem(request: Request, exc: FileProblem) -> JSONResponse:
        return _error(exc.status, exc.message, exc.message_ar)

    async def run(records: list[dict[str, Any]], evidence: bool, verbose: bool) -> list[dict[str, Any]]:
        if evidence:
            flat, units = plan(records)
            scored = await asyncio.wrap_future(batcher.submit(flat))
            out = assemble(records, units, scored, predictor.thresholds)
        else:
            out = await asyncio.wrap_future(batcher.submit(records))
        if tagged:
            out = [dict(o, legal_refs=tagged.legal_refs_of(r["text"], o["legal_refs"])) for r, o in zip(records, out)]
        return [_trim_refs(r, verbose) for r in out]

    @app.post("/v1/predict", response_model=Prediction, responses=ERRORS, tags=["predict"])
    async def predict(req: PredictRequest) -> JSONResponse:
        """Label one article and tag its legal references (the JSON of `arcrime predict`)."""
        res = await run([{"id": req.id or "text-1", "text": req.text}], req.evidence, req.verbose)
        return JSONResponse(res[0])

    @app.post("/v1/predict/batch", response_model=BatchPrediction, responses=ERRORS, tags=["predict"],
              description=f"Label 1 to {MAX_BATCH} articles (ids unique); predictions come back in input order.")
    async def predict_batch(req: BatchRequest) -> JSONResponse:
        recs = [{"id": a.id or f"text-{k + 1}", "text": a.text} for k, a in enumerate(req.articles)]
        return JSONResponse({"predictions": await run(recs, req.evidence, req.verbose)})

    @app.post("/v1/legal/find", response_model=LegalFound, responses=ERRORS, tags=["legal"])
    def legal_find(req: LegalFindRequest) -> JSONResponse:
        """Find and resolve the legal references of a text with the rules (no model), as `arcrime legal find`."""
        return JSONResponse({"legal_refs": [r.to_dict() for r in legal.extract(req.text, country=req.country)]})

    @app.get("/v1/legal/instruments/{iid:path}", tags=["legal"],
             responses={404: {"model": ErrorOut, "description": "no such instrument in the gazetteer"}})
    def instrument(iid: str) -> JSONResponse:
        """The gazetteer entry of an instrument: official title, country, articles, sources."""
        card = instrument_card(iid)
        if card is None:
            return _error(404, f"no instrument {iid!r} in the gazetteer; ids look like MA/penal-code",
                          "هذا النص القانوني غير موجود في المعجم.")
        return JSONResponse(card)

    @app.post("/v1/files/parse", response_model=ParsedFile, tags=["files"],
              responses=ERRORS | {415: {"model": ErrorOut, "description": "not a .txt, .jsonl or .csv file"}},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
    async def parse_upload(request: Request, name: str = Query(..., max_length=255,
                                                               description="the file name; its extension "
                                                                           f"({', '.join(EXTENSIONS)}) "
                                                                           "says how to read it")) -> JSONResponse:
        """Read an uploaded file (the raw bytes as the body) into articles; nothing is kept."""
        recs, problems = parse_file(name, await request.body(), MAX_BODY_BYTES, MAX_ARTICLE_CHARS)
        return JSONResponse({"name": name, "articles": recs, "problems": problems})

    @app.get("/v1/health", tags=["health"])
    def health() -> dict[str, Any]:
        """The model's labels and tuned thresholds, the limits, and the batcher's counters."""
        return {"status": "ok", "model": model_name, "labels": list(predictor.labels),
                "thresholds": {lab: predictor.thresholds.get(lab, 0.5) for lab in predictor.labels},
                "legal_refs": getattr(predictor, "legal_refs", "rules"),
                "limits": {"article_chars": MAX_ARTICLE_CHARS, "batch_articles": MAX_BATCH,
                           "body_bytes": MAX_BODY_BYTES, "file_types": list(EXTENSIONS)},
                "evidence": {"method": METHOD, "min_drop": MIN_DROP, "max_units": MAX_UNITS},
                "batching": dict(batcher.stats)}

    docs_assets = resources.files("fastapi_offline") / "static"
    app.mount("/docs-assets", StaticFiles(directory=str(docs_assets)), name="docs-assets")
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="arcrime API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer",
                                     "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})

    return app


def serve(model: str | Path, host: str = "127.0.0.1", port: int = 8000, device: str = "auto",
          legal_refs: str = "rules", legal_tagger: str | Path | None = None) -> None:
    """Load ``model`` once and serve the page and the API with uvicorn (blocks). ``legal_tagger``: predictions
    take their legal references from that span tagger and the rules (tagger+rules)."""
    import uvicorn

    from ..inference import load
    from ..legal.tagger import LegalTagger
    from ..tagging import TaggedPredictor

    predictor = load(model, device=device, legal_refs=legal_refs)
    if legal_tagger:
        predictor = TaggedPredictor(predictor, LegalTagger.load(legal_tagger))
    app = create_app(predictor, model_name=Path(model).resolve().name)
    uvicorn.run(app, host=host, port=port, log_level="info")
