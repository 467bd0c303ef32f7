"""`olga-loyalty shortcut`: a starter on the user's desktop, so the owner never types a command.

- Linux: `olga-loyalty.desktop` (a desktop entry that opens a terminal),
- Windows: `Olga Loyalty.bat` (opens a console window; double-click),
- macOS: `Olga Loyalty.command` (Terminal opens it on a double-click).

Each runs this installation's Python with `-m olga_loyalty`, so it works whether or not the
program's folder is on the PATH, and names the database when it is not the default one (a
`--db` or `OLGA_LOYALTY_DB` given when the shortcut was made). Only the Linux form can be run
on the build machine; the others are tested for their exact text.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from olga_loyalty import paths
from olga_loyalty.domain.errors import Refused
from olga_loyalty.i18n import Translator

TITLE = "Olga Loyalty"
#: The desktop entry's tooltip, in English and (`Comment[de]`) German: the desktop picks one.
COMMENT_LABELS = {"comment": "Customers, consent and bonus points for the shop"}


@dataclass(frozen=True)
class Shortcut:
    name: str
    text: str
    newline: str  # the platform's line ending
    mode: int | None  # file mode where the system has them


def launch_command(location: str) -> list[str]:
    """This installation's Python running the program, on `location` unless it is the default."""
    command = [sys.executable, "-m", "olga_loyalty"]
    if location and location != str(paths.default_database()):
        command += ["--db", location]
    return command


# -- the three forms ----------------------------------------------------------------------------

#: Characters that make a desktop entry's argument need quotes (Desktop Entry Specification,
#: "The Exec key").
_DESKTOP_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def _desktop_argument(arg: str) -> str:
    arg = arg.replace("%", "%%")  # a lone % would start a field code
    if not any(ch in _DESKTOP_RESERVED for ch in arg):
        return arg
    for ch in ("\\", '"', "`", "$"):
        arg = arg.replace(ch, "\\" + ch)
    return f'"{arg}"'


def _desktop_string(value: str) -> str:
    """The escapes of a desktop entry's string value, applied after the quoting rule."""
    return (
        value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    )


def desktop_entry(command: list[str]) -> Shortcut:
    exec_line = " ".join(_desktop_argument(arg) for arg in command)
    comment = COMMENT_LABELS["comment"]
    text = "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.0",
            f"Name={TITLE}",
            f"Comment={comment}",
            f"Comment[de]={_desktop_string(Translator('de').gettext(comment))}",
            f"Exec={_desktop_string(exec_line)}",
            "Terminal=true",
            "Categories=Office;",
            "",
        ]
    )
    return Shortcut("olga-loyalty.desktop", text, "\n", 0o700)


def _batch_argument(arg: str) -> str:
    # Inside double quotes cmd takes & ^ | < > literally; % must be doubled in a batch file.
    return '"' + arg.replace("%", "%%") + '"'


def windows_batch(command: list[str]) -> Shortcut:
    lines = [
        "@echo off",
        f"rem {TITLE}: double-click to start it in a terminal window.",
        "chcp 65001 > nul",  # the lines below are UTF-8 (a user folder with an umlaut)
        f"title {TITLE}",
        " ".join(_batch_argument(arg) for arg in command),
        "if errorlevel 1 pause",  # keep the window open to read a message
        "",
    ]
    return Shortcut(f"{TITLE}.bat", "\n".join(lines), "\r\n", None)


def macos_command(command: list[str]) -> Shortcut:
    lines = [
        "#!/bin/sh",
        f"# {TITLE}: double-click to start it in Terminal.",
        "exec " + " ".join(shlex.quote(arg) for arg in command),
        "",
    ]
    return Shortcut(f"{TITLE}.command", "\n".join(lines), "\n", 0o700)


def shortcut_for(platform: str, command: list[str]) -> Shortcut:
    if platform == "win32":
        return windows_batch(command)
    if platform == "darwin":
        return macos_command(command)
    return desktop_entry(command)


# -- writing it --------------------------------------------------------------------------------


def desktop_folder() -> Path:
    import platformdirs

    return platformdirs.user_desktop_path()


def write(location: str, folder: Path | None = None, platform: str | None = None) -> Path:
    """Write (or replace: it is the program's own file) the shortcut; returns its path."""
    platform = platform or sys.platform
    folder = Path(folder).expanduser().absolute() if folder else desktop_folder()
    if not folder.is_dir():
        raise Refused(
            "There is no desktop folder at {folder} (on the command line, --folder names another).",
            folder=str(folder),
        )
    shortcut = shortcut_for(platform, launch_command(location))
    path = folder / shortcut.name
    try:
        with open(path, "w", encoding="utf-8", newline=shortcut.newline) as handle:
            handle.write(shortcut.text)
        if shortcut.mode is not None and os.name == "posix":
            os.chmod(path, shortcut.mode)
    except OSError as exc:
        raise Refused(
            "The shortcut {path} could not be written: {reason}",
            path=str(path),
            reason=exc.strerror or str(exc),
        ) from None
    if platform.startswith("linux") and shutil.which("gio"):
        # GNOME starts a desktop entry only once it is marked trusted; elsewhere this is moot.
        subprocess.run(
            ["gio", "set", str(path), "metadata::trusted", "true"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    return path
