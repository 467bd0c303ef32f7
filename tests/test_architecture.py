"""The package's shape (issue 18): every module imports on its own, each layer loads only what
it may, no module imports another in a circle (function-level imports included), and no module
grows past 500 lines. The same layers are checked by import-linter in `make lint`
(pyproject.toml, [tool.importlinter]); this test keeps them in `make test` too."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import olga_loyalty

PACKAGE = Path(olga_loyalty.__file__).parent
MODULES = sorted(
    info.name for info in pkgutil.walk_packages(olga_loyalty.__path__, "olga_loyalty.")
)
#: The generator of the demo shop is data, not logic; it may be long.
LONG_ALLOWED = {"olga_loyalty.services.demo"}
#: What a layer must never load, even indirectly. The UI library only below the UI; the
#: database and file libraries never in the domain.
FORBIDDEN = {
    "olga_loyalty.domain": ("textual", "peewee", "openpyxl", "xlsxwriter", "fpdf", "keyring"),
    "olga_loyalty.storage": ("textual", "openpyxl", "fpdf"),
    "olga_loyalty.services": ("textual",),
    "olga_loyalty.exports": ("textual",),
    "olga_loyalty.config": ("textual", "openpyxl", "fpdf"),
    "olga_loyalty.i18n": ("textual", "peewee"),
    "olga_loyalty.paths": ("textual", "openpyxl", "fpdf"),
    "olga_loyalty.logs": ("textual", "openpyxl", "fpdf"),
    "olga_loyalty.files": ("textual", "openpyxl", "fpdf", "peewee"),
}


def source(module: str) -> Path:
    relative = Path(*module.split(".")[1:])
    package = PACKAGE / relative / "__init__.py"
    return package if package.exists() else (PACKAGE / relative).with_suffix(".py")


def test_the_package_has_its_modules():
    assert "olga_loyalty.domain.points" in MODULES and len(MODULES) > 50


@pytest.mark.parametrize("module", [m for m in MODULES if not m.endswith(".__main__")])
def test_each_module_imports_alone_and_loads_only_what_its_layer_may(module):
    forbidden = next(
        (
            names
            for prefix, names in FORBIDDEN.items()
            if module == prefix or module.startswith(prefix + ".")
        ),
        (),
    )
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({module!r})\n"
        f"bad = [m for m in {forbidden!r} if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("module", MODULES)
def test_no_module_is_longer_than_500_lines(module):
    if module in LONG_ALLOWED:
        pytest.skip("the demo data generator")
    lines = len(source(module).read_text(encoding="utf-8").splitlines())
    assert lines <= 500, f"{module} has {lines} lines"


def imports_of(module: str) -> set[str]:
    """Every module of the package that `module` imports, at the top or inside a function."""
    path = source(module)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names] + [target]
        for name in names:
            while name and name not in MODULES and "." in name:
                name = name.rsplit(".", 1)[0]
            if name in MODULES and name != module:
                found.add(name)
    return found


def test_no_module_imports_another_in_a_circle():
    graph = {module: imports_of(module) for module in MODULES}
    # A package importing its own submodules (its public face) is not a circle with them.
    for module, targets in graph.items():
        if source(module).name == "__init__.py":
            graph[module] = {t for t in targets if not t.startswith(module + ".")}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    assert circles == []
