"""Async use cases (login, timer, timesheet, presences, sync). No Qt, no HTTP details."""
