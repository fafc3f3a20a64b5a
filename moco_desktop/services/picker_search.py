"""The ranking behind the project/task picker: fuzzy "customer / project / task" search.

Every bookable (project, task) pair is one choice. A query is split into words (on spaces and
"/"); each word must match the choice's customer, project name or identifier, or its task, either
as a substring (best at the start of a word) or, from three letters on and without digits,
fuzzily (typos such as "konzpt"). Recent choices (most recent first) and planned ones rank
above the rest; with an empty query they come first, followed by everything in alphabetical
order.

Speed: words are scored against the distinct project texts (one per project) and the distinct
task names, not against every pair, and word scores are cached, so typing one more letter
rescores one word. 20,000 pairs stay well under 10 ms per keystroke (benchmarks/scale.py). An
index is cheap to build: what depends on the projects alone (the alphabetical pairs, ~12 ms for
20,000) is shared by every index over the same projects tuple, and `PickerChoice` objects are
made only for the pairs a search returns. No Qt here: the widget in `moco_desktop.ui.picker`
only shows what `PickerIndex.search` returns.
"""

from __future__ import annotations

import heapq
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from moco_desktop.core.entities import AssignedProject, Task
from moco_desktop.core.records import record

DEFAULT_LIMIT = 200
_TOP_SCORE = 10_000  # a project's best score in 1/100 (100.00)
_FUZZY_MIN_LENGTH = 3  # shorter words only match as substrings: "ab" is everywhere fuzzily
_FUZZY_CUTOFF = 75.0
_FUZZY_CEILING = 80.0  # a fuzzy hit never beats a true substring
_WORD_START_SCORE = 100.0
_INSIDE_WORD_SCORE = 88.0
_RECENT_BOOST = 12.0
_PLANNED_BOOST = 8.0
_WORD_CACHE_SIZE = 64
_WORD_SPLIT = re.compile(r"[\s/]+")


def fold(text: str) -> str:
    """Lower case without accents, so "Süd" matches "sud" and "SÜD"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@record
class PickerChoice:
    """One bookable (project, task) pair as the picker shows it."""

    project: AssignedProject
    task: Task
    recent_rank: int | None = None  # 0 = the most recently used
    planned: bool = False

    @property
    def customer_name(self) -> str:
        return self.project.customer.name if self.project.customer else ""

    @property
    def label(self) -> str:
        """`Customer / Project / Task`, the way MOCO's web app names a booking target."""
        parts = [self.customer_name, self.project.name, self.task.name]
        return " / ".join(part for part in parts if part)

    @property
    def key(self) -> tuple[int, int]:
        return (self.project.id, self.task.id)


def bookable(project: AssignedProject) -> bool:
    return project.active and project.contract_active


