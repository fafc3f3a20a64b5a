"""An embedded, stateful MOCO server over real sockets for demo mode, development and tests."""

from moco_desktop.demo.clock import Clock, FakeClock, SystemClock
from moco_desktop.demo.faults import Faults
from moco_desktop.demo.ratelimit import RateLimitRule
from moco_desktop.demo.seed import DemoAccount, DemoCredentials, seed_demo, seed_scale
from moco_desktop.demo.server import EmbeddedMocoServer, RecordedRequest
from moco_desktop.demo.state import MocoState

__all__ = [
    "Clock",
    "DemoAccount",
    "DemoCredentials",
    "EmbeddedMocoServer",
    "FakeClock",
    "Faults",
    "MocoState",
    "RateLimitRule",
    "RecordedRequest",
    "SystemClock",
    "seed_demo",
    "seed_scale",
]
