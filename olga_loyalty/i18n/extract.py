"""Find every message the program shows, for the catalogue check (`python -m olga_loyalty.i18n.extract`).

A message is a string literal given to the translator (`t(...)`, `gettext(...)`), to one
of the error classes, as a Binding's description, as an argparse `help=` or `description=`
(the command line translates them), or as a value of a module-level table
of labels (names ending in LABELS, NAMES, PLACEHOLDERS, or NUMBER_FIELDS).
A plural message is the pair of English forms given to `ngettext(...)` or `Plural(...)`;
its catalogue entry is keyed by the singular and holds one form per plural category.
"""

from __future__ import annotations

import ast
import json
import string
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
TRANSLATING_CALLS = {"t", "gettext", "_", "N_"}
PLURAL_CALLS = {"ngettext", "Plural"}
ERROR_CLASSES = {
    "InvalidInput",
    "Refused",
    "NotFound",
    "CustomerErased",
    "StorageError",
    "DatabaseBusy",
    "LoyaltyError",
    "MailError",
    "NoProofOfConsent",
}
TABLE_SUFFIXES = ("LABELS", "NAMES", "PLACEHOLDERS", "NUMBER_FIELDS")
SKIP_FILES = {"extract.py"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _text(node: ast.AST | None) -> str | None:
    """The text of a string literal, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _strings(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str) and child.value.strip():
            yield child.value


def messages(root: Path = PACKAGE) -> set[str]:
    found: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        if path.name in SKIP_FILES:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for kw in node.keywords:  # a label put into a message is translated too,
                    # and the command line's help texts (cli/argparse_texts.translate_help)
                    text = _text(kw.value)
                    if kw.arg in ("label", "help", "description") and text is not None:
                        found.add(text)
                name = _name(node.func)
                if name in TRANSLATING_CALLS or name in ERROR_CLASSES:
                    text = _text(node.args[0]) if node.args else None
                    if text is not None:
                        found.add(text)
                elif name == "Binding":
                    text = _text(node.args[2]) if len(node.args) >= 3 else None
                    if text is not None:
                        found.add(text)
                    for kw in node.keywords:
                        text = _text(kw.value)
                        if kw.arg == "description" and text is not None:
                            found.add(text)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = _name(node.targets[0])
                if target.endswith(TABLE_SUFFIXES):
                    if isinstance(node.value, ast.Dict):
                        found.update(s for v in node.value.values for s in _strings(v))
                    else:
                        for element in getattr(node.value, "elts", []):
                            if isinstance(element, ast.Tuple) and len(element.elts) == 2:
                                found.update(_strings(element.elts[1]))
            elif isinstance(node, ast.FunctionDef) and node.name == "_screens":
                for ret in ast.walk(node):
                    texts = [_text(e) for e in ret.elts] if isinstance(ret, ast.Tuple) else []
                    if texts and texts[0] is not None:
                        found.add(texts[0])
                        if len(texts) == 2 and texts[1] is not None:
                            found.add(texts[1])
    return {m for m in found if m.strip() and any(ch.isalpha() for ch in m)}


def plurals(root: Path = PACKAGE) -> dict[str, str]:
    """Every plural message: English singular → English plural."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        if path.name in SKIP_FILES:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and _name(node.func) in PLURAL_CALLS
                and len(node.args) >= 2
            ):
                one, many = _text(node.args[0]), _text(node.args[1])
                if one is not None and many is not None:
                    found[one] = many
    return found


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def main() -> int:
    catalogue_path = Path(__file__).with_name("de.json")
    catalogue = json.loads(catalogue_path.read_text("utf-8"))
    plural = plurals()
    missing = sorted((messages() | set(plural)) - set(catalogue))
    if "--update" in sys.argv:
        from olga_loyalty.i18n import plural_categories  # Babel: only for --update

        for message in missing:
            catalogue[message] = (
                dict.fromkeys(plural_categories("de"), "") if message in plural else ""
            )
        catalogue_path.write_text(
            json.dumps(catalogue, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        )
    for message in missing:
        print(message)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
