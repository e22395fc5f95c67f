"""Slack delivery: the Web API with a bot token (``slack``) and incoming webhooks (``webhook``).

This is the only module that talks to Slack. It turns every outcome into one of three answers the
outbox understands: a response (delivered), :class:`TransientDeliveryError` (try later — with
``retry_after`` from HTTP 429, and ``in_doubt`` when the message may have arrived anyway), or
:class:`TerminalDeliveryError` (retrying will not help: unknown channel, bad token, invalid blocks).

Retries are the outbox's job, not the client's: the ``slack_sdk`` clients are built with no retry
handlers, so a 429 is not slept on inside a request (the outbox holds the channel for the
``Retry-After`` seconds, durably, without blocking other channels) and a reset connection is never
silently re-posted (a blind retry is exactly how duplicates happen).
"""

from __future__ import annotations

import http.client
import socket
from datetime import datetime
from typing import Any, ClassVar
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from alerting.slack.render import METADATA_EVENT
from observer.config import Settings
from observer.errors import ConfigError, TerminalDeliveryError, TransientDeliveryError

TRANSIENT_CODES = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
HINTS = {
    "not_in_channel": "invite the app to the channel, or add the chat:write.public scope",
    "channel_not_found": "check the channel name in observer.yaml (teams / alerting.routes)",
    "is_archived": "the channel is archived; route its alerts elsewhere",
    "invalid_auth": "check alerting.slack.token",
    "not_authed": "check alerting.slack.token",
    "token_revoked": "the bot token was revoked; install the app again",
    "account_inactive": "the bot token belongs to a deactivated app",
    "missing_scope": "add the scope Slack names to the app (see docs/alerting/slack.md)",
}
HISTORY_PAGES = 10


def _connection_error(exc: BaseException) -> TransientDeliveryError:
    """Refused or unresolvable: nothing was sent. Anything after the request left: in doubt."""
    reason = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(reason, ConnectionRefusedError | socket.gaierror):
        return TransientDeliveryError(f"cannot connect to Slack: {type(reason).__name__}")
    return TransientDeliveryError(
        f"connection to Slack failed mid-request: {type(reason).__name__}", in_doubt=True
    )


def _api_error(exc: SlackApiError) -> TransientDeliveryError | TerminalDeliveryError:
    response = exc.response
    status = response.status_code
    if status == 429:
        retry = response.headers.get("Retry-After") or response.headers.get("retry-after") or "1"
        return TransientDeliveryError("rate limited by Slack (HTTP 429)", retry_after=float(retry))
    if status >= 500:
        return TransientDeliveryError(f"Slack answered HTTP {status}", in_doubt=True)
    code = (
        str(response.get("error", f"http_{status}")) if isinstance(response.data, dict) else f"http_{status}"
    )
    if code == "ratelimited":
        return TransientDeliveryError(
            "rate limited by Slack", retry_after=float(response.headers.get("Retry-After", "1"))
        )
    if code in TRANSIENT_CODES:
        return TransientDeliveryError(f"Slack error {code}", in_doubt=True)
    hint = HINTS.get(code)
    needed = response.get("needed") if isinstance(response.data, dict) else None
    detail = f" (needs {needed})" if needed else ""
    return TerminalDeliveryError(f"Slack refused: {code}{detail}" + (f" — {hint}" if hint else ""))


