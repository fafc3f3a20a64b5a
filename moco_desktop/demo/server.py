"""The embedded MOCO server: a stateful fake of MOCO's API over real loopback sockets.

`EmbeddedMocoServer` serves `MocoState` under `/api/v1` from a `ThreadingHTTPServer` in a
daemon thread (HTTP/1.1 keep-alive, like MOCO). Every request goes through, in order:
fault plan (reset / fail / hang / lose response / random error, see `faults`), rate limit
(per API key), routing (unknown route: 404), authentication (401 with a JSON message),
impersonation (`X-IMPERSONATE-USER-ID`: 403 for non-staff, 404 for an unknown user id),
JSON body parsing (400 if malformed), then the handler under `state.lock`. Every request is
recorded in `requests` (never the Authorization header).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import http
import json
import logging
import math
import re
import selectors
import socket
import socketserver
import struct
import sys
import threading
import traceback
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from moco_desktop.core.records import record
from moco_desktop.demo.clock import Clock, local_now
from moco_desktop.demo.faults import API_PREFIX, Faults, api_path
from moco_desktop.demo.handlers import build_router
from moco_desktop.demo.ratelimit import RateLimitRule, SlidingWindowLimiter
from moco_desktop.demo.routing import (
    ApiError,
    RequestContext,
    Response,
    Route,
    internal_error,
    message,
)
from moco_desktop.demo.state import MocoState, UserRecord

_log = logging.getLogger("moco_desktop.demo")

__all__ = ["EmbeddedMocoServer", "RateLimitRule", "RecordedRequest"]

API_KEYS_DISABLED = "Invalid API key (user API keys are disabled)."
MISSING_API_KEY = "API key missing. Send 'Authorization: Token token=YOUR_API_KEY'."
INVALID_API_KEY = "Invalid API key."
TOO_MANY_REQUESTS = "Too many requests. Please try again later."
IMPERSONATE_HEADER = "X-IMPERSONATE-USER-ID"

_TOKEN = re.compile(r'token\s*=\s*"?([^",\s]+)"?', re.IGNORECASE)
_JSON_TYPE = "application/json; charset=utf-8"


@record
class RecordedRequest:
    """One request as the server saw it. `status` 0: no answer was sent (reset or closed)."""

    method: str
    path: str  # as requested, without the query, e.g. "/api/v1/activities"
    query: dict[str, str]
    status: int
    impersonated_user_id: int | None  # from X-IMPERSONATE-USER-ID, allowed or not
    auth_user_id: int | None  # the API key's user, if the key was valid
    time: dt.datetime  # server clock, Berlin
    body: Any = None  # the parsed JSON body, if any
    fault: str | None = None  # e.g. "reset", "fail:503", "hang", "lose_response"


@record
class _Incoming:
    method: str
    target: str
    headers: Message
    body: bytes
    client: str


@record
class _Outcome:
    response: Response | None  # None: send nothing
    connection: Literal["keep", "close", "reset"] = "keep"


@dataclass(slots=True)
class _Identity:
    auth_user_id: int | None = None
    impersonated_user_id: int | None = None


class EmbeddedMocoServer:
    """A fake MOCO account on a loopback port. `start()` binds at once and serves in a thread.

    `stop()` closes the socket (connections are then refused); `start()` again binds the same
    port. `faults.refuse_connections = True` does the same while the server stays "started".
    """

    def __init__(
        self,
        state: MocoState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: RateLimitRule | None = RateLimitRule(15, 15.0),  # noqa: B008 - immutable
        per_page: int = 100,
        clock: Clock | None = None,
    ) -> None:
        self.state = state if state is not None else MocoState()
        if clock is not None:
            self.state.clock = clock
        self.host = host
        self._port = port
        self.rate_limit = rate_limit
        self.per_page = per_page
        self.faults = Faults()
        self.faults.attach(self._on_refuse_changed)
        self.requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self._limiter = SlidingWindowLimiter()
        self._router = build_router()
        self._lifecycle = threading.RLock()
        self._running = False
        self._stopping = threading.Event()
        self._listener: _Listener | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ public API
    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}{API_PREFIX}"

    @property
    def clock(self) -> Clock:
        return self.state.clock

    @property
    def is_listening(self) -> bool:
        with self._lifecycle:
            return self._listener is not None

    def start(self) -> EmbeddedMocoServer:
        with self._lifecycle:
            if not self._running:
                self._stopping.clear()
                self._listen()  # may raise OSError (port taken): then still stopped
                self._running = True
                if self.faults.refuse_connections:
                    self._close_listener()
        return self

    def stop(self) -> None:
        with self._lifecycle:
            if not self._running:
                return
            self._running = False
            self._stopping.set()
            self._close_listener()

    def reset_rate_limit(self) -> None:
        self._limiter.reset()

    def __enter__(self) -> EmbeddedMocoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmbeddedMocoServer({self.base_url}, running={self._running})"

    # ------------------------------------------------------------------ socket lifecycle
    def _listen(self) -> None:
        if self._listener is not None:
            return
        listener = _Listener((self.host, self._port), self)
        self._port = int(listener.server_address[1])
        thread = threading.Thread(
            target=listener.serve_until_closed,
            kwargs={"poll_interval": 0.05},
            name=f"embedded-moco-{self._port}",
            daemon=True,
        )
        thread.start()
        self._listener, self._thread = listener, thread

    def _close_listener(self) -> None:
        listener, thread = self._listener, self._thread
        if listener is None or thread is None:
            return
        self._listener = self._thread = None
        listener.wake_to_close()
        thread.join(timeout=5)
        listener.server_close()
        listener.drop_connections()

    def _on_refuse_changed(self, refuse: bool) -> None:
        with self._lifecycle:
            if not self._running:
                return
            if refuse:
                self._close_listener()
            else:
                self._listen()

    # ------------------------------------------------------------------ request pipeline
    def _process(self, incoming: _Incoming) -> _Outcome:
        """Answer one request (called from the connection's thread)."""
        split = urlsplit(incoming.target)
        path = split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        body, body_ok = _parse_body(incoming.body)
        plan = self.faults.plan(incoming.method, path)
        requested = (incoming.headers.get(IMPERSONATE_HEADER) or "").strip()
        identity = _Identity(impersonated_user_id=int(requested) if requested.isdigit() else None)

        def record(status: int) -> None:
            entry = RecordedRequest(
                method=incoming.method,
                path=path,
                query=query,
                status=status,
                impersonated_user_id=identity.impersonated_user_id,
                auth_user_id=identity.auth_user_id,
                time=local_now(self.state.clock),
                body=body if body_ok and incoming.body.strip() else None,
                fault=plan.name,
            )
            with self._requests_lock:
                self.requests.append(entry)

        if plan.reset:
            record(0)
            return _Outcome(None, "reset")
        if plan.hang_seconds and (not self._pause(plan.hang_seconds) or not plan.hang_carry_out):
            record(0)
            return _Outcome(None, "close")
        if plan.fail_status is not None:
            self._pause(plan.latency)
            response = _fault_response(plan.fail_status, plan.retry_after)
            record(response.status)
            return _Outcome(response)

        response = self._answer(incoming, path, query, body, body_ok, identity)
        self._pause(plan.latency)
        record(response.status)
        if plan.lose_response:
            return _Outcome(None, "close")
        return _Outcome(response)

    def _pause(self, seconds: float) -> bool:
        """Wait; False if the server stopped meanwhile."""
        if seconds <= 0:
            return True
        return not self._stopping.wait(seconds)

    def _answer(
        self,
        incoming: _Incoming,
        path: str,
        query: dict[str, str],
        body: Any,
        body_ok: bool,
        identity: _Identity,
    ) -> Response:
        api_key = _api_key(incoming.headers.get("Authorization"))
        rule = self.rate_limit
        if rule is not None:
            wait = self._limiter.hit(api_key or f"anonymous:{incoming.client}", rule)
            if wait is not None:
                headers = {"Retry-After": str(math.ceil(wait))} if rule.send_retry_after else {}
                return Response(429, {"message": TOO_MANY_REQUESTS}, headers)
        if not path.startswith(API_PREFIX + "/"):
            return Response(404)
        found = self._router.match(incoming.method, api_path(path))
        if found is None:
            return Response(404)
        route, params = found
        try:
            with self.state.lock:
                ctx = self._context(
                    incoming, route, params, query, body, body_ok, api_key, identity
                )
                return route.handler(ctx)
        except ApiError as error:
            return Response(error.status, error.body, error.headers)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            crash = internal_error()
            return Response(crash.status, crash.body)

    def _context(
        self,
        incoming: _Incoming,
        route: Route,
        params: dict[str, str],
        query: dict[str, str],
        body: Any,
        body_ok: bool,
        api_key: str | None,
        identity: _Identity,
    ) -> RequestContext:
        auth_user = acting_user = None
        if route.authenticated:
            auth_user = self._authenticate(api_key)
            identity.auth_user_id = auth_user.id
            acting_user = auth_user
            if route.impersonation:
                acting_user = self._impersonate(auth_user, incoming.headers.get(IMPERSONATE_HEADER))
        if not body_ok:
            raise message(400, "Malformed JSON in request body.")
        host = incoming.headers.get("Host") or f"{self.host}:{self._port}"
        return RequestContext(
            state=self.state,
            method=incoming.method,
            path=urlsplit(incoming.target).path,
            query=query,
            body=body if isinstance(body, dict) else {},
            params=params,
            now=local_now(self.state.clock),
            auth_user=auth_user,
            acting_user=acting_user,
            origin=f"http://{host}",
            default_per_page=self.per_page,
        )

    def _authenticate(self, api_key: str | None) -> UserRecord:
        if api_key is None:
            raise message(401, MISSING_API_KEY)
        user = self.state.user_by_api_key(api_key)
        if user is None or not user.active:
            raise message(401, INVALID_API_KEY)
        if self.state.api_keys_disabled:
            raise message(401, API_KEYS_DISABLED)
        return user

    def _impersonate(self, auth_user: UserRecord, header: str | None) -> UserRecord:
        if header is None or not header.strip():
            return auth_user
        if not auth_user.staff:
            raise ApiError(403)
        raw = header.strip()
        target = self.state.user(int(raw)) if raw.isdigit() else None
        if target is None:
            raise ApiError(404)
        return target


# ---------------------------------------------------------------------------------- helpers
def _api_key(header: str | None) -> str | None:
    """The key from `Token token=KEY` (quotes optional) or `Bearer KEY`."""
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return rest.strip() or None
    if scheme.lower() == "token":
        found = _TOKEN.match(rest.strip())
        return found[1] if found else None
    return None


def _parse_body(raw: bytes) -> tuple[Any, bool]:
    """(parsed JSON, ok). An empty body is `{}`; only a JSON object is ok."""
    if not raw.strip():
        return {}, True
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None, False
    return parsed, isinstance(parsed, dict)


def _fault_response(status: int, retry_after: int | None) -> Response:
    """What a failing MOCO (or the proxy in front of it) answers."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    if status == 429:
        return Response(429, {"message": TOO_MANY_REQUESTS}, headers)
    if status == 500:
        return Response(500, internal_error().body, headers)
    if status >= 500:
        phrase = http.HTTPStatus(status).phrase
        page = f"<html><body><h1>{status} {phrase}</h1></body></html>\n".encode()
        return Response(status, page, {**headers, "Content-Type": "text/html"})
    return Response(status, None, headers)


class _Listener(ThreadingHTTPServer):
    """The listening socket; keeps track of open connections so "down" really is down."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # socketserver's 5 drops bursts of connects (1 s SYN retry)
    timeout = 0.0

    def __init__(self, address: tuple[str, int], app: EmbeddedMocoServer) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._closing = threading.Event()
        self._wake_reader, self._wake_writer = socket.socketpair()
        try:
            super().__init__(address, _RequestHandler)
        except OSError:
            self._wake_reader.close()
            self._wake_writer.close()
            raise

    def serve_until_closed(self, poll_interval: float = 0.05) -> None:
        """Like `serve_forever`, but `wake_to_close` ends it at once instead of on the next poll."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._closing.is_set():
                ready = selector.select(poll_interval)
                if self._closing.is_set():
                    break
                if any(key.fileobj is self.socket for key, _ in ready):
                    self.handle_request()  # with `timeout = 0`: accept the waiting connection
                self.service_actions()

    def wake_to_close(self) -> None:
        self._closing.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on some machines.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (or a connection dropped on purpose by a fault) is normal
        here: logged, not printed to stderr as socketserver does."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError) or self._closing.is_set():
            _log.debug("connection from %s ended: %r", client_address, error)
        else:
            _log.warning("error while serving %s", client_address, exc_info=True)

    def drop_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EmbeddedMoco/1.0"
    disable_nagle_algorithm = True
    # Headers and body of a small answer in one write, as a real server sends them: written
    # apart (unbuffered), a client sometimes woke up for each, two turns of its event loop.
    wbufsize = 64 * 1024
    sys_version = ""
    server: _Listener

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests are recorded in `EmbeddedMocoServer.requests` instead."""

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` header from the server's clock (a test's fake clock too), as MOCO's
        `updated_at` stamps are: a client may ask `updated_after` from it."""
        if timestamp is None:
            moment = self.server.app.clock.now().astimezone(dt.UTC)
        else:
            moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
        return email.utils.format_datetime(moment, usegmt=True)

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        incoming = _Incoming(
            method=self.command,
            target=self.path,
            headers=self.headers,
            body=body,
            client=str(self.client_address[0]),
        )
        outcome = self.server.app._process(incoming)
        if outcome.connection == "reset":
            self._reset()
        elif outcome.response is None or outcome.connection == "close":
            self.close_connection = True
        if outcome.response is not None:
            self._write(outcome.response)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _write(self, response: Response) -> None:
        headers = dict(response.headers)
        if response.body is None:
            payload = b""
        elif isinstance(response.body, bytes):
            payload = response.body
        else:
            payload = json.dumps(response.body, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", _JSON_TYPE)
        try:
            self.send_response(response.status)
            for name, value in headers.items():
                self.send_header(name, value)
            if response.status != 204:
                self.send_header("Content-Length", str(len(payload)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if payload and response.status != 204:
                self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), without answering."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
