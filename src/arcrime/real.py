"""Real press by reference: read the public news corpora, and hydrate ``data/real/*.jsonl``.

The project never stores real articles. ``data/real/*.jsonl`` holds one *annotation record* per
article: where the article sits in a public corpus, the sha256 of its text, and the project's
labels and legal-reference offsets::

    {"id": "real-snn-0001",
     "source": {"corpus": "SaudiNewsNet", "file": "okaz.txt", "line": 812, "corpus_id": "2015-07-30-00411",
                "outlet": "okaz", "date": "2015-07-30 10:02:11", "url": "http://..."},
     "sha256": "…", "labels": ["extortion"],
     "legal_refs": [{"start": 402, "end": 431, "kind": "law", "instrument": "SA/law/anti-cybercrime", "articles": []}],
     "meta": {"story": "…", "split": "test", "annotator": "A2", "guidelines": "v3"}}

:func:`hydrate` joins these records with the user's own copy of the corpora and writes ordinary
corpus files (``real_train.jsonl`` …) that every command reads like the written corpus.

Corpus layout read here (the layout of the cleaned corpora the project pretrains on): one folder per
corpus, named after it, holding ``articles.txt.xz`` (one article per line, UTF-8) and
``metadata.tsv.xz`` (a header, then one row per line of ``articles.txt.xz``: ``file``, ``line``,
``id``, ``source``, ``category``, ``date``, ``url``, ``chars``). The article text is the line
without its trailing newline, exactly as :func:`iter_corpus` yields it; ``sha256`` is taken over
its UTF-8 bytes.
"""

from __future__ import annotations

import hashlib
import logging
import lzma
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .config import DEFAULT_LABELS
from .corpus import RecordError, iter_json_lines, validate_record
from .fileio import write_jsonl

logger = logging.getLogger(__name__)


def _say(log: TextIO | None, msg: str) -> None:
    if log is None:
        logger.warning(msg)
    else:
        print(msg, file=log)


# an international instrument (a UN or Security Council resolution, a convention, a treaty and its articles) is not a
# legal-reference span of the layer (GUIDELINES.md v3: it tags national legislation); the words that name one, used by
# scripts/real_assemble.py and scripts/legal_assemble.py to remove such spans from every annotation pass alike
INTERNATIONAL_INSTRUMENT = re.compile(r"مجلس الأمن|الأمم المتحدة|الأممي|اتفاقي|معاهد|الإعلان العالمي|ميثاق|العهد الدولي|بروتوكول")

CORPORA = ("SaudiNewsNet", "antcorpus.multisource.data", "antcorpus.data")
# legal: the legal-reference development set, articles annotated for legal references only (no crime labels,
# so training never reads it; scripts/legal_select.py drew them away from the dev and test stories)
SPLITS = ("train", "dev", "test", "legal")
# environment variable naming the folder that holds the corpus folders (scripts/quickstart.sh, tests)
CORPUS_ENV = "ARCRIME_REAL_CORPUS"


