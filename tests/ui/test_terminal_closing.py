"""The UI ends with its window (olga_loyalty/ui/terminal.py), tested under a real pseudo-terminal:
start the UI, close the terminal, and the process ends by itself with the database closed
(SQLite removes the `-wal` file when the last connection closes). That is the proof that it
ended the normal way, before `LAST_CHANCE` (4 s): the last-chance exit leaves the `-wal` file.
No test here bounds the seconds more tightly — the machine's load would decide it. Directly (the terminal sends
SIGHUP) and under `make run` (make holds SIGHUP back while it waits: the program only sees its
input hang up — before, it stayed alive at 60–85 % CPU holding the database)."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from olga_loyalty.cli import main

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.sqlite_only,  # the -wal file is how a closed SQLite database is seen
    pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX"),
]


def start_in_terminal(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: a new session whose controlling terminal is the pty
        try:
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    return pid, fd


def wait_for_screen(fd: int, text: bytes, timeout: float = 60.0) -> bytes:
    seen = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end and text not in seen:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    return seen


def processes_using(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if marker in cmdline and int(entry.name) != os.getpid():
                found.append(int(entry.name))
    return found


def wait_gone(pid: int, marker: str, timeout: float) -> tuple[float, int | None]:
    """Seconds until the child has exited and no process runs on the database any more."""
    started = time.monotonic()
    status = None
    while time.monotonic() - started < timeout:
        if status is None:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = raw
        if status is not None and not processes_using(marker):
            return time.monotonic() - started, status
        time.sleep(0.02)
    return time.monotonic() - started, status


@pytest.fixture
def shop_file(tmp_path, monkeypatch):
    """A set-up shop in a folder of its own, whose path marks the program's processes."""
    folder = tmp_path / f"terminal-{os.getpid()}-{time.monotonic_ns()}"
    folder.mkdir()
    db = folder / "loyalty.db"
    monkeypatch.setenv("OLGA_LOYALTY_NOW", "2026-11-23T10:00")
    assert main(["--db", str(db), "customer", "add", "--first-name", "Anna", "--last-name",
                 "Müller", "--phone", "0151 1234 5678", "--consent-data"]) == 0  # fmt: skip
    yield db
    for pid in processes_using(str(db)):  # a failed test leaves no spinning program behind
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def terminal_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "OLGA_LOYALTY_LANG": "en",
        "OLGA_LOYALTY_NOW": "2026-11-23T10:00",
        "PYTHONPATH": str(ROOT),
    }


def close_terminal_and_wait(pid: int, fd: int, db: Path) -> tuple[float, int | None]:
    os.close(fd)  # the window closes: the pty's other side is gone
    return wait_gone(pid, str(db), timeout=15)


def test_closing_the_terminal_ends_the_program(shop_file, user_home):
    argv = [sys.executable, "-m", "olga_loyalty", "--db", str(shop_file)]
    pid, fd = start_in_terminal(argv, terminal_env(user_home), shop_file.parent)
    assert b"Olga Loyalty" in wait_for_screen(fd, b"Olga Loyalty")
    time.sleep(0.5)  # the daily run and the backup of the day, in their workers
    assert Path(f"{shop_file}-wal").exists()  # open
    seconds, status = close_terminal_and_wait(pid, fd, shop_file)
    assert status is not None, f"still running after {seconds:.1f} s"
    assert os.waitstatus_to_exitcode(status) == 128 + signal.SIGHUP  # ended by itself
    assert not Path(f"{shop_file}-wal").exists(), f"the database was not closed ({seconds:.1f} s)"


def test_a_hangup_signal_alone_ends_the_program(shop_file, user_home):
    """An SSH session dropped, a desktop terminal closed: SIGHUP, the pty may linger."""
    argv = [sys.executable, "-m", "olga_loyalty", "--db", str(shop_file)]
    pid, fd = start_in_terminal(argv, terminal_env(user_home), shop_file.parent)
    try:
        assert b"Olga Loyalty" in wait_for_screen(fd, b"Olga Loyalty")
        time.sleep(0.5)
        os.kill(pid, signal.SIGHUP)
        seconds, status = wait_gone(pid, str(shop_file), timeout=15)
    finally:
        os.close(fd)
    assert status is not None and os.waitstatus_to_exitcode(status) == 129
    assert not Path(f"{shop_file}-wal").exists(), f"the database was not closed ({seconds:.1f} s)"


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "olga-loyalty").exists(), reason="no .venv")
def test_closing_the_terminal_ends_make_run(shop_file, user_home):
    env = terminal_env(user_home)
    env.pop("PYTHONPATH")  # make run uses the checkout's .venv, as a developer's would
    argv = ["make", "--no-print-directory", "run", f"ARGS=--db {shop_file}"]
    pid, fd = start_in_terminal(argv, env, ROOT)
    assert b"Olga Loyalty" in wait_for_screen(fd, b"Olga Loyalty")
    time.sleep(0.5)
    running = processes_using(str(shop_file))
    assert running, "the program is not running under make"
    seconds, _ = close_terminal_and_wait(pid, fd, shop_file)
    assert not processes_using(str(shop_file)), f"still running after {seconds:.1f} s: {running}"
    assert not Path(f"{shop_file}-wal").exists(), f"the database was not closed ({seconds:.1f} s)"


