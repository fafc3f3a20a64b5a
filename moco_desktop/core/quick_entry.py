"""The quick-entry line: one line of text -> a preview of exactly what will be booked.

    2h P0007 Entwicklung Schnittstelle #api
    9:00-10:30 website konzept: Workshop
    gestern (1,5) acme support: Hotline #phone
    P0007 Entwicklung: Review              (no duration: starts a timer today)

Grammar, left to right:

1. an optional date: `today`/`heute`, `yesterday`/`gestern`, `2025-03-14`, `14.3.`, `14.3.2025`;
2. an optional duration, anything `core.duration.parse_duration` accepts (`2h`, `1:30`, `1,5`,
   `90m`, `1h 30m`, `9:00-10:30`, `9:00-` for an open range today; in parentheses: not
   billable). Without one the line starts a timer (today only);
3. the project, then the task: the words are split between project, task and description in
   the way that names one project and one task with the most words; project words match its ID,
   identifier, name or "customer name" (`core.matching`), or failing that every word a part of
   them; task words its ID or name (parts too). A project with a single active task needs no
   task words. With no project words at all the `fallback` (e.g. the last one used) is taken;
4. `:` ends project and task; everything after it is the description. Without `:` the words
   after the task are the description;
5. a `#word` at the start or end of the line, or at the start of the description, is the tag.

`parse_quick_entry` never raises for what a person types: problems (with candidates for
ambiguous names) are part of the preview, which the GUI shows live and `ready` gates Enter.
`RoundingPolicy` is the optional rounding of stopped timers (off by default).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from moco_desktop.core.duration import (
    DurationError,
    ParsedDuration,
    RoundingMode,
    format_duration,
    parse_duration,
    round_seconds,
)
from moco_desktop.core.entities import AssignedProject, Task
from moco_desktop.core.errors import CatalogueError
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.matching import (
    AmbiguousMatchError,
    MatchError,
    NoMatchError,
    project_label,
    resolve_project,
    resolve_task,
)
from moco_desktop.core.records import record
from moco_desktop.core.timemath import format_clock_time

MESSAGES = register(
    {
        "quick_entry.empty": {
            "en": "Type e.g. “2h P0007 Development: Interface #api” or "
            "“9:00-10:30 website concept: Workshop”.",
            "de": "Z. B. „2h P0007 Entwicklung: Schnittstelle #api“ oder "
            "„9:00-10:30 website konzept: Workshop“ eingeben.",
        },
        "quick_entry.two_tags": {
            "en": "Only one #tag per entry, not {tags}.",
            "de": "Nur ein #Tag pro Eintrag, nicht {tags}.",
        },
        "quick_entry.invalid_date": {
            "en": "“{text}” is not a date.",
            "de": "„{text}“ ist kein gültiges Datum.",
        },
        "quick_entry.duration_needed": {
            "en": "An entry for {date} needs a duration; a timer only runs today.",
            "de": "Ein Eintrag für den {date} braucht eine Dauer; ein Timer läuft nur heute.",
        },
        "quick_entry.not_ready": {
            "en": "The entry is not complete: {problem}",
            "de": "Der Eintrag ist noch nicht vollständig: {problem}",
        },
        "quick_entry.not_billable": {
            "en": "not billable",
            "de": "nicht abrechenbar",
        },
        "quick_entry.starts_timer": {
            "en": "starts a timer",
            "de": "startet einen Timer",
        },
        "quick_entry.rounding_step": {
            "en": "The rounding step must be between 1 and 60 minutes.",
            "de": "Der Rundungsschritt muss zwischen 1 und 60 Minuten liegen.",
        },
    }
)

QuickEntryField = Literal["text", "date", "duration", "project", "task", "tag"]
QuickEntryAction = Literal["log", "start"]

_MAX_DURATION_TOKENS = 5
_FUTURE_DAYS_WITHOUT_YEAR = 180
_TODAY_WORDS = frozenset({"today", "heute"})
_YESTERDAY_WORDS = frozenset({"yesterday", "gestern"})
_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_GERMAN_DATE = re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2}|\d{4})?")
_DURATION_LIKE = re.compile(
    r"\(?\d{0,2}[.,:]?\d*\s*(?:h|hrs?|hours?|m|min\w*|std\.?|stunden?)?\)?", re.IGNORECASE
)
_TAG = re.compile(r"#[^\s#]+")


class QuickEntryError(CatalogueError):
    """A quick-entry problem that is not a duration or matching error."""


@record
class QuickEntryProblem:
    """Why the line cannot be booked yet; `candidates` lists what an ambiguous name matched."""

    field: QuickEntryField
    error: CatalogueError
    candidates: tuple[AssignedProject | Task, ...] = ()

    @property
    def message(self) -> str:
        return self.error.message_in(None)

    def message_in(self, lang: str | None) -> str:
        return self.error.message_in(lang)


@record
class QuickEntryPreview:
    """What Enter would book: shown live under the quick-entry line."""

    text: str
    date: dt.date
    action: QuickEntryAction
    seconds: int | None = None
    start: dt.time | None = None
    end: dt.time | None = None
    project: AssignedProject | None = None
    task: Task | None = None
    description: str = ""
    tag: str = ""
    billable_override: bool | None = None
    project_from_fallback: bool = False
    problems: tuple[QuickEntryProblem, ...] = ()

    @property
    def ready(self) -> bool:
        """True when the entry can be submitted (no problems, everything known)."""
        return (
            not self.problems
            and self.project is not None
            and self.task is not None
            and (self.action == "start" or self.seconds is not None)
        )

    @property
    def billable(self) -> bool | None:
        """Whether the entry will be billable: explicit `( )`, else the project and task's."""
        if self.billable_override is not None:
            return self.billable_override
        if self.project is None or self.task is None:
            return None
        return self.project.billable and self.task.billable

    def problem(self, field: QuickEntryField) -> QuickEntryProblem | None:
        return next((problem for problem in self.problems if problem.field == field), None)

    def summary(self, lang: str | None = None) -> str:
        """One line for a tooltip or the CLI: `1:30 · P7 – Web (Acme) / Dev · Text #tag`."""
        parts: list[str] = []
        if self.action == "start":
            parts.append(tr("quick_entry.starts_timer", lang=lang))
        elif self.seconds is not None:
            when = format_duration(self.seconds, "clock", lang)
            if self.start is not None and self.end is not None:
                when += f" ({format_clock_time(self.start)}–{format_clock_time(self.end)})"
            parts.append(when)
        if self.project is not None:
            target = project_label(self.project)
            if self.task is not None:
                target += f" / {self.task.name}"
            parts.append(target)
        text = " ".join(
            part for part in (self.description, f"#{self.tag}" if self.tag else "") if part
        )
        if text:
            parts.append(text)
        if self.billable is False:
            parts.append(tr("quick_entry.not_billable", lang=lang))
        return " · ".join(parts)