class PickerIndex:
    """All bookable pairs of a user's assigned projects, ready to be searched as one types.

    Pairs are kept in alphabetical order (ties in score keep that order). A pair's score is the
    mean over the query's words of the better of its project's and its task's score for that
    word. Words are scored per project and per distinct task name; only pairs whose task matches
    a word, or that are recent or planned, are scored one by one. All other pairs of a project
    share the project's score, so they are taken project by project, best project first.
    """

    def __init__(
        self,
        projects: Iterable[AssignedProject],
        *,
        recent: Sequence[tuple[int, int]] = (),
        planned: Iterable[tuple[int, int | None]] = (),
        planned_first: bool = False,
    ) -> None:
        """`planned_first`: today's planned pairs lead the list and outrank recent ones (the
        day view's picker); otherwise recent ones lead."""
        self._recent_rank = {key: rank for rank, key in reversed(list(enumerate(recent)))}
        self._planned = set(planned)
        catalogue = _catalogue_of(projects)
        self._projects = catalogue.projects
        self._project_texts = catalogue.project_texts
        self._pair_projects = catalogue.pair_projects
        self._pair_tasks = catalogue.pair_tasks
        self._pair_slots = catalogue.pair_slots
        self._task_texts = catalogue.task_texts
        self._project_pairs = catalogue.project_pairs
        self._project_firsts = catalogue.project_firsts
        self._slot_pairs = catalogue.slot_pairs
        self._slot_projects = catalogue.slot_projects
        self._project_index = catalogue.project_index
        self._word_cache = catalogue.word_cache
        self._choice_cache: dict[int, PickerChoice] = {}
        boosted_projects = {key[0] for key in self._recent_rank} | {key[0] for key in self._planned}
        boosted = sorted(
            position
            for project_id in boosted_projects
            if (project_index := self._project_index.get(project_id)) is not None
            for position in self._project_pairs[project_index]
        )
        self._boosts = {
            position: _boost(choice, planned_first=planned_first)
            for position in boosted
            if (choice := self._choice_at(position)).recent_rank is not None or choice.planned
        }
        self._favourites = sorted(
            (self._choice_at(position) for position in self._boosts),
            key=lambda c: (
                planned_first and not c.planned,
                c.recent_rank is None,
                c.recent_rank or 0,
            ),
        )

    def __len__(self) -> int:
        return len(self._pair_tasks)

    def choice(self, project_id: int, task_id: int) -> PickerChoice | None:
        """The choice for a pair, if it can be booked."""
        project_index = self._project_index.get(project_id)
        if project_index is None:
            return None
        for position in self._project_pairs[project_index]:
            if self._pair_tasks[position].id == task_id:
                return self._choice_at(position)
        return None

    def _choice_at(self, position: int) -> PickerChoice:
        """The pair at `position` (alphabetical order) as a choice; made when first asked for:
        a search shows a few hundred of 20,000."""
        choice = self._choice_cache.get(position)
        if choice is None:
            project = self._projects[self._pair_projects[position]]
            task = self._pair_tasks[position]
            key = (project.id, task.id)
            planned = key in self._planned or (project.id, None) in self._planned
            choice = PickerChoice(project, task, self._recent_rank.get(key), planned)
            self._choice_cache[position] = choice
        return choice

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[PickerChoice]:
        """The best `limit` choices for `query`, best first."""
        words = list(dict.fromkeys(word for word in _WORD_SPLIT.split(fold(query)) if word))
        if not words:
            favourites = self._favourites[:limit]
            keys = {choice.key for choice in favourites}
            rest = (
                choice
                for choice in map(self._choice_at, range(len(self)))
                if choice.key not in keys
            )
            return favourites + list(itertools.islice(rest, max(0, limit - len(favourites))))
        if limit <= 0 or not self._pair_tasks:
            return []
        scores = [self._word_scores(word) for word in words]
        size = len(self._pair_tasks)

        # Pairs scored one by one: recent or planned ones, and those whose task scores better
        # on some word than their project (all others score exactly as their project does).
        exact: set[int] = set(self._boosts)
        for slot in range(len(self._task_texts)):
            exact.update(self._beating_pairs(slot, scores))
        positions = sorted(exact)
        pair_projects, pair_slots = self._pair_projects, self._pair_slots
        pairs = [(pair_projects[position], pair_slots[position]) for position in positions]
        totals: list[float] = []
        for number, word_scored in enumerate(scores):
            project_scores, task_scores = word_scored.projects, word_scored.tasks
            word_scores = [
                project_scores[p] if project_scores[p] > task_scores[t] else task_scores[t]
                for p, t in pairs
            ]
            # A pair must match every word: a 0 for any word keeps its total at 0.
            totals = (
                word_scores
                if number == 0
                else [a + b if a and b else 0.0 for a, b in zip(totals, word_scores, strict=True)]
            )
        boosts = self._boosts
        count = len(words)
        ranked = [
            int((total / count + boosts.get(position, 0.0)) * 100) * size + (size - 1 - position)
            for position, total in zip(positions, totals, strict=True)
            if total
        ]

        # Every other pair of a project that matches all words has the project's score. Summed
        # word by word over the 2,000 projects (perf, issue 7: a sum() and all() per project
        # took ~0.1 ms more a keystroke); the same additions in the same order as before.
        project_totals = scores[0].projects
        for word_scored in scores[1:]:
            project_totals = [
                a + b if a and b else 0.0
                for a, b in zip(project_totals, word_scored.projects, strict=True)
            ]
        project_means = [total / count if total else 0.0 for total in project_totals]
        # Projects best first (to 1/100, as pairs are ranked), then by their first pair: one
        # int each, sorted without a key function (perf, issue 7: a letter matches them all).
        project_pairs, pair_projects = self._project_pairs, self._pair_projects
        order = sorted(
            [
                (_TOP_SCORE - int(mean * 100)) * size + first
                for mean, first in zip(project_means, self._project_firsts, strict=True)
                if mean
            ]
        )
        shared = 0
        for key in order:
            project_index = pair_projects[key % size]
            score = int(project_means[project_index] * 100)
            for position in project_pairs[project_index]:
                if position not in exact:
                    ranked.append(score * size + (size - 1 - position))
                    shared += 1
            if shared >= limit:
                break
        # `ranked` holds one sortable int per pair: the score (to 1/100), then the position.
        return [self._choice_at(size - 1 - r % size) for r in heapq.nlargest(limit, ranked)]

    def _beating_pairs(self, slot: int, words: list[_WordScores]) -> Iterable[int]:
        """The pairs of a task name that score better on some word than their project, except,
        where that leaves out most, those that miss a word altogether (neither their task nor
        their project matches it, so their total is 0): with "kunde projekt entw", the 2,000
        "Entwicklung" pairs are looked at only for the projects that match "kunde" and
        "projekt" (perf, issue 7)."""
        beating = [(word, word.tasks[slot]) for word in words if word.tasks[slot] > word.lowest]
        if not beating:
            return ()
        missed = [word for word in words if not word.tasks[slot]]
        few = len(self._projects) // 4
        allowed = None
        if missed and min(word.matching_count for word in missed) < few:
            allowed = set.intersection(*(word.matching_projects() for word in missed))
        pairs, projects = self._slot_pairs[slot], self._slot_projects[slot]
        if allowed is not None and len(allowed) < few:
            pair_slots = self._pair_slots
            return [
                position
                for project_index in allowed
                for position in self._project_pairs[project_index]
                if pair_slots[position] == slot
                and any(word.projects[project_index] < score for word, score in beating)
            ]
        found: set[int] = set()
        for word, task_score in beating:
            if task_score > word.highest:
                return pairs
            project_scores = word.projects
            found.update(
                position
                for position, project_index in zip(pairs, projects, strict=True)
                if project_scores[project_index] < task_score
            )
        return found

    def _word_scores(self, word: str) -> _WordScores:
        """The scores of one query word per project and per task name; cached."""
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        scores = _WordScores(_scores(word, self._project_texts), _scores(word, self._task_texts))
        if len(self._word_cache) >= _WORD_CACHE_SIZE:
            self._word_cache.pop(next(iter(self._word_cache)))
        self._word_cache[word] = scores
        return scores


