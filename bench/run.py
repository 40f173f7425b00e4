"""Run every benchmark in ``bench/`` one after another (``make bench``).

Each ``bench/*.py`` script except this one (and ``_private`` helpers) runs as its own process with its
default, bounded settings; the exit status is non-zero when any of them fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMEOUT_S = 1800


def main() -> int:
    failed: list[str] = []
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != "run.py" and not p.name.startswith("_"))
    for script in scripts:
        print(f"== {script.name}", flush=True)
        try:
            result = subprocess.run([sys.executable, str(script)], timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            print(f"{script.name}: timed out after {TIMEOUT_S}s", flush=True)
            failed.append(script.name)
            continue
        if result.returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
