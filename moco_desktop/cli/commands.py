"""What each `moco-desktop` command does, on top of the services.

Every command that changes something writes through the offline-first `Workspace`: exit code 3
means the change is saved locally and `moco-desktop sync` (or the running app) sends it later.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from moco_desktop.app import AppContext, WorkspaceSession
from moco_desktop.cli.main import EXIT_ERROR, EXIT_OK, EXIT_PENDING, UsageError
from moco_desktop.cli.output import (
    day_as_json,
    entry_as_json,
    pending_as_json,
    print_day,
    print_projects,
    project_as_json,
)
from moco_desktop.core.duration import DurationError, format_duration, parse_duration
from moco_desktop.core.entities import AssignedProject
from moco_desktop.core.errors import UserFacingError
from moco_desktop.core.i18n import register, tr
from moco_desktop.core.matching import resolve_project, resolve_task
from moco_desktop.services.workspace import ChangeResult, Workspace

register(
    {
        "cli.login.domain_prompt": {
            "en": "MOCO domain (e.g. acme): ",
            "de": "MOCO-Domain (z. B. acme): ",
        },
        "cli.login.email_prompt": {"en": "Email: ", "de": "E-Mail: "},
        "cli.login.password_prompt": {"en": "Password: ", "de": "Passwort: "},
        "cli.login.needs_input": {
            "en": "{what} missing: pass --{option} (stdin is not a terminal, so no prompt).",
            "de": "{what} fehlt: bitte --{option} angeben (stdin ist kein Terminal, daher "
            "keine Abfrage).",
        },
        "cli.login.empty_key": {
            "en": "No API key on stdin.",
            "de": "Kein API-Schlüssel auf stdin.",
        },
        "cli.login.done": {
            "en": "Logged in to {domain} as {name} ({email}).",
            "de": "Bei {domain} angemeldet als {name} ({email}).",
        },
        "cli.logout.done": {
            "en": "Logged out of {domain}; key and cached data removed.",
            "de": "Von {domain} abgemeldet; Schlüssel und zwischengespeicherte Daten entfernt.",
        },
        "cli.logout.none": {"en": "Not logged in.", "de": "Nicht angemeldet."},
        "cli.logout.unsent": {
            "en": "Not logged out: {count} change(s) have not reached MOCO yet. Run "
            "`moco-desktop sync` first, or `logout --discard-unsent` to throw them away.",
            "de": "Nicht abgemeldet: {count} Änderung(en) sind noch nicht in MOCO. Erst "
            "`moco-desktop sync` ausführen, oder `logout --discard-unsent`, um sie zu verwerfen.",
        },
        "cli.offline_cached": {
            "en": "MOCO is not reachable; showing the last known state.",
            "de": "MOCO ist nicht erreichbar; angezeigt wird der zuletzt bekannte Stand.",
        },
        "cli.saved_locally": {
            "en": "Saved locally; not in MOCO yet. `moco-desktop sync` sends it when MOCO is "
            "reachable.",
            "de": "Lokal gespeichert; noch nicht in MOCO. `moco-desktop sync` sendet es, sobald "
            "MOCO erreichbar ist.",
        },
        "cli.rejected": {
            "en": "MOCO rejected the change: {message}",
            "de": "MOCO hat die Änderung abgelehnt: {message}",
        },
        "cli.started": {
            "en": "Timer started: {project} / {task} {description}",
            "de": "Timer gestartet: {project} / {task} {description}",
        },
        "cli.continued": {
            "en": "Timer running on entry {id}.",
            "de": "Timer läuft auf Eintrag {id}.",
        },
        "cli.stopped": {
            "en": "Timer stopped: {project} / {task}, {duration}.",
            "de": "Timer gestoppt: {project} / {task}, {duration}.",
        },
        "cli.no_timer": {"en": "No timer is running.", "de": "Es läuft kein Timer."},
        "cli.logged": {
            "en": "Booked {duration} on {date}: {project} / {task} {description}",
            "de": "{duration} am {date} gebucht: {project} / {task} {description}",
        },
        "cli.clocked_in": {"en": "Clocked in at {time}.", "de": "Eingestempelt um {time}."},
        "cli.clocked_out": {"en": "Clocked out at {time}.", "de": "Ausgestempelt um {time}."},
        "cli.start_needs_args": {
            "en": "Give PROJECT and TASK, or --activity ID to continue an entry.",
            "de": "Bitte PROJEKT und AUFGABE angeben, oder --activity ID zum Fortsetzen.",
        },
        "cli.sync.done": {
            "en": "Sent {sent} change(s); nothing pending.",
            "de": "{sent} Änderung(en) gesendet; nichts mehr offen.",
        },
        "cli.sync.pending": {
            "en": "Sent {sent} change(s); {pending} still pending ({parked} rejected by MOCO).",
            "de": "{sent} Änderung(en) gesendet; {pending} noch offen ({parked} von MOCO "
            "abgelehnt).",
        },
        "cli.status.account": {
            "en": "Logged in to {domain} as {name} (user {user_id}){acting}.",
            "de": "Angemeldet bei {domain} als {name} (Benutzer {user_id}){acting}.",
        },
        "cli.status.acting": {
            "en": ", acting for user {user_id}",
            "de": ", handelt für Benutzer {user_id}",
        },
        "cli.status.running": {
            "en": "Timer running since {since} on {date}: {project} / {task} {description} "
            "({elapsed})",
            "de": "Timer läuft seit {since} am {date}: {project} / {task} {description} "
            "({elapsed})",
        },
        "cli.status.reachable": {"en": "MOCO reachable.", "de": "MOCO erreichbar."},
        "cli.status.unreachable": {"en": "MOCO NOT reachable.", "de": "MOCO NICHT erreichbar."},
        "cli.status.pending_header": {
            "en": "{count} change(s) not in MOCO yet:",
            "de": "{count} Änderung(en) noch nicht in MOCO:",
        },
        "cli.status.nothing_pending": {
            "en": "Nothing pending.",
            "de": "Nichts offen.",
        },
        "cli.invalid_date": {
            "en": "Invalid date {value!r}: use YYYY-MM-DD.",
            "de": "Ungültiges Datum {value!r}: bitte JJJJ-MM-TT verwenden.",
        },
    }
)

Handler = Callable[[AppContext, argparse.Namespace], Awaitable[int]]


async def dispatch(args: argparse.Namespace) -> int:
    context = AppContext.create()
    return await HANDLERS[args.command](context, args)


def _say(text: str) -> None:
    print(text, flush=True)


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _parse_date(value: str | None, default: dt.date) -> dt.date:
    if value is None:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(tr("cli.invalid_date", value=value)) from None


def _acting_user(args: argparse.Namespace) -> int | None:
    value = getattr(args, "as_user", None)
    return int(value) if value is not None else None


async def _session(context: AppContext, args: argparse.Namespace) -> WorkspaceSession:
    account = await context.accounts.active()
    return await context.open_workspace(account, _acting_user(args))


class SendingHaltedError(UserFacingError):
    """MOCO refused who we are (key revoked, no permission to act for that user)."""


def _fail_if_halted(workspace: Workspace) -> None:
    if workspace.halted_message:
        raise SendingHaltedError(workspace.halted_message)


def _change_exit_code(workspace: Workspace, result: ChangeResult) -> int:
    """0 when MOCO has the change, 3 when only the local store has it, 1 when MOCO said no."""
    _fail_if_halted(workspace)
    if result.parked_message:
        _warn(tr("cli.rejected", message=result.parked_message))
        return EXIT_ERROR
    if result.saved_locally_only:
        _warn(tr("cli.saved_locally"))
        return EXIT_PENDING
    return EXIT_OK


async def _refresh_or_warn(workspace: Workspace, dates: list[dt.date] | None = None) -> None:
    report = await workspace.refresh(dates)
    _fail_if_halted(workspace)
    if not report.ok:
        _warn(tr("cli.offline_cached"))


# -- login / logout ------------------------------------------------------------------------


def _ask(prompt_key: str, option: str, what: str) -> str:
    if not sys.stdin.isatty():
        raise UsageError(tr("cli.login.needs_input", what=what, option=option))
    return input(tr(prompt_key)).strip()


async def login(context: AppContext, args: argparse.Namespace) -> int:
    settings = context.accounts.settings
    domain = args.domain or context.env.get("MOCO_DOMAIN") or None
    if not domain and not context.env.get("MOCO_BASE_URL"):
        domain = settings.last_domain or _ask("cli.login.domain_prompt", "domain", "Domain")
    if args.api_key_stdin:
        key = sys.stdin.readline().strip()
        if not key:
            raise UsageError(tr("cli.login.empty_key"))
        outcome = await context.accounts.login_with_api_key(domain, key)
    else:
        email = args.email or _ask("cli.login.email_prompt", "email", "Email")
        if sys.stdin.isatty():
            password = getpass.getpass(tr("cli.login.password_prompt"))
        else:
            password = sys.stdin.readline().rstrip("\r\n")
        outcome = await context.accounts.login_with_password(domain, email, password)
    record = outcome.account.record
    _say(
        tr(
            "cli.login.done",
            domain=record.domain,
            name=outcome.profile.full_name,
            email=record.email or outcome.profile.email,
        )
    )
    if not outcome.key_storage.persisted and outcome.key_storage.message:
        _warn(outcome.key_storage.message)
    return EXIT_OK


async def logout(context: AppContext, args: argparse.Namespace) -> int:
    active = context.accounts.settings.active_account
    unsent = context.unsent_changes(active.account_id) if active else 0
    if unsent and not args.discard_unsent:
        _warn(tr("cli.logout.unsent", count=unsent))
        return EXIT_ERROR
    record = context.accounts.logout()
    _say(tr("cli.logout.done", domain=record.domain) if record else tr("cli.logout.none"))
    return EXIT_OK


# -- reading -------------------------------------------------------------------------------


async def projects(context: AppContext, args: argparse.Namespace) -> int:
    async with await _session(context, args) as session:
        workspace = session.workspace
        await _refresh_or_warn(workspace)
        listed = workspace.projects()
        if args.json:
            _say(json.dumps([project_as_json(p) for p in listed], ensure_ascii=False, indent=2))
        else:
            print_projects(listed)
    return EXIT_OK


async def today(context: AppContext, args: argparse.Namespace) -> int:
    async with await _session(context, args) as session:
        workspace = session.workspace
        date = _parse_date(args.date, workspace.today())
        await _refresh_or_warn(workspace, [date])
        day = workspace.day(date)
        if args.json:
            _say(json.dumps(day_as_json(day), ensure_ascii=False, indent=2))
        else:
            print_day(day)
    return EXIT_OK


async def status(context: AppContext, args: argparse.Namespace) -> int:
    account = await context.accounts.active()
    acting = _acting_user(args)
    async with await context.open_workspace(account, acting) as session:
        workspace = session.workspace
        reachable = await workspace.check_reachability()
        if reachable:
            await _refresh_or_warn(workspace, [workspace.today()])
        running = workspace.running_timer()
        pending = workspace.pending_changes()
        record = account.record
        profile = workspace.profile()
        if args.json:
            data: dict[str, Any] = {
                "account": {
                    "domain": record.domain,
                    "base_url": record.base_url,
                    "user_id": record.user_id,
                    "email": record.email,
                    "name": record.display_name,
                },
                "acting_user_id": acting,
                "acting_user": profile.full_name if profile and acting else None,
                "reachable": reachable,
                "running": entry_as_json(running, workspace.now()) if running else None,
                "pending": [pending_as_json(change) for change in pending],
            }
            _say(json.dumps(data, ensure_ascii=False, indent=2))
            return EXIT_OK
        acting_text = tr("cli.status.acting", user_id=acting) if acting else ""
        _say(
            tr(
                "cli.status.account",
                domain=record.domain,
                name=record.display_name or record.email,
                user_id=record.user_id,
                acting=acting_text,
            )
        )
        _say(tr("cli.status.reachable" if reachable else "cli.status.unreachable"))
        if running is not None:
            activity = running.activity
            started = activity.timer_started_at
            _say(
                tr(
                    "cli.status.running",
                    since=started.astimezone().strftime("%H:%M") if started else "?",
                    date=activity.date.isoformat(),
                    project=activity.project.name,
                    task=activity.task.name,
                    description=activity.description,
                    elapsed=format_duration(activity.elapsed_seconds(workspace.now()), "clock"),
                )
            )
        else:
            _say(tr("cli.no_timer"))
        if pending:
            _say(tr("cli.status.pending_header", count=len(pending)))
            for change in pending:
                marker = "!" if change.parked else "-"
                line = f"  {marker} {change.summary}"
                if change.parked_message:
                    line += f" [{change.parked_message}]"
                _say(line)
        else:
            _say(tr("cli.status.nothing_pending"))
    return EXIT_OK


# -- writing -------------------------------------------------------------------------------


def _project_and_task(workspace: Workspace, project: str, task: str) -> tuple[AssignedProject, int]:
    chosen = resolve_project(project, workspace.projects())
    return chosen, resolve_task(task, chosen).id


async def _ensure_projects(workspace: Workspace) -> None:
    if not workspace.projects():
        await workspace.refresh()


async def start(context: AppContext, args: argparse.Namespace) -> int:
    if args.activity is None and (args.project is None or args.task is None):
        raise UsageError(tr("cli.start_needs_args"))
    async with await _session(context, args) as session:
        workspace = session.workspace
        if args.activity is not None:
            result = await workspace.continue_timer(args.activity)
            _say(tr("cli.continued", id=result.entity_id))
            return _change_exit_code(workspace, result)
        await _ensure_projects(workspace)
        project, task_id = _project_and_task(workspace, args.project, args.task)
        result = await workspace.start_timer(project.id, task_id, args.description)
        task = project.task(task_id)
        _say(
            tr(
                "cli.started",
                project=project.name,
                task=task.name if task else task_id,
                description=args.description,
            ).rstrip()
        )
        return _change_exit_code(workspace, result)


async def stop(context: AppContext, args: argparse.Namespace) -> int:
    async with await _session(context, args) as session:
        workspace = session.workspace
        if workspace.running_timer() is None:
            await workspace.refresh([workspace.today()])
        running = workspace.running_timer()
        result = await _stop_timer(context, workspace)
        if result is None or running is None:
            _say(tr("cli.no_timer"))
            return EXIT_OK
        stopped = workspace.entry(result.entity_id)
        activity = stopped.activity if stopped else running.activity
        _say(
            tr(
                "cli.stopped",
                project=activity.project.name,
                task=activity.task.name,
                duration=format_duration(activity.seconds),
            )
        )
        return _change_exit_code(workspace, result)


async def _stop_timer(context: AppContext, workspace: Workspace) -> ChangeResult | None:
    """Stop the running timer, rounded when Settings ask for it (the same rule as the app)."""
    from moco_desktop.core.quick_entry import RoundingPolicy
    from moco_desktop.services.quick_entry import stop_timer_rounded

    rounding = RoundingPolicy.from_json(context.accounts.settings.extra.get("rounding"))
    if not rounding.enabled:
        return await workspace.stop_timer()
    stopped = await stop_timer_rounded(workspace, rounding, clock=workspace.now)
    if stopped is None:
        return None
    return ChangeResult(stopped.entry_id, reached_moco=stopped.reached_moco)


async def log(context: AppContext, args: argparse.Namespace) -> int:
    try:
        duration = parse_duration(args.duration)
    except DurationError as error:
        raise UsageError(error.message) from None
    async with await _session(context, args) as session:
        workspace = session.workspace
        date = _parse_date(args.date, workspace.today())
        await _ensure_projects(workspace)
        project, task_id = _project_and_task(workspace, args.project, args.task)
        result = await workspace.log_activity(
            date, project.id, task_id, duration.seconds, args.description, duration.billable
        )
        task = project.task(task_id)
        _say(
            tr(
                "cli.logged",
                duration=format_duration(duration.seconds),
                date=date.isoformat(),
                project=project.name,
                task=task.name if task else task_id,
                description=args.description,
            ).rstrip()
        )
        return _change_exit_code(workspace, result)


async def clock(context: AppContext, args: argparse.Namespace) -> int:
    async with await _session(context, args) as session:
        workspace = session.workspace
        now = workspace.local_now().strftime("%H:%M")
        if args.direction == "in":
            result = await workspace.clock_in(home_office=args.home_office)
            _say(tr("cli.clocked_in", time=now))
        else:
            result = await workspace.clock_out()
            _say(tr("cli.clocked_out", time=now))
        return _change_exit_code(workspace, result)


async def sync(context: AppContext, args: argparse.Namespace) -> int:
    async with await _session(context, args) as session:
        report = await session.workspace.sync()
        if report.complete:
            _say(tr("cli.sync.done", sent=report.push.sent))
            return EXIT_OK
        _warn(
            tr(
                "cli.sync.pending",
                sent=report.push.sent,
                pending=report.pending,
                parked=report.parked,
            )
        )
        if not report.reachable:
            _warn(tr("cli.status.unreachable"))
        return EXIT_PENDING if report.parked == 0 else EXIT_ERROR


HANDLERS: dict[str, Handler] = {
    "login": login,
    "logout": logout,
    "projects": projects,
    "today": today,
    "status": status,
    "start": start,
    "stop": stop,
    "log": log,
    "clock": clock,
    "sync": sync,
}
