"""Seed data for the embedded server: the demo agency, and a large account for benchmarks.

`seed_demo` builds "Agentur Nord GmbH": a staff user (Anna Becker) and a normal user (Jonas
Weber) plus colleagues, customers from Germany, Austria and Switzerland, 34 projects with
tasks, two weeks of past time entries and presences, employments, absences, public holidays
and planning entries. `seed_scale` builds a big account fast. Both are deterministic for a
given `today` and `seed`; nothing is dated today, so the demo day starts empty.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence

from moco_desktop.core.records import record
from moco_desktop.demo.clock import BERLIN
from moco_desktop.demo.state import (
    HOLIDAY,
    SICK_DAY,
    MocoState,
    ProjectRecord,
    TaskRecord,
    UnitRecord,
    UserRecord,
)

DEMO_DOMAIN = "demo"
DEMO_COMPANY = "Agentur Nord GmbH"
DEMO_PASSWORD = "demo"
STAFF_EMAIL = "anna.becker@agentur-nord.de"
STAFF_API_KEY = "demo-anna-becker-7f3c2a91e4b05d68"
NORMAL_EMAIL = "jonas.weber@agentur-nord.de"
NORMAL_API_KEY = "demo-jonas-weber-2b8e6d40c1f97a35"


@record
class DemoCredentials:
    user_id: int
    email: str
    password: str
    api_key: str
    firstname: str
    lastname: str
    staff: bool

    @property
    def full_name(self) -> str:
        return f"{self.firstname} {self.lastname}"


@record
class DemoAccount:
    """How to log in to a seeded account: the staff user and the normal user."""

    domain: str
    company: str
    staff: DemoCredentials  # Anna Becker
    normal: DemoCredentials  # Jonas Weber


TASK_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "Konzeption": (
        "Anforderungsanalyse und Workshop-Vorbereitung",
        "Informationsarchitektur überarbeitet",
        "Sitemap und Nutzerflüsse abgestimmt",
        "Konzeptpapier für die Kundenpräsentation erstellt",
    ),
    "Design": (
        "Startseiten-Entwurf überarbeitet",
        "Styleguide um Formularelemente ergänzt",
        "Mobile Ansichten gestaltet",
        "Feedback aus der Kundenrunde eingearbeitet",
    ),
    "Entwicklung": (
        "Checkout-Prozess implementiert",
        "Schnittstelle zur Warenwirtschaft angebunden",
        "Bugfixing nach Code-Review",
        "Suchfunktion optimiert",
        "Deployment-Pipeline angepasst",
        "Kontaktformular mit Spam-Schutz umgesetzt",
    ),
    "Projektleitung": (
        "Statustermin vorbereitet und Protokoll verschickt",
        "Budgetplanung aktualisiert",
        "Zeitplan mit dem Kunden abgestimmt",
        "Tickets priorisiert und Sprint geplant",
    ),
    "Support": (
        "Kundenanfrage zu Login-Problemen bearbeitet",
        "Sicherheitsupdates eingespielt",
        "Fehleranalyse im Produktivsystem",
        "Redaktionelle Änderungen umgesetzt",
    ),
    "Meetings": (
        "Wöchentliches Team-Meeting",
        "Jour fixe mit dem Kunden",
        "Retrospektive",
        "Interne Abstimmung",
    ),
    "Qualitätssicherung": (
        "Browsertests durchgeführt",
        "Testfälle für das Release geschrieben",
        "Barrierefreiheit geprüft",
    ),
    "Content": (
        "Texte für Produktseiten eingepflegt",
        "Bildauswahl und -bearbeitung",
        "Newsletter-Inhalte vorbereitet",
    ),
    "Beratung": (
        "Beratung zur Tracking-Strategie",
        "Workshop zur Content-Strategie",
        "Wettbewerbsanalyse erstellt",
    ),
    "Schulung": ("CMS-Schulung für das Redaktionsteam", "Schulungsunterlagen erstellt"),
    "Hosting & Betrieb": (
        "Server-Monitoring eingerichtet",
        "Backup-Strategie geprüft",
        "SSL-Zertifikate erneuert",
    ),
    "SEO": ("Keyword-Recherche", "Meta-Daten optimiert", "Ladezeiten analysiert"),
}
NON_BILLABLE_TASKS = frozenset({"Meetings"})

CUSTOMERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Bäckerei Hansen GmbH", ("Website-Relaunch", "Online-Bestellsystem", "Social-Media-Kampagne")),
    ("Stadtwerke Kiel AG", ("Kundenportal", "Störungsmelder-App", "Barrierefreiheits-Audit")),
    ("Nordlicht Reisen GmbH", ("Buchungsstrecke", "Newsletter-Automation", "Katalog 2025")),
    ("Hanseatische Versicherung AG", ("Intranet", "Schadenmeldung online", "Markenauftritt")),
    ("Elbtal Logistik GmbH", ("Sendungsverfolgung", "Karriereseite", "Wartung & Support")),
    ("Grünwerk Energie GmbH", ("Tarifrechner", "Nachhaltigkeitsbericht", "SEO-Betreuung")),
    ("Alpenblick Hotels GmbH", ("Buchungswidget", "Website Salzburg", "Fotoshooting Winter")),
    ("Wiener Kaffeehaus Gruber KG", ("Online-Shop", "Corporate Design", "Speisekarten-App")),
    ("Brunner & Söhne AG", ("Produktkonfigurator", "B2B-Portal", "Messeauftritt Basel")),
    ("Zürcher Uhrenmanufaktur AG", ("Markenwebsite", "Händlerverzeichnis", "Jubiläumskampagne")),
)
INTERNAL_PROJECTS = ("Interne Organisation", "Weiterbildung", "Akquise", "Agentur-Website")
COLLEAGUES: tuple[tuple[str, str, str], ...] = (
    ("Lena", "Hoffmann", "Design"),
    ("Maximilian", "Schulz", "Entwicklung"),
    ("Sophie", "Wagner", "Beratung"),
    ("Lukas", "Meyer", "Entwicklung"),
    ("Marie", "Fischer", "Design"),  # part-time, 32 h
    ("Felix", "Schneider", "Entwicklung"),
    ("Hannah", "Koch", "Projektmanagement"),
    ("Paul", "Richter", "Beratung"),
)
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Finn", "Greta", "Henrik", "Ida", "Jan",
    "Klara", "Leon", "Mia", "Noah", "Olivia", "Philipp", "Quirin", "Rosa", "Simon", "Tilda",
)  # fmt: skip
LAST_NAMES = (
    "Bauer", "Becker", "Braun", "Graf", "Hartmann", "Huber", "Keller", "Krause", "Lang",
    "Lehmann", "Maier", "Neumann", "Peters", "Roth", "Schmid", "Vogel", "Weiß", "Winkler",
)  # fmt: skip
COLORS = ("#4fa3e0", "#e0784f", "#5cb85c", "#f0ad4e", "#9b59b6", "#1abc9c", "#e74c3c")


# ------------------------------------------------------------------------------ calendar
def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def german_public_holidays(year: int) -> dict[dt.date, str]:
    """Nationwide public holidays in Germany."""
    easter = easter_sunday(year)
    return {
        dt.date(year, 1, 1): "Neujahr",
        easter - dt.timedelta(days=2): "Karfreitag",
        easter + dt.timedelta(days=1): "Ostermontag",
        dt.date(year, 5, 1): "Tag der Arbeit",
        easter + dt.timedelta(days=39): "Christi Himmelfahrt",
        easter + dt.timedelta(days=50): "Pfingstmontag",
        dt.date(year, 10, 3): "Tag der Deutschen Einheit",
        dt.date(year, 12, 25): "1. Weihnachtsfeiertag",
        dt.date(year, 12, 26): "2. Weihnachtsfeiertag",
    }


def _working_days_before(today: dt.date, count: int, holidays: set[dt.date]) -> list[dt.date]:
    """The `count` working days before `today`, oldest first."""
    days: list[dt.date] = []
    day = today
    while len(days) < count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
    return days[::-1]


def _stamp(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), BERLIN).astimezone(dt.UTC)


# ------------------------------------------------------------------------------ seeding
def seed_demo(state: MocoState, today: dt.date, *, seed: int = 2024) -> DemoAccount:
    """Fill `state` with the demo agency (see the module docstring)."""
    rng = random.Random(seed)
    with state.lock:
        state.account_name = DEMO_COMPANY
        units = {name: state.add_unit(name) for name in _unit_names()}
        anna = _user(state, rng, "Anna", "Becker", STAFF_API_KEY, units["Geschäftsleitung"], True)
        jonas = _user(state, rng, "Jonas", "Weber", NORMAL_API_KEY, units["Entwicklung"], False)
        colleagues = [
            _user(state, rng, first, last, None, units[unit], False)
            for first, last, unit in COLLEAGUES
        ]
        archived = _user(state, rng, "Tobias", "Wolf", None, units["Entwicklung"], False)
        archived.active = False
        team = [anna, jonas, *colleagues]

        projects = _demo_projects(state, rng, anna, jonas, colleagues)
        holidays: set[dt.date] = set()
        for year in (today.year - 1, today.year, today.year + 1):
            for day, name in german_public_holidays(year).items():
                state.add_public_holiday(day, name)
                holidays.add(day)

        past = _working_days_before(today, 10, holidays)
        # The employments start with the tracked history (two weeks ago), so targets, week
        # strip and the year's balance in the performance report match the booked hours.
        for user in [*team, archived]:
            part_time = user.lastname == "Fischer"
            state.add_employment(
                user.id,
                am=(4, 4, 4, 4, 0) if part_time else (4, 4, 4, 4, 4),
                pm=(4, 4, 4, 4, 0) if part_time else (4, 4, 4, 4, 4),
                from_date=past[0],
            )
        state.add_schedule(anna.id, past[2], HOLIDAY, comment="Urlaub")
        state.add_schedule(jonas.id, past[7], HOLIDAY, am=True, pm=False, comment="Halber Tag")
        state.add_schedule(colleagues[0].id, past[8], SICK_DAY)
        for offset in (7, 8, 9):
            state.add_schedule(
                colleagues[7].id, today + dt.timedelta(days=offset), HOLIDAY, comment="Urlaub"
            )

        for user in team:
            _track_past_days(state, rng, user, projects, past, today)
        _plan_weeks(state, rng, [anna, jonas, *colleagues[:3]], projects, today)
    return _account(anna, jonas)


def _unit_names() -> tuple[str, ...]:
    return ("Geschäftsleitung", "Projektmanagement", "Design", "Entwicklung", "Beratung")


def _user(
    state: MocoState,
    rng: random.Random,
    firstname: str,
    lastname: str,
    api_key: str | None,
    unit: UnitRecord,
    staff: bool,
) -> UserRecord:
    user = state.add_user(
        firstname,
        lastname,
        email=f"{firstname}.{lastname}@agentur-nord.de".lower(),
        password=DEMO_PASSWORD,
        api_key=api_key or f"{rng.getrandbits(128):032x}",
        staff=staff,
        unit=unit,
    )
    user.uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return user


def _demo_projects(
    state: MocoState,
    rng: random.Random,
    anna: UserRecord,
    jonas: UserRecord,
    colleagues: Sequence[UserRecord],
) -> list[ProjectRecord]:
    task_names = [name for name in TASK_DESCRIPTIONS if name != "Projektleitung"]
    plan: list[tuple[str | None, str]] = [
        (customer, name) for customer, names in CUSTOMERS for name in names
    ]
    plan += [(None, name) for name in INTERNAL_PROJECTS]
    agency = state.add_customer(DEMO_COMPANY)
    customers = {name: state.add_customer(name) for name, _ in CUSTOMERS}
    projects: list[ProjectRecord] = []
    for number, (customer_name, name) in enumerate(plan, start=1):
        internal = customer_name is None
        tasks = ["Projektleitung", *rng.sample(task_names, rng.randint(2, 7))]
        project = state.add_project(
            name,
            customer=agency if internal else customers[customer_name or ""],
            identifier=f"P{number:04d}",
            tasks=[(task, not internal and task not in NON_BILLABLE_TASKS) for task in tasks],
            billable=not internal,
            active=number not in (6, 17),  # two archived projects
            hourly_rate=0.0 if internal else float(rng.choice((95, 110, 120, 135))),
            leader_id=anna.id if number % 3 else colleagues[6].id,
            color=COLORS[number % len(COLORS)],
        )
        if number not in (4, 21, 29):
            state.assign(project, anna.id)
        if number not in (2, 12, 25, 30):
            state.assign(project, jonas.id, active=number != 9)
        for colleague in rng.sample(list(colleagues), rng.randint(2, 5)):
            state.assign(project, colleague.id)
        projects.append(project)
    projects[2].tasks[-1].active = False  # a retired task on P0003
    return projects


def _bookable(project: ProjectRecord, user_id: int) -> list[TaskRecord]:
    contract = project.contract_of(user_id)
    if not project.active or contract is None or not contract.active:
        return []
    return [task for task in project.tasks if task.active]


def _track_past_days(
    state: MocoState,
    rng: random.Random,
    user: UserRecord,
    projects: Sequence[ProjectRecord],
    days: Sequence[dt.date],
    today: dt.date,
) -> None:
    """Presences and 3–5 activities per working day, around absences."""
    own = [(p, t) for p in projects for t in _bookable(p, user.id)]
    employment = state.employments_of(user.id)[0]
    for day in days:
        am_hours, pm_hours = employment.hours_on(day)
        for absence in state.schedules_of(user.id):
            if absence.date == day:
                am_hours = 0.0 if absence.am else am_hours
                pm_hours = 0.0 if absence.pm else pm_hours
        if am_hours + pm_hours == 0:
            continue
        home_office = rng.random() < 0.3
        minutes = _presence_minutes(state, rng, user, day, am_hours, pm_hours, home_office)
        _book_day(state, rng, user, day, minutes - rng.choice((0, 15, 15, 30)), own, today)


def _presence_minutes(
    state: MocoState,
    rng: random.Random,
    user: UserRecord,
    day: dt.date,
    am_hours: float,
    pm_hours: float,
    home_office: bool,
) -> int:
    """Book a morning and/or afternoon presence; returns the minutes present."""
    stamp = _stamp(day, 17, 45)
    total = 0
    afternoon_start = 13 * 60 + rng.choice((0, 0, 15, 30))
    if am_hours:
        start = 8 * 60 + rng.choice((0, 15, 30, 30, 45, 60))
        end = start + int(am_hours * 60) + rng.choice((-15, 0, 0, 15))
        state.add_presence(
            user.id, day, _clock(start), _clock(end), is_home_office=home_office, updated_at=stamp
        )
        total += end - start
        afternoon_start = end + rng.choice((30, 45, 45, 60))  # lunch break
    if pm_hours:
        start = afternoon_start
        end = start + int(pm_hours * 60) + rng.choice((0, 15, 15, 30))
        state.add_presence(
            user.id, day, _clock(start), _clock(end), is_home_office=home_office, updated_at=stamp
        )
        total += end - start
    return total


def _clock(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def _book_day(
    state: MocoState,
    rng: random.Random,
    user: UserRecord,
    day: dt.date,
    minutes: int,
    bookable: Sequence[tuple[ProjectRecord, TaskRecord]],
    today: dt.date,
) -> None:
    if not bookable:
        return
    parts = rng.randint(3, 5)
    quarters = max(parts, minutes // 15)
    cuts = sorted(rng.sample(range(1, quarters), parts - 1))
    lengths = [b - a for a, b in zip([0, *cuts], [*cuts, quarters], strict=True)]
    earlier_week = (today - day).days > 7
    for quarter_hours in lengths:
        project, task = rng.choice(bookable)
        description = rng.choice(TASK_DESCRIPTIONS.get(task.name, ("Projektarbeit",)))
        tag, remote_service, remote_id, remote_url = "", "", None, None
        if task.name == "Entwicklung" and rng.random() < 0.4:
            remote_id = f"NORD-{rng.randint(100, 999)}"
            remote_service, tag = "jira", remote_id
            remote_url = f"https://agentur-nord.atlassian.net/browse/{remote_id}"
        billable = project.billable and task.billable and rng.random() > 0.1
        activity = state.add_activity(
            user.id,
            project.id,
            task.id,
            day,
            quarter_hours * 15 * 60,
            description,
            billable=billable,
            billed=earlier_week and billable and rng.random() < 0.5,
            locked=earlier_week and rng.random() < 0.4,
            tag=tag,
            remote_service=remote_service,
            remote_id=remote_id,
            remote_url=remote_url,
            updated_at=_stamp(day, 17, 50),
        )
        if activity.billed:
            activity.invoice_id = 1_600_000 + day.toordinal() % 1000
            activity.locked = True


def _plan_weeks(
    state: MocoState,
    rng: random.Random,
    users: Sequence[UserRecord],
    projects: Sequence[ProjectRecord],
    today: dt.date,
) -> None:
    """Planning entries for this week and the next: Mon–Wed and Thu–Fri blocks."""
    monday = today - dt.timedelta(days=today.weekday())
    for user in users:
        own = [p for p in projects if _bookable(p, user.id)]
        for week in (0, 7):
            start = monday + dt.timedelta(days=week)
            for first, last, hours in ((0, 2, 6.0), (3, 4, 4.0)):
                project = rng.choice(own)
                task = rng.choice(_bookable(project, user.id))
                state.add_planning_entry(
                    user.id,
                    project.id,
                    start + dt.timedelta(days=first),
                    start + dt.timedelta(days=last),
                    hours,
                    task_id=task.id,
                    title=task.name,
                )


def _account(staff: UserRecord, normal: UserRecord) -> DemoAccount:
    def credentials(user: UserRecord) -> DemoCredentials:
        return DemoCredentials(
            user_id=user.id,
            email=user.email,
            password=user.password,
            api_key=user.api_key,
            firstname=user.firstname,
            lastname=user.lastname,
            staff=user.staff,
        )

    return DemoAccount(DEMO_DOMAIN, DEMO_COMPANY, credentials(staff), credentials(normal))


# ------------------------------------------------------------------------------ scale
def seed_scale(
    state: MocoState,
    today: dt.date,
    *,
    projects: int = 2000,
    tasks_per_project: int = 10,
    users: int = 300,
    activities: int = 5000,
    presences: int = 60,
    seed: int = 4711,
) -> DemoAccount:
    """A big account for benchmarks, with the demo users' credentials.

    `users` includes the two demo users; both are assigned to every project. `activities` are
    split between the two demo users, about eight per working day going back from yesterday;
    `presences` is per demo user, two per working day.
    """
    rng = random.Random(seed)
    task_names = list(TASK_DESCRIPTIONS)
    with state.lock:
        state.account_name = DEMO_COMPANY
        unit = state.add_unit("Team")
        anna = _user(state, rng, "Anna", "Becker", STAFF_API_KEY, unit, True)
        jonas = _user(state, rng, "Jonas", "Weber", NORMAL_API_KEY, unit, False)
        others = [
            _user(
                state,
                rng,
                FIRST_NAMES[n % len(FIRST_NAMES)],
                f"{LAST_NAMES[n % len(LAST_NAMES)]}{n}",
                None,
                unit,
                False,
            )
            for n in range(max(0, users - 2))
        ]
        for user in [anna, jonas, *others]:
            state.add_employment(user.id, from_date=dt.date(today.year - 1, 1, 1))

        customers = [
            state.add_customer(f"{LAST_NAMES[n % len(LAST_NAMES)]} {n} GmbH")
            for n in range(max(1, projects // 10))
        ]
        created: list[ProjectRecord] = []
        for number in range(1, projects + 1):
            names = [
                task_names[i % len(task_names)]
                + ("" if i < len(task_names) else f" {i // len(task_names) + 1}")
                for i in range(tasks_per_project)
            ]
            project = state.add_project(
                f"Projekt {number:05d} {rng.choice(INTERNAL_PROJECTS + CUSTOMERS[0][1])}",
                customer=customers[number % len(customers)],
                identifier=f"P{number:05d}",
                tasks=names,
                assigned=(anna.id, jonas.id),
                color=COLORS[number % len(COLORS)],
            )
            created.append(project)
        for other in others:
            for project in rng.sample(created, min(5, len(created))):
                state.assign(project, other.id)

        days_needed = max(-(-presences // 2), activities // 16 + 1)
        days = _working_days_before(today, days_needed, set())
        if created:
            for index in range(activities):
                user = (anna, jonas)[index % 2]
                day = days[len(days) - 1 - (index // 16) % len(days)]
                project = created[rng.randrange(len(created))]
                task = project.tasks[rng.randrange(len(project.tasks))] if project.tasks else None
                if task is None:
                    continue
                state.add_activity(
                    user.id,
                    project.id,
                    task.id,
                    day,
                    rng.choice((900, 1800, 2700, 3600, 5400)),
                    rng.choice(TASK_DESCRIPTIONS.get(task.name, ("Projektarbeit",))),
                    updated_at=_stamp(day, 17),
                )
        for day, name in german_public_holidays(today.year).items():
            state.add_public_holiday(day, name)
        if created:
            _plan_weeks(state, rng, [anna, jonas], created[:50], today)
        for user in (anna, jonas):
            for index in range(presences):
                day = days[len(days) - 1 - index // 2]
                morning = index % 2 == 0
                state.add_presence(
                    user.id,
                    day,
                    "08:30" if morning else "13:15",
                    "12:30" if morning else "17:30",
                    updated_at=_stamp(day, 17, 45),
                )
    return _account(anna, jonas)
