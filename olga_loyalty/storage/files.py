"""The private files and folders of `olga_loyalty.files`, under their old name for the code
of the storage layer and above (the files themselves are written from a lower layer, so that
`exports` need not import `storage`)."""

from __future__ import annotations

from olga_loyalty.files import (
    FILE_MODE,
    FOLDER_MODE,
    FOLDER_PROBLEM_LABELS,
    HAS_MODES,
    create_private,
    ensure_folder,
    folder_problem,
    make_private,
    new_output_file,
    read_only_uri,
)

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "FOLDER_PROBLEM_LABELS",
    "HAS_MODES",
    "create_private",
    "ensure_folder",
    "folder_problem",
    "make_private",
    "new_output_file",
    "read_only_uri",
]
