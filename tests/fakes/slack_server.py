"""A local, Slack-Web-API-compatible HTTP server for tests and benchmarks.

It speaks enough of Slack for the real ``slack_sdk`` clients to be pointed at it with ``base_url``:
``chat.postMessage``, ``chat.update``, ``conversations.history`` / ``replies`` / ``list`` (with message
metadata), ``users.lookupByEmail``, ``auth.test`` and incoming-webhook URLs. It answers the way Slack
does: HTTP 200 with ``{"ok": false, "error": …}`` for API errors, HTTP 429 with ``Retry-After`` when a
channel posts faster than its rate limit, and whatever failure a test switches on (5xx, dropped
connections, a refused port, a response lost after the message was posted).

Every message is checked against Block Kit's limits (50 blocks, header ≤ 150 chars, section text ≤ 3000,
≤ 10 fields of ≤ 2000, ≤ 25 action elements, button text ≤ 75 …) and refused with Slack's error code
when it breaks one; each problem is also kept in :attr:`FakeSlack.violations` so a test can assert
there were none.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

TOKEN = "xoxb-test-token"
MAX_BLOCKS = 50
MAX_TEXT = 40_000


@dataclass
class Recorded:
    """One request the server received (the token is never kept)."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    error: str | None = None


@dataclass
class Channel:
    id: str
    name: str
    messages: list[dict[str, Any]] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSlack


