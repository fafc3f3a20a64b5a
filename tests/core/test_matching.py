"""Tests for core.matching: resolving PROJECT and TASK arguments to exactly one entity."""

from __future__ import annotations

import pytest

from moco_desktop.core import i18n
from moco_desktop.core.entities import AssignedProject, CustomerRef, Task
from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.matching import (
    MAX_LISTED_CANDIDATES,
    AmbiguousMatchError,
    MatchError,
    NoMatchError,
    project_label,
    resolve_project,
    resolve_task,
    task_label,
)

ACME = CustomerRef(id=1, name="Acme GmbH")
GLOBEX = CustomerRef(id=2, name="Globex")

DESIGN = Task(id=501, name="Design")
DEVELOPMENT = Task(id=502, name="Development")
DESIGN_REVIEW = Task(id=503, name="Design Review")
MEETINGS = Task(id=504, name="Meetings", billable=False)
OLD_SUPPORT = Task(id=505, name="Support", active=False)
NUMBERED = Task(id=506, name="2024")

WEBSITE = AssignedProject(
    id=944587613,
    identifier="P042",
    name="Website Relaunch",
    customer=ACME,
    tasks=(DESIGN, DEVELOPMENT, DESIGN_REVIEW, MEETINGS, OLD_SUPPORT, NUMBERED),
)
SHOP = AssignedProject(id=944587614, identifier="P043", name="Webshop", customer=ACME)
APP = AssignedProject(id=944587615, identifier="G-7", name="Mobile App", customer=GLOBEX)
INTERNAL = AssignedProject(id=944587616, identifier="INT", name="Internal", customer=None)
WEB = AssignedProject(id=944587617, identifier="P044", name="Web", customer=GLOBEX)
ARCHIVED = AssignedProject(
    id=944587618, identifier="P001", name="Archive Migration", customer=ACME, active=False
)
ENDED = AssignedProject(
    id=944587619, identifier="P002", name="Legacy Hosting", customer=GLOBEX, contract_active=False
)
NUMERIC_IDENTIFIER = AssignedProject(id=944587620, identifier="130", name="Wartung", customer=None)

PROJECTS = (WEBSITE, SHOP, APP, INTERNAL, WEB, ARCHIVED, ENDED, NUMERIC_IDENTIFIER)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # by id
        ("944587613", WEBSITE),
        (" 944587615 ", APP),
        ("944587618", ARCHIVED),  # ids reach inactive projects too
        ("944587619", ENDED),
        # by identifier, case-insensitive and exact
        ("P042", WEBSITE),
        ("p042", WEBSITE),
        ("g-7", APP),
        ("int", INTERNAL),
        ("P001", ARCHIVED),  # an identifier is exact enough to name an archived project
        ("130", NUMERIC_IDENTIFIER),  # numeric identifier (not an id)
        # exact name, "customer name" or label beats a partial match
        ("web", WEB),  # also part of "Website Relaunch" and "Webshop"
        ("WEB", WEB),
        ("Globex Web", WEB),
        ("P044 – Web (Globex)", WEB),  # as listed in an ambiguity message
        ("website relaunch", WEBSITE),
        # unambiguous part of the name
        ("relaunch", WEBSITE),
        ("shop", SHOP),
        ("mobile", APP),
        ("APP", APP),
        ("intern", INTERNAL),
        ("wart", NUMERIC_IDENTIFIER),
        # part of "customer name"
        ("globex mob", APP),
        ("gmbh webshop", SHOP),
        ("acme gmbh website", WEBSITE),
        # whitespace is normalised
        ("  website   relaunch ", WEBSITE),
        ("mobile\tapp", APP),
    ],
)
def test_resolve_project(query: str, expected: AssignedProject) -> None:
    assert resolve_project(query, PROJECTS) == expected


@pytest.mark.parametrize(
    ("query", "candidates"),
    [
        ("webs", (WEBSITE, SHOP)),
        ("acme", (WEBSITE, SHOP)),  # only bookable projects are candidates
        ("globex", (APP, WEB)),
        ("e", (WEBSITE, SHOP, APP, INTERNAL, WEB)),  # not "Wartung"
    ],
)
def test_resolve_project_ambiguous(query: str, candidates: tuple[AssignedProject, ...]) -> None:
    with pytest.raises(AmbiguousMatchError) as caught:
        resolve_project(query, PROJECTS)
    assert caught.value.candidates == candidates
    assert caught.value.key == "matching.project.ambiguous"
    assert caught.value.params == {"query": query, "count": len(candidates)}


