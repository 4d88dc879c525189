"""Progress for long work: a tqdm bar on a terminal, a few plain lines anywhere else.

When stderr is not a terminal (a log file, CI, `2>&1 | grep`), tqdm's carriage-return
updates pile up in the log and its last update stays on the line that the command's summary
line is then appended to. Here a bar is used only on a terminal; otherwise the progress is at
most `lines` plain lines ("train: 50 % (4690/9380 batch)"), each ending in a newline.

`say` is the one writer of progress lines: steps that run side by side (qmlp report's
simulations and syntheses, the search's runs) print through it, so that two lines never
share one ("sim_i8_L1: runningqmlp report: sim_i8_L4: running", as print's separate writes
of the text and its newline allowed).
"""

from __future__ import annotations

import sys
import threading

_LOCK = threading.Lock()


def say(line: str, stream=None) -> None:
    """Write one whole line to stream (default: sys.stderr at the time of the call), never
    interleaved with a line from another thread."""
    stream = stream or sys.stderr
    with _LOCK:
        stream.write(line + "\n")
        stream.flush()


class _Lines:
    def __init__(self, total: int, desc: str, unit: str, lines: int = 4, stream=None):
        self.total, self.desc, self.unit = max(int(total), 1), desc, unit
        self.n, self.stream = 0, stream or sys.stderr
        self.marks = sorted({max(1, round(self.total * k / lines)) for k in range(1, lines + 1)})

    def update(self, k: int = 1) -> None:
        before = self.n
        self.n += k
        for m in self.marks:
            if before < m <= self.n:
                say(f"{self.desc}: {100 * self.n // self.total} % ({self.n}/{self.total} {self.unit})", self.stream)

    def set_postfix_str(self, s: str) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Off(_Lines):
    def update(self, k: int = 1) -> None:
        self.n += k


def bar(total: int, desc: str, unit: str = "it", enabled: bool = True, stream=None):
    """A progress object with update(k), set_postfix_str(s) and close()."""
    stream = stream or sys.stderr
    if not enabled:
        return _Off(total, desc, unit, stream=stream)
    if hasattr(stream, "isatty") and stream.isatty():
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit=unit, leave=False, file=stream)
    return _Lines(total, desc, unit, stream=stream)
