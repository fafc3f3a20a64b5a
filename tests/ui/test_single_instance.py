"""One instance per user: a second launch finds the first and asks it to come forward."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import uuid
from pathlib import Path

import pytest

from moco_desktop.ui.single_instance import (
    SingleInstance,
    instance_name,
    notify_running_instance,
    socket_path,
)
from tests.ui.conftest import wait_for

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets")


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


def test_a_stale_socket_left_by_a_crash_is_taken_over() -> None:
    name = f"moco-desktop-test-{uuid.uuid4().hex[:8]}"
    # A crashed process leaves its socket file behind, with nobody listening on it.
    crashed = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    crashed.bind(socket_path(name))
    crashed.close()
    assert Path(socket_path(name)).exists()
    again = SingleInstance(name)
    try:
        assert again.listen()
        assert notify_running_instance(name)
    finally:
        again.close()
    assert not Path(socket_path(name)).exists()


async def test_a_live_instance_is_not_taken_over() -> None:
    name = f"moco-desktop-test-{uuid.uuid4().hex[:8]}"
    first = SingleInstance(name)
    assert first.listen()
    activations: list[bool] = []
    first.activationRequested.connect(lambda: activations.append(True))
    second = SingleInstance(name)
    try:
        assert not second.listen()
        assert notify_running_instance(name)  # the first one still answers
        await wait_for(lambda: activations == [True])
    finally:
        second.close()
        first.close()


def test_only_its_owner_may_connect() -> None:
    name = f"moco-desktop-test-{uuid.uuid4().hex[:8]}"
    instance = SingleInstance(name)
    try:
        assert instance.listen()
        mode = stat.S_IMODE(os.stat(socket_path(name)).st_mode)
        assert mode & 0o077 == 0, oct(mode)
    finally:
        instance.close()
