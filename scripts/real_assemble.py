"""Assemble the real-press annotation layer (``data/real/*.jsonl``) from the annotators' work files.

    python scripts/real_assemble.py --work /tmp/annot --blind /tmp/blind --corpus ../shared/unlabeled

Inputs (outside the repository, since they hold article text): the batches written by
``scripts/real_select.py`` (``batch_NN.jsonl``), the first annotation of each batch (``out_NN.jsonl``:
labels, neg_type, story slug, legal spans as surface text + occurrence) and the blind second
annotation (``blind/blindout_NN.jsonl``). Adjudicated decisions come from the committed
``data/real/annotation/adjudication.jsonl`` and replace the first annotation where they exist.

Outputs (no article text): ``data/real/<corpus>.jsonl`` (one record per article: source position,
sha256, labels, legal-reference offsets, meta), ``data/real/splits.tsv`` (story -> split, frozen:
a story already there keeps its split) and ``data/real/annotation/second_pass.jsonl`` (the blind
annotation as offsets).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from arcrime.real import CORPORA, INTERNATIONAL_INSTRUMENT as INTERNATIONAL  # noqa: E402
from arcrime.stats import near_duplicates  # noqa: E402

ABBR = {"SaudiNewsNet": "snn", "antcorpus.multisource.data": "ant2", "antcorpus.data": "ant1"}
COUNTRY = {"SaudiNewsNet": "SA", "antcorpus.data": "TN", "antcorpus.multisource.data": "intl"}
GUIDELINES = "v3"
# split targets: every story with a positive is dealt to test first until test holds TEST_POS_CAP
# positives of each of its labels (or half of that label's stories, whichever comes first)
FRACTIONS_POS = {"test": 0.45, "dev": 0.2, "train": 0.35}
FRACTIONS_NEG = {"train": 0.55, "dev": 0.2, "test": 0.25}
TEST_POS_CAP = 40
SEED = 2026


def record_id(key: str) -> str:
    corpus, file, line = key.split("|")
    return f"real-{ABBR[corpus]}-{Path(file).stem.lower()}-{int(line):05d}"


# international instruments are not spans (GUIDELINES.md v3); the first round's annotators split on this
# (arcrime.real.INTERNATIONAL_INSTRUMENT)


def to_offsets(text: str, refs: list[dict], where: str) -> list[dict]:
    out = []
    for ref in refs:
        if ref.get("instrument") is None and INTERNATIONAL.search(ref["text"]):
            continue
        pos = -1
        for _ in range(ref.get("occurrence", 1)):
            pos = text.find(ref["text"], pos + 1)
            if pos < 0:
                raise ValueError(f"{where}: span not found {ref.get('occurrence', 1)} time(s)")
        out.append({"start": pos, "end": pos + len(ref["text"]), "kind": ref["kind"],
                    "instrument": ref.get("instrument"), "articles": list(ref.get("articles", []))})
    out.sort(key=lambda r: (r["start"], r["end"]))
    dedup = []
    for r in out:
        if dedup and (dedup[-1]["start"], dedup[-1]["end"]) == (r["start"], r["end"]):
            continue
        dedup.append(r)
    return dedup


class UnionFind:
    def __init__(self, items):
        self.p = {i: i for i in items}

    def find(self, x):
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


def stories(keys: list[str], texts: dict[str, str], slugs: dict[str, str]) -> dict[str, str]:
    """Story clusters: the same annotator's slug, near-duplicate text (character 5-gram Jaccard >= 0.3)
    or the same event worded differently (word TF-IDF cosine >= 0.5)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    uf = UnionFind(keys)
    by_slug = defaultdict(list)
    for k in keys:
        by_slug[slugs[k]].append(k)
    for group in by_slug.values():
        for k in group[1:]:
            uf.union(group[0], k)
    recs = [{"id": k, "text": texts[k], "meta": {"split": "x"}} for k in keys]
    for d in near_duplicates(recs, 0.3):
        uf.union(d["a"], d["b"])
    x = TfidfVectorizer(min_df=2, sublinear_tf=True).fit_transform([texts[k] for k in keys])
    sim = (x @ x.T).tocoo()
    for i, j, v in zip(sim.row, sim.col, sim.data):
        if i < j and v >= 0.5:
            uf.union(keys[i], keys[j])
    roots = sorted({uf.find(k) for k in keys})
    name = {r: f"real-story-{n:04d}" for n, r in enumerate(roots, 1)}
    return {k: name[uf.find(k)] for k in keys}


