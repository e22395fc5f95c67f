"""Delivery throughput under Slack's rate limit: 1 message per second per channel, 20 channels.

Runs the real ``slack_sdk`` client against the fake Slack server from the test suite (in its own
process), which enforces the limit with HTTP 429 and ``Retry-After`` as Slack documents it for
``chat.postMessage`` — more strictly than Slack, as it allows no burst at all.
Two senders deliver the same messages (round-robin over the channels, as alerts for many teams
arrive) on the same machine in the same run:

* **Observer** — the durable outbox: per-channel lanes served in parallel, paced client-side to the
  limit, 429s hold only the channel concerned (``alerting.outbox.Deliverer``);
* **peer** — the usual setup: one loop calling ``WebClient.chat_postMessage`` with slack_sdk's
  ``RateLimitErrorRetryHandler``, which sleeps for ``Retry-After`` inside the call.

The ideal is 20 messages/s (every channel at its limit). Usage::

    .venv/bin/python bench/alerting/throughput.py [--per-channel 15] [--channels 20] [--store URL]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from slack_sdk import WebClient  # noqa: E402
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler  # noqa: E402

from alerting.outbox import Deliverer  # noqa: E402
from alerting.slack.notifier import SlackNotifier  # noqa: E402
from alerting.slack.render import METADATA_EVENT  # noqa: E402
from observer.store import open_store  # noqa: E402
from observer.store.outbox import enqueue, outbox_counts  # noqa: E402
from tests.fakes.slack_server import TOKEN  # noqa: E402

RUN = uuid.uuid4().hex[:8]


def _messages(channels: int, per_channel: int) -> list[tuple[str, str]]:
    """Round-robin over channels; keys unique to this run so a reused store does not dedupe them."""
    return [(f"#team-{c:02d}", f"{RUN}-alert-{n}-{c}") for n in range(per_channel) for c in range(channels)]


def _payload(key: str) -> dict[str, object]:
    text = f"alert {key}: orders is late"
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{text}*"}}],
        "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": key}},
    }


class RemoteSlack:
    """The fake Slack in its own process, as the real one is: its clock is not slowed by our threads."""

    def __init__(self, per_channel_interval: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.slack_server", str(per_channel_interval)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        self.api_url = f"http://127.0.0.1:{self.port}/api/"

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_fake/stats") as response:
            data: dict[str, Any] = json.load(response)
            return data

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def run_observer(store_url: str, channels: int, per_channel: int, workers: int) -> dict[str, float]:
    slack = RemoteSlack(1.0)
    store = open_store(store_url)
    try:
        now = datetime.now(UTC)
        with store.transaction() as conn:
            for channel, key in _messages(channels, per_channel):
                enqueue(
                    conn,
                    dedup_key=key,
                    channel_type="slack",
                    destination=channel,
                    operation="post",
                    payload=_payload(key),
                    now=now,
                )
        deliverer = Deliverer(
            store,
            {"slack": SlackNotifier(TOKEN, base_url=slack.api_url)},
            clock=lambda: datetime.now(UTC),
            per_destination_interval=1.0,
            workers=workers,
        )
        started = time.perf_counter()
        report = deliverer.run()
        elapsed = time.perf_counter() - started
        with store.read() as conn:
            counts = outbox_counts(conn)
        stats = slack.stats()
        delivered = Counter(m["metadata"]["event_payload"]["key"] for m in stats["messages"])
        assert report.sent == len(delivered) == channels * per_channel and set(delivered.values()) == {1}, (
            counts,
            delivered.most_common(3),
        )
        assert stats["violations"] == []
        return {
            "messages": float(report.sent),
            "seconds": elapsed,
            "rate": report.sent / elapsed,
            "429s": float(stats["rate_limited"]),
        }
    finally:
        slack.stop()
        store.dispose()


def run_peer(channels: int, per_channel: int) -> dict[str, float]:
    slack = RemoteSlack(1.0)
    try:
        client = WebClient(
            token=TOKEN,
            base_url=slack.api_url,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=50)],
        )
        started = time.perf_counter()
        sent = 0
        for channel, key in _messages(channels, per_channel):
            payload = _payload(key)
            client.chat_postMessage(
                channel=channel, text=payload["text"], blocks=payload["blocks"], metadata=payload["metadata"]
            )  # type: ignore[arg-type]
            sent += 1
        elapsed = time.perf_counter() - started
        stats = slack.stats()
        assert len(stats["messages"]) == sent
        return {
            "messages": float(sent),
            "seconds": elapsed,
            "rate": sent / elapsed,
            "429s": float(stats["rate_limited"]),
        }
    finally:
        slack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--per-channel", type=int, default=15)
    parser.add_argument("--workers", type=int, default=20, help="channels served in parallel by the outbox")
    parser.add_argument("--store", default=None, help="store URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    store_url = args.store or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    ideal = float(args.channels)
    total = args.channels * args.per_channel
    print(
        f"{total} messages to {args.channels} channels, limit 1 message/s/channel (ideal {ideal:.0f} msg/s)"
    )
    ours = run_observer(store_url, args.channels, args.per_channel, args.workers)
    print(
        f"observer outbox : {ours['rate']:5.2f} msg/s  ({ours['seconds']:.1f} s, {ours['429s']:.0f} HTTP 429, {ours['rate'] / ideal:.0%} of ideal)"
    )
    peer = run_peer(args.channels, args.per_channel)
    print(
        f"peer (sequential WebClient + RateLimitErrorRetryHandler): {peer['rate']:5.2f} msg/s  ({peer['seconds']:.1f} s, {peer['429s']:.0f} HTTP 429, {peer['rate'] / ideal:.0%} of ideal)"
    )


if __name__ == "__main__":
    main()
