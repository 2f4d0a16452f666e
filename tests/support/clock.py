"""The test clock every process reads (`VROEG_CLOCK_FILE`), moved in one step."""

from __future__ import annotations

import os
from pathlib import Path


def set_clock(path: Path, moment: str) -> None:
    """Write `moment` (ISO 8601, aware) to the clock file at once: a process reading it never
    sees it empty — which it would take for the real time — as `write_text` truncates first."""
    draft = path.with_name(f".{path.name}.draft")
    draft.write_text(moment)
    os.replace(draft, path)
