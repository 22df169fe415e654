"""Operation descriptions written from the workflow table itself (`workflows.TRANSITIONS`), so the
OpenAPI document always says what the server enforces: for each action, from which states it
leads where, which policy slots may take it, which guards must pass and which kinds it applies to.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from propdesk.complaints.domain import Kind
from propdesk.complaints.workflows import (
    ALL_KINDS,
    INPUT_GUARDS,
    TRANSITIONS,
    Action,
    State,
    Transition,
)


def _codes(values: Any) -> str:
    return ", ".join(f"`{v}`" for v in sorted(str(x) for x in values)) or "—"


def _kinds(kinds: frozenset[Kind]) -> str:
    return "all" if kinds == ALL_KINDS else _codes(kinds)


def _guards(transition: Transition) -> str:
    return ", ".join(
        f"`{g}` (input `{INPUT_GUARDS[g]}`)" if g in INPUT_GUARDS else f"`{g}`"
        for g in transition.guards
    )


def transition_lines(action: Action) -> list[str]:
    """Markdown bullets, one per group of rows of `action` that differ only in the from-state."""
    groups: dict[tuple[Any, ...], list[State]] = {}
    for (state, row_action), transition in TRANSITIONS.items():
        if row_action != action:
            continue
        key = (transition.to, transition.slots, transition.guards, transition.kinds)
        groups.setdefault(key, []).append(state)
    lines = []
    for (to, slots, _guards_key, kinds), states in groups.items():
        transition = TRANSITIONS[(states[0], action)]
        target = f"`{to}`" if to is not None else "(state unchanged, logged)"
        line = f"- from {', '.join(f'`{s}`' for s in states)} → {target}; slots {_codes(slots)}"
        if transition.guards:
            line += f"; guards {_guards(transition)}"
        line += f"; kinds: {_kinds(kinds)}"
        lines.append(line)
    return lines


def _summary(service: Callable[..., Any]) -> str:
    doc = inspect.getdoc(service) or ""
    return doc.split("\n\n", 1)[0]


def action_description(action: Action, service: Callable[..., Any]) -> str:
    """The service's docstring, then the rows of the workflow table for `action`."""
    return "\n".join(
        [
            _summary(service),
            "",
            f"Workflow action `{action}`. Transitions:",
            *transition_lines(action),
            "",
            "An action the table does not allow here is refused with 409 (a guard that needs "
            "what you type, e.g. a reason or a deadline, with 422 and the field); your role "
            "lacking the slot gives 403; `version` older than the complaint's gives 409. "
            "Nothing is written when the action is refused.",
        ]
    )


def workflow_table() -> str:
    """The whole transition table as a markdown table."""
    rows = [
        "| state | action | to | slots | guards | kinds |",
        "|---|---|---|---|---|---|",
    ]
    for (state, action), transition in TRANSITIONS.items():
        to = f"`{transition.to}`" if transition.to is not None else "(logged)"
        rows.append(
            f"| `{state}` | `{action}` | {to} | {_codes(transition.slots)} | "
            f"{_guards(transition) or '—'} | {_kinds(transition.kinds)} |"
        )
    return "\n".join(rows)
