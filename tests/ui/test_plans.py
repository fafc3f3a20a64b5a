"""Plans and balance in the timesheet: today's MOCO planning first in the picker, planned hours
beside booked hours in the day view and the week strip, and the month and year balance from the
performance report on the week total."""

from __future__ import annotations

import datetime as dt

from moco_desktop.core.i18n import set_language
from moco_desktop.ui import formatting
from moco_desktop.ui.session import Session
from moco_desktop.ui.shell import DesktopShell
from moco_desktop.ui.timesheet import TimesheetWindow, signed_hours
from tests.ui.conftest import Moco, logged_in, wait_for


def planned_today(moco: Moco) -> float:
    return sum(
        entry.hours_per_day
        for entry in moco.state.planning_entries.values()
        if entry.user_id == moco.anna and entry.starts_on <= moco.today <= entry.ends_on
    )


def plan_something_today(moco: Moco) -> tuple[int, int]:
    """3.5 h planned today on a project Anna may book that she did not book lately."""
    booked = {(a.project_id, a.task_id) for a in moco.state.activities_of(moco.anna)}
    project = next(
        p
        for p in sorted(moco.state.projects.values(), key=lambda p: p.identifier, reverse=True)
        if p.active
        and (contract := p.contract_of(moco.anna)) is not None
        and contract.active
        and any(t.active and (p.id, t.id) not in booked for t in p.tasks)
    )
    task = next(t for t in project.tasks if t.active and (project.id, t.id) not in booked)
    moco.state.add_planning_entry(
        moco.anna, project.id, moco.today, moco.today, 3.5, task_id=task.id, title=task.name
    )
    return project.id, task.id


async def with_plan(
    shell: DesktopShell, moco: Moco, *, planned: bool = True
) -> tuple[Session, TimesheetWindow]:
    """Logged in, the plan and the performance report fetched, today shown."""
    session = await logged_in(shell, moco)
    if planned:
        await wait_for(lambda: bool(session.day(moco.today).planning))
    await wait_for(lambda: session.workspace.performance_report() is not None)
    timesheet = shell.timesheet
    assert timesheet is not None
    timesheet.go_today()
    timesheet.reload()
    return session, timesheet


async def test_todays_plan_leads_the_picker(shell: DesktopShell, moco: Moco) -> None:
    planned = plan_something_today(moco)
    session, timesheet = await with_plan(shell, moco)
    first = session.picker_index().search("", 10)[0]
    assert first.planned
    assert first.recent_rank is None  # planned, not recently booked: still first
    planned_keys = [c.key for c in session.picker_index().search("", 10) if c.planned]
    assert planned in planned_keys
    dialog = timesheet.new_entry()
    shown = dialog.picker.model.choices()
    assert shown[0].planned
    dialog.reject()


async def test_planned_hours_stand_beside_booked_hours(shell: DesktopShell, moco: Moco) -> None:
    plan_something_today(moco)
    _, timesheet = await with_plan(shell, moco)
    hours = formatting.hours(round(planned_today(moco) * 3600))
    summary = timesheet.summary_label.text()
    assert summary.startswith("Booked ")
    assert f"planned {hours} h" in summary
    assert "Planned in MOCO: " in timesheet.summary_label.toolTip()
    today_cell = next(cell for cell in timesheet.day_cells if cell.date == moco.today)
    assert f"planned {hours} h" in today_cell.toolTip()
    assert "Planned this week:" in timesheet.week_total.toolTip()


async def test_the_week_total_carries_the_month_and_year_balance(
    shell: DesktopShell, moco: Moco
) -> None:
    session, timesheet = await with_plan(shell, moco, planned=False)
    report = session.workspace.performance_report()
    assert report is not None
    balance = signed_hours(round(report.annually.variation_until_today * 3600))
    assert timesheet.week_total.text().endswith(f"Balance {balance} h")
    tooltip = timesheet.week_total.toolTip()
    month = formatting.app_locale().standaloneMonthName(moco.today.month)
    assert f"{month}: " in tooltip
    assert f"{moco.today.year}: balance until today {balance} h" in tooltip

    set_language("de")
    shell.retranslate_all()
    assert timesheet.week_total.text().endswith(f"Saldo {balance} h")
    assert f"{moco.today.year}: Saldo bis heute {balance} h" in timesheet.week_total.toolTip()


async def test_without_a_report_the_tooltip_says_when_it_comes(
    shell: DesktopShell, moco: Moco
) -> None:
    _, timesheet = await with_plan(shell, moco, planned=False)
    timesheet.show_date(dt.date(moco.today.year - 3, 6, 2))  # no report cached for that year
    assert "appear after the next sync" in timesheet.week_total.toolTip()
    assert "Balance" not in timesheet.week_total.text()


def test_balances_carry_their_sign() -> None:
    assert signed_hours(5400) == "+1:30"
    assert signed_hours(-2700) == "-0:45"
    assert signed_hours(0) == "±0:00"
    assert signed_hours(-20) == "±0:00"  # less than a minute is even