def assign_splits(story_of: dict[str, str], labels_of: dict[str, list[str]], frozen: dict[str, str]) -> dict[str, str]:
    members = defaultdict(list)
    for k, s in story_of.items():
        members[s].append(k)
    story_labels = {s: sorted({lab for k in ks for lab in labels_of[k]}) for s, ks in members.items()}
    out = {s: frozen[s] for s in members if s in frozen}
    rng = random.Random(SEED)
    test_pos = Counter()
    for s, sp in out.items():
        if sp == "test":
            for k in members[s]:
                test_pos.update(labels_of[k])
    pos_stories = sorted((s for s in members if story_labels[s] and s not in out),
                         key=lambda s: ("+".join(story_labels[s]), s))
    neg_stories = sorted(s for s in members if not story_labels[s] and s not in out)
    # positives: rarest label combination first, per combination deal by the fractions
    by_combo = defaultdict(list)
    for s in pos_stories:
        by_combo["+".join(story_labels[s])].append(s)
    total_pos = Counter(lab for k in labels_of for lab in labels_of[k])
    for combo, group in sorted(by_combo.items(), key=lambda kv: len(kv[1])):
        rng.shuffle(group)
        counts = Counter()
        for s in group:
            n = sum(counts.values()) + 1
            split = max(FRACTIONS_POS, key=lambda sp: FRACTIONS_POS[sp] * n - counts[sp])
            labs = story_labels[s]
            if split == "test" and all(test_pos[lab] >= min(TEST_POS_CAP, total_pos[lab] // 2) for lab in labs):
                split = "train" if counts["train"] / n < (FRACTIONS_POS["train"] + FRACTIONS_POS["test"]) / 2 else "dev"
            out[s] = split
            counts[split] += 1
            if split == "test":
                for k in members[s]:
                    test_pos.update(labels_of[k])
    rng.shuffle(neg_stories)
    counts = Counter(out[s] for s in out)
    n_art = Counter()
    for s, sp in out.items():
        n_art[sp] += len(members[s])
    total = len(story_of)
    for s in neg_stories:
        split = max(FRACTIONS_NEG, key=lambda sp: FRACTIONS_NEG[sp] * total - n_art[sp])
        out[s] = split
        n_art[split] += len(members[s])
    return out


def write_adjudication(adj_dir: Path, batches: dict, first: dict, blind_dir: Path, path: Path) -> None:
    """``adjudication.jsonl``: for every adjudicated article, both annotations and the decision, as offsets."""
    # the adjudicators' own reasons describe the articles, so the committed reason is the guideline rule
    # applied, written from them without article content (reasons.json in the adjudication folder)
    reasons = json.loads((adj_dir / "reasons.json").read_text(encoding="utf-8"))
    second = {}
    for p in sorted(blind_dir.glob("blindout_*.jsonl")):
        for line in open(p, encoding="utf-8"):
            if line.strip():
                r = json.loads(line)
                second[r["key"]] = r
    rows = []
    for p in sorted(adj_dir.glob("adjout_*.jsonl")):
        items = {json.loads(x)["key"]: json.loads(x) for x in open(adj_dir / p.name.replace("adjout_", "adj_"),
                                                                  encoding="utf-8")}
        for line in open(p, encoding="utf-8"):
            if not line.strip():
                continue
            d = json.loads(line)
            k, text, rid = d["key"], batches[d["key"]]["text"], record_id(d["key"])
            f, s = first[k], second[k]
            rows.append({"id": rid, "disagree_on": items[k]["disagree_on"],
                         "first_labels": sorted(f["labels"]), "second_labels": sorted(s["labels"]),
                         "final_labels": sorted(d["final_labels"]),
                         "first_neg_type": f.get("neg_type"), "second_neg_type": s.get("neg_type"),
                         "final_neg_type": d.get("final_neg_type"),
                         "first_legal_refs": to_offsets(text, f.get("legal_refs", []), rid),
                         "second_legal_refs": to_offsets(text, s.get("legal_refs", []), rid),
                         "final_legal_refs": to_offsets(text, d.get("final_legal_refs", []), rid),
                         "reason": reasons[rid], "adjudicator": "J-batch" + p.stem.split("_")[1]})
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in sorted(rows, key=lambda r: r["id"]):
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--blind", required=True)
    ap.add_argument("--adj", help="adjudication work folder (adj_NN.jsonl + adjout_NN.jsonl); rewrites "
                                   "data/real/annotation/adjudication.jsonl")
    ap.add_argument("--out", default="data/real")
    a = ap.parse_args()
    work, out = Path(a.work), Path(a.out)
    batches, first, annotator = {}, {}, {}
    for p in sorted(work.glob("batch_*.jsonl")):
        nn = p.stem.split("_")[1]
        for line in open(p, encoding="utf-8"):
            r = json.loads(line)
            batches[r["key"]] = r
        for line in open(work / f"out_{nn}.jsonl", encoding="utf-8"):
            if line.strip():
                r = json.loads(line)
                first[r["key"]] = r
                annotator[r["key"]] = f"A{int(nn)}"
    missing = sorted(set(batches) - set(first))
    if missing:
        print(f"{len(missing)} selected article(s) have no annotation, e.g. {missing[:3]}", file=sys.stderr)
        return 1
    adj_path = out / "annotation" / "adjudication.jsonl"
    if a.adj:
        write_adjudication(Path(a.adj), batches, first, Path(a.blind), adj_path)
    adjudicated = {}
    if adj_path.is_file():
        for line in open(adj_path, encoding="utf-8"):
            if line.strip():
                r = json.loads(line)
                adjudicated[r["id"]] = r
    keys = sorted(batches)
    texts = {k: batches[k]["text"] for k in keys}
    labels_of, final = {}, {}
    for k in keys:
        ann = dict(first[k])
        rid = record_id(k)
        if rid in adjudicated:
            d = adjudicated[rid]
            ann["labels"], ann["neg_type"] = d["final_labels"], d.get("final_neg_type")
            ann["final_offsets"] = d["final_legal_refs"]
        labels_of[k] = sorted(ann["labels"])
        final[k] = ann
    story_of = stories(keys, texts, {k: f"{annotator[k]}:{first[k]['story']}" for k in keys})
    frozen = {}
    split_file = out / "splits.tsv"
    if split_file.is_file():
        for line in split_file.read_text(encoding="utf-8").splitlines()[1:]:
            s, sp = line.split("\t")
            frozen[s] = sp
    split_of_story = assign_splits(story_of, labels_of, frozen)
    per_corpus = defaultdict(list)
    for k in keys:
        b, ann = batches[k], final[k]
        rid = record_id(k)
        refs = ann["final_offsets"] if "final_offsets" in ann else to_offsets(b["text"], ann.get("legal_refs", []), rid)
        meta = {"split": split_of_story[story_of[k]], "story": story_of[k], "country": COUNTRY[b["source"]["corpus"]],
                "annotator": annotator[k] + ("+adjudicated" if rid in adjudicated else ""), "guidelines": GUIDELINES,
                "selected_by": ("candidate:" + "+".join(b["families"])) if b["selected_by"] == "candidate" else "random",
                "confidence": ann.get("confidence", "high")}
        if not labels_of[k]:
            meta["neg_type"] = ann.get("neg_type") or "unrelated"
        source = {k: v for k, v in b["source"].items() if k != "url"}  # addresses carry headlines: joined at hydration
        per_corpus[b["source"]["corpus"]].append({"id": rid, "source": source, "sha256": b["sha256"],
                                                  "labels": labels_of[k], "legal_refs": refs, "meta": meta})
    out.mkdir(parents=True, exist_ok=True)
    for corpus in CORPORA:
        rows = sorted(per_corpus[corpus], key=lambda r: r["id"])
        with open(out / f"{corpus}.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    split_file.write_text("story\tsplit\n" + "".join(f"{s}\t{sp}\n" for s, sp in sorted(split_of_story.items())),
                          encoding="utf-8")
    # the blind second annotation, as offsets
    second = []
    for p in sorted(Path(a.blind).glob("blindout_*.jsonl")):
        nn = p.stem.split("_")[1]
        for line in open(p, encoding="utf-8"):
            if not line.strip():
                continue
            r = json.loads(line)
            rid = record_id(r["key"])
            second.append({"id": rid, "labels": sorted(r["labels"]), "neg_type": r.get("neg_type"),
                           "legal_refs": to_offsets(texts[r["key"]], r.get("legal_refs", []), rid + " (blind)"),
                           "annotator": f"B{int(nn)}", "confidence": r.get("confidence")})
    if second:
        (out / "annotation").mkdir(exist_ok=True)
        with open(out / "annotation" / "second_pass.jsonl", "w", encoding="utf-8") as f:
            for r in sorted(second, key=lambda r: r["id"]):
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    outcome: dict = {}
    for k in keys:
        b = batches[k]
        o = outcome.setdefault(b["source"]["corpus"], {}).setdefault(b["selected_by"], {"articles": 0, "no_label": 0})
        o["articles"] += 1
        o["no_label"] += not labels_of[k]
        for lab in labels_of[k]:
            o[lab] = o.get(lab, 0) + 1
        for fam in b["families"]:
            fo = outcome[b["source"]["corpus"]].setdefault("by_family", {}).setdefault(fam, {"candidates": 0})
            fo["candidates"] += 1
            for lab in labels_of[k]:
                fo[lab] = fo.get(lab, 0) + 1
    (out / "selection_outcome.json").write_text(json.dumps(outcome, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    n = Counter(split_of_story[story_of[k]] for k in keys)
    pos = {sp: Counter(lab for k in keys if split_of_story[story_of[k]] == sp for lab in labels_of[k]) for sp in n}
    print(json.dumps({"articles": len(keys), "stories": len(set(story_of.values())), "splits": dict(n),
                      "positives": {sp: dict(c) for sp, c in pos.items()}, "second_pass": len(second),
                      "adjudicated": len(adjudicated)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