def parse_quick_entry(
    text: str,
    projects: Sequence[AssignedProject],
    *,
    today: dt.date,
    now: dt.time | None = None,
    fallback: tuple[AssignedProject, Task] | None = None,
    default_date: dt.date | None = None,
) -> QuickEntryPreview:
    """The preview of `text` against the person's assigned `projects`.

    `today` is the person's local date; `now` their wall-clock time (ends an open range such
    as `9:00-` on today's entries). `fallback` is used when the line names no project;
    `default_date` (e.g. the day shown in the window) when it names no date.
    """
    default_date = default_date or today
    normalized = " ".join(text.split())
    problems: list[QuickEntryProblem] = []
    if not normalized:
        return QuickEntryPreview(
            text=text,
            date=default_date,
            action="log",
            problems=(QuickEntryProblem("text", QuickEntryError("quick_entry.empty")),),
        )

    tokens = normalized.split(" ")
    tags: list[str] = []
    if len(tokens) > 1 and _TAG.fullmatch(tokens[0]):
        tags.append(tokens.pop(0)[1:])
    if len(tokens) > 1 and _TAG.fullmatch(tokens[-1]):
        tags.append(tokens.pop()[1:])

    day, tokens, date_problem = _take_date(tokens, today, default_date)
    if date_problem is not None:
        problems.append(date_problem)

    duration, tokens, separator_seen, duration_problem = _take_duration(
        tokens, now=now if day == today else None
    )
    if duration_problem is not None:
        problems.append(duration_problem)

    rest = " ".join(tokens)
    if separator_seen:
        words_text, description = "", rest
    else:
        words_text, colon, description = rest.partition(":")
        separator_seen = bool(colon)
    words = words_text.split()
    description_tokens = description.split()
    if description_tokens and _TAG.fullmatch(description_tokens[0]):
        tags.append(description_tokens.pop(0)[1:])

    target = _resolve_target(words, projects, fixed_task_end=separator_seen, fallback=fallback)
    problems.extend(target.problems)
    if not separator_seen:
        description_tokens = [*target.leftover, *description_tokens]

    tag = tags[0] if tags else ""
    if len(tags) > 1:
        listed = ", ".join(f"#{name}" for name in tags)
        problems.append(
            QuickEntryProblem("tag", QuickEntryError("quick_entry.two_tags", tags=listed))
        )

    action: QuickEntryAction = "log" if duration is not None or duration_problem else "start"
    if action == "start" and day != today:
        problems.append(
            QuickEntryProblem(
                "duration", QuickEntryError("quick_entry.duration_needed", date=day.isoformat())
            )
        )
    return QuickEntryPreview(
        text=text,
        date=day,
        action=action,
        seconds=duration.seconds if duration is not None else None,
        start=duration.start if duration is not None else None,
        end=duration.end if duration is not None else None,
        project=target.project,
        task=target.task,
        description=" ".join(description_tokens),
        tag=tag,
        billable_override=duration.billable if duration is not None else None,
        project_from_fallback=target.from_fallback,
        problems=tuple(problems),
    )


