"""Apps depend one way: the import order of ``docs/ARCHITECTURE.md`` ("Allowed imports"), enforced.

Every module of the package is parsed with :mod:`ast` (nothing is imported), and every import in
it is checked, at module level or inside a function alike: ``import x``, ``from x import y`` and
relative imports (resolved against the module's package). An app may import itself and the apps
of lower layers in :data:`LAYERS`; apps of one layer do not import each other. A failure names
the file, the line and the import.

What is checked, and the only exemptions:

* Every module under an app folder ``gongzhi/<app>/`` belongs to that app: models, services,
  faces, migrations, management commands, and its ``tests/`` too.
* Project-level modules directly under ``gongzhi/`` (``settings.py``, ``urls.py``, ``api.py``,
  ``asgi.py``, ``wsgi.py``, ``conftest.py``) wire every app together and are not checked. An app
  does not import them back (the API root mounts the routers, so a router importing the root
  would make a cycle); only tests may, for the fixtures of ``gongzhi/conftest.py`` or the API
  object they call.
* The mechanisms of permission and trace, :data:`MECHANISMS` (``accounts.roles``: ``require``,
  ``can``; ``accounts.actors``: who is acting; ``audit.services``: ``record``, ``diff``, ``snapshot``; ``audit.context``;
  ``audit.admin_base``: ``ScopedAuditedAdmin``), may be imported by every app but ``core``,
  whatever its layer: the services and admin of ``regions`` and ``accounts`` are
  permission-checked and audited like any other. ``core`` imports no app at all.
* A test of an app but ``core`` (``gongzhi/<app>/tests/``) may import ``accounts`` and ``audit``
  whole, whatever its layer: it makes the actors its services need and reads the audit trail
  they leave. Otherwise tests keep the order: a test that needs a higher app's models or
  fixtures belongs to that app (or, for the demo seed, to ``demo/tests``, whose ``conftest.py``
  takes the fixtures of the apps it seeds).
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

PACKAGE = "gongzhi"
ROOT = Path(__file__).resolve().parents[2]  # the gongzhi/ package folder

# The order of docs/ARCHITECTURE.md, lowest first. One tuple per layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("regions",),
    ("accounts",),
    ("audit",),
    ("workdays", "ops"),
    ("privacy",),  # above ops: it registers the retention sweep as a periodic job
    ("registry",),
    ("notifications",),
    ("cases",),
    ("noticeboard",),
    ("mediation", "deliberation", "party", "insights"),
    ("volunteers",),
    ("assessment",),
    ("demo", "web"),
)
LAYER = {app: index for index, layer in enumerate(LAYERS) for app in layer}

MECHANISMS = frozenset({
    "gongzhi.accounts.roles",
    "gongzhi.accounts.actors",
    "gongzhi.audit.services",
    "gongzhi.audit.context",
    "gongzhi.audit.admin_base",
})

# What a test of any app above core may import, whatever its layer (see the docstring).
TESTS_MAY_USE = frozenset({"accounts", "audit"})

NOT_APPS = {"locale"}  # folders under gongzhi/ that are no app (no Python)


def app_folders() -> set[str]:
    return {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - NOT_APPS


def module_name(path: Path) -> tuple[str, bool]:
    """Dotted name of the module at ``path`` and whether it is a package (``__init__.py``)."""
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def is_module(dotted: str) -> bool:
    """True when ``dotted`` names a module or package of this package (a file or folder)."""
    base = ROOT.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imported_modules(tree: ast.AST, name: str, is_package: bool):
    """Yield (line, module) for every import in ``tree``, relative ones resolved."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base_parts = parts[: len(parts) - node.level + 1]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                # ``from gongzhi.audit import context`` imports the module gongzhi.audit.context
                yield node.lineno, candidate if alias.name != "*" and is_module(candidate) else base


def mechanism(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in MECHANISMS)


def judge(app: str, target: str, module: str, in_tests: bool) -> str:
    """Why ``app`` may not import ``module`` (of ``target``), or "" when it may."""
    if not (ROOT / target).is_dir():  # project-level module: gongzhi.api, gongzhi.urls, gongzhi.conftest
        return "" if in_tests else "apps do not import the project-level wiring (gongzhi/*.py)"
    if app == "core":
        return "core imports no app"
    if mechanism(module) or (in_tests and target in TESTS_MAY_USE):
        return ""
    if target not in LAYER or app not in LAYER:
        return "app missing from LAYERS"
    if LAYER[target] < LAYER[app]:
        return ""
    return f"{app} may not import {target} (docs/ARCHITECTURE.md, Allowed imports)"


def violations() -> list[str]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if len(rel.parts) == 1:  # project-level wiring: settings, urls, api, conftest, asgi, wsgi
            continue
        app = rel.parts[0]
        if app in NOT_APPS:
            continue
        in_tests = "tests" in rel.parts[1:-1]
        name, is_package = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in imported_modules(tree, name, is_package):
            parts = module.split(".")
            if parts[0] != PACKAGE or len(parts) < 2 or parts[1] == app:
                continue
            why = judge(app, parts[1], module, in_tests)
            if why:
                found.setdefault(f"gongzhi/{rel}:{line}: imports {module}: {why}", None)
    return list(found)


def test_every_app_is_placed_in_the_order():
    apps = app_folders()
    assert apps == set(LAYER), f"place every app of gongzhi/ in LAYERS: {sorted(apps ^ set(LAYER))}"
    installed = {entry.split(".")[1] for entry in settings.INSTALLED_APPS if entry.startswith(PACKAGE + ".")}
    assert installed == apps


def test_apps_import_only_apps_below_them():
    found = violations()
    assert not found, "imports against the documented order:\n" + "\n".join(found)


def test_the_checker_sees_function_level_and_relative_imports(tmp_path):
    source = (
        "from . import workcal\n"
        "from ..audit.services import record\n"
        "def f():\n"
        "    import gongzhi.cases.models\n"
        "    from gongzhi.accounts import roles\n"
    )
    tree = ast.parse(source)
    found = sorted(imported_modules(tree, "gongzhi.core.admin", is_package=False))
    assert found == [
        (1, "gongzhi.core.workcal"),
        (2, "gongzhi.audit.services"),
        (4, "gongzhi.cases.models"),
        (5, "gongzhi.accounts.roles"),
    ]


def test_the_project_wiring_is_not_imported_back_by_apps():
    assert judge("cases", "api", "gongzhi.api", in_tests=False)
    assert judge("registry", "urls", "gongzhi.urls", in_tests=False)
    assert not judge("cases", "conftest", "gongzhi.conftest", in_tests=True)


def test_routers_and_the_api_root_do_not_import_each_other():
    """The root mounts every router; a router reaching back for ``actor_of`` made a cycle once."""
    routers = [path for path in ROOT.rglob("*.py")
               if "tests" not in path.parts and "Router(" in path.read_text(encoding="utf-8")]
    assert len(routers) >= 4, "no routers found?"
    for path in routers:
        name, is_package = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        back = [line for line, module in imported_modules(tree, name, is_package)
                if module == "gongzhi.api" or module.startswith("gongzhi.api.")]
        assert not back, f"{name} imports gongzhi.api (line {back}); take actor_of from gongzhi.accounts.actors"
