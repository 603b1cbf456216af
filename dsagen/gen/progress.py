"""A small progress bar with time left (tqdm is not a dependency)."""

import sys
import time


class Progress:
    def __init__(self, total: int, label: str, stream=None, width: int = 24):
        self.total, self.label, self.width = max(total, 0), label, width
        self.done = 0
        self.t0 = time.time()
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_tenth = -1
        self._draw()

    def step(self, n: int = 1):
        self.done += n
        self._draw()

    def _draw(self):
        if self.total == 0:
            return
        frac = self.done / self.total
        if not self.tty:  # a log file gets a line per tenth, not a carriage-return animation
            tenth = int(frac * 10)
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
        fill = int(self.width * frac)
        elapsed = time.time() - self.t0
        left = elapsed / self.done * (self.total - self.done) if self.done else None
        eta = "--:--" if left is None else f"{int(left // 60):02d}:{int(left % 60):02d}"
        end = "\n" if self.done >= self.total or not self.tty else ""
        cr = "\r" if self.tty else ""
        self.stream.write(f"{cr}{self.label} [{'#' * fill}{'.' * (self.width - fill)}] "
                          f"{self.done}/{self.total} elapsed {int(elapsed)}s left {eta}{end}")
        self.stream.flush()