@pytest.mark.parametrize(
    "query",
    [
        "archive",  # inactive project: only by id or identifier
        "legacy hosting",  # contract no longer active
        "P04",  # identifiers match exactly, not by part
        "944587699",  # unknown id
        "nothing like it",
        "website relaunch acme",  # words in another order are not a part
        "9" * 5000,  # never turned into an int
    ],
)
def test_resolve_project_no_match(query: str) -> None:
    with pytest.raises(NoMatchError) as caught:
        resolve_project(query, PROJECTS)
    assert caught.value.key == "matching.project.none"
    assert caught.value.params == {"query": query}


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_resolve_project_empty_query(query: str) -> None:
    with pytest.raises(NoMatchError) as caught:
        resolve_project(query, PROJECTS)
    assert caught.value.key == "matching.project.empty"


def test_resolve_project_without_projects() -> None:
    with pytest.raises(NoMatchError):
        resolve_project("web", [])


def test_id_wins_over_a_matching_identifier() -> None:
    clash = AssignedProject(id=7, identifier="X", name="Seven", customer=None)
    other = AssignedProject(id=8, identifier="7", name="Eight", customer=None)
    assert resolve_project("7", [other, clash]) == clash
    assert resolve_project("7", [other]) == other


def test_duplicate_identifiers_are_ambiguous() -> None:
    first = AssignedProject(id=1, identifier="DUP", name="One", customer=None)
    second = AssignedProject(id=2, identifier="dup", name="Two", customer=None)
    with pytest.raises(AmbiguousMatchError) as caught:
        resolve_project("Dup", [first, second])
    assert caught.value.candidates == (first, second)


def test_names_are_compared_casefolded() -> None:
    street = AssignedProject(id=1, identifier="S", name="Straße", customer=None)
    assert resolve_project("STRASSE", [street]) == street


def test_ambiguity_message_lists_five_candidates() -> None:
    projects = [
        AssignedProject(id=n, identifier=f"K{n}", name=f"Kampagne {n}", customer=ACME)
        for n in range(1, 8)
    ]
    with pytest.raises(AmbiguousMatchError) as caught:
        resolve_project("kampagne", projects)
    error = caught.value
    assert len(error.candidates) == 7
    listed = "; ".join(f"K{n} – Kampagne {n} (Acme GmbH)" for n in range(1, 6))
    assert error.message == (
        f"“kampagne” matches 7 projects: {listed}; and 2 more. "
        "Please be more specific or use the identifier."
    )
    assert error.message_in("de") == (
        f"„kampagne“ passt zu 7 Projekten: {listed}; und 2 weitere. "
        "Bitte genauer angeben oder den Identifikator verwenden."
    )
    assert MAX_LISTED_CANDIDATES == 5


def test_ambiguity_message_without_more() -> None:
    with pytest.raises(AmbiguousMatchError) as caught:
        resolve_project("webs", PROJECTS)
    assert str(caught.value) == (
        "“webs” matches 2 projects: P042 – Website Relaunch (Acme GmbH); "
        "P043 – Webshop (Acme GmbH). Please be more specific or use the identifier."
    )


@pytest.mark.parametrize(
    ("query", "key", "english", "german"),
    [
        (
            "nope",
            "matching.project.none",
            "No project matches “nope” (by ID, identifier, name or customer).",
            "Kein Projekt passt zu „nope“ (nach ID, Identifikator, Name oder Kunde).",
        ),
        (
            " ",
            "matching.project.empty",
            "Name a project: its ID, its identifier or part of its name.",
            "Bitte ein Projekt angeben: ID, Identifikator oder einen Teil des Namens.",
        ),
    ],
)
def test_project_messages(query: str, key: str, english: str, german: str) -> None:
    with pytest.raises(NoMatchError) as caught:
        resolve_project(query, PROJECTS)
    assert caught.value.key == key
    assert caught.value.message == english
    assert caught.value.message_in("en") == english
    assert caught.value.message_in("de") == german


def test_message_uses_language_current_when_raised() -> None:
    i18n.set_language("de")
    with pytest.raises(AmbiguousMatchError) as caught:
        resolve_project("globex", PROJECTS)
    assert caught.value.message == (
        "„globex“ passt zu 2 Projekten: G-7 – Mobile App (Globex); P044 – Web (Globex). "
        "Bitte genauer angeben oder den Identifikator verwenden."
    )


