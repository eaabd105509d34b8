"""The finder's output on 316 invented passages equals the reviewed golden file (scripts/legal_golden.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("legal_golden", ROOT / "scripts/legal_golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def test_finder_output_on_invented_passages_is_the_golden_file():
    diff = golden.differences(golden.current(), golden.golden())
    assert not diff, ("the finder's output changed on invented passages; review with `python scripts/legal_golden.py`, "
                      "then `--update`:\n" + "\n".join(diff[:10]))


def test_a_changed_reference_is_reported_with_its_text(tmp_path):
    gold = golden.golden()
    now = json.loads(json.dumps(gold))
    pid = next(k for k, v in now.items() if v)
    now[pid][0]["end"] -= 1  # a span cut one character short
    del now[next(k for k in now if k != pid)]  # and a passage missing
    diff = golden.differences(now, gold)
    assert len(diff) == 2
    assert diff[0].startswith(f"{pid}: golden «") or diff[1].startswith(f"{pid}: golden «")
