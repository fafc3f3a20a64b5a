"""Resolving what a person typed as PROJECT or TASK (CLI arguments, quick entry) to one entity.

Matching is exact and predictable, tier by tier; the first tier with any match decides:

projects: 1. the numeric ID; 2. the identifier (case-insensitive, exact); 3. the exact name,
"customer name" or label as shown in messages; 4. a part of the name or of "customer name".
tasks: 1. the numeric ID (inactive tasks too); 2. the exact name or label; 3. a part of the name.

Tiers 3-4 (projects) and 2-3 (tasks) only consider what can be booked: active projects with an
active contract, active tasks. Comparisons ignore case and runs of whitespace. More than one
match in the deciding tier raises `AmbiguousMatchError` (naming up to five candidates), none at
all `NoMatchError`. The fuzzy search of the GUI picker is a different thing and lives elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from moco_desktop.core.entities import AssignedProject, Task
from moco_desktop.core.errors import CatalogueError
from moco_desktop.core.i18n import register, tr

MAX_LISTED_CANDIDATES = 5
_MAX_ID_DIGITS = 20  # MOCO ids are 64-bit; longer digit runs are names, never ids

MESSAGES = register(
    {
        "matching.project.empty": {
            "en": "Name a project: its ID, its identifier or part of its name.",
            "de": "Bitte ein Projekt angeben: ID, Identifikator oder einen Teil des Namens.",
        },
        "matching.project.none": {
            "en": "No project matches “{query}” (by ID, identifier, name or customer).",
            "de": "Kein Projekt passt zu „{query}“ (nach ID, Identifikator, Name oder Kunde).",
        },
        "matching.project.ambiguous": {
            "en": "“{query}” matches {count} projects: {candidates}. Please be more specific "
            "or use the identifier.",
            "de": "„{query}“ passt zu {count} Projekten: {candidates}. Bitte genauer angeben "
            "oder den Identifikator verwenden.",
        },
        "matching.task.empty": {
            "en": "Name a task of {project}: its ID or part of its name.",
            "de": "Bitte eine Leistung von {project} angeben: ID oder einen Teil des Namens.",
        },
        "matching.task.none": {
            "en": "No active task of {project} matches “{query}”.",
            "de": "Keine aktive Leistung von {project} passt zu „{query}“.",
        },
        "matching.task.ambiguous": {
            "en": "“{query}” matches {count} tasks of {project}: {candidates}. Please be more "
            "specific or use the ID.",
            "de": "„{query}“ passt zu {count} Leistungen von {project}: {candidates}. Bitte "
            "genauer angeben oder die ID verwenden.",
        },
        "matching.and_more": {
            "en": "and {count} more",
            "de": "und {count} weitere",
        },
    }
)

_Entity = TypeVar("_Entity", AssignedProject, Task)


class MatchError(CatalogueError, LookupError):
    """A PROJECT or TASK argument that does not name exactly one entity."""


class NoMatchError(MatchError):
    """Nothing matches the query (or the query is empty)."""


class AmbiguousMatchError(MatchError):
    """Several entities match; `candidates` holds all of them, the message names up to five."""

    def __init__(
        self, key: str, candidates: Sequence[AssignedProject | Task], **params: object
    ) -> None:
        self.candidates: tuple[AssignedProject | Task, ...] = tuple(candidates)
        super().__init__(key, count=len(self.candidates), **params)

    def message_in(self, lang: str | None) -> str:
        labels = [_label(candidate) for candidate in self.candidates[:MAX_LISTED_CANDIDATES]]
        hidden = len(self.candidates) - len(labels)
        listing = "; ".join(labels)
        if hidden:
            listing += "; " + tr("matching.and_more", lang=lang, count=hidden)
        return tr(self.key, lang=lang, candidates=listing, **self.params)


def project_label(project: AssignedProject) -> str:
    """How a project is named in messages: `P042 – Website (Acme)`."""
    label = f"{project.identifier} – {project.name}" if project.identifier else project.name
    return f"{label} ({project.customer.name})" if project.customer else label


def task_label(task: Task) -> str:
    """How a task is named in messages: `Design (ID 17)`."""
    return f"{task.name} (ID {task.id})"


def resolve_project(query: str, projects: Sequence[AssignedProject]) -> AssignedProject:
    """The one project `query` names: by ID, identifier, exact name or unambiguous name part."""
    wanted = _normalized(query)
    if not wanted:
        raise NoMatchError("matching.project.empty")
    bookable = [p for p in projects if p.active and p.contract_active]
    tiers: list[tuple[Sequence[AssignedProject], Callable[[AssignedProject], bool]]] = [
        (projects, lambda p: _is_id(wanted, p.id)),
        (projects, lambda p: _normalized(p.identifier) == wanted),
        (bookable, lambda p: wanted in _project_names(p, with_label=True)),
        (bookable, lambda p: any(wanted in name for name in _project_names(p))),
    ]
    return _first_tier_match(
        tiers, "matching.project.ambiguous", "matching.project.none", query=query.strip()
    )


def resolve_task(query: str, project: AssignedProject) -> Task:
    """The one task of `project` that `query` names: by ID, exact name or unambiguous part."""
    wanted = _normalized(query)
    label = project_label(project)
    if not wanted:
        raise NoMatchError("matching.task.empty", project=label)
    active = [task for task in project.tasks if task.active]
    tiers: list[tuple[Sequence[Task], Callable[[Task], bool]]] = [
        (project.tasks, lambda t: _is_id(wanted, t.id)),
        (active, lambda t: wanted in (_normalized(t.name), _normalized(task_label(t)))),
        (active, lambda t: wanted in _normalized(t.name)),
    ]
    return _first_tier_match(
        tiers, "matching.task.ambiguous", "matching.task.none", query=query.strip(), project=label
    )


def _first_tier_match(
    tiers: Sequence[tuple[Sequence[_Entity], Callable[[_Entity], bool]]],
    ambiguous_key: str,
    none_key: str,
    **params: object,
) -> _Entity:
    for candidates, matches in tiers:
        found = [candidate for candidate in candidates if matches(candidate)]
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousMatchError(ambiguous_key, found, **params)
    raise NoMatchError(none_key, **params)


def _normalized(text: str) -> str:
    return " ".join(text.casefold().split())


def _is_id(wanted: str, entity_id: int) -> bool:
    return (
        len(wanted) <= _MAX_ID_DIGITS
        and wanted.isascii()
        and wanted.isdigit()
        and int(wanted) == entity_id
    )


def _project_names(project: AssignedProject, *, with_label: bool = False) -> tuple[str, ...]:
    names = [_normalized(project.name)]
    if project.customer is not None:
        names.append(_normalized(f"{project.customer.name} {project.name}"))
    if with_label:
        names.append(_normalized(project_label(project)))
    return tuple(names)


def _label(entity: AssignedProject | Task) -> str:
    return project_label(entity) if isinstance(entity, AssignedProject) else task_label(entity)
