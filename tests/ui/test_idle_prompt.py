"""The idle prompt: coming back after time away while a timer ran asks once, in one window, and
each answer reaches MOCO as it should (the embedded server, with MOCO's and the app's clocks
frozen and moved by hand; the idle source and power events are fakes on that clock)."""

from __future__ import annotations

from moco_desktop.core.i18n import set_language, tr
from moco_desktop.demo.clock import FakeClock
from moco_desktop.demo.state import ActivityRecord
from moco_desktop.services.idle_watch import IdleChoice
from moco_desktop.ui.assistant import DailyAssistant
from moco_desktop.ui.idle_prompt import IdlePromptDialog
from moco_desktop.ui.session import Session
from moco_desktop.ui.shell import DesktopShell
from tests.ui.conftest import FakeSystem, Moco, bookable_pair, logged_in, wait_for


async def timer_running(shell: DesktopShell, moco: Moco) -> tuple[Session, DailyAssistant, int]:
    """Logged in as Anna with a timer running since 10:00; the idle watch is ticking."""
    session = await logged_in(shell, moco)
    assistant = shell.assistant
    assert assistant is not None
    await wait_for(lambda: assistant.idle_watch is not None)
    _, project_id, task_id = bookable_pair(session)
    await session.start_timer(project_id, task_id, "Schnittstelle")
    await wait_for(lambda: session.running() is not None)
    running = moco.state.running_timer(moco.anna)
    assert running is not None
    return session, assistant, running.id


def record(moco: Moco, activity_id: int) -> ActivityRecord:
    return moco.state.activities[activity_id]


async def came_back_after(
    minutes: float, system: FakeSystem, assistant: DailyAssistant, shell: DesktopShell
) -> IdlePromptDialog:
    """Five minutes of work, then `minutes` away, then input again: the prompt."""
    system.away(5)
    system.back()
    assert assistant.tick_idle() is None  # working: nothing to ask
    system.away(minutes)
    assert assistant.tick_idle() is None  # still away: nothing to ask yet
    system.back()
    prompt = assistant.tick_idle()
    assert prompt is not None
    dialog = shell.idle_prompt
    assert dialog is not None
    assert dialog.isVisible()
    return dialog


async def answer(dialog: IdlePromptDialog, choice: IdleChoice) -> None:
    dialog.choice_buttons[choice].click()
    await dialog.runner.wait_idle()