class _WordScores:
    """One query word's scores per project and per task name, with what searches ask of them."""

    __slots__ = ("_matching", "highest", "lowest", "matching_count", "projects", "tasks")

    def __init__(self, projects: list[float], tasks: list[float]) -> None:
        self.projects, self.tasks = projects, tasks
        self.lowest, self.highest = min(projects), max(projects)
        self.matching_count = len(projects) - projects.count(0.0)
        self._matching: set[int] | None = None

    def matching_projects(self) -> set[int]:
        """The projects that match the word (made when first asked for)."""
        if self._matching is None:
            self._matching = {index for index, score in enumerate(self.projects) if score}
        return self._matching


class _Catalogue:
    """What an index derives from the projects alone (the expensive part: ~12 ms for 20,000
    pairs), shared by every index over the same projects: the picker's index is rebuilt after
    each change of the recent entries, the catalogue only when the projects change."""

    def __init__(self, projects: Sequence[AssignedProject]) -> None:
        # A project without an active task has nothing to book (and no pair to rank it by).
        bookable_projects = [
            project
            for project in projects
            if bookable(project) and any(task.active for task in project.tasks)
        ]
        self.projects = bookable_projects
        self.project_texts = [_project_text(project) for project in bookable_projects]
        # Alphabetical by (customer, project, task) without a sort key per pair: projects
        # sorted by (customer, project), tasks within; projects with the same names share one
        # group whose pairs are sorted by task (as a sort over all pairs would do).
        names = [
            (fold(project.customer.name) if project.customer else "", fold(project.name))
            for project in bookable_projects
        ]
        order = sorted(range(len(bookable_projects)), key=names.__getitem__)
        folded: dict[str, str] = {}  # task names repeat across projects: fold each once
        task_slots: dict[str, int] = {}
        self.pair_projects: list[int] = []
        self.pair_tasks: list[Task] = []
        self.pair_slots: list[int] = []
        self.project_pairs: list[list[int]] = [[] for _ in bookable_projects]
        for group in _groups(order, names):
            rows: list[tuple[str, int, Task]] = []
            for project_index in group:
                for task in bookable_projects[project_index].tasks:
                    if task.active:
                        task_name = folded.get(task.name)
                        if task_name is None:
                            task_name = folded[task.name] = fold(task.name)
                        rows.append((task_name, project_index, task))
            rows.sort(key=_first)
            for task_name, project_index, task in rows:
                self.project_pairs[project_index].append(len(self.pair_tasks))
                self.pair_projects.append(project_index)
                self.pair_tasks.append(task)
                slot = task_slots.get(task_name)
                if slot is None:
                    slot = task_slots[task_name] = len(task_slots)
                self.pair_slots.append(slot)
        self.task_texts = list(task_slots)
        self.slot_pairs: list[list[int]] = [[] for _ in self.task_texts]
        for position, slot in enumerate(self.pair_slots):
            self.slot_pairs[slot].append(position)
        self.slot_projects = [
            [self.pair_projects[position] for position in positions]
            for positions in self.slot_pairs
        ]
        self.project_index = {project.id: index for index, project in enumerate(bookable_projects)}
        self.word_cache: dict[str, _WordScores] = {}
        self.project_firsts = [pairs[0] for pairs in self.project_pairs]