def test_the_screen_needs_a_terminal(tmp_path, capsys, monkeypatch):
    """Started without one (input from a file, a service): a message, not a spinning process."""
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["--db", str(tmp_path / "x.db")]) == 1
    assert capsys.readouterr().err == (
        "error: The screen needs a terminal; give a command instead (see 'olga-loyalty --help').\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_hung_up_terminal_is_seen():
    from olga_loyalty.ui.terminal import terminal_gone

    master, slave = os.openpty()
    try:
        assert not terminal_gone(slave)
        os.close(master)
        assert terminal_gone(slave)
    finally:
        os.close(slave)


def test_no_watcher_where_poll_misreads_a_terminal(monkeypatch):
    """macOS answers POLLNVAL for any tty: the watcher must not end the program at once."""
    import io

    from olga_loyalty.ui import terminal

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

        def fileno(self) -> int:
            return 0

    monkeypatch.setattr(sys, "__stdin__", Tty())
    monkeypatch.setattr(terminal, "terminal_gone", lambda fd=0: True)
    assert terminal.TerminalWatch._can_watch() is False
    monkeypatch.setattr(terminal, "terminal_gone", lambda fd=0: False)
    assert terminal.TerminalWatch._can_watch() is True


def test_writes_to_a_dead_terminal_are_dropped():
    from olga_loyalty.ui.terminal import QuietStream

    class Dead:
        def write(self, text):
            raise OSError(5, "Input/output error")

        def flush(self):
            raise OSError(5, "Input/output error")

        def fileno(self):
            return 2

    stream = QuietStream(Dead())
    assert stream.write("\x1b[?1049l") == 8
    stream.flush()
    assert stream.fileno() == 2


def test_an_error_in_the_screen_ends_with_one_line_and_a_logged_traceback(shop_file, user_home):
    log_folder = user_home / "log"
    script = Path(__file__).parent / "crashing_app.py"
    argv = [sys.executable, str(script), str(shop_file), str(log_folder)]
    pid, fd = start_in_terminal(argv, terminal_env(user_home), shop_file.parent)
    try:
        assert b"Olga Loyalty" in wait_for_screen(fd, b"Olga Loyalty")
        time.sleep(0.5)
        os.write(fd, b"\x14")  # ctrl+t
        log = log_folder / "olga-loyalty.log"
        screen = wait_for_screen(fd, b"Unexpected error; details in", timeout=30)
        _, status = wait_gone(pid, str(shop_file), timeout=15)
    finally:
        os.close(fd)
    assert f"Unexpected error; details in {log}".encode() in screen
    assert b"Traceback" not in screen  # Textual's own traceback (with locals) is not shown
    assert os.waitstatus_to_exitcode(status) == 1
    text = log.read_text(encoding="utf-8")
    assert "ERROR" in text and "unexpected error in the screen" in text
    assert 'raise KeyError("a bug in a key\'s action")' in text


def output_blocked(pid: int) -> bool:
    """Is a thread of `pid` stuck writing to its terminal (the pty's buffer is full)?"""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            wchan = (task / "wchan").read_text()
        except OSError:
            continue
        if "tty" in wchan or "write" in wchan or wchan == "wait_woken":
            return True
    return False


@pytest.mark.parametrize("number", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_a_signal_ends_the_program_while_nothing_reads_its_screen(shop_file, user_home, number):
    """A frozen terminal or a stalled SSH connection: the program's screen output waits for
    a reader that never comes, and keys typed on fill the output queue until the event loop
    itself waits. A hangup or SIGTERM still ends it the normal way, with the database closed
    — not by the last-chance exit, which leaves the `-wal` file behind. (Before: with the
    signals handled by the event loop, such a program never ended at all.)"""
    argv = [sys.executable, "-m", "olga_loyalty", "--db", str(shop_file)]
    pid, fd = start_in_terminal(argv, terminal_env(user_home), shop_file.parent)
    try:
        assert b"Olga Loyalty" in wait_for_screen(fd, b"Olga Loyalty")
        time.sleep(0.5)
        end = time.monotonic() + 30
        while not output_blocked(pid) and time.monotonic() < end:
            os.write(fd, b"Anna\x7f\x7f\x7f\x7f")  # typed and rubbed out: the screen repaints
            time.sleep(0.02)
        assert output_blocked(pid), "the screen output never filled the terminal"
        os.set_blocking(fd, False)
        for n in range(300):  # typed on: the screen's output queue fills up behind the write
            try:
                os.write(fd, b"a" if n % 2 == 0 else b"\x7f")
            except BlockingIOError:
                pass
            time.sleep(0.005)
        os.set_blocking(fd, True)
        os.kill(pid, number)
        seconds, status = wait_gone(pid, str(shop_file), timeout=15)
    finally:
        os.close(fd)
    assert status is not None and os.waitstatus_to_exitcode(status) == 128 + number
    assert not Path(f"{shop_file}-wal").exists(), f"ended by the last-chance exit ({seconds:.1f} s)"


def test_sigterm_gives_a_living_terminal_back_as_it_was(shop_file, user_home):
    """`kill` (or a shutdown) with the terminal still there: the end writes what leaves the
    alternate screen, turns the mouse off and shows the cursor, as quitting does (before,
    SIGTERM pointed the output at the null device first: the window was left in the dead
    screen, the mouse reporting and the cursor hidden)."""
    argv = [sys.executable, "-m", "olga_loyalty", "--db", str(shop_file)]
    pid, fd = start_in_terminal(argv, terminal_env(user_home), shop_file.parent)
    try:
        assert b"Olga Loyalty" in wait_for_screen(fd, b"Olga Loyalty")
        time.sleep(0.5)
        os.kill(pid, signal.SIGTERM)
        after = wait_for_screen(fd, b"\x1b[?1049l", timeout=15)
        seconds, status = wait_gone(pid, str(shop_file), timeout=15)
    finally:
        os.close(fd)
    assert b"\x1b[?1049l" in after  # the main screen back
    assert b"\x1b[?25h" in after  # the cursor shown
    assert status is not None and os.waitstatus_to_exitcode(status) == 128 + signal.SIGTERM
    assert not Path(f"{shop_file}-wal").exists(), f"the database was not closed ({seconds:.1f} s)"
