"""A delivery process killed mid-send (SIGKILL, no cleanup) and restarted sends nothing twice.

The real ``observer alerts deliver`` runs in a subprocess against the fake Slack, which posts the
first message and then hangs before answering — the classic window between "Slack has it" and "we
wrote down that Slack has it". The process is killed there. A new worker, once the dead one's lease
has run out, finds the message in the channel by its metadata and marks it sent instead of posting
it again, then delivers the rest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from alerting.outbox import Deliverer
from alerting.slack.notifier import SlackNotifier
from observer.store import open_store
from observer.store.outbox import OutboxState, list_outbox
from tests.alerting.test_outbox import _keys_on_server, _post
from tests.fakes.slack_server import TOKEN, FakeSlack

OBSERVER = str(Path(sys.executable).with_name("observer"))


def test_a_worker_killed_between_posting_and_recording_is_not_repeated(tmp_path: Path) -> None:
    db = tmp_path / "observer.db"
    store = open_store(f"sqlite:///{db}")
    slack = FakeSlack().start()
    try:
        now = datetime.now(UTC)
        for key in ("first", "second", "third"):
            _post(store, key, "#ops", now)
        _post(store, "elsewhere", "#finance-data", now)
        config = tmp_path / "observer.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "store": f"sqlite:///{db}",
                    "alerting": {"dry_run": False, "slack": {"token": TOKEN, "base_url": slack.api_url}},
                }
            )
        )
        slack.response_delay = 60.0  # the first post lands, then the answer never comes back in time
        env = {**os.environ, "OBSERVER_CONFIG": str(config)}
        worker = subprocess.Popen(
            [OBSERVER, "alerts", "deliver", "--send"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            assert slack.posted_event.wait(60), "the worker never reached Slack"
            deadline = datetime.now(UTC) + timedelta(seconds=30)
            while (
                len(slack.all_messages()) < 2 and datetime.now(UTC) < deadline
            ):  # both channels have their first post
                slack.posted_event.clear()
                slack.posted_event.wait(1)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
        slack.response_delay = 0.0
        with store.read() as conn:
            states = {i.dedup_key: i.state for i in list_outbox(conn)[0]}
        # both channels' first posts were claimed, posted, and never recorded
        assert states["first"] == states["elsewhere"] == OutboxState.SENDING
        assert _keys_on_server(slack) == Counter({"first": 1, "elsewhere": 1})

        restarted_at = datetime.now(UTC) + timedelta(seconds=121)  # after the dead worker's lease
        deliverer = Deliverer(
            store,
            {"slack": SlackNotifier(TOKEN, base_url=slack.api_url, timeout=5)},
            clock=lambda: restarted_at,
            sleep=lambda s: None,
            per_destination_interval=0,
        )
        report = deliverer.run()

        assert _keys_on_server(slack) == Counter({"first": 1, "second": 1, "third": 1, "elsewhere": 1})
        with store.read() as conn:
            items = {i.dedup_key: i for i in list_outbox(conn)[0]}
        assert all(i.state == OutboxState.SENT for i in items.values())
        for key in ("first", "elsewhere"):
            assert (items[key].response or {}).get("reconciled") is True
        assert (report.reconciled, report.sent) == (2, 2)
    finally:
        slack.stop()
        store.dispose()