# ---------------------------------------------------------------------------------------------
# Date and duration


def _take_date(
    tokens: list[str], today: dt.date, default: dt.date
) -> tuple[dt.date, list[str], QuickEntryProblem | None]:
    if not tokens:
        return default, tokens, None
    word = tokens[0].casefold()
    if word in _TODAY_WORDS:
        return today, tokens[1:], None
    if word in _YESTERDAY_WORDS:
        return today - dt.timedelta(days=1), tokens[1:], None
    match = _ISO_DATE.fullmatch(tokens[0]) or _GERMAN_DATE.fullmatch(tokens[0])
    if match is None:
        return default, tokens, None
    year_text = match["y"]
    if year_text is None:
        year = today.year
    elif len(year_text) == 2:
        year = 2000 + int(year_text)
    else:
        year = int(year_text)
    try:
        day = dt.date(year, int(match["m"]), int(match["d"]))
        if year_text is None and day > today + dt.timedelta(days=_FUTURE_DAYS_WITHOUT_YEAR):
            day = day.replace(year=year - 1)  # `30.12.` typed on 2 January: last December
        return day, tokens[1:], None
    except ValueError:
        error = QuickEntryError("quick_entry.invalid_date", text=tokens[0])
        return default, tokens[1:], QuickEntryProblem("date", error)


def _take_duration(
    tokens: list[str], *, now: dt.time | None
) -> tuple[ParsedDuration | None, list[str], bool, QuickEntryProblem | None]:
    """(duration, remaining tokens, whether a `:` directly followed it, problem)."""
    best: tuple[ParsedDuration, int, bool] | None = None
    first_error: DurationError | None = None
    for count in range(1, min(len(tokens), _MAX_DURATION_TOKENS) + 1):
        candidate = " ".join(tokens[:count])
        separator = candidate.endswith(":") and not candidate.endswith("::")
        if separator:
            candidate = candidate[:-1]
        try:
            parsed = parse_duration(candidate, now=now)
        except DurationError as error:
            if count == 1:
                first_error = error
            continue
        ends_with_bare_number = count > 1 and tokens[count - 1].rstrip(":").isdigit()
        if best is not None and ends_with_bare_number:
            continue  # `2h 42 ...`: 42 is more likely a project ID than minutes
        best = (parsed, count, separator)
        if separator:
            break
    if best is not None:
        parsed, count, separator = best
        return parsed, tokens[count:], separator, None
    if first_error is not None and _looks_like_duration(tokens[0]):
        return None, tokens[1:], False, QuickEntryProblem("duration", first_error)
    return None, tokens, False, None


