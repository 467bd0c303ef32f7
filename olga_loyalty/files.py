"""Folders and files that hold personal data: made private where the OS has file modes,
and every problem with them said in words.

Exports, consent forms and access exports carry names, phones and emails, like the
database and its backups: each file is created new (never over another file, never through
a link) with mode 0600 in a folder with mode 0700, so other accounts on the PC cannot read
them. Windows has no such modes (its folders inherit the user's permissions); there the
modes are left alone.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from olga_loyalty.domain.errors import InvalidInput, StorageError

HAS_MODES = os.name != "nt"
FILE_MODE = 0o600
FOLDER_MODE = 0o700


#: Why a folder cannot be used (translated where the message is shown).
FOLDER_PROBLEM_LABELS = {
    "dangling": "it is a link to a folder that does not exist",
    "file": "a file of that name is in the way",
}


def folder_problem(folder: Path, exc: OSError) -> str:
    """Why a folder cannot be made or used, in words."""
    if folder.is_symlink() and not folder.exists():
        return FOLDER_PROBLEM_LABELS["dangling"]
    if folder.exists() and not folder.is_dir():
        return FOLDER_PROBLEM_LABELS["file"]
    return exc.strerror or str(exc)


def ensure_folder(folder: Path, *, private: bool = False) -> Path:
    """Create the folder (and its parents) if missing; `private` makes it 0700."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            raise NotADirectoryError(20, "Not a directory", str(folder))
        if private and HAS_MODES:
            os.chmod(folder, FOLDER_MODE)
    except OSError as exc:
        raise StorageError(
            "The folder {folder} cannot be used: {reason}.",
            folder=str(folder),
            reason=folder_problem(folder, exc),
        ) from None
    return folder


def create_private(path: Path) -> Path:
    """Create a new, empty file with mode 0600: never over an existing file, never through a
    link (`O_EXCL | O_NOFOLLOW`). FileExistsError when the name is taken."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        if HAS_MODES:
            os.fchmod(fd, FILE_MODE)  # whatever the umask made of it
    finally:
        os.close(fd)
    return path


def new_output_file(path: Path, *, field: str = "out") -> Path:
    """A file a person named (`--out`): refused when it exists or is a link (even a link to
    nowhere), or when its folder is missing; created empty with mode 0600."""
    if path.is_symlink():
        raise InvalidInput(
            "{path} is a link; an export writes only a new, plain file.",
            field=field,
            path=str(path),
        )
    if path.is_dir():
        raise InvalidInput(
            "{path} is a folder; give the new file's name, like {example}.",
            field=field,
            path=str(path),
            example=str(path / "export.xlsx"),
        )
    if path.exists():
        raise InvalidInput(
            "{path} exists already; an export never overwrites a file.", field=field, path=str(path)
        )
    if not path.parent.is_dir():
        raise InvalidInput(
            "The folder {folder} does not exist.", field=field, folder=str(path.parent)
        )
    try:
        return create_private(path)
    except FileExistsError:  # created (or linked) a moment ago
        raise InvalidInput(
            "{path} exists already; an export never overwrites a file.", field=field, path=str(path)
        ) from None
    except OSError as exc:
        raise StorageError(
            "Cannot write {path}: {reason}", path=str(path), reason=exc.strerror or str(exc)
        ) from None


def make_private(path: Path) -> None:
    """Mode 0600 for a file a library wrote (it may have made a new one)."""
    if HAS_MODES and path.exists() and not path.is_symlink():
        os.chmod(path, FILE_MODE)


def read_only_uri(path: PurePath) -> str:
    """An SQLite URI that opens `path` read-only. `as_uri()` escapes what a URI would misread
    (`#`, `?`, `%`, spaces, umlauts: `we?ird.db` is opened as itself, not as `we` with a
    query) and writes a Windows drive as `file:///C:/...`; a Windows network share
    (`\\\\server\\share`) gets the empty authority SQLite requires."""
    uri = (path if path.is_absolute() else Path(path).absolute()).as_uri()
    if not uri.startswith("file:///"):
        uri = "file:////" + uri[len("file://") :]
    return uri + "?mode=ro"