class FakeSlack:
    """The fake workspace plus the controls tests use to misbehave it.

    >>> slack = FakeSlack().start()
    >>> slack.api_url  # doctest: +ELLIPSIS
    'http://127.0.0.1:.../api/'
    >>> slack.stop()
    """

    def __init__(
        self,
        *,
        token: str = TOKEN,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        per_channel_interval: float | None = None,
        burst: int = 1,
        strict_channels: bool = False,
    ) -> None:
        self.token = token
        self.clock = clock
        self.wall = wall
        """Epoch seconds, for message timestamps (``ts``) as Slack makes them."""
        self.per_channel_interval = per_channel_interval
        """Post rate limit per channel (seconds between messages); ``None`` means unlimited."""
        self.burst = burst
        self.strict_channels = strict_channels
        """When false, posting to an unknown channel name creates it (as if the bot had joined it)."""
        self.lock = threading.RLock()
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, str] = {}  # email -> user id
        self.webhooks: dict[str, str] = {}  # path secret -> channel id
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.rate_limited = 0
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, at)
        self._ts = 0.0
        self._fail: list[tuple[int, str]] = []
        self.outage: int | str | None = None
        """``None``; an HTTP status to answer everything with; or ``"drop"`` to close connections."""
        self.lose_responses = 0
        """Post the next N messages, then drop the connection instead of answering."""
        self.response_delay = 0.0
        """Seconds to wait after posting a message before answering (a slow or hung Slack)."""
        self.posted_event = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ── lifecycle ───────────────────────────────────────────────────────────────────────────────────

    def start(self) -> FakeSlack:
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.fake = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: clients now get *connection refused* (state is kept for :meth:`start`)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def webhook_url(self, channel: str, secret: str = "XXXXXXXXXXXXXXXXXXXXXXXX") -> str:
        """Register an incoming webhook posting to ``channel`` and return its URL."""
        with self.lock:
            cid = self._channel(channel, create=True).id  # type: ignore[union-attr]
            self.webhooks[secret] = cid
        return f"http://127.0.0.1:{self.port}/services/T0FAKE/B0FAKE/{secret}"

    # ── workspace ───────────────────────────────────────────────────────────────────────────────────

    def add_channel(self, name: str) -> str:
        with self.lock:
            return self._channel(name, create=True).id  # type: ignore[union-attr]

    def add_user(self, email: str, user_id: str) -> None:
        with self.lock:
            self.users[email.lower()] = user_id

    def fail_next(self, count: int, status: int = 503, body: str = "upstream unavailable") -> None:
        """Answer the next ``count`` requests with ``status`` (nothing is posted)."""
        with self.lock:
            self._fail.extend([(status, body)] * count)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages and thread replies of a channel, oldest first."""
        with self.lock:
            found = self._channel(channel, create=False)
            return [dict(m) for m in found.messages] if found else []

    def all_messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(m, channel=c.id) for c in self.channels.values() for m in c.messages]

    def calls(self, method: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method]

    # ── internals ───────────────────────────────────────────────────────────────────────────────────

    def _channel(self, ref: str, *, create: bool) -> Channel | None:
        ref = ref.strip()
        if ref in self.channels:
            return self.channels[ref]
        name = ref.lstrip("#").lower()
        for ch in self.channels.values():
            if ch.name == name:
                return ch
        if not create:
            return None
        cid = "C" + format(len(self.channels) + 1, "08X")
        self.channels[cid] = Channel(cid, name)
        return self.channels[cid]

    def _next_ts(self) -> str:
        """Epoch seconds with microseconds, strictly increasing (Slack's ``ts`` is unique per channel)."""
        self._ts = max(self._ts + 0.000001, round(self.wall(), 6))
        return f"{self._ts:.6f}"

    def _take_token(self, channel_id: str) -> float | None:
        """Rate limiting: ``None`` when a post may go now, else the seconds to wait."""
        if not self.per_channel_interval:
            return None
        now = self.clock()
        tokens, at = self._buckets.get(channel_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) / self.per_channel_interval)
        if tokens >= 1.0:
            self._buckets[channel_id] = (tokens - 1.0, now)
            return None
        self._buckets[channel_id] = (tokens, now)
        return (1.0 - tokens) * self.per_channel_interval

    def handle(
        self, method: str, params: dict[str, Any], authorized: bool
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Answer one Web API call: (HTTP status, JSON body, extra headers)."""
        if not authorized and method != "api.test":
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if method == "auth.test":
            return 200, {"ok": True, "team": "Fake", "user": "observer", "bot_id": "B0FAKE"}, {}
        if method == "chat.postMessage":
            return self._post(params)
        if method == "chat.update":
            return self._update(params)
        if method == "conversations.history":
            return self._history(params)
        if method == "conversations.replies":
            return self._replies(params)
        if method == "conversations.list":
            chans = [
                {"id": c.id, "name": c.name, "is_channel": True, "is_member": True}
                for c in self.channels.values()
            ]
            return 200, {"ok": True, "channels": chans, "response_metadata": {"next_cursor": ""}}, {}
        if method == "users.lookupByEmail":
            uid = self.users.get(str(params.get("email", "")).lower())
            if uid is None:
                return 200, {"ok": False, "error": "users_not_found"}, {}
            return 200, {"ok": True, "user": {"id": uid, "profile": {"email": params["email"]}}}, {}
        return 404, {"ok": False, "error": "unknown_method"}, {}

    def _post(self, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        channel = self._channel(str(params.get("channel", "")), create=not self.strict_channels)
        if channel is None:
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        wait = self._take_token(channel.id)
        if wait is not None:
            self.rate_limited += 1
            retry = max(1, math.ceil(wait))
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry)}
        error = self._check_message(params)
        if error:
            return 200, {"ok": False, "error": error}, {}
        thread_ts = params.get("thread_ts")
        if thread_ts and not any(m["ts"] == thread_ts for m in channel.messages):
            return 200, {"ok": False, "error": "thread_not_found"}, {}
        message = {
            "type": "message",
            "ts": self._next_ts(),
            "text": params.get("text", ""),
            "blocks": params.get("blocks") or [],
            "metadata": params.get("metadata"),
            "thread_ts": thread_ts,
            "bot_id": "B0FAKE",
        }
        channel.messages.append(message)
        self.posted_event.set()
        return 200, {"ok": True, "channel": channel.id, "ts": message["ts"], "message": message}, {}

    def _update(self, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        channel = self._channel(str(params.get("channel", "")), create=False)
        if channel is None:
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        error = self._check_message(params)
        if error:
            return 200, {"ok": False, "error": error}, {}
        for message in channel.messages:
            if message["ts"] == params.get("ts"):
                message["text"] = params.get("text", "")
                message["blocks"] = params.get("blocks") or []
                message["edited"] = message.get("edited", 0) + 1
                return (
                    200,
                    {"ok": True, "channel": channel.id, "ts": message["ts"], "text": message["text"]},
                    {},
                )
        return 200, {"ok": False, "error": "message_not_found"}, {}

    def _visible(self, message: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in message.items() if v is not None and k != "metadata"}
        if str(params.get("include_all_metadata", "")).lower() in ("1", "true") and message.get("metadata"):
            out["metadata"] = message["metadata"]
        return out

    def _history(self, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        channel = self._channel(str(params.get("channel", "")), create=False)
        if channel is None or not str(params.get("channel", "")).startswith("C"):
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        oldest = float(params.get("oldest") or 0)
        top = [m for m in reversed(channel.messages) if not m.get("thread_ts") and float(m["ts"]) > oldest]
        return self._page(top, params)

    def _replies(self, params: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        channel = self._channel(str(params.get("channel", "")), create=False)
        root = str(params.get("ts", ""))
        if channel is None or not any(m["ts"] == root for m in channel.messages):
            return 200, {"ok": False, "error": "thread_not_found"}, {}
        thread = [m for m in channel.messages if m["ts"] == root or m.get("thread_ts") == root]
        return self._page(thread, params)

    def _page(
        self, items: list[dict[str, Any]], params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        chunk = items[start : start + limit]
        more = start + limit < len(items)
        return (
            200,
            {
                "ok": True,
                "messages": [self._visible(m, params) for m in chunk],
                "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            },
            {},
        )

    def _check_message(self, params: dict[str, Any]) -> str | None:
        problems = message_problems(params)
        if problems:
            self.violations.extend(problems)
            return problems[0].split(":", 1)[0]
        return None

    def webhook(self, secret: str, params: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
        cid = self.webhooks.get(secret)
        if cid is None:
            return 404, "no_service", {}
        wait = self._take_token(cid)
        if wait is not None:
            self.rate_limited += 1
            return 429, "rate_limited", {"Retry-After": str(max(1, math.ceil(wait)))}
        problems = message_problems(params)
        if problems:
            self.violations.extend(problems)
            return 400, "invalid_payload" if not problems[0].startswith("no_text") else "no_text", {}
        self.channels[cid].messages.append(
            {
                "type": "message",
                "ts": self._next_ts(),
                "text": params.get("text", ""),
                "blocks": params.get("blocks") or [],
            }
        )
        self.posted_event.set()
        return 200, "ok", {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        return

    def _params(self) -> dict[str, Any]:
        split = urlsplit(self.path)
        params: dict[str, Any] = dict(parse_qsl(split.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        ctype = self.headers.get("Content-Type", "")
        if raw and "json" in ctype:
            params.update(json.loads(raw))
        elif raw:
            for key, value in parse_qsl(raw.decode()):
                params[key] = (
                    json.loads(value) if key in ("blocks", "metadata") and value[:1] in "[{" else value
                )
        return params

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def _serve(self) -> None:
        fake = self.server.fake
        path = urlsplit(self.path).path
        params = self._params()
        if path == "/_fake/stats":  # for benchmarks running the server in another process
            with fake.lock:
                stats = {
                    "rate_limited": fake.rate_limited,
                    "messages": fake.all_messages(),
                    "violations": fake.violations,
                }
            self._send(200, json.dumps(stats).encode(), "application/json", {})
            return
        with fake.lock:
            failure = fake._fail.pop(0) if fake._fail else None
            outage = fake.outage
            lose = False
        method = path.rsplit("/", 1)[-1] if path.startswith("/api/") else "webhook"
        if outage == "drop":
            self._drop()
            return
        if failure is not None or isinstance(outage, int):
            status, body = failure if failure is not None else (int(outage), "service unavailable")  # type: ignore[arg-type]
            with fake.lock:
                fake.requests.append(Recorded(method, _safe(params), fake.clock(), status, body))
            self._send(status, body.encode(), "text/plain", {})
            return
        with fake.lock:
            if path.startswith("/services/"):
                status, text, headers = fake.webhook(path.rsplit("/", 1)[-1], params)
                body, ctype, error = text.encode(), "text/plain", None if status == 200 else text
            else:
                auth = self.headers.get("Authorization", "")
                status, data, headers = fake.handle(method, params, auth == f"Bearer {fake.token}")
                body, ctype, error = (
                    json.dumps(data).encode(),
                    "application/json; charset=utf-8",
                    data.get("error"),
                )
            fake.requests.append(Recorded(method, _safe(params), fake.clock(), status, error))
            posted = status == 200 and error is None and method in ("chat.postMessage", "webhook")
            if posted and fake.lose_responses > 0:
                fake.lose_responses -= 1
                lose = True
            delay = fake.response_delay if posted else 0.0
        if lose:
            self._drop()
            return
        if delay:
            time.sleep(delay)
        self._send(status, body, ctype, headers)

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _safe(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != "token"}


# ── Block Kit limits ─────────────────────────────────────────────────────────────────────────────────

_TEXT_TYPES = {"plain_text", "mrkdwn"}


def _text(obj: Any, where: str, limit: int, plain_only: bool = False) -> list[str]:
    if (
        not isinstance(obj, dict)
        or obj.get("type") not in _TEXT_TYPES
        or not isinstance(obj.get("text"), str)
    ):
        return [f"invalid_blocks: {where} is not a text object"]
    if plain_only and obj["type"] != "plain_text":
        return [f"invalid_blocks: {where} must be plain_text"]
    if not obj["text"]:
        return [f"invalid_blocks: {where} is empty"]
    if len(obj["text"]) > limit:
        return [f"invalid_blocks: {where} has {len(obj['text'])} chars (max {limit})"]
    return []


def _button(el: Any, where: str) -> list[str]:
    if not isinstance(el, dict) or el.get("type") != "button":
        return [f"invalid_blocks: {where} is not a button"]
    out = _text(el.get("text"), f"{where}.text", 75, plain_only=True)
    if len(str(el.get("action_id", ""))) > 255:
        out.append(f"invalid_blocks: {where}.action_id longer than 255")
    if len(str(el.get("value", ""))) > 2000:
        out.append(f"invalid_blocks: {where}.value longer than 2000")
    if len(str(el.get("url", ""))) > 3000:
        out.append(f"invalid_blocks: {where}.url longer than 3000")
    if el.get("style") not in (None, "primary", "danger"):
        out.append(f"invalid_blocks: {where}.style {el.get('style')!r}")
    return out


def block_problems(blocks: Any) -> list[str]:
    """Every way ``blocks`` breaks Block Kit's message limits (empty when it is valid)."""
    if not isinstance(blocks, list):
        return ["invalid_blocks_format: blocks is not a list"]
    out: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        out.append(f"invalid_blocks: {len(blocks)} blocks (max {MAX_BLOCKS})")
    ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        kind = block.get("type") if isinstance(block, dict) else None
        bid = block.get("block_id") if isinstance(block, dict) else None
        if bid is not None:
            if len(str(bid)) > 255 or bid in ids:
                out.append(f"invalid_blocks: {where}.block_id duplicated or too long")
            ids.add(bid)
        if kind == "header":
            out += _text(block.get("text"), f"{where}.text", 150, plain_only=True)
        elif kind == "section":
            fields = block.get("fields")
            if block.get("text") is None and not fields:
                out.append(f"invalid_blocks: {where} has neither text nor fields")
            if block.get("text") is not None:
                out += _text(block["text"], f"{where}.text", 3000)
            if fields is not None:
                if not isinstance(fields, list) or len(fields) > 10:
                    out.append(f"invalid_blocks: {where}.fields has more than 10 items")
                else:
                    for j, f in enumerate(fields):
                        out += _text(f, f"{where}.fields[{j}]", 2000)
            if block.get("accessory") is not None:
                out += _button(block["accessory"], f"{where}.accessory")
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                out.append(f"invalid_blocks: {where}.elements must hold 1 to 10 items")
            else:
                for j, el in enumerate(elements):
                    out += _text(el, f"{where}.elements[{j}]", 3000)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
                out.append(f"invalid_blocks: {where}.elements must hold 1 to 25 items")
            else:
                for j, el in enumerate(elements):
                    out += _button(el, f"{where}.elements[{j}]")
        elif kind == "divider":
            pass
        else:
            out.append(f"invalid_blocks: {where} has unsupported type {kind!r}")
    return out


def message_problems(params: dict[str, Any]) -> list[str]:
    """Slack's refusals for a message body, plus Observer's own rule that ``text`` is always set."""
    out: list[str] = []
    text = params.get("text")
    blocks = params.get("blocks")
    if not text and not blocks:
        return ["no_text: neither text nor blocks"]
    if not text:
        out.append("no_text: blocks without a text fallback (notifications would be empty)")
    if isinstance(text, str) and len(text) > MAX_TEXT:
        out.append(f"msg_too_long: text has {len(text)} chars")
    if blocks:
        out += block_problems(blocks)
    metadata = params.get("metadata")
    if metadata is not None:
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not isinstance(metadata.get("event_payload"), dict)
        ):
            out.append("invalid_metadata_format: metadata needs event_type and event_payload")
    return out


def serve_forever() -> None:
    """``python -m tests.fakes.slack_server [per_channel_interval]``: serve on a free port, print it."""
    import sys

    interval = float(sys.argv[1]) if len(sys.argv) > 1 else None
    fake = FakeSlack(per_channel_interval=interval).start()
    print(fake.port, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    serve_forever()
