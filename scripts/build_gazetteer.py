"""Build the packaged gazetteer (src/arcrime/legal/gazetteer.jsonl) from the researched draft.

Usage: python scripts/build_gazetteer.py [DRAFT.jsonl ...]
(default: ../shared/legal/gazetteer_draft.jsonl, then src/arcrime/legal/drafts/gazetteer_additions.jsonl)

The drafts list each instrument with sources and confidence marks: the project's researched
draft (shared/legal/) and this repository's additions (more instruments and countries, facts
checked against the public sources named in each record). A record of a later draft whose id
is already known and that carries ``add_aliases_ar`` only adds those aliases (ids are never
renamed or removed: annotators use them). This script converts ids to the canonical
``CC/slug`` form, parses number variants into lookup keys, keeps only article numbers in
canonical form, and keeps every ``source`` and ``confidence`` field so users can check each fact.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
ART_OK = re.compile(r"^\d+(?:-\d+)*(?: bis(?: \d+| \([a-z]\))?| ter)?$")


def number_keys(variants: list[str], number: str | None, year: int | None) -> list[dict]:
    keys = []
    for v in variants + ([number] if number else []):
        v = v.translate(DIGITS).strip("() ")
        if v.startswith("الفصل"):
            continue
        v = re.sub(r"^(?:رقم|عدد)\s*", "", v)
        m = re.match(r"^(\d+)\s+(?:لسنة|تاريخ)\s+(?:[\d/]*/)?(\d{4})$", v)
        if m:
            keys.append({"number": [int(m.group(1))], "year": int(m.group(2))}); continue
        m = re.match(r"^(\d{1,4})/((?:19|20)\d\d)$", v)
        if m:
            keys.append({"number": [int(m.group(1))], "year": int(m.group(2))}); continue
        m = re.match(r"^((?:19|20)\d\d)-(\d{1,3})$", v)
        if m:
            keys.append({"number": [int(m.group(2))], "year": int(m.group(1))}); continue
        m = re.match(r"^م\s*/\s*(\d+)$", v)
        if m:
            keys.append({"number": ["م", int(m.group(1))], "year": None}); continue
        m = re.match(r"^(\d+)[.\-/](\d+)(?:[.\-/](\d+))?$", v)
        if m:
            keys.append({"number": [int(g) for g in m.groups() if g is not None], "year": None}); continue
    out = []
    for k in keys:
        if k not in out:
            out.append(k)
    return out


def read_drafts(paths: list[str]) -> list[dict]:
    """Draft records in order; alias patches merged into the record they name."""
    records: dict[str, dict] = {}
    for path in paths:
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            d = json.loads(line)
            if "add_aliases_ar" in d:
                if d["id"] not in records:
                    raise SystemExit(f"{path}: alias patch for unknown id {d['id']}")
                base = records[d["id"]]
                base["aliases_ar"] = base.get("aliases_ar", []) + [a for a in d["add_aliases_ar"]
                                                                   if a not in base.get("aliases_ar", [])]
                continue
            if d["id"] in records:
                raise SystemExit(f"{path}: duplicate id {d['id']} (ids are never redefined)")
            records[d["id"]] = d
    return list(records.values())


def main(srcs: list[str]) -> None:
    out = []
    for d in read_drafts(srcs):
        arts = []
        for a in d.get("key_articles", []):
            art = a["article"].strip()
            if not ART_OK.match(art):
                continue
            arts.append({k: a[k] for k in ("article", "subject_en", "label_ar", "penalty", "confidence", "source") if k in a})
        out.append({
            "id": d["id"].replace(":", "/"),
            "country": d["country"],
            "kind": d["kind"],
            "name_ar": d["name_ar"],
            "aliases_ar": d.get("aliases_ar", []),
            "aliases_other": d.get("aliases_other", []),
            "number": d.get("number"),
            "year": d.get("year"),
            "date_gregorian": d.get("date_gregorian"),
            "date_hijri": d.get("date_hijri"),
            "numbers": number_keys(d.get("number_variants", []), d.get("number"), d.get("year")),
            "articles": arts,
            "subject_en": d.get("subject_en"),
            "source": d.get("source"),
            "sources": d.get("sources", []),
            "confidence": d.get("confidence"),
            "notes": d.get("notes"),
        })
    dest = Path(__file__).resolve().parents[1] / "src/arcrime/legal/gazetteer.jsonl"
    dest.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in out), encoding="utf-8")
    print(f"wrote {len(out)} instruments from {len({o['country'] for o in out})} countries to {dest}")


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    main(sys.argv[1:] or ["../shared/legal/gazetteer_draft.jsonl",
                          str(root / "src/arcrime/legal/drafts/gazetteer_additions.jsonl")])
