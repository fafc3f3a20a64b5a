"""One instance per user: a second launch finds the first and asks it to come forward."""

from __future__ import annotations

import asyncio
import uuid

from moco_desktop.ui.single_instance import SingleInstance, instance_name, notify_running_instance
from tests.ui.conftest import wait_for


def test_names_differ_per_variant_and_are_stable() -> None:
    assert instance_name() == instance_name()
    assert instance_name("demo") != instance_name()
    assert instance_name().startswith("moco-desktop-")


async def test_a_second_launch_brings_the_first_forward() -> None:
    name = f"moco-desktop-test-{uuid.uuid4().hex[:8]}"
    assert not notify_running_instance(name)  # nobody there yet
    first = SingleInstance(name)
    assert first.listen()
    activations: list[bool] = []
    first.activationRequested.connect(lambda: activations.append(True))
    try:
        assert notify_running_instance(name)
        await wait_for(lambda: activations == [True])
        assert notify_running_instance(name)
        await wait_for(lambda: len(activations) == 2)
    finally:
        first.close()
    await asyncio.sleep(0)
    assert not notify_running_instance(name)


async def test_a_stale_socket_left_by_a_crash_is_taken_over() -> None:
    name = f"moco-desktop-test-{uuid.uuid4().hex[:8]}"
    crashed = SingleInstance(name)
    assert crashed.listen()
    # A crashed process leaves its socket file; a new instance must still start.
    again = SingleInstance(name)
    try:
        assert again.listen()
    finally:
        again.close()
        crashed.close()
