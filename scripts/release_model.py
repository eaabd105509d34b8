"""Release a trained model into the repository: fp16 safetensors, tokenizer, config, model card.

    .venv/bin/python scripts/release_model.py --model models/bert-small-w2v-real \
        --run experiments/bert-small-w2v-real --out released/arcrime-small-real

The weights are stored in fp16 (``arcrime.load`` and ``AutoModel.from_pretrained`` read them back in
fp32); the card is generated from the run record, and states how the run compares with the keyword
rules on the real-press test split (from ``experiments/baseline-keywords``), so a user sees up front
whether the model beats the plain rules. Fails if the folder would exceed ``--max-mb``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--run", required=True, help="the run folder whose run.json holds the model's metrics")
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-mb", type=float, default=20.0)
    ap.add_argument("--overwrite", action="store_true")
    a = ap.parse_args()

    import torch

    from arcrime.card import model_card
    from arcrime.model import load_model, save_model

    model, tok = load_model(a.model, "cpu")
    run = json.loads((Path(a.run) / "run.json").read_text(encoding="utf-8"))
    name = Path(a.out).name
    card = model_card(model.config, run, name)
    kw = Path(a.run).parent / "baseline-keywords" / "run.json"
    if kw.is_file() and "real_test" in run:
        rules = json.loads(kw.read_text(encoding="utf-8")).get("real_test", {}).get("macro_f1")
        mine = run["real_test"]["macro_f1"]
        if rules is not None:
            verdict = "beats" if mine > rules else "does not beat"
            card = card.replace("## Limits\n", f"## Limits\n\nOn the real-press test split this model {verdict} the "
                                f"plain keyword rules of the guidelines (macro-F1 {mine:.3f} against {rules:.3f}, "
                                "`arcrime train --config configs/baseline-keywords.yaml`); see "
                                "`experiments/RESULTS.md` for every row with its confidence interval.\n", 1)
    model = model.to(torch.float16)
    save_model(a.out, model, tok, card=card, overwrite=a.overwrite)
    size = sum(p.stat().st_size for p in Path(a.out).iterdir()) / 2**20
    print(json.dumps({"out": a.out, "megabytes": round(size, 2), "dtype": "float16"}))
    if size > a.max_mb:
        print(f"{a.out}: {size:.1f} MB exceeds --max-mb {a.max_mb}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
