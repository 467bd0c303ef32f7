"""Where the data lives (SPEC §2): one rule, asked by everything that reads or writes files.

In this order:
1. `--db PATH_OR_URL` or `OLGA_LOYALTY_DB`: that database. A file keeps its backups beside it
   (`backups/` in the same folder); a server (PostgreSQL) is backed up with its own tools.
2. Else, when the package runs from a source checkout (its parent folder holds the project's
   `pyproject.toml`, the `make run` case): the checkout's `data/loyalty.db`, `data/backups/`,
   `exports/` and `data/logs/`.
3. Else (installed with pipx or pip): the user's folders, from platformdirs — the database and
   its backups in the user data folder of the app `olga-loyalty`, exports in the user's
   documents folder under `Olga Loyalty`, logs in the user log folder.

Never the current working folder: a program started from a desktop shortcut with another
"start in" folder finds the same customers. Exports and logs do not depend on the database:
they follow 2 or 3 also when 1 names it. Nothing here creates a folder or opens a database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "olga-loyalty"
PROJECT_NAME = "olga-loyalty"
DATABASE_NAME = "loyalty.db"
EXPORTS_NAME = "Olga Loyalty"
#: The package folder; a source checkout is its parent. Tests point it elsewhere.
PACKAGE_DIR = Path(__file__).resolve().parent


def checkout_root(package_dir: Path | None = None) -> Path | None:
    """The source checkout the package runs from, or None when it is installed."""
    root = (package_dir or PACKAGE_DIR).parent
    try:
        with open(root / "pyproject.toml", "rb") as handle:
            import tomllib  # only in a checkout: an installed program does not load it

            project = tomllib.load(handle).get("project", {})
    except (OSError, ValueError):  # tomllib.TOMLDecodeError is a ValueError
        return None
    return root if project.get("name") == PROJECT_NAME else None


def _user_dirs():
    import platformdirs

    return platformdirs.PlatformDirs(APP_NAME, appauthor=False)


def default_database() -> Path:
    root = checkout_root()
    if root is not None:
        return root / "data" / DATABASE_NAME
    return _user_dirs().user_data_path / DATABASE_NAME


def exports_folder() -> Path:
    """Files written for people: newsletter lists, data exports, consent forms."""
    root = checkout_root()
    if root is not None:
        return root / "exports"
    return _user_dirs().user_documents_path / EXPORTS_NAME


def logs_folder() -> Path:
    root = checkout_root()
    if root is not None:
        return root / "data" / "logs"
    return _user_dirs().user_log_path


def backups_folder(database: Path) -> Path:
    """Backups live beside the database they are of."""
    return database.parent / "backups"


def is_server(location: str) -> bool:
    return "://" in location and not location.startswith("sqlite:")


def database_file(location: str) -> Path | None:
    """The SQLite file a location names (absolute), or None for a server URL."""
    if is_server(location):
        return None
    for prefix in ("sqlite:///", "sqlite://"):
        if location.startswith(prefix):
            location = location[len(prefix) :]
            break
    return Path(location).expanduser().absolute()


def redact(location: str) -> str:
    """Never print a password from a URL."""
    if "@" in location and "://" in location:
        scheme, rest = location.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user, has_password, _ = creds.partition(":")
        return f"{scheme}://{user}{':***' if has_password else ''}@{host}"
    return location


@dataclass(frozen=True)
class Locations:
    """The four places, resolved once per start. `database` is an absolute file path or a
    server URL; `backups` is None for a server."""

    database: str
    backups: Path | None
    exports: Path
    logs: Path
    #: where the database was named: "option", "environment", "checkout" or "user"
    source: str

    @property
    def database_file(self) -> Path | None:
        return database_file(self.database)

    @property
    def is_default(self) -> bool:
        """The database follows the rule (nobody named it): its folder may be created."""
        return self.source in ("checkout", "user")

    def shown(self) -> dict[str, str | None]:
        """What `paths` prints: absolute paths, a server URL without its password."""
        return {
            "database": redact(self.database) if is_server(self.database) else self.database,
            "backups": str(self.backups) if self.backups else None,
            "exports": str(self.exports),
            "logs": str(self.logs),
        }


def resolve(db: str | None = None, env: Mapping[str, str] | None = None) -> Locations:
    """The rule of this module's docstring, for a `--db` value (or None) and the environment."""
    env = os.environ if env is None else env
    named = (db or "").strip()
    source = "option"
    if not named:
        named = env.get("OLGA_LOYALTY_DB", "").strip()
        source = "environment"
    if named:
        file = database_file(named)
        location = str(file) if file is not None else named
    else:
        file = default_database()
        location = str(file)
        source = "checkout" if checkout_root() is not None else "user"
    return Locations(
        database=location,
        backups=backups_folder(file) if file is not None else None,
        exports=exports_folder(),
        logs=logs_folder(),
        source=source,
    )


# -- the platform's file manager ---------------------------------------------------------------


def file_manager(platform: str | None = None) -> list[str] | None:
    """The command that opens a folder in the platform's file manager, or None where there is
    none (a server, a minimal Linux without xdg-open)."""
    platform = platform or sys.platform
    if platform == "win32":
        return ["explorer"]
    if platform == "darwin":
        return ["open"]
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return None  # a terminal without a desktop: nothing to show a folder in
    found = shutil.which("xdg-open")
    return [found] if found else None


def open_folder(folder: Path) -> bool:
    """Show a folder in the file manager, without waiting for it. False when there is none."""
    command = file_manager()
    if command is None or not folder.is_dir():
        return False
    try:
        subprocess.Popen(
            [*command, str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # it outlives a closed terminal (no SIGHUP)
        )
    except OSError:
        return False
    return True
