"""A one-line progress bar on a terminal (``index`` parsing pages, ``export`` writing rows)."""

from __future__ import annotations

from typing import TextIO


class ProgressBar:
    """Call with (done, total); redraws only when the whole percentage moves."""

    def __init__(self, stream: TextIO, label: str):
        self.stream = stream
        self.label = label
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent == self.last and done != total:
            return
        self.last = percent
        filled = percent * 30 // 100
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()
