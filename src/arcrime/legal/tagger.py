"""A learned legal-reference span tagger: a linear-chain CRF (CRFsuite) over words.

The rules of :mod:`.find` know the forms someone wrote a pattern for; the tagger learns span boundaries
from annotated articles (the released one: the real-press legal split and the real train split) and
can fire on a form no rule covers. It only finds spans: the resolver links them
(:func:`arcrime.legal.link_spans`), and :func:`arcrime.legal.tagger_first` combines them with the rules
("tagger+rules"; :func:`arcrime.legal.with_tagger` does both).

>>> tagger = LegalTagger.train(records)           # records with "text" and gold "legal_refs"
>>> tagger.save("models/legal-tagger")
>>> LegalTagger.load("models/legal-tagger").tag(text)
[{'start': 120, 'end': 141, 'kind': 'law', 'confidence': 0.93}, ...]

Words are cut from the user's original text, so every span points into it; features are computed on
the matching normalization of each word (:func:`.gazetteer.norm`). A one-letter proclitic (و ف ب ل ك)
is cut off a word whose rest is a head word seen at the start of a training span («وقانون» → و +
قانون), since most annotated spans leave the proclitic out. The model is held in memory; the folder's
config records the model file's sha256, checked on load.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from .gazetteer import norm

KINDS = ("article", "law", "decree", "code")
MODEL_FILE = "legal_tagger.crfsuite"
CONFIG_FILE = "legal_tagger.json"
FORMAT = 1

# letter runs (with their diacritics and tatweel), digit runs, single other characters
_TOKEN = re.compile(r"(?:[^\W\d_]|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed])+|\d+|[^\w\s]", re.U)
# a sentence ends at ! ? ؟, a line break, or a dot before a space or the end: never at the dot of «88.13»,
# «447.2» or «ق.ج»
_SENTENCE = re.compile(r"[!?؟]+|\.+(?=\s|$)|\n+")
_PROCLITICS = ("و", "ف", "ب", "ل", "ك")
_ARTICLE_PREFIXES = ("وال", "فال", "بال", "كال", "ال", "لل", "و", "ف", "ب", "ل", "ك")


class TaggerError(ValueError):
    """A tagger folder that cannot be loaded, or training data that cannot be used."""


@dataclass(frozen=True)
class TaggerConfig:
    """Hyper-parameters of a tagger (saved with it)."""

    c1: float = 0.05            # L1 penalty
    c2: float = 0.05            # L2 penalty
    max_iterations: int = 100
    negative_every: int = 4     # keep every Nth training sentence with no span and no head word
    window: int = 2             # words of context on each side
    # tagger+rules (legal.tagger_first) leaves out a tagger span whose confidence is below this; chosen on fresh
    # draws of the legal split (scripts/legal_tagger_fresh.py), saved with the tagger
    min_confidence: float = 0.8  # best pooled exact F1 in experiments/legal-tagger/fresh-draws.json, and chosen
    # for every draw when each is left out of the choice

    def __post_init__(self) -> None:
        if self.negative_every < 1 or self.max_iterations < 1 or self.window < 0:
            raise TaggerError(f"negative_every and max_iterations must be >= 1 and window >= 0: {self}")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise TaggerError(f"min_confidence must be in [0, 1], not {self.min_confidence}")
        if self.c1 < 0 or self.c2 < 0:
            raise TaggerError(f"c1 and c2 must be >= 0: {self}")


@dataclass
class _Tokens:
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)   # normalized


def _strip_prefix(w: str) -> str:
    for p in _ARTICLE_PREFIXES:
        if w.startswith(p) and len(w) - len(p) >= 3:
            return w[len(p):]
    return w


def tokenize(text: str, heads: frozenset[str] = frozenset()) -> _Tokens:
    """Words of ``text`` with their offsets into it, normalized; a proclitic is cut off a head word."""
    out = _Tokens()
    for m in _TOKEN.finditer(text):
        raw, s, e = m.group(0), m.start(), m.end()
        w = norm(raw) or raw
        if len(raw) > 3 and raw[0] in _PROCLITICS and norm(raw[1:]) in heads:
            out.starts.append(s)
            out.ends.append(s + 1)
            out.words.append(raw[0])
            s, w = s + 1, norm(raw[1:])
        out.starts.append(s)
        out.ends.append(e)
        out.words.append(w)
    return out


def _shape(w: str) -> str:
    if w.isdigit():
        return "D" if len(w) <= 2 else ("Y" if len(w) == 4 else "N")
    if not w[0].isalnum():
        return w
    return "L" if w.isascii() else "A"


def _word_features(w: str, heads: frozenset[str]) -> dict[str, Any]:
    stem = _strip_prefix(w)
    return {"w": w, "stem": stem, "p3": stem[:3], "s3": stem[-3:], "s2": stem[-2:], "shape": _shape(w),
            "al": w.startswith("ال") or stem != w, "head": stem in heads or w in heads}


def featurize(tokens: _Tokens, heads: frozenset[str], window: int = 2) -> list[dict[str, Any]]:
    """CRFsuite feature dicts, one per word."""
    base = [_word_features(w, heads) for w in tokens.words]
    feats = []
    n = len(base)
    for i, b in enumerate(base):
        f: dict[str, Any] = {"bias": 1.0}
        f.update(b)
        for d in range(1, window + 1):
            for sign, j in (("-", i - d), ("+", i + d)):
                if 0 <= j < n:
                    o = base[j]
                    f[f"{sign}{d}w"] = o["w"]
                    f[f"{sign}{d}stem"] = o["stem"]
                    f[f"{sign}{d}shape"] = o["shape"]
                    f[f"{sign}{d}head"] = o["head"]
                else:
                    f[f"{sign}{d}edge"] = True
        if i > 0:
            f["bi-"] = base[i - 1]["stem"] + "|" + b["stem"]
        if i + 1 < n:
            f["bi+"] = b["stem"] + "|" + base[i + 1]["stem"]
        feats.append(f)
    return feats


def _bio(tokens: _Tokens, refs: Sequence[dict[str, Any]]) -> tuple[list[str], int]:
    """BIO labels of ``tokens`` for gold ``refs``; the count of spans whose edges fall inside a word."""
    labels = ["O"] * len(tokens.starts)
    missed = 0
    for r in refs:
        inside = [i for i, (s, e) in enumerate(zip(tokens.starts, tokens.ends)) if s >= r["start"] and e <= r["end"]]
        if not inside or tokens.starts[inside[0]] != r["start"] or tokens.ends[inside[-1]] != r["end"]:
            missed += 1
        if not inside:
            continue
        kind = r["kind"] if r["kind"] in KINDS else "law"
        labels[inside[0]] = "B-" + kind
        for i in inside[1:]:
            labels[i] = "I-" + kind
    return labels, missed


def _sentences(tokens: _Tokens, text: str) -> list[tuple[int, int]]:
    """Token index ranges of the sentences of ``text`` (a sentence never splits a word)."""
    bounds = [m.end() for m in _SENTENCE.finditer(text)]
    out, lo, b = [], 0, 0
    for i, s in enumerate(tokens.starts):
        while b < len(bounds) and bounds[b] <= s:
            if i > lo:
                out.append((lo, i))
                lo = i
            b += 1
    if lo < len(tokens.starts):
        out.append((lo, len(tokens.starts)))
    return out


def _decode(tokens: _Tokens, labels: Sequence[str], offset: int = 0, marginals: Sequence[float] | None = None
            ) -> list[dict[str, Any]]:
    """Spans of one sentence's labels (``offset``: the index of its first word). With ``marginals`` (the
    probability of each word's label), a span's ``confidence`` is the lowest of its words'."""
    spans: list[dict[str, Any]] = []
    cur: list[int] = []
    kinds: list[str] = []

    def close():
        if cur:
            span = {"start": tokens.starts[offset + cur[0]], "end": tokens.ends[offset + cur[-1]],
                    "kind": Counter(kinds).most_common(1)[0][0]}
            if marginals is not None:
                span["confidence"] = round(min(marginals[i] for i in cur), 4)
            spans.append(span)
        cur.clear()
        kinds.clear()

    for i, lab in enumerate(labels):
        if lab == "O":
            close()
            continue
        tag, kind = lab.split("-", 1)
        if tag == "B":
            close()
        cur.append(i)
        kinds.append(kind)
    close()
    return spans