def text_sha256(text: str) -> str:
    """sha256 (hex) of the UTF-8 bytes of an article's text, as annotation records store it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CorpusArticle:
    """One article of a public corpus, with its position and metadata."""

    corpus: str
    row: int  # 1-based line of articles.txt.xz
    file: str  # the outlet file of the original download
    line: int  # line in that outlet file
    corpus_id: str
    outlet: str
    category: str
    date: str
    url: str
    text: str

    def source(self) -> dict[str, Any]:
        src = {"corpus": self.corpus, "file": self.file, "line": self.line, "corpus_id": self.corpus_id,
               "outlet": self.outlet, "date": self.date, "url": self.url}
        if self.category:
            src["category"] = self.category
        return src


def _xz_lines(path: Path) -> Iterator[str]:
    with lzma.open(path, "rt", encoding="utf-8", newline="\n") as f:
        for line in f:
            yield line[:-1] if line.endswith("\n") else line


def iter_corpus(folder: str | Path) -> Iterator[CorpusArticle]:
    """Every article of one corpus folder (``articles.txt.xz`` + ``metadata.tsv.xz``), in order.

    Raises:
        FileNotFoundError: a file of the layout is missing (the message names it).
        ValueError: the metadata has a different number of rows than the articles file.
    """
    folder = Path(folder)
    arts, meta = folder / "articles.txt.xz", folder / "metadata.tsv.xz"
    for p in (arts, meta):
        if not p.is_file():
            raise FileNotFoundError(f"{p}: missing; a corpus folder holds articles.txt.xz and metadata.tsv.xz")
    mlines = _xz_lines(meta)
    header = next(mlines, "").split("\t")
    need = ["file", "line", "id", "source", "category", "date", "url"]
    missing = [c for c in need if c not in header]
    if missing:
        raise ValueError(f"{meta}: header lacks column(s) {missing}; expected {need}")
    col = {c: header.index(c) for c in need}
    row = 0
    for text in _xz_lines(arts):
        row += 1
        m = next(mlines, None)
        if m is None:
            raise ValueError(f"{meta}: ends at row {row - 1}, but {arts} has more lines")
        f = m.split("\t")
        if len(f) < len(header) or not f[col["line"]].isdigit():
            raise ValueError(f"{meta}: row {row + 1} (article line {row}) has {len(f)} of {len(header)} columns "
                             f"or a non-numeric line; the metadata file is damaged, download it again")
        yield CorpusArticle(folder.name, row, f[col["file"]], int(f[col["line"]]), f[col["id"]],
                            f[col["source"]], f[col["category"]], f[col["date"]], f[col["url"]], text)
    if next(mlines, None) is not None:
        raise ValueError(f"{meta}: has more rows than {arts} has lines ({row})")


# ---------------------------------------------------------------- annotation records

def validate_annotation(rec: Any, where: tuple[str, int]) -> list[RecordError]:
    """Problems of one ``data/real`` annotation record (no text: offsets are checked at hydration)."""
    errs: list[RecordError] = []

    def err(fld: str, msg: str) -> None:
        errs.append(RecordError(where[0], where[1], fld, msg))

    if not isinstance(rec, dict):
        return [RecordError(where[0], where[1], "<record>", "must be a JSON object")]
    if "text" in rec:
        err("text", "annotation records must not carry article text (it is joined from the corpus at hydration)")
    src = rec.get("source")
    if not isinstance(src, dict):
        err("source", "missing or not an object with corpus, file, line")
    else:
        if src.get("corpus") not in CORPORA:
            err("source.corpus", f"must be one of {list(CORPORA)}, got {src.get('corpus')!r}")
        if not isinstance(src.get("file"), str) or not src.get("file"):
            err("source.file", "missing: the outlet file of the article in the corpus (e.g. okaz.txt)")
        line = src.get("line")
        if not isinstance(line, int) or isinstance(line, bool) or line < 1:
            err("source.line", f"must be the article's line (an integer >= 1) in source.file, got {line!r}")
    sha = rec.get("sha256")
    if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
        err("sha256", "missing or not 64 lowercase hex digits")
    refs = rec.get("legal_refs", [])
    for k, ref in enumerate(refs if isinstance(refs, list) else []):
        if isinstance(ref, dict) and "text" in ref:
            err(f"legal_refs[{k}].text", "annotation records must not carry span text")
    # id, labels, legal_refs (start/end, kind, instrument, articles) and meta are checked with the corpus
    # schema, on a stand-in text as long as the furthest span (offsets are checked again at hydration)
    ends = [r.get("end") for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    longest = max([e for e in ends if isinstance(e, int) and not isinstance(e, bool)] + [1])
    stub = {"id": rec.get("id"), "text": "x" * longest, "labels": rec.get("labels"),
            "legal_refs": [{k: v for k, v in r.items() if k != "text"} if isinstance(r, dict) else r for r in refs]
            if isinstance(refs, list) else refs, "meta": rec.get("meta", {})}
    errs.extend(validate_record(stub, DEFAULT_LABELS, where))
    meta = rec.get("meta", {})
    if isinstance(meta, dict) and meta.get("split") not in SPLITS:
        err("meta.split", f"must be one of {list(SPLITS)}, got {meta.get('split')!r}")
    if isinstance(meta, dict) and meta.get("split") == "legal" and rec.get("labels"):
        err("labels", "a record of the legal split is annotated for legal references only: its labels must be [] "
                      "(move it to train/dev/test if its crime labels were annotated)")
    return errs


def read_annotations(paths: list[Path]) -> tuple[list[tuple[Path, int, dict[str, Any]]], list[RecordError]]:
    """All annotation records of ``paths`` with their file and line, and every bad line."""
    good: list[tuple[Path, int, dict[str, Any]]] = []
    errors: list[RecordError] = []
    seen: dict[str, tuple[str, int]] = {}
    positions: dict[tuple[str, str, int], tuple[str, str, int]] = {}
    for path in paths:
        for i, rec, bad in iter_json_lines(path):
            if bad:
                errors.append(bad)
                continue
            errs = validate_annotation(rec, (str(path), i))
            if not errs and rec["id"] in seen:
                f, ln = seen[rec["id"]]
                errs.append(RecordError(str(path), i, "id", f"duplicate id {rec['id']!r} (first in {f}:{ln})"))
            if not errs:
                pos = (rec["source"]["corpus"], rec["source"]["file"], rec["source"]["line"])
                if pos in positions:
                    oid, f, ln = positions[pos]
                    errs.append(RecordError(str(path), i, "source", f"same article as {oid!r} ({f}:{ln}); one "
                                                                    "annotation record per article"))
                else:
                    positions[pos] = (rec["id"], str(path), i)
            if errs:
                errors.extend(errs)
            else:
                seen[rec["id"]] = (str(path), i)
                good.append((path, i, rec))
    return good, errors


def annotation_files(real_dir: str | Path) -> list[Path]:
    """The annotation files (``*.jsonl``) of a real-layer folder."""
    files = sorted(Path(real_dir).glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"{real_dir}: no annotation files (*.jsonl)")
    return files


def layer_positions(real_dir: str | Path, ignore_splits: tuple[str, ...] = ()) -> dict[tuple[str, str, int], str | None]:
    """(corpus, file, line) of every article of the annotation layer, with its split: the articles that
    the unlabelled-corpus commands (silver labels, domain corpus) must leave out. Records of ``ignore_splits``
    are not counted (the selection of the legal split re-draws its own articles)."""
    good, errors = read_annotations(annotation_files(real_dir))
    if errors:
        logger.warning("%d bad annotation record(s) ignored (run `arcrime data hydrate` to see them)", len(errors))
    return {(r["source"]["corpus"], r["source"]["file"], r["source"]["line"]): r["meta"].get("split")
            for _, _, r in good if r["meta"].get("split") not in ignore_splits}


def articles_outside_layer(real_dir: str | Path, corpus_dir: str | Path, held_out: list[str],
                           ignore_splits: tuple[str, ...] = ()) -> Iterator[CorpusArticle]:
    """Every article of the corpora under ``corpus_dir`` that is not in the annotation layer of ``real_dir``;
    the texts of annotated dev/test articles met on the way are appended to ``held_out``.

    Raises (at once, not on iteration):
        FileNotFoundError: no corpus folder under ``corpus_dir`` or no annotation file in ``real_dir``.
    """
    positions = layer_positions(real_dir, ignore_splits)
    folders = [Path(corpus_dir) / c for c in CORPORA if (Path(corpus_dir) / c).is_dir()]
    if not folders:
        raise FileNotFoundError(f"{corpus_dir}: none of {', '.join(CORPORA)} found; give the folder holding the corpora")

    def walk() -> Iterator[CorpusArticle]:
        for folder in folders:
            for art in iter_corpus(folder):
                split = positions.get((art.corpus, art.file, art.line))
                if split is None:
                    yield art
                elif split in ("dev", "test"):
                    held_out.append(art.text)

    return walk()


def held_out_near(texts: list[str], held_out: list[str], max_similarity: float) -> list[bool]:
    """For each of ``texts``: is its word TF-IDF cosine with some ``held_out`` text at or above
    ``max_similarity`` (a reprint or rewrite of a held-out story)?"""
    if not texts or not held_out:
        return [False] * len(texts)
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="word", min_df=1).fit(texts + held_out)
    sim = vec.transform(texts) @ vec.transform(held_out).T
    return [bool(x) for x in (sim.max(axis=1).toarray().ravel() >= max_similarity)]


# ---------------------------------------------------------------- hydrate

def hydrate(real_dir: str | Path, corpus_dir: str | Path, out_dir: str | Path, log: TextIO | None = None
            ) -> dict[str, Any]:
    """Join the annotation records of ``real_dir`` with the corpora under ``corpus_dir``.

    Writes ``real_{train,dev,test,legal}.jsonl`` (corpus format, with ``text`` and span ``text``) and
    ``hydrate_errors.jsonl`` under ``out_dir``. Every record that cannot be joined (corpus folder
    missing, article missing, sha256 mismatch, span out of range) is reported with its file and line;
    the rest are written. Problems are logged as warnings on the ``arcrime.real`` logger (or printed
    to ``log`` when a stream is given).

    Returns:
        ``{"written": {split: n}, "errors": [RecordError...]}``
    """
    corpus_dir, out_dir = Path(corpus_dir), Path(out_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"{corpus_dir}: no such folder; pass the folder that holds "
                                f"{', '.join(CORPORA)} (or set {CORPUS_ENV})")
    recs, errors = read_annotations(annotation_files(real_dir))
    wanted: dict[str, dict[tuple[str, int], list[tuple[Path, int, dict[str, Any]]]]] = defaultdict(lambda: defaultdict(list))
    for path, i, rec in recs:
        wanted[rec["source"]["corpus"]][(rec["source"]["file"], rec["source"]["line"])].append((path, i, rec))
    found: dict[str, tuple[dict[str, Any], CorpusArticle]] = {}
    for corpus, want in sorted(wanted.items()):
        folder = corpus_dir / corpus
        if not folder.is_dir():
            for key, items in want.items():
                for path, i, rec in items:
                    errors.append(RecordError(str(path), i, "source.corpus",
                                              f"corpus folder {folder} not found; download {corpus} (data/real/README.md)"))
            continue
        try:
            for art in iter_corpus(folder):
                for path, i, rec in want.pop((art.file, art.line), []):
                    found[rec["id"]] = (rec, art)
                if not want:
                    break
        except (OSError, ValueError, EOFError, lzma.LZMAError) as e:
            for key, items in want.items():
                for path, i, rec in items:
                    errors.append(RecordError(str(path), i, "source", f"cannot read {folder}: {e}"))
            want.clear()
        for (file, line), items in want.items():
            for path, i, rec in items:
                errors.append(RecordError(str(path), i, "source", f"{corpus} has no article at {file} line {line}"))
    out: dict[str, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for path, i, rec in recs:
        if rec["id"] not in found:
            continue
        _, art = found[rec["id"]]
        src = rec["source"]
        if text_sha256(art.text) != rec["sha256"]:
            errors.append(RecordError(str(path), i, "sha256",
                                      f"sha256 mismatch for {src['corpus']} {src['file']} line {src['line']}: "
                                      "the corpus copy differs from the annotated text"))
            continue
        refs, bad = [], False
        for k, ref in enumerate(rec.get("legal_refs", [])):
            if ref["end"] > len(art.text):
                errors.append(RecordError(str(path), i, f"legal_refs[{k}]",
                                          f"end {ref['end']} beyond the article's {len(art.text)} characters"))
                bad = True
                continue
            refs.append({"start": ref["start"], "end": ref["end"], "text": art.text[ref["start"]:ref["end"]],
                         "kind": ref["kind"], "instrument": ref.get("instrument"),
                         "articles": list(ref.get("articles", []))})
        if bad:
            continue
        meta = dict(rec.get("meta", {}))
        # the outlet's address comes from the user's copy (many addresses carry the headline, which the
        # project never stores)
        meta.update(source=dict(src, url=art.url) if art.url else src, real=True)
        out[meta["split"]].append({"id": rec["id"], "text": art.text, "labels": sorted(rec.get("labels", [])),
                                   "legal_refs": refs, "meta": meta})
    out_dir.mkdir(parents=True, exist_ok=True)
    # the hydrated files hold article text: keep them out of any git repository wherever --out points
    (out_dir / ".gitignore").write_text("# hydrated real-press text: never commit\n*\n", encoding="utf-8")
    written = {}
    for split, rows in out.items():
        write_jsonl(out_dir / f"real_{split}.jsonl", rows)
        written[split] = len(rows)
    write_jsonl(out_dir / "hydrate_errors.jsonl", [e.to_dict() for e in errors])
    for e in errors[:50]:
        _say(log, f"  {e}")
    if len(errors) > 50:
        _say(log, f"  ... and {len(errors) - 50} more (all in {out_dir / 'hydrate_errors.jsonl'})")
    return {"written": written, "errors": errors}
