"""Case actions and states are named once (models.Action, models.CaseState, OPEN_STATES).

Every module that reasons about what happened to a case (the rollup, the deadlines, the figures
of an event, the sweep) names actions through :class:`Action`, so that renaming or adding one
cannot leave a string behind; and "open" means one set of states everywhere.
"""

import ast
from pathlib import Path

from gongzhi.cases import machine, rollup
from gongzhi.cases.models import OPEN_STATES, UNREPLIED_STATES, Action, CaseEvent, CaseState
from gongzhi.cases.models import case as case_models
from gongzhi.cases.open311 import documents

CASES = Path(machine.__file__).parent


def literals(path: Path, skip_classes=()) -> set[str]:
    """Every string constant of a module but docstrings, translated words and the named classes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"_", "gettext", "gettext_lazy",
                                                                           "pgettext_lazy"}:
            skipped.update(id(n) for n in ast.walk(node))  # words of the interface, not names
        if isinstance(node, ast.ClassDef) and node.name in skip_classes:
            skipped.update(id(n) for n in ast.walk(node))
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped}


def test_the_rollup_and_the_figures_name_only_actions_of_action():
    named = {*rollup.KEEPS_INTAKE, *rollup.DISPATCHES, rollup.ACKNOWLEDGE, *case_models._DUE_ACTIONS,
             *case_models._VERDICT_ACTIONS}
    assert all(isinstance(action, Action) for action in named), named
    # An action not in KEEPS_INTAKE makes a rolled-up span's intake counts stale (the safe side):
    # these are the ones that do so on purpose; an action added later is placed on one side knowingly.
    assert set(Action) - rollup.KEEPS_INTAKE == {Action.INTAKE, Action.VERIFY, Action.DEADLINE_ALERT,
                                                 Action.ESCALATE}


def test_no_module_that_reasons_about_events_spells_an_action_or_a_state_as_a_string():
    actions, states = set(Action.values), set(CaseState.values)
    checks = {
        "rollup.py": actions,
        "deadlines.py": actions | states,
        "sweep.py": actions | states,
        "machine.py": actions | states,
        "models/case.py": actions | states,
    }
    for name, forbidden in checks.items():
        found = literals(CASES / name, skip_classes=("Action", "CaseState")) & forbidden
        assert not found, f"cases/{name} spells {sorted(found)}; use Action / CaseState"


def test_events_record_only_actions_of_action():
    assert CaseEvent._meta.get_field("action").choices == Action.choices
    assert {action for _state, action in machine.TABLE} <= set(Action)


def test_open_is_one_set_of_states_everywhere():
    assert OPEN_STATES == {CaseState.RECEIVED, CaseState.DISPATCHED, CaseState.IN_PROGRESS, CaseState.RETURNED,
                           CaseState.ARBITRATION, CaseState.REPLIED, CaseState.MEDIATING}
    assert documents.CLOSED_STATES == set(CaseState.values) - OPEN_STATES  # Open311's
    assert {state for state, action in machine.TABLE if action == Action.WHISTLE} == UNREPLIED_STATES
    assert {state for state, action in machine.TABLE if action == Action.ATTACH} == OPEN_STATES