def _import_crfsuite():
    try:
        import pycrfsuite
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise TaggerError("the legal tagger needs python-crfsuite: pip install python-crfsuite") from e
    return pycrfsuite


class LegalTagger:
    """A trained tagger: :meth:`train`, :meth:`save`, :meth:`load`, :meth:`tag`."""

    def __init__(self, model: bytes, heads: Iterable[str], config: TaggerConfig, info: dict[str, Any]):
        pycrfsuite = _import_crfsuite()
        self.model = model  # the CRFsuite model file's bytes
        self.heads = frozenset(heads)
        self.config = config
        self.info = info
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(model)

    @classmethod
    def train(cls, records: Iterable[dict[str, Any]], config: TaggerConfig = TaggerConfig(),
              sources: Sequence[str] = ()) -> "LegalTagger":
        """Fit a tagger on records with ``text`` and gold ``legal_refs``. ``sources`` (file names) is
        kept in the tagger's info for the record."""
        pycrfsuite = _import_crfsuite()
        records = list(records)
        heads: Counter[str] = Counter()
        for r in records:
            for ref in r.get("legal_refs") or []:
                words = _TOKEN.findall(r["text"][ref["start"]:ref["end"]])
                if words:
                    heads[norm(words[0])] += 1
        head_set = frozenset(h for h, c in heads.items() if c >= 2 and len(h) >= 3)
        trainer = pycrfsuite.Trainer(verbose=False)
        n_sent = n_tok = n_spans = missed = 0
        for k, r in enumerate(records):
            text = r["text"]
            tokens = tokenize(text, head_set)
            labels, miss = _bio(tokens, r.get("legal_refs") or [])
            missed += miss
            n_spans += len(r.get("legal_refs") or [])
            feats = featurize(tokens, head_set, config.window)
            for j, (lo, hi) in enumerate(_sentences(tokens, text)):
                labs = labels[lo:hi]
                keep = any(x != "O" for x in labs) or any(f["head"] for f in feats[lo:hi])
                if not keep and (k + j) % config.negative_every:
                    continue
                trainer.append(feats[lo:hi], labs)
                n_sent += 1
                n_tok += hi - lo
        if not n_spans:
            raise TaggerError("no gold legal_refs in the training records: nothing to learn a span from")
        trainer.set_params({"c1": config.c1, "c2": config.c2, "max_iterations": config.max_iterations,
                            "feature.possible_transitions": True})
        with tempfile.TemporaryDirectory(prefix="arcrime-tagger-") as tmp:
            trainer.train(str(Path(tmp) / MODEL_FILE))
            model = (Path(tmp) / MODEL_FILE).read_bytes()
        info = {"records": len(records), "gold_spans": n_spans, "spans_not_on_word_edges": missed,
                "sentences": n_sent, "tokens": n_tok, "heads": len(head_set), "sources": list(sources)}
        return cls(model, sorted(head_set), config, info)

    def save(self, out_dir: str | Path) -> Path:
        """Write the CRF model and ``legal_tagger.json`` (config, head words, training info) to ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        meta = {"format": FORMAT, "model_sha256": hashlib.sha256(self.model).hexdigest(), "model_bytes": len(self.model),
                "config": asdict(self.config), "heads": sorted(self.heads), "info": self.info}
        tmp_model, tmp_cfg = out / (MODEL_FILE + ".tmp"), out / (CONFIG_FILE + ".tmp")
        tmp_model.write_bytes(self.model)
        tmp_cfg.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        # the config names the model's sha256: a folder caught between the two renames fails to load, clearly
        os.replace(tmp_model, out / MODEL_FILE)
        os.replace(tmp_cfg, out / CONFIG_FILE)
        return out

    @classmethod
    def load(cls, path: str | Path) -> "LegalTagger":
        p = Path(path)
        cfg, model = p / CONFIG_FILE, p / MODEL_FILE
        if not cfg.is_file() or not model.is_file():
            raise TaggerError(f"{p}: not a legal tagger folder (needs {CONFIG_FILE} and {MODEL_FILE}); "
                              f"train one with `arcrime legal train-tagger`")
        try:
            meta = json.loads(cfg.read_text(encoding="utf-8"))
        except ValueError as e:
            raise TaggerError(f"{cfg}: unreadable tagger config ({e}); retrain the tagger") from e
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            fmt = meta.get("format") if isinstance(meta, dict) else None
            raise TaggerError(f"{cfg}: format {fmt!r}, this arcrime reads {FORMAT}; retrain the tagger")
        try:
            config = TaggerConfig(**meta["config"])
            heads = list(meta["heads"])
            want_sha, want_size = meta["model_sha256"], meta["model_bytes"]
        except (KeyError, TypeError) as e:
            raise TaggerError(f"{cfg}: unreadable tagger config ({e!r}); retrain the tagger") from e
        data = model.read_bytes()
        if len(data) != want_size or hashlib.sha256(data).hexdigest() != want_sha:
            raise TaggerError(f"{model}: {len(data)} bytes that do not match the sha256 in {CONFIG_FILE} (a damaged or "
                              f"half-written model); retrain the tagger or restore the folder")
        return cls(data, heads, config, meta.get("info", {}))

    def tag(self, text: str) -> list[dict[str, Any]]:
        """``[{"start", "end", "kind", "confidence"}]`` spans of ``text`` (offsets into ``text``), in order;
        ``confidence``: the lowest marginal probability of a span word's label."""
        tokens = tokenize(text, self.heads)
        if not tokens.starts:
            return []
        feats = featurize(tokens, self.heads, self.config.window)
        spans: list[dict[str, Any]] = []
        for lo, hi in _sentences(tokens, text):
            labels = self._tagger.tag(feats[lo:hi])
            if all(lab == "O" for lab in labels):
                continue
            marg = [self._tagger.marginal(lab, i) if lab != "O" else 1.0 for i, lab in enumerate(labels)]
            spans.extend(_decode(tokens, labels, lo, marg))
        return spans
