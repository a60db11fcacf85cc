"""The direction of imports between the apps: a lower layer never imports a higher one.

    core (audit_prep)  <-  evidence  <-  populations  <-  checklists
        <-  notices (and audits, to come)  <-  workers

A module may import its own app and the apps of lower layers; apps of one layer do not import
each other (the audit engagements will sit beside the notices, both above the checklists).
Where a lower app must announce something, it sends a signal or fills a registry that the
higher app connects to (e.g. `evidence.signals.files_flagged`, `audit_prep.health.register_check`).
The project-level modules (settings, URLs, the Celery app) are the one place allowed to import
every app. Every import statement counts, inside functions too; migrations included.

To add an app: put its package name in the right layer of LAYERS (a new layer where it sits
above or below the others, or beside one in an existing layer).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [
    {"audit_prep"},
    {"evidence"},
    {"populations"},
    {"checklists"},
    {"audits"},
    {"notices", "backups"},
    {"workers"},
]
PROJECT_LEVEL = {"audit_prep/settings.py", "audit_prep/urls.py", "audit_prep/celery.py"}


def layer_of(root: Path) -> dict[str, int]:
    """app package -> its layer (0 lowest), for the apps present under `root`."""
    return {app: rank for rank, apps in enumerate(LAYERS) for app in apps
            if (root / app / "__init__.py").exists()}


def imported_apps(tree: ast.AST, apps) -> set[tuple[str, int]]:
    """(app, line) of every absolute import of one of `apps` in `tree`."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {(name.split(".")[0], node.lineno) for name in names
                  if name.split(".")[0] in apps}
    return found


def violations(root: Path = ROOT, project_level=PROJECT_LEVEL) -> list[str]:
    """"path:line: app imports other (layer a < b)" for every import against the direction."""
    ranks = layer_of(root)
    found = []
    for app, rank in sorted(ranks.items()):
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative in project_level:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
            for other, line in sorted(imported_apps(tree, ranks)):
                if other != app and ranks[other] >= rank:
                    found.append(f"{relative}:{line}: {app} (layer {rank}) imports {other} "
                                 f"(layer {ranks[other]})")
    return found


def test_no_app_imports_a_higher_or_sibling_app():
    assert violations() == []


def test_every_app_has_a_layer():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps <= {app for layer in LAYERS for app in layer}, "add the new app to LAYERS"


# --------------------------------------------------------------------- the checker itself


def _package(root: Path, app: str, files: dict[str, str]) -> None:
    (root / app).mkdir()
    (root / app / "__init__.py").write_text("")
    for name, text in files.items():
        (root / app / name).write_text(text)


@pytest.fixture
def fabricated(tmp_path):
    _package(tmp_path, "audit_prep", {"urls.py": "from workers import tasks\n"})
    _package(tmp_path, "evidence", {"models.py": "from audit_prep.models import Organization\n"})
    _package(tmp_path, "notices", {"models.py": "import evidence.models\n"})
    _package(tmp_path, "audits", {"models.py": "from . import models\n"})
    _package(tmp_path, "workers", {"tasks.py": "from notices import models\n"})
    return tmp_path


def test_downward_imports_and_project_level_modules_pass(fabricated):
    assert violations(fabricated) == []


@pytest.mark.parametrize(("app", "text", "expected"), [
    ("evidence", "from checklists import readiness\n", "evidence (layer 1) imports checklists"),
    ("evidence", "def later():\n    import workers.tasks\n", "evidence/bad.py:2:"),
    ("audit_prep", "from evidence.storage import evidence_storage\n", "imports evidence"),
    ("audits", "from notices.models import Notification\n", "audits (layer 4) imports notices"),
])
def test_an_upward_or_sideways_import_is_reported(fabricated, app, text, expected):
    if not (fabricated / "checklists").exists():
        _package(fabricated, "checklists", {})
    (fabricated / app / "bad.py").write_text(text)
    (report,) = violations(fabricated)
    assert report.startswith(f"{app}/bad.py:") and expected in report
