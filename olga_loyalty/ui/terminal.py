"""The UI ends with its terminal: a closed window, a dropped SSH connection or the end of the
terminal's input end the program within a second, with the database closed.

Without this, a closed terminal left an invisible process behind that held the database all
day and spun on the dead input at 60–85 % CPU: Textual's input thread reads end-of-file in a
loop, and under `make run` no SIGHUP arrives at all (make holds it back while it waits for the
program). So:
- SIGHUP and SIGTERM end the app the normal way (POSIX; Windows ends a console program itself
  when its window closes);
- a watcher thread looks at the terminal four times a second and does the same when it has
  hung up (`poll` reports POLLHUP/POLLERR/POLLNVAL on standard input), where `poll` works on
  a terminal (Linux; not macOS, where the signals do it);
- the screen output stops failing once the terminal is gone (writes to it are dropped), and a
  write held by a terminal that no longer reads is interrupted, so shutting down cannot stall
  on it; if shutting down still takes longer than a few seconds,
  the process ends anyway (SQLite's WAL keeps every committed action).
"""

from __future__ import annotations

import asyncio
import functools
import os
import select
import signal
import sys
import threading
import time
from typing import Any

#: How often the watcher looks at the terminal (seconds).
WATCH_INTERVAL = 0.25
#: After the terminal is gone: how long a normal shutdown may take before the process ends.
LAST_CHANCE = 4.0
#: After SIGTERM (the terminal may still be there): how long its output may take to end.
TERMINAL_GRACE = 1.0
_GONE = (
    getattr(select, "POLLHUP", 0) | getattr(select, "POLLERR", 0) | getattr(select, "POLLNVAL", 0)
)


class QuietStream:
    """The terminal's output stream, that drops writes once the terminal is gone (EIO)
    instead of killing Textual's writer thread, which would then block the app."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def hangup_safe(driver_class: type) -> type:
    """The platform's Textual driver, writing through a `QuietStream`."""

    class HangupSafeDriver(driver_class):  # the platform's driver class, chosen at run time
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            # Textual's drivers have no public way to their output stream: `_file` is it.
            stream = getattr(self, "_file", None)
            if stream is not None:
                self._file = QuietStream(stream)

    HangupSafeDriver.__name__ = driver_class.__name__
    return HangupSafeDriver


def terminal_gone(fd: int = 0) -> bool:
    """Has the terminal on `fd` hung up (window closed, connection dropped, input ended)?"""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return any(events & _GONE for _, events in poller.poll(0))


class TerminalWatch:
    """Ends `app` (by `app.exit(return_code)`) when its terminal goes away."""

    def __init__(self, app, on_gone=None) -> None:
        self.app = app
        self.on_gone = on_gone
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ended = threading.Event()

    def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        if os.name != "posix":
            return
        for number in (signal.SIGHUP, signal.SIGTERM):
            # Not the event loop's signal handlers: a terminal that stopped reading fills
            # Textual's output queue, and the loop then waits in `put` and would never run
            # them. Python runs this one in the main thread wherever it waits.
            signal.signal(number, self._on_signal)
        if self._can_watch():
            threading.Thread(target=self._watch, name="terminal-watch", daemon=True).start()

    @staticmethod
    def _can_watch() -> bool:
        """Only where `poll` works on a terminal: on macOS it answers POLLNVAL for any tty,
        which would read as "gone" at once; there (and wherever the first look says so) the
        signals alone end the program — Terminal.app sends SIGHUP when a window closes."""
        stdin = sys.__stdin__
        if not hasattr(select, "poll") or stdin is None or not stdin.isatty():
            return False
        try:
            return not terminal_gone(stdin.fileno())
        except (OSError, ValueError):
            return False

    def _watch(self) -> None:
        stdin = sys.__stdin__
        if stdin is None:  # never so: started only when `_can_watch` found a terminal
            return
        fd = stdin.fileno()
        while not self._ended.wait(WATCH_INTERVAL):
            try:
                gone = terminal_gone(fd)
            except (OSError, ValueError):
                gone = True
            if gone:
                self.end(129, "the terminal hung up")
                return

    def _on_signal(self, number: int, frame: Any) -> None:
        # SIGHUP: the terminal is gone. SIGTERM: it may well be there (`kill`, a shutdown),
        # and the normal end gives it back as it was (main screen, mouse off, cursor on).
        self.end(128 + number, signal.Signals(number).name, gone=number == signal.SIGHUP)

    def end(self, code: int, why: str, *, gone: bool = True) -> None:
        """From a signal handler (main thread) or the watcher thread: silence the terminal if
        it is `gone`, ask the app to end, and make sure the process ends even if that stalls."""
        if self._ended.is_set():
            return
        self._ended.set()
        if gone:
            _silence_terminal()
        threading.Thread(
            target=self._free_blocked_output, args=(why, gone), name="terminal-free", daemon=True
        ).start()
        timer = threading.Timer(LAST_CHANCE, os._exit, (code,))
        timer.daemon = True
        timer.start()
        assert self.loop is not None
        self.loop.call_soon_threadsafe(functools.partial(self.app.exit, None, code))

    def _free_blocked_output(self, why: str, silenced: bool) -> None:
        """A terminal that hangs without reading (a frozen window, a stalled SSH connection) may
        hold Textual's output thread in a write that never returns, and shutting down waits for
        that thread. After SIGTERM (`silenced` False: the terminal may be well) the output first
        gets `TERMINAL_GRACE` to end by itself, which gives the terminal back as it was; only
        then are the streams pointed at the null device. A signal then interrupts the blocked
        write, which is retried on the null device (or ends after the part written) and
        returns. The signal is SIGHUP, whose handler (`TerminalWatch.start`) does nothing once
        the end has begun. Kicked a few times, in case the write had not yet begun at the first
        kick; the thread ends with the output thread. It also writes the log line (`on_gone`),
        which a signal handler should not."""
        if self.on_gone is not None:
            self.on_gone(why)
        if not silenced:  # a terminal that is still there gets a moment to take the end
            for writer in _output_threads():
                writer.join(TERMINAL_GRACE)
            if not _output_threads():
                return
            _silence_terminal()  # it does not read: as if gone
        end = time.monotonic() + LAST_CHANCE
        while time.monotonic() < end:
            writers = _output_threads()
            if not writers:
                return
            for writer in writers:
                if writer.ident is not None:
                    try:
                        signal.pthread_kill(writer.ident, signal.SIGHUP)
                    except (OSError, ProcessLookupError):
                        pass
            time.sleep(WATCH_INTERVAL / 2)


def _output_threads() -> list[threading.Thread]:
    # Textual names its output thread so (textual/drivers/_writer_thread.py).
    return [t for t in threading.enumerate() if t.name == "textual-output"]


def _silence_terminal() -> None:
    """Point the standard streams at the null device: the terminal is gone, and reading or
    writing it would fail or (reading) return end-of-file at once, over and over."""
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    for fd in (0, 1, 2):
        try:
            os.dup2(null, fd)
        except OSError:
            pass
    os.close(null)