def _looks_like_duration(token: str) -> bool:
    """`25h`, `1:75`, `(2` look like a mistyped duration; `P0007` and ID `944587499` do not."""
    stripped = token.rstrip(":")
    if not stripped or not (stripped[0].isdigit() or stripped[0] in "(.,"):
        return False
    if stripped.isdigit():
        return len(stripped) <= 2
    return _DURATION_LIKE.fullmatch(stripped) is not None or "-" in stripped


# ---------------------------------------------------------------------------------------------
# Project and task


@record
class _Target:
    project: AssignedProject | None
    task: Task | None
    leftover: tuple[str, ...]
    problems: tuple[QuickEntryProblem, ...]
    from_fallback: bool = False


@record
class _Match:
    """One name resolved (entity and tier: lower is stronger) or not (error)."""

    entity: Any
    tier: int
    error: MatchError | None

    @property
    def ok(self) -> bool:
        return self.error is None


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in folded if not unicodedata.combining(ch)).split())


def _bookable(project: AssignedProject) -> bool:
    return project.active and project.contract_active


def _match_project(query: str, projects: Sequence[AssignedProject]) -> _Match:
    try:
        project = resolve_project(query, projects)
    except AmbiguousMatchError as error:
        return _Match(None, 0, error)
    except NoMatchError as error:
        return _words_match(query, [p for p in projects if _bookable(p)], _project_text, error)
    wanted = _fold(query)
    if wanted == str(project.id):
        tier = 0
    elif wanted == _fold(project.identifier):
        tier = 1
    elif wanted in (_fold(project.name), _fold(project_label(project))):
        tier = 2
    else:
        tier = 3
    return _Match(project, tier, None)


def _match_task(query: str, project: AssignedProject) -> _Match:
    try:
        task = resolve_task(query, project)
    except AmbiguousMatchError as error:
        return _Match(None, 0, error)
    except NoMatchError as error:
        active = [task for task in project.tasks if task.active]
        return _words_match(query, active, lambda task: _fold(task.name), error)
    wanted = _fold(query)
    tier = 0 if wanted == str(task.id) else 2 if wanted == _fold(task.name) else 3
    return _Match(task, tier, None)


def _project_text(project: AssignedProject) -> str:
    customer = project.customer.name if project.customer else ""
    return _fold(f"{project.identifier} {customer} {project.name}")


def _words_match(
    query: str, candidates: Sequence[Any], text_of: Any, error: NoMatchError
) -> _Match:
    """Every word of `query` is part of the candidate's text (accents and case ignored)."""
    words = _fold(query).split()
    found = [c for c in candidates if words and all(word in text_of(c) for word in words)]
    if len(found) == 1:
        return _Match(found[0], 4, None)
    if found:
        return _Match(
            None,
            0,
            AmbiguousMatchError(error.key.replace(".none", ".ambiguous"), found, **error.params),
        )
    return _Match(None, 0, error)


