"""Building the corpus: raw authoring batches (inline ``⟦...⟧`` markup) → frozen train/dev/test splits.

``arcrime data build`` runs :func:`build_corpus`: every raw record is parsed and validated (the
corpus is built all-or-nothing), stories are dealt to splits stratified by label combination, and
``splits.tsv`` keeps every published story in its split for good.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from .config import DEFAULT_LABELS
from .corpus import DataError, RecordError, iter_lines, validate_record
from .fileio import write_jsonl, write_text
from .markup import MarkupError, parse_marked


def parse_raw_file(path: Path) -> tuple[list[dict[str, Any]], list[RecordError]]:
    """Turn a raw authoring batch (inline ``⟦...⟧`` markup) into corpus records."""
    out, errors = [], []
    for i, line, derr in iter_lines(path):
        if derr:
            errors.append(RecordError(str(path), i, "<line>", derr))
            continue
        if not line or not line.strip():
            continue
        try:
            rec = json.loads(line)
            text, spans = parse_marked(rec["text"])
        except (json.JSONDecodeError, KeyError, MarkupError, TypeError) as e:
            errors.append(RecordError(str(path), i, "text", str(e)))
            continue
        rec = {"id": rec["id"], "text": text, "labels": sorted(rec.get("labels", [])),
               "legal_refs": [{"start": s.start, "end": s.end, "text": s.text, "kind": s.kind,
                               "instrument": s.instrument, "articles": list(s.articles)} for s in spans],
               "meta": dict(rec.get("meta", {}), source_file=path.name)}
        errs = validate_record(rec, DEFAULT_LABELS, (str(path), i))
        if errs:
            errors.extend(errs)
        else:
            out.append(rec)
    return out, errors


SPLIT_FRACTIONS = {"train": 0.65, "dev": 0.15, "test": 0.20}


def assign_splits(records: list[dict[str, Any]], frozen: dict[str, str], seed: int = 13) -> dict[str, str]:
    """Assign each story to a split, stratified by label combination.

    Stories already in ``frozen`` keep their split (the test split never changes once
    published); new stories are dealt per label combination to the split furthest below its
    target share.
    """
    story_combo: dict[str, str] = {}
    for r in records:
        story = r["meta"].get("story") or r["id"]
        story_combo.setdefault(story, "+".join(sorted(r["labels"])) or "none")
    by_combo: dict[str, list[str]] = defaultdict(list)
    for story, combo in sorted(story_combo.items()):
        by_combo[combo].append(story)
    rng = random.Random(seed)
    out = {s: frozen[s] for s in story_combo if s in frozen}
    for combo, stories in sorted(by_combo.items()):
        counts = Counter(out[s] for s in stories if s in out)
        todo = [s for s in stories if s not in out]
        rng.shuffle(todo)
        for s in todo:
            total = sum(counts.values()) + 1
            split = max(SPLIT_FRACTIONS, key=lambda k: SPLIT_FRACTIONS[k] * total - counts[k])
            out[s] = split
            counts[split] += 1
    return out


def build_corpus(raw_dir: str | Path, out_dir: str | Path, seed: int = 13) -> dict[str, Any]:
    """Build ``train/dev/test.jsonl`` from ``raw_dir/*.jsonl``; keep ``splits.tsv`` frozen.

    Raises:
        DataError: when any raw record is invalid (the corpus is built all-or-nothing).
    """
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    records: list[dict[str, Any]] = []
    errors: list[RecordError] = []
    for p in sorted(raw_dir.glob("*.jsonl")):
        recs, errs = parse_raw_file(p)
        records.extend(recs)
        errors.extend(errs)
    ids = Counter(r["id"] for r in records)
    errors.extend(RecordError("<corpus>", 0, "id", f"duplicate id {i!r}") for i, c in ids.items() if c > 1)
    if errors:
        raise DataError(f"{len(errors)} problem(s) in {raw_dir}:\n" + "\n".join(map(str, errors[:50])), errors)
    split_file = out_dir / "splits.tsv"
    frozen = {}
    if split_file.is_file():
        for line in split_file.read_text(encoding="utf-8").splitlines()[1:]:
            story, split = line.split("\t")
            frozen[story] = split
    assignment = assign_splits(records, frozen, seed)
    by_split: dict[str, list[dict[str, Any]]] = {k: [] for k in SPLIT_FRACTIONS}
    for r in records:
        split = assignment[r["meta"].get("story") or r["id"]]
        r["meta"]["split"] = split
        by_split[split].append(r)
    for split, recs in by_split.items():
        write_jsonl(out_dir / f"{split}.jsonl", recs)
    write_text(split_file, "story\tsplit\n" + "".join(f"{s}\t{assignment[s]}\n" for s in sorted(assignment)))
    return {k: len(v) for k, v in by_split.items()}
