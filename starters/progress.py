"""Progress of long commands (`reconcile --plan`, `reconcile --apply --wait`, `report`) on a
terminal: one tqdm bar per phase on stderr (phase, n/N when N is known, rate). Nothing at
all when the output is piped or machine-readable, so scripts and `--format json` see only
their data."""

from __future__ import annotations

import shutil
import sys
from typing import IO, Any


class TerminalProgress:
    """Called as `progress(phase, advance, total)`: the bar of `phase` moves by `advance`
    (its total set when known). Thread-safe enough for tqdm's own lock; `close` ends every
    bar."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.bars: dict[str, Any] = {}

    def __call__(self, phase: str, advance: int = 1, total: int | None = None) -> None:
        bar = self.bars.get(phase)
        if bar is None:
            # Imported here: every `lifecycle` command registers through a module importing
            # this one, and only a terminal run of a long command draws a bar.
            from tqdm import tqdm

            # The terminal's width, 80 when it reports none (a fresh pseudo-terminal says 0
            # columns, and tqdm would then draw nothing at all).
            width = shutil.get_terminal_size((80, 24)).columns
            bar = tqdm(desc=phase, total=total, unit="", file=self.stream, leave=True, ncols=width)
            self.bars[phase] = bar
        elif total is not None and bar.total != total:
            bar.total = total
            bar.refresh()
        if advance:
            bar.update(advance)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()


def terminal_progress(*, machine_output: bool = False) -> TerminalProgress | None:
    """Bars only for a person at a terminal: stdout and stderr both a TTY, and the output not
    meant for a program (`--format json`)."""
    if machine_output or not (sys.stdout.isatty() and sys.stderr.isatty()):
        return None
    return TerminalProgress(sys.stderr)
