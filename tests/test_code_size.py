"""Sizes a reader can hold in mind: no module over 400 lines, no function over 60.

The rule covers the project's own apps (every top-level folder with an apps.py, so a new app is
covered the day it is created), migrations aside. Tests and the bench scripts are not covered:
ruff's complexity (C901) and statement-count (PLR0915) gates apply to them instead.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _apps() -> list[Path]:
    return sorted(apps.parent for apps in ROOT.glob("*/apps.py"))


def _modules() -> list[Path]:
    return sorted(path for app in _apps() for path in app.rglob("*.py")
                  if "migrations" not in path.relative_to(app).parts)


def _too_long() -> tuple[list[str], list[str]]:
    modules, functions = [], []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT).as_posix()
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            modules.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(source, filename=name)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    functions.append(f"{name}:{node.lineno} {node.name}(): {length} lines")
    return modules, functions


def test_the_walk_finds_every_app():
    names = {app.name for app in _apps()}
    assert {"audit_prep", "evidence", "checklists", "workers"} <= names
    walked = {path.relative_to(ROOT).parts[0] for path in _modules()}
    assert walked == names
    assert not any("migrations" in path.parts for path in _modules())


def test_no_module_over_400_lines():
    modules, _functions = _too_long()
    assert not modules, (f"split these modules (at most {MAX_MODULE_LINES} lines):\n"
                         + "\n".join(modules))


def test_no_function_over_60_lines():
    _, functions = _too_long()
    assert not functions, (f"shorten these functions (at most {MAX_FUNCTION_LINES} lines):\n"
                           + "\n".join(functions))
