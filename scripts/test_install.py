"""`make test-install`: Olga Loyalty as a shop PC has it — a wheel built from this checkout,
installed into a fresh virtual environment outside the checkout, run with HOME at an empty
folder from two different working folders (as desktop shortcuts with different "start in"
folders would). It checks that both see the same customers, that every file is where
`olga-loyalty paths` says (in the home folder), that the working folders stay empty, that a
backup copied to `Boutique #1 (Kopie) 100%` is restored, that a mistyped `--db` creates nothing
and that the log holds no personal data. Every command and its output is printed.

Needs the network or pip's cache for the dependencies (CI has PyPI). POSIX paths (bin/).
`TEST_INSTALL_KEEP=1` keeps the temporary folder to look at.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-01-10T10:00:00+01:00"


def say(text: str) -> None:
    print(text, flush=True)


def run(argv: list, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], check=True, **kwargs)


class Shop:
    """The installed program, started like a user would: HOME and nothing else set."""

    def __init__(self, program: Path, home: Path, base: Path) -> None:
        self.program, self.home, self.base = program, home, base
        self.env = {
            "PATH": f"{program.parent}:/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "OLGA_LOYALTY_LANG": "en",
            "OLGA_LOYALTY_NOW": NOW,
        }

    def __call__(self, folder: Path, *args: str, code: int = 0) -> tuple[str, str]:
        shown = str(folder).replace(str(self.base), "$T")
        command = shlex.join(args).replace(str(self.base), "$T")
        say(f"\n$ cd {shlex.quote(shown)} && olga-loyalty {command}")
        done = subprocess.run(
            [str(self.program), *args], cwd=folder, env=self.env, capture_output=True, text=True
        )
        for line in (done.stdout + done.stderr).splitlines():
            say("  " + line.replace(str(self.base), "$T"))
        if done.returncode != code:
            raise SystemExit(f"exit code {done.returncode}, expected {code}")
        return done.stdout, done.stderr


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    say(f"  ok: {what}")


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def main() -> int:
    base = Path(tempfile.mkdtemp(prefix="olga-install-"))
    say(f"$T = {base}")
    try:
        say("\n# the wheel, built from the checkout")
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", ROOT])
        wheel = next((base / "dist").glob("olga_loyalty-*.whl"))
        version = wheel.name.split("-")[1]
        say(f"  {wheel.name}")
        say("\n# a fresh virtual environment outside the checkout, the wheel installed into it")
        python = getattr(sys, "_base_executable", sys.executable)
        run([python, "-m", "venv", base / "venv"])
        run([base / "venv/bin/python", "-m", "pip", "install", "-q", wheel])
        program = base / "venv/bin/olga-loyalty"
        home = base / "home"
        home.mkdir()
        first, second = base / "work" / "Schreibtisch", base / "work" / "Kasse 2"
        first.mkdir(parents=True)
        second.mkdir(parents=True)
        shop = Shop(program, home, base)

        out, _ = shop(first, "--version")
        check(out.strip() == f"olga-loyalty {version}", "--version is the wheel's version")
        out, _ = shop(first, "paths", "--json")
        where = {key: Path(value) for key, value in json.loads(out).items()}
        check(
            all(p.is_absolute() and home in p.parents for p in where.values()),
            "paths --json: four absolute paths in the home folder",
        )
        check(files_under(home) == [], "paths opened and created nothing")

        shop(first, "customer", "add", "--first-name", "Anna", "--last-name", "Müller",
             "--phone", "0151 1234 5678", "--email", "anna@example.com",
             "--consent-data", "--consent-email", "--staff", "Olga")  # fmt: skip
        out, _ = shop(second, "find", "müller")
        check("Anna Müller" in out, "registered from one folder, found from another")
        out, _ = shop(second, "export", "newsletter", "--channel", "email")
        export = where["exports"] / "newsletter-email-all-generic-2026-01-10.xlsx"
        check(str(export) in out and export.is_file(), "the export is in the exports folder")
        out, _ = shop(second, "backup")
        made = next(where["backups"].glob("loyalty-*-manual.db"))
        check(str(made) in out, "the backup is in the backups folder")
        kopie = base / "Boutique #1 (Kopie) 100%"
        kopie.mkdir()
        copy = shutil.copy(made, kopie / made.name)
        say(f"\n$ cp {made.name} '$T/{kopie.name}/'")
        shop(first, "purchase", "1", "50,00")
        out, _ = shop(first, "restore", str(copy))
        check(
            out.startswith(f"Restored {copy}."), "the copy in 'Boutique #1 (Kopie) 100%' restored"
        )
        out, _ = shop(second, "show", "1")
        check("Balance: 100 points" in out, "the purchase after the backup is gone again")
        mistyped = second / "Kase" / "loyalty.db"
        _, err = shop(second, "--db", str(mistyped), "find", "müller", code=1)
        check(err.startswith(f"error: no database at {mistyped}"), "a mistyped --db: an error")
        check(not mistyped.parent.exists(), "a mistyped --db created nothing")
        (home / "Desktop").mkdir()
        out, _ = shop(second, "shortcut")
        check((home / "Desktop" / "olga-loyalty.desktop").is_file(), "the desktop shortcut")

        check(files_under(first) == [] and files_under(second) == [], "working folders empty")
        check(Path(where["database"]).is_file(), "the database is where paths says")
        logs = files_under(where["logs"])
        check([p.name for p in logs] == ["olga-loyalty.log"], "the log is where paths says")
        text = logs[0].read_text(encoding="utf-8")
        check(
            not any(w in text for w in ("Anna", "Müller", "15112345678", "anna@", "Olga")),
            "the log holds no name, phone or email",
        )
        say("\n$ find $T/home -type f")
        for path in files_under(home):
            say("  " + str(path).replace(str(base), "$T"))
        say("\ntest-install: all checks passed")
        return 0
    finally:
        if os.environ.get("TEST_INSTALL_KEEP"):
            say(f"kept: {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
