"""`olga-loyalty shortcut`: a `.desktop` file on Linux, a `.bat` starter on Windows, a `.command`
starter on macOS, on the user's desktop. The platform is faked for Windows and macOS (only Linux
runs here): their exact text is checked, the macOS script is also run by `sh`, and the Linux
entry's Exec line is read back the way a desktop reads it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from olga_loyalty import paths, shortcut
from olga_loyalty.cli import main

#: Arguments a real installation can have: a user folder with an umlaut and a space, a shop
#: folder with `#`, `%`, `$`, quotes and a backslash.
ODD = [
    "/home/jürgen m/.local/pipx/venvs/olga-loyalty/bin/python",
    "-m",
    "olga_loyalty",
    "--db",
    '/srv/Boutique #1 (Kopie) 100% $HOME `x` "q" it\'s \\ ok/loyalty.db',
]


def test_linux_desktop_entry():
    entry = shortcut.shortcut_for("linux", ["/usr/bin/python3", "-m", "olga_loyalty"])
    assert (entry.name, entry.newline, entry.mode) == ("olga-loyalty.desktop", "\n", 0o700)
    assert entry.text == (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.0\n"
        "Name=Olga Loyalty\n"
        "Comment=Customers, consent and bonus points for the shop\n"
        "Comment[de]=Kundinnen, Einwilligungen und Bonuspunkte für das Geschäft\n"
        "Exec=/usr/bin/python3 -m olga_loyalty\n"
        "Terminal=true\n"
        "Categories=Office;\n"
    )


def read_exec_line(value: str) -> list[str]:
    """How a desktop (GLib, KDE) reads Exec: the string escapes, then the quoting rule, then
    %% as %. Written from the Desktop Entry Specification, independently of the code."""
    unescaped, i = "", 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            unescaped += {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[value[i + 1]]
            i += 2
        else:
            unescaped += value[i]
            i += 1
    args, current, quoted, i, started = [], "", False, 0, False
    while i < len(unescaped):
        ch = unescaped[i]
        if quoted and ch == "\\" and unescaped[i + 1] in '"`$\\':
            current += unescaped[i + 1]
            i += 2
            continue
        if ch == '"':
            quoted, started = not quoted, True
        elif ch == " " and not quoted:
            if started:
                args.append(current)
            current, started = "", False
        else:
            current += ch
            started = True
        i += 1
    if started:
        args.append(current)
    return [arg.replace("%%", "%") for arg in args]


def test_linux_exec_line_reads_back_as_the_same_arguments():
    text = shortcut.shortcut_for("linux", ODD).text
    line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert line == (
        'Exec="/home/jürgen m/.local/pipx/venvs/olga-loyalty/bin/python" -m olga_loyalty --db '
        '"/srv/Boutique #1 (Kopie) 100%% \\\\$HOME \\\\`x\\\\` \\\\"q\\\\" it\'s \\\\\\\\ ok/loyalty.db"'
    )
    assert read_exec_line(line[len("Exec=") :]) == ODD


def test_windows_batch_starter():
    command = [
        r"C:\Users\Jürgen\pipx\venvs\olga-loyalty\Scripts\python.exe",
        "-m",
        "olga_loyalty",
        "--db",
        r"D:\Kasse & Büro 100%\loyalty.db",
    ]
    starter = shortcut.shortcut_for("win32", command)
    assert (starter.name, starter.newline, starter.mode) == ("Olga Loyalty.bat", "\r\n", None)
    assert starter.text.split("\n") == [
        "@echo off",
        "rem Olga Loyalty: double-click to start it in a terminal window.",
        "chcp 65001 > nul",
        "title Olga Loyalty",
        r'"C:\Users\Jürgen\pipx\venvs\olga-loyalty\Scripts\python.exe" "-m" "olga_loyalty" '
        r'"--db" "D:\Kasse & Büro 100%%\loyalty.db"',
        "if errorlevel 1 pause",
        "",
    ]


def test_macos_command_starter_runs_with_the_same_arguments(tmp_path):
    starter = shortcut.shortcut_for("darwin", ODD)
    assert (starter.name, starter.newline, starter.mode) == ("Olga Loyalty.command", "\n", 0o700)
    assert starter.text.splitlines()[:2] == [
        "#!/bin/sh",
        "# Olga Loyalty: double-click to start it in Terminal.",
    ]
    # Run it as Terminal would (with sh), with a program that prints what it was given.
    echo = [sys.executable, "-c", "import json, sys; print(json.dumps(sys.argv[1:]))"]
    script = tmp_path / starter.name
    script.write_text(shortcut.shortcut_for("darwin", echo + ODD[1:]).text, encoding="utf-8")
    done = subprocess.run(["sh", str(script)], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == ODD[1:]


def test_the_shortcut_names_the_database_only_when_it_is_not_the_default(user_home):
    default = str(paths.default_database())
    assert shortcut.launch_command(default) == [sys.executable, "-m", "olga_loyalty"]
    assert shortcut.launch_command("/srv/l.db") == [
        sys.executable,
        "-m",
        "olga_loyalty",
        "--db",
        "/srv/l.db",
    ]


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_written_onto_the_desktop(user_home, platform):
    desktop = user_home / "Desktop"
    desktop.mkdir()
    path = shortcut.write("/srv/l.db", platform=platform)
    expected = shortcut.shortcut_for(platform, shortcut.launch_command("/srv/l.db"))
    assert path == desktop / expected.name
    assert path.read_bytes() == expected.text.replace("\n", expected.newline).encode("utf-8")
    if expected.mode is not None:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    path.write_text("an old starter")  # made again (a new installation): replaced
    assert shortcut.write("/srv/l.db", platform=platform) == path
    assert path.read_bytes() == expected.text.replace("\n", expected.newline).encode("utf-8")


def test_the_command(user_home, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["shortcut"]) == 1
    assert capsys.readouterr().err == (
        f"error: There is no desktop folder at {user_home / 'Desktop'} (on the command line, "
        "--folder names another).\n"
    )
    (user_home / "Desktop").mkdir()
    assert main(["--db", "kasse.db", "shortcut", "--json"]) == 0
    written = json.loads(capsys.readouterr().out)["path"]
    assert written == str(user_home / "Desktop" / "olga-loyalty.desktop")
    assert f"-m olga_loyalty --db {tmp_path / 'kasse.db'}\n" in open(written).read()
    assert main(["shortcut", "--folder", str(tmp_path)]) == 0
    assert capsys.readouterr().out == (f"Wrote the shortcut {tmp_path / 'olga-loyalty.desktop'}.\n")
    assert not (tmp_path / "kasse.db").exists()  # making a shortcut opens no database