class SlackNotifier:
    """Posts, edits and threads through the Web API (``chat.postMessage`` / ``chat.update``)."""

    name: ClassVar[str] = "slack"

    def __init__(self, token: str, *, base_url: str | None = None, timeout: int = 30) -> None:
        self.client = WebClient(
            token=token, base_url=base_url or WebClient.BASE_URL, timeout=timeout, retry_handlers=[]
        )
        self._channel_ids: dict[str, str] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackNotifier:
        slack = settings.alerting.slack
        if slack.token is None:
            raise ConfigError(
                "no Slack bot token: set alerting.slack.token (or use dry_run)", path="alerting.slack.token"
            )
        return cls(slack.token.get_secret_value(), base_url=slack.base_url)

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            raise _api_error(exc) from None
        except (URLError, OSError, http.client.HTTPException) as exc:
            raise _connection_error(exc) from None
        data: dict[str, Any] = response.data if isinstance(response.data, dict) else {}
        return data

    def send(self, destination: str, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Deliver one message; returns ``{"channel", "ts"}`` (the message's address in Slack)."""
        body = {k: v for k, v in payload.items() if v is not None}
        if operation == "update":
            data = self._call(
                "chat_update",
                channel=body.pop("channel", destination),
                ts=body.pop("ts"),
                text=body.get("text"),
                blocks=body.get("blocks"),
            )
        elif operation in ("post", "reply"):
            body.setdefault("unfurl_links", False)
            body.setdefault("unfurl_media", False)
            data = self._call("chat_postMessage", channel=destination, **body)
        else:
            raise TerminalDeliveryError(f"unknown operation {operation!r}")
        if data.get("channel"):
            self._channel_ids[destination] = str(data["channel"])
        return {"channel": data.get("channel"), "ts": data.get("ts")}

    def channel_id(self, name: str) -> str | None:
        """A channel's id from its name (``conversations.list``; needs channels:read); None if unknown."""
        if name[:1] in "CGD" and name[1:].isalnum() and name.upper() == name:
            return name
        wanted = name.lstrip("#").lower()
        if name in self._channel_ids:
            return self._channel_ids[name]
        cursor = None
        for _ in range(HISTORY_PAGES * 5):
            data = self._call(
                "conversations_list",
                types="public_channel,private_channel",
                limit=1000,
                cursor=cursor,
                exclude_archived=True,
            )
            for ch in data.get("channels", []):
                if str(ch.get("name", "")).lower() == wanted:
                    self._channel_ids[name] = str(ch["id"])
                    return str(ch["id"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def find_delivered(
        self,
        destination: str,
        operation: str,
        payload: dict[str, Any],
        dedup_key: str,
        created_at: datetime,
        channel_id: str | None = None,
    ) -> dict[str, Any] | None:
        """Look for a message we may have posted (matched by the ``dedup_key`` in its metadata).

        Reads ``conversations.history`` from just before the row was queued (or the thread, for
        replies): returns ``{"channel", "ts"}`` when found, ``None`` when the message is not there.
        """
        channel = channel_id or self.channel_id(destination)
        if channel is None:
            return None  # no such channel (yet): nothing can have been posted there
        if operation == "reply" and payload.get("thread_ts"):
            method, args = "conversations_replies", {"channel": channel, "ts": payload["thread_ts"]}
        else:
            method, args = (
                "conversations_history",
                {"channel": channel, "oldest": f"{created_at.timestamp() - 60:.6f}"},
            )
        cursor = None
        for _ in range(HISTORY_PAGES):
            data = self._call(method, include_all_metadata=True, limit=200, cursor=cursor, **args)
            for message in data.get("messages", []):
                meta = message.get("metadata") or {}
                if (
                    meta.get("event_type") == METADATA_EVENT
                    and (meta.get("event_payload") or {}).get("key") == dedup_key
                ):
                    return {"channel": channel, "ts": message.get("ts")}
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def lookup_user(self, email: str) -> str | None:
        """The Slack user id for an e-mail (``users.lookupByEmail``), or None when Slack has nobody."""
        try:
            data = self._call("users_lookupByEmail", email=email)
        except TerminalDeliveryError as exc:
            if "users_not_found" in str(exc):
                return None
            raise
        user = data.get("user") or {}
        return str(user["id"]) if user.get("id") else None


class SlackWebhookNotifier:
    """Posts through an incoming webhook: no edits, no threads, no way to ask what arrived.

    A webhook always posts to the channel it was created for, whatever the route says. HTTP 5xx is
    taken as *not delivered* (Slack answers it when it could not accept the message); only a
    connection lost mid-request leaves the outcome in doubt.
    """

    name: ClassVar[str] = "webhook"

    def __init__(self, url: str, *, timeout: int = 30) -> None:
        self.client = WebhookClient(url, timeout=timeout, retry_handlers=[])

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackWebhookNotifier:
        url = settings.alerting.slack.webhook_url
        if url is None:
            raise ConfigError(
                "no webhook URL: set alerting.slack.webhook_url", path="alerting.slack.webhook_url"
            )
        return cls(url.get_secret_value())

    def send(self, destination: str, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = {k: payload[k] for k in ("text", "blocks") if payload.get(k) is not None}
        body.update(unfurl_links=False, unfurl_media=False)
        try:
            response = self.client.send_dict(body)
        except (URLError, OSError, http.client.HTTPException) as exc:
            raise _connection_error(exc) from None
        status, text = response.status_code, str(response.body or "")[:200]
        if status == 200:
            return {"status": 200}
        if status == 429:
            retry = response.headers.get("Retry-After") or response.headers.get("retry-after") or ["1"]
            return_after = float(retry[0] if isinstance(retry, list) else retry)
            raise TransientDeliveryError("rate limited by Slack (HTTP 429)", retry_after=return_after)
        if status >= 500:
            raise TransientDeliveryError(f"webhook answered HTTP {status}: {text}")
        raise TerminalDeliveryError(f"webhook refused the message: HTTP {status} {text}")