def test_match_errors_are_user_facing_lookup_errors() -> None:
    for query in ("nope", "webs"):
        with pytest.raises(MatchError) as caught:
            resolve_project(query, PROJECTS)
        assert isinstance(caught.value, UserFacingError)
        assert isinstance(caught.value, LookupError)


@pytest.mark.parametrize(
    ("project", "label"),
    [
        (WEBSITE, "P042 – Website Relaunch (Acme GmbH)"),
        (INTERNAL, "INT – Internal"),
        (AssignedProject(id=1, identifier="", name="Bare", customer=None), "Bare"),
        (AssignedProject(id=1, identifier="", name="Bare", customer=GLOBEX), "Bare (Globex)"),
    ],
)
def test_project_label(project: AssignedProject, label: str) -> None:
    assert project_label(project) == label


# ---------------------------------------------------------------------------------------------
# Tasks


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("501", DESIGN),
        ("505", OLD_SUPPORT),  # an exact id reaches inactive tasks
        ("506", NUMBERED),
        ("2024", NUMBERED),  # not an id, but the exact name
        ("design", DESIGN),  # exact name beats "Design Review"
        ("DESIGN", DESIGN),
        ("Design (ID 501)", DESIGN),  # as listed in an ambiguity message
        ("review", DESIGN_REVIEW),
        ("design rev", DESIGN_REVIEW),
        ("dev", DEVELOPMENT),
        ("meet", MEETINGS),
        ("  development ", DEVELOPMENT),
    ],
)
def test_resolve_task(query: str, expected: Task) -> None:
    assert resolve_task(query, WEBSITE) == expected


@pytest.mark.parametrize(
    ("query", "candidates"),
    [
        ("des", (DESIGN, DESIGN_REVIEW)),
        ("e", (DESIGN, DEVELOPMENT, DESIGN_REVIEW, MEETINGS)),
    ],
)
def test_resolve_task_ambiguous(query: str, candidates: tuple[Task, ...]) -> None:
    with pytest.raises(AmbiguousMatchError) as caught:
        resolve_task(query, WEBSITE)
    assert caught.value.candidates == candidates
    assert caught.value.key == "matching.task.ambiguous"


@pytest.mark.parametrize(
    "query",
    [
        "support",  # inactive: only by id
        "sup",
        "999",  # unknown id, no such name
        "944587613",  # the project's id is not a task's
        "testing",
    ],
)
def test_resolve_task_no_match(query: str) -> None:
    with pytest.raises(NoMatchError) as caught:
        resolve_task(query, WEBSITE)
    assert caught.value.key == "matching.task.none"
    assert caught.value.params == {"query": query, "project": project_label(WEBSITE)}


def test_resolve_task_of_project_without_tasks() -> None:
    with pytest.raises(NoMatchError) as caught:
        resolve_task("design", SHOP)
    assert caught.value.message == (
        "No active task of P043 – Webshop (Acme GmbH) matches “design”."
    )
    assert caught.value.message_in("de") == (
        "Keine aktive Leistung von P043 – Webshop (Acme GmbH) passt zu „design“."
    )


def test_resolve_task_empty_query() -> None:
    with pytest.raises(NoMatchError) as caught:
        resolve_task("  ", WEBSITE)
    assert caught.value.key == "matching.task.empty"
    assert caught.value.message == (
        "Name a task of P042 – Website Relaunch (Acme GmbH): its ID or part of its name."
    )
    assert caught.value.message_in("de") == (
        "Bitte eine Leistung von P042 – Website Relaunch (Acme GmbH) angeben: ID oder einen "
        "Teil des Namens."
    )


def test_task_ambiguity_messages() -> None:
    with pytest.raises(AmbiguousMatchError) as caught:
        resolve_task("des", WEBSITE)
    project = "P042 – Website Relaunch (Acme GmbH)"
    listed = "Design (ID 501); Design Review (ID 503)"
    assert caught.value.message == (
        f"“des” matches 2 tasks of {project}: {listed}. Please be more specific or use the ID."
    )
    assert caught.value.message_in("de") == (
        f"„des“ passt zu 2 Leistungen von {project}: {listed}. Bitte genauer angeben oder die "
        "ID verwenden."
    )


def test_task_label() -> None:
    assert task_label(MEETINGS) == "Meetings (ID 504)"


def test_every_matching_message_has_german() -> None:
    keys = [key for key in i18n.known_keys() if key.startswith("matching.")]
    assert len(keys) == 7
    assert not [key for key in i18n.missing_translations("de") if key.startswith("matching.")]
