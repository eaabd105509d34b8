"""Turn the annotators' legal-reference batches into the layer's ``legal`` split (issue 15).

Reads, from ``--work`` (the folder of scripts/legal_select.py, outside the repository), each
``batch_NN.jsonl`` (article text, written by the selection) and its ``batch_NN.ann.jsonl`` (the
annotator's spans as offsets), checks every span against the text, and writes
``data/real/legal.jsonl``: one annotation record per article (position in the corpus, sha256, the
spans' offsets, kind, instrument and articles; no text), ``meta.split = "legal"`` and no crime labels.

    python scripts/legal_assemble.py --work /tmp/legal_annot
    python scripts/legal_assemble.py --work /tmp/legal_annot_draw9 --append

``--append`` adds the batches of a work folder that holds only a later draw (its earlier folders gone) to the
records and adjudication rows already in ``--out`` and ``--adjudication``: the earlier ids stay, the new
articles are numbered after them, and an article already in the split is an error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from arcrime.real import INTERNATIONAL_INSTRUMENT, text_sha256, validate_annotation  # noqa: E402

KINDS = {"code", "law", "decree", "article"}
# Adjudication of the three blind annotators' diverging practice, applied to every batch alike and recorded in
# data/real/annotation/legal_adjudication.jsonl (offsets and rule; no text):
ADJUDICATION = [
    # two annotators marked a bare «الدستور» (no country, no article) as a law span, one did not; the real train,
    # dev and test gold leave it out (the annotators of the first round did), so the legal split does too
    ("bare_constitution", re.compile(r"^[وفبلك]{0,2}(?:ال|ل)?دستور$"),
     "bare «الدستور» with no country or article is not a span in the layer's gold"),
    # (session 12) the annotators of the legal split marked a constitution named by its country alone («الدستور
    # الأمريكي», «للدستور التركي») or by a pronoun («دستورها», «دستورنا»), with no article, number or year, as a law
    # span; the real train and dev gold leave these out (12 of 13 such mentions), as the first-round annotators of
    # the whole layer did, so the legal split does too (guidelines rule 15, v3.3); with an article they are spans
    ("national_constitution", re.compile(r"^[وفبلك]{0,2}(?:ال|ل)?دستور(?:\s+ال[^\s\d]+|ها|ه|نا|هم)$"),
     "a constitution named by its country or a pronoun alone, with no article, number or year, is not a span in "
     "the layer's gold (rule 15, v3.3)"),
    # a constitution or a law named by its year alone («لدستور 1999», «قانون سنة 1980»; not «قانون 2004», which the finder
    # reads as a number): the written corpus leaves these
    # out; some annotators of the legal split marked them (v3.3)
    ("year_named", re.compile(r"^[وفبلك]{0,2}(?:ال|ل)?(?:دستور\s+(?:(?:عام|سن[ةه]|لعام|لسن[ةه])\s+)?|قانون\s+(?:عام|سن[ةه])\s+)\d{4}$"),
     "a constitution or a law named by its year alone is not a span (rule 15, v3.3, as in the written corpus)"),
    # (session 13) the annotators of draws 9 and 10, briefed on section 2 of the guidelines alone, marked a UN Charter article
    # and Security Council resolutions; the layer's guidelines (v3, real press) leave international instruments out, and
    # scripts/real_assemble.py removes them from the real train, dev and test splits by the same words
    ("international", INTERNATIONAL_INSTRUMENT,
     "an international instrument (a UN or Security Council resolution, a convention, a treaty and its articles) is "
     "not a span: the layer tags national legislation (GUIDELINES.md v3)"),
    # one annotator marked a national sports federation's disciplinary and anti-doping regulations, two left such
    # rules out (guideline 14: the rules of a game are not a span; the layer tags legislation)
    ("sports_rules", re.compile(r"الانضباط|المنشطات"),
     "a sports federation's disciplinary or anti-doping rules are not legislation (rule 14)"),
]


_NAMES_INSTRUMENT = re.compile(r"\s(?:من|في)\s|منه\b")  # an article span that names (or points to) its instrument


def _joined(a: str, b: str) -> bool:
    """Do the characters either side of a span edge belong to one word? A number glued to a word
    («622-1من», «لسنة2019») is two tokens: a span may end or start between them."""
    return bool(re.match(r"\w", a) and re.match(r"\w", b)) and a.isdigit() == b.isdigit()


def read_pass(bpath: Path, apath: Path, annotator: str, problems: list[str], adjudicated: list[dict]
              ) -> dict[str, tuple[dict, list[dict]]]:
    """key -> (batch article, checked and adjudicated spans) of one annotation file over one batch."""
    batch = {r["key"]: r for r in map(json.loads, bpath.open(encoding="utf-8"))}
    if not apath.is_file():
        problems.append(f"{apath}: missing")
        return {}
    anns = {}
    for n, line in enumerate(apath.open(encoding="utf-8"), 1):
        try:
            a = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{apath}:{n}: not a JSON object ({e.msg}); fix the line or remove it")
            continue
        if not isinstance(a, dict) or a.get("key") not in batch:
            problems.append(f"{apath}:{n}: key {a.get('key') if isinstance(a, dict) else a!r} is not in {bpath.name}")
        else:
            anns[a["key"]] = (n, a)
    out = {}
    for key, art in batch.items():
        if key not in anns:
            problems.append(f"{apath}: no line for {key}")
            continue
        n, a = anns[key]
        text, refs = art["text"], []
        if text_sha256(text) != art["sha256"]:
            raise SystemExit(f"{bpath}: the text of {key} does not match its sha256; redraw the batch")
        for k, r in enumerate(sorted(a.get("refs", []), key=lambda r: (r["start"], r["end"]))):
            s, e = r["start"], r["end"]
            where = f"{apath}:{n} refs[{k}]"
            if not (0 <= s < e <= len(text)) or (s and _joined(text[s - 1], text[s])) or \
                    (e < len(text) and _joined(text[e - 1], text[e])) or r["kind"] not in KINDS:
                problems.append(f"{where}: offsets {s},{e} not on word boundaries, or kind {r['kind']!r}")
                continue
            if refs and s < refs[-1]["end"]:
                problems.append(f"{where}: overlaps the previous span")
                continue
            rule = next((name for name, rx, _ in ADJUDICATION if rx.search(text[s:e])), None)
            if rule:
                adjudicated.append({"key": key, "start": s, "end": e, "kind": r["kind"], "decision": "removed",
                                    "rule": rule, "annotator": annotator})
                continue
            refs.append({"start": s, "end": e, "kind": r["kind"], "instrument": r.get("instrument"),
                         "articles": list(r.get("articles", []))})
        if any(a["key"] == key and a["rule"] == "sports_rules" and a["annotator"] == annotator for a in adjudicated):
            # the bare articles («المادة السادسة») of such rules, cited earlier in the same article, go with them
            for r in [r for r in refs if r["kind"] == "article" and not _NAMES_INSTRUMENT.search(text[r["start"]:r["end"]])]:
                refs.remove(r)
                adjudicated.append({"key": key, "start": r["start"], "end": r["end"], "kind": r["kind"],
                                    "decision": "removed", "rule": "sports_rules_bare_article", "annotator": annotator})
        out[key] = (art, refs)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", default="data/real/legal.jsonl")
    ap.add_argument("--adjudication", default="data/real/annotation/legal_adjudication.jsonl")
    ap.add_argument("--second-pass", default="data/real/annotation/legal_second_pass.jsonl")
    ap.add_argument("--agreement", default="data/real/annotation/legal_agreement.json")
    ap.add_argument("--append", action="store_true",
                    help="keep the records of --out and the rows of --adjudication and add this folder's (later) draw")
    args = ap.parse_args()
    work = Path(args.work)
    out, problems, adjudicated, second = [], [], [], {}
    kept, kept_adj = [], []
    if args.append:
        for path, rows in ((args.out, kept), (args.adjudication, kept_adj)):
            if Path(path).is_file():
                for n, line in enumerate(Path(path).open(encoding="utf-8"), 1):
                    try:
                        row = json.loads(line) if line.strip() else None
                    except json.JSONDecodeError as e:
                        raise SystemExit(f"{path}:{n}: not a JSON object ({e.msg}); fix the line (git checkout restores the "
                                         "committed file); nothing written")
                    if row is not None:
                        rows.append(row)
    if not any(work.glob("batch_[0-9][0-9].jsonl")):
        raise SystemExit(f"{work}: no batch_NN.jsonl (the batches of scripts/legal_select.py); nothing written")
    for bpath in sorted(work.glob("batch_[0-9][0-9].jsonl")):
        annotator = f"L{int(bpath.stem.split('_')[1])}"
        for key, (art, refs) in read_pass(bpath, bpath.with_suffix(".ann.jsonl"), annotator, problems,
                                          adjudicated).items():
            src = art["source"]
            out.append({"id": "", "source": src, "sha256": art["sha256"], "labels": [], "legal_refs": refs,
                        "meta": {"split": "legal", "story": f"legal-{src['corpus']}-{src['file']}-{src['line']}",
                                 "annotator": annotator, "guidelines": "v3.1", "scope": "legal_refs",
                                 "selected_by": "cue:" + ",".join(art["cues"]), "draw": art.get("draw", 1)}})
        # a blind second annotator's pass over the same batch, if there is one (agreement only; not the gold)
        spath = bpath.with_suffix(".second.jsonl")
        if spath.is_file():
            second.update({k: (annotator + "-second", v[1])
                           for k, v in read_pass(bpath, spath, annotator + "-second", problems, adjudicated).items()})
    def key_of(r: dict) -> str:
        return f"{r['source']['corpus']}|{r['source']['file']}|{r['source']['line']}"

    if kept:
        old_keys, last_draw = {key_of(r) for r in kept}, max(r["meta"]["draw"] for r in kept)
        problems += [f"{work}: {key_of(r)} is already in {args.out}; --append adds a new draw only"
                     for r in out if key_of(r) in old_keys]
        problems += [f"{work}: {key_of(r)} is of draw {r['meta']['draw']}, not after the last draw in {args.out} "
                     f"({last_draw}); --append adds a later draw only" for r in out if r["meta"]["draw"] <= last_draw]
        if second:
            problems.append(f"{work}: a second pass (*.second.jsonl) needs every batch of the split; assemble "
                            "without --append")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        raise SystemExit(f"{len(problems)} problem(s); nothing written")
    # ids follow the draws, then the corpus position: a later draw never renumbers an earlier one
    out.sort(key=lambda r: (r["meta"]["draw"], r["source"]["corpus"], r["source"]["file"], r["source"]["line"]))
    ids = {}
    for i, r in enumerate(out, len(kept) + 1):
        r["id"] = f"real-legal-{i:04d}"
        ids[key_of(r)] = r["id"]
    out = kept + out
    reasons = {name: why for name, _, why in ADJUDICATION}
    reasons["sports_rules_bare_article"] = "a bare article of the sports rules removed above, in the same article"
    adj = kept_adj + [{"id": ids[a.pop("key")], **a, "reason": reasons[a["rule"]]} for a in adjudicated]
    errors = [e for i, r in enumerate(out, 1) for e in validate_annotation(r, (args.out, i))]
    if errors:  # checked before anything is written
        raise SystemExit(f"{args.out}: {len(errors)} invalid record(s), first: {errors[0]}; nothing written")
    Path(args.adjudication).write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in adj), encoding="utf-8")
    Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    print(f"{len(out)} articles, {sum(len(r['legal_refs']) for r in out)} spans -> {args.out} ({len(kept)} kept); "
          f"{len(adj)} span(s) removed by adjudication -> {args.adjudication} ({len(kept_adj)} kept)")
    if second:
        from arcrime.metrics import span_metrics

        first = {k: r for k, r in ((f"{r['source']['corpus']}|{r['source']['file']}|{r['source']['line']}", r)
                                   for r in out) if k in second}
        keys = sorted(first)
        rows = [{"id": ids[k], "annotator": second[k][0], "legal_refs": second[k][1]} for k in keys]
        Path(args.second_pass).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                          encoding="utf-8")
        m = span_metrics([first[k]["legal_refs"] for k in keys], [second[k][1] for k in keys])
        agreement = {"what": "legal split: the blind second pass scored against the first (the gold), both after the "
                             "same checks and adjudication rules (scripts/legal_assemble.py)",
                     "articles": len(keys), "spans_first": m["n_gold"], "spans_second": m["n_pred"],
                     "exact_f1": m["exact"]["f1"], "overlap_f1": m["overlap"]["f1"],
                     "instrument_article_pairs_f1": m["doc_pairs"]["f1"],
                     "kind_agreement_on_exact": m["kind_accuracy_on_exact"]}
        Path(args.agreement).write_text(json.dumps(agreement, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(agreement, ensure_ascii=False))


if __name__ == "__main__":
    main()