_last_catalogue: tuple[Sequence[AssignedProject], _Catalogue] | None = None


def _catalogue_of(projects: Iterable[AssignedProject]) -> _Catalogue:
    """The catalogue of `projects`, reused while the same (immutable) tuple is passed again,
    as `Workspace.projects()` does until the projects are fetched anew."""
    global _last_catalogue
    if isinstance(projects, tuple):
        if _last_catalogue is not None and _last_catalogue[0] is projects:
            return _last_catalogue[1]
        catalogue = _Catalogue(projects)
        _last_catalogue = (projects, catalogue)
        return catalogue
    return _Catalogue(list(projects))


def forget_catalogues() -> None:
    """Let go of the kept catalogue (with a big account ~3.5 MiB, and ~2 MiB of word scores
    after a few searches); the next index builds it again (~20-30 ms for 20,000 pairs)."""
    global _last_catalogue
    _last_catalogue = None


def _first(row: tuple[str, int, Task]) -> str:
    return row[0]


def _groups(order: Sequence[int], names: Sequence[tuple[str, str]]) -> Iterator[list[int]]:
    """`order` cut into runs of projects with the same (customer, name)."""
    group: list[int] = []
    for index in order:
        if group and names[group[0]] != names[index]:
            yield group
            group = []
        group.append(index)
    if group:
        yield group


def _project_text(project: AssignedProject) -> str:
    customer = project.customer.name if project.customer else ""
    return fold(f"{customer} / {project.name} / {project.identifier}")


def _scores(word: str, texts: Sequence[str]) -> list[float]:
    """The score of `word` in each text (0.0: no match)."""
    result = [0.0] * len(texts)
    # Numbers and identifiers ("P0007") match exactly: P0007 is not "almost" P0001.
    if len(word) >= _FUZZY_MIN_LENGTH and not any(ch.isdigit() for ch in word):
        # Imported here: the timesheet imports this module, the fuzzy matcher is needed only
        # once somebody types (the app imports it beside the event loop after start-up).
        from rapidfuzz import fuzz, process

        for _, similarity, index in process.extract(
            word, texts, scorer=fuzz.partial_ratio, score_cutoff=_FUZZY_CUTOFF, limit=None
        ):
            result[index] = float(similarity) * _FUZZY_CEILING / 100
    for index, text in enumerate(texts):
        position = text.find(word)
        if position >= 0:
            at_word_start = position == 0 or not text[position - 1].isalnum()
            result[index] = _WORD_START_SCORE if at_word_start else _INSIDE_WORD_SCORE
    return result


def _boost(choice: PickerChoice, *, planned_first: bool = False) -> float:
    boost = (_PLANNED_BOOST + (_RECENT_BOOST if planned_first else 0.0)) if choice.planned else 0.0
    if choice.recent_rank is not None:
        boost += _RECENT_BOOST * (1.0 - min(choice.recent_rank, 20) / 40)
    return boost