async def test_discard_stops_the_timer_where_the_time_away_began(
    frozen: FakeClock, shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    session, assistant, entry_id = await timer_running(shell, moco)
    dialog = await came_back_after(20, system, assistant, shell)

    assert dialog.heading.text() == tr("idle_watch.prompt.title")
    message = dialog.message.text()
    assert "10:05" in message
    assert "10:25" in message
    assert "20 min" in message
    running = session.running()
    assert running is not None
    assert running.activity.project.name in message
    assert running.activity.task.name in message
    assert [b.text() for b in dialog.choice_buttons.values()] == [c.label for c in IdleChoice]

    await answer(dialog, IdleChoice.DISCARD)
    await wait_for(lambda: not dialog.isVisible())
    await wait_for(lambda: moco.state.running_timer(moco.anna) is None)
    assert record(moco, entry_id).seconds == 5 * 60  # only the time before leaving
    await wait_for(lambda: session.running() is None)
    assert assistant.idle_watch is not None
    assert assistant.idle_watch.pending is None


async def test_discard_and_continue_takes_the_time_out_and_keeps_the_timer_running(
    frozen: FakeClock, shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    _, assistant, entry_id = await timer_running(shell, moco)
    dialog = await came_back_after(30, system, assistant, shell)

    await answer(dialog, IdleChoice.DISCARD_AND_CONTINUE)
    await wait_for(lambda: moco.state.running_timer(moco.anna) is not None)
    running = moco.state.running_timer(moco.anna)
    assert running is not None
    assert running.id == entry_id
    assert running.seconds == 5 * 60  # the 30 minutes away are gone, the timer goes on
    assert not dialog.isVisible()


async def test_book_as_new_puts_the_time_away_on_the_chosen_task(
    frozen: FakeClock, shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    session, assistant, entry_id = await timer_running(shell, moco)
    dialog = await came_back_after(45, system, assistant, shell)

    await answer(dialog, IdleChoice.BOOK_AS_NEW)
    assert dialog.booking.isVisible()  # the picker opens in place, nothing is booked yet
    assert not dialog.choice_buttons[IdleChoice.KEEP].isVisible()
    dialog.picker.set_query("no such project or task anywhere")
    dialog.book_button.click()  # nothing chosen: said beside the picker, nothing booked
    assert dialog.picker_error.text() == tr("idle_prompt.choose")
    assert moco.state.running_timer(moco.anna) is not None

    query, project_id, task_id = bookable_pair(session, 1)
    dialog.picker.set_query(query)
    choice = dialog.picker.current_choice()
    assert choice is not None
    assert choice.key == (project_id, task_id)
    dialog.description_edit.setText("Kundentermin")
    dialog.book_button.click()
    await dialog.runner.wait_idle()

    booked = [
        a
        for a in moco.state.activities_of(moco.anna)
        if a.date == moco.today and a.description == "Kundentermin"
    ]
    assert [(a.project_id, a.task_id, a.seconds) for a in booked] == [
        (project_id, task_id, 45 * 60)
    ]
    running = moco.state.running_timer(moco.anna)
    assert running is not None
    assert running.id == entry_id
    assert running.seconds == 5 * 60
    assert not dialog.isVisible()


async def test_keep_and_closing_change_nothing(
    frozen: FakeClock, shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    _, assistant, entry_id = await timer_running(shell, moco)
    dialog = await came_back_after(15, system, assistant, shell)
    await answer(dialog, IdleChoice.KEEP)
    assert not dialog.isVisible()
    assert moco.state.running_timer(moco.anna) is not None

    # Closing the window (Escape, its X) is Keep too: the next absence starts afresh.
    dialog = await came_back_after(12, system, assistant, shell)
    assert "12 min" in dialog.message.text()
    dialog.reject()
    await dialog.runner.wait_idle()
    assert assistant.idle_watch is not None
    assert assistant.idle_watch.pending is None
    running = moco.state.running_timer(moco.anna)
    assert running is not None
    assert running.id == entry_id


async def test_a_second_absence_updates_the_open_window_instead_of_opening_another(
    frozen: FakeClock, shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    _, assistant, _ = await timer_running(shell, moco)
    first = await came_back_after(15, system, assistant, shell)
    second = await came_back_after(20, system, assistant, shell)  # not answered in between
    assert second is first
    # The open prompt is extended: from the first absence's start until now.
    assert "10:05" in second.message.text()
    assert "10:45" in second.message.text()


async def test_a_timer_stopped_elsewhere_meanwhile_is_said_and_left_alone(
    frozen: FakeClock, shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    session, assistant, entry_id = await timer_running(shell, moco)
    dialog = await came_back_after(20, system, assistant, shell)
    await session.workspace.stop_timer()  # e.g. on the phone
    stopped_seconds = record(moco, entry_id).seconds

    await answer(dialog, IdleChoice.DISCARD)
    assert dialog.error.text() == tr("idle_watch.timer_changed")
    assert dialog.close_button.isVisible()
    assert not any(button.isVisible() for button in dialog.choice_buttons.values())
    assert record(moco, entry_id).seconds == stopped_seconds
    dialog.close_button.click()
    assert not dialog.isVisible()


async def test_the_prompt_speaks_german(
    frozen: FakeClock, shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    _, assistant, _ = await timer_running(shell, moco)
    set_language("de")
    shell.retranslate_all()
    dialog = await came_back_after(20, system, assistant, shell)
    assert dialog.windowTitle() == "MOCO Desktop – Abwesenheit"
    assert dialog.heading.text() == "Willkommen zurück"
    assert "Du warst von 10:05 bis 10:25" in dialog.message.text()
    assert dialog.choice_buttons[IdleChoice.DISCARD].text() == "Zeit verwerfen und stoppen"


async def test_no_prompt_without_a_running_timer(
    frozen: FakeClock, shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    await logged_in(shell, moco)
    assistant = shell.assistant
    assert assistant is not None
    await wait_for(lambda: assistant.idle_watch is not None)
    system.away(30)
    assistant.tick_idle()
    system.back()
    assert assistant.tick_idle() is None
    assert shell.idle_prompt is None


async def test_sleep_counts_as_time_away(
    frozen: FakeClock, shell: DesktopShell, moco: Moco, system: FakeSystem
) -> None:
    """The lid closed at 10:05 and opened at 11:05: the fake power events say so."""
    _, assistant, _ = await timer_running(shell, moco)
    system.away(5)
    system.back()
    system.power.emit("sleep", frozen.now())
    assert assistant.tick_idle() is None
    slept_at = frozen.now()
    frozen.advance(3600)
    system.back()
    system.power.emit("resume", frozen.now(), since=slept_at)
    assert assistant.tick_idle() is not None
    dialog = shell.idle_prompt
    assert dialog is not None
    assert dialog.isVisible()
    assert "10:05" in dialog.message.text()
    assert "11:05" in dialog.message.text()
