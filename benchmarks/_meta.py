"""What every benchmark JSON records about its run: date, git commit, machine."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def meta() -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from arcrime.runs import git_info

    cpu = platform.processor() or platform.machine()
    try:  # the model name is more telling than the architecture
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "git": git_info(ROOT), "cpu": cpu, "cpu_count": os.cpu_count(), "python": sys.version.split()[0]}