def _resolve_target(
    words: list[str],
    projects: Sequence[AssignedProject],
    *,
    fixed_task_end: bool,
    fallback: tuple[AssignedProject, Task] | None,
) -> _Target:
    if not words:
        if fallback is not None:
            return _Target(fallback[0], fallback[1], (), (), from_fallback=True)
        return _Target(
            None, None, (), (_problem("project", NoMatchError("matching.project.empty")),)
        )

    best: tuple[tuple[int, ...], _Target] | None = None
    best_partial: tuple[tuple[int, ...], _Target] | None = None
    first_project_failure: _Match | None = None
    count = len(words)
    for project_words in range(1, count + 1):
        project_match = _match_project(" ".join(words[:project_words]), projects)
        if not project_match.ok:
            if first_project_failure is None or isinstance(
                project_match.error, AmbiguousMatchError
            ):
                first_project_failure = project_match
            continue
        project: AssignedProject = project_match.entity
        task_ends = [count] if fixed_task_end else list(range(project_words + 1, count + 1))
        task_failure: _Match | None = None
        for task_end in task_ends:
            if task_end == project_words:
                continue
            task_match = _match_task(" ".join(words[project_words:task_end]), project)
            if not task_match.ok:
                if task_failure is None or isinstance(task_match.error, AmbiguousMatchError):
                    task_failure = task_match
                continue
            score = (task_end, -project_match.tier, -task_match.tier)
            target = _Target(project, task_match.entity, tuple(words[task_end:]), ())
            if best is None or score > best[0]:
                best = (score, target)
        single = _single_active_task(project)
        if single is not None and (not fixed_task_end or project_words == count):
            score = (project_words, -project_match.tier, 0)
            target = _Target(project, single, tuple(words[project_words:]), ())
            if best is None or score > best[0]:
                best = (score, target)
        partial_problem = _task_problem(task_failure, project, has_words=project_words < count)
        partial_score = (-project_match.tier, project_words)  # the surest project first
        partial = _Target(project, None, (), (partial_problem,))
        if best_partial is None or partial_score > best_partial[0]:
            best_partial = (partial_score, partial)
    if best is not None:
        return best[1]
    if best_partial is not None:
        return best_partial[1]
    assert first_project_failure is not None
    assert first_project_failure.error is not None
    return _Target(None, None, (), (_problem("project", first_project_failure.error),))


def _single_active_task(project: AssignedProject) -> Task | None:
    active = [task for task in project.tasks if task.active]
    return active[0] if len(active) == 1 else None


def _task_problem(
    failure: _Match | None, project: AssignedProject, *, has_words: bool
) -> QuickEntryProblem:
    if failure is not None and failure.error is not None and has_words:
        return _problem("task", failure.error)
    return _problem("task", NoMatchError("matching.task.empty", project=project_label(project)))


def _problem(field: QuickEntryField, error: MatchError) -> QuickEntryProblem:
    candidates = error.candidates if isinstance(error, AmbiguousMatchError) else ()
    return QuickEntryProblem(field, error, candidates)


# ---------------------------------------------------------------------------------------------
# Rounding of stopped timers


@record
class RoundingPolicy:
    """Optional rounding of a stopped timer's seconds (off by default), e.g. up to 15 min."""

    enabled: bool = False
    minutes: int = 15
    mode: RoundingMode = "up"

    def __post_init__(self) -> None:
        if not 1 <= self.minutes <= 60:
            raise QuickEntryError("quick_entry.rounding_step")
        if self.mode not in ("up", "nearest", "down"):
            raise ValueError(f"unknown rounding mode {self.mode!r}")

    def apply(self, seconds: int) -> int:
        """The seconds to book; unchanged when off. Never rounds a started entry down to 0."""
        if not self.enabled or seconds <= 0:
            return seconds
        rounded = round_seconds(seconds, self.minutes, self.mode)
        return rounded if rounded > 0 else self.minutes * 60

    def to_json(self) -> dict[str, object]:
        return {"enabled": self.enabled, "minutes": self.minutes, "mode": self.mode}

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None) -> RoundingPolicy:
        """From settings; anything missing or invalid falls back to the default."""
        if not isinstance(data, Mapping):
            return cls()
        default = cls()
        enabled = data.get("enabled", default.enabled)
        minutes = data.get("minutes", default.minutes)
        mode = data.get("mode", default.mode)
        modes: dict[str, RoundingMode] = {"up": "up", "nearest": "nearest", "down": "down"}
        valid_minutes = isinstance(minutes, int) and not isinstance(minutes, bool)
        try:
            return cls(
                enabled=enabled if isinstance(enabled, bool) else default.enabled,
                minutes=minutes if valid_minutes else default.minutes,  # type: ignore[arg-type]
                mode=modes.get(str(mode), default.mode),
            )
        except (QuickEntryError, ValueError):
            return default
