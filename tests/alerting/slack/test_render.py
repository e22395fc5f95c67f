"""Block Kit rendering: readable, escaped, always with a text fallback, and within Slack's limits."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from alerting.digest import build_digest
from alerting.lifecycle import Notify
from alerting.message import Links, alert_message, incident_card, notice
from alerting.slack.render import ACK, RESOLVE, SNOOZE, render_alert, render_digest, render_notice
from observer.model import AssetKey, Incident, IncidentState, Severity
from observer.store.alert_context import AlertContext, DownstreamAsset, PersonRef
from tests.fakes.slack_server import block_problems, message_problems

LINKS = Links("https://observer.example")
NOW = datetime(2026, 11, 20, 12, 0).astimezone()


def _incident(
    i: int,
    *,
    title: str = "stripe_payments is late",
    summary: str = "no load for 50 hours",
    state: IncidentState = IncidentState.OPEN,
    name: str = "analytics.raw.stripe_payments",
) -> Incident:
    return Incident(
        i, "freshness", "freshness", AssetKey("duckdb", name), state, Severity.HIGH, title, NOW - timedelta(hours=2), NOW,
        owner="CAROL", team="finance",
        details={"status": "fail", "summary": summary, "observed": {"lag_hours": 50.2, "last_update": "2026-11-18T10:12:00+00:00"}, "expected": {"within_hours": 24}, "acknowledged_by": "slack:U0CAROL:carol"},
    )  # fmt: skip


CONTEXT = AlertContext(
    owner="CAROL",
    team="finance",
    owner_source="orchestrator: dbt meta.owner",
    owner_person=PersonRef("CAROL", "Carol Jensen", "carol@x", "U0CAROL"),
    downstream=(DownstreamAsset(AssetKey("duckdb", "analytics.marts.fct_orders"), "finance", "finance", 1),),
    downstream_total=1,
    last_run={
        "orchestrator": "airflow",
        "job": "stripe_to_raw",
        "task": "load",
        "run_id": "r-7",
        "status": "failed",
    },
    people={"CAROL": PersonRef("CAROL", "Carol Jensen", "carol@x", "U0CAROL")},
)


def _render(incidents: list[Incident]) -> dict:  # type: ignore[type-arg]
    cards = [incident_card(i, CONTEXT, LINKS) for i in incidents]
    return render_alert(alert_message(cards, "finance", NOW, LINKS))


def test_one_incident_shows_what_a_reader_needs() -> None:
    payload = _render([_incident(1)])
    assert message_problems(payload) == []
    text = str(payload["blocks"])
    assert (
        payload["blocks"][0]["type"] == "header"
        and "stripe_payments is late" in payload["blocks"][0]["text"]["text"]
    )
    for expected in (
        "Lag hours: `50.2`",
        "Within hours: `24`",
        "<@U0CAROL>",
        "fct_orders",
        "stripe_to_raw",
        "since 2026-11-20",
    ):
        assert expected in text, expected
    actions = payload["blocks"][-1]["elements"]
    assert [a["action_id"] for a in actions[:3]] == [ACK, SNOOZE, RESOLVE] and actions[0]["value"] == "1"
    assert actions[3]["url"] == "https://observer.example/incidents/1"
    assert payload["text"].startswith("[high] stripe_payments is late")


def test_names_cannot_ping_a_channel_or_break_the_markup() -> None:
    payload = _render([_incident(1, title="<!channel> & <https://evil|click>", summary="<@U123> >_<")])
    parsed = [payload["text"]] + [_mrkdwn_texts(b) for b in payload["blocks"]]
    blob = " ".join(parsed)
    assert "<!channel>" not in blob and "<@U123>" not in blob
    assert "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;" in blob and "&lt;@U123&gt;" in blob


def _mrkdwn_texts(block: dict) -> str:  # type: ignore[type-arg]
    """Every text Slack parses for mentions and links in a block (mrkdwn objects)."""
    found = []
    for obj in [block.get("text")] + list(block.get("fields") or []) + list(block.get("elements") or []):
        if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
            found.append(obj["text"])
    return " ".join(found)


def test_a_huge_group_stays_within_every_limit_and_links_to_the_rest() -> None:
    many = [
        _incident(i, title="t" * 400, summary="s" * 5000, name=f"analytics.raw.{'x' * 200}_{i}")
        for i in range(1, 121)
    ]
    payload = _render(many)
    assert message_problems(payload) == []
    assert len(payload["blocks"]) <= 50 and len(payload["text"]) <= 3000
    assert "more" in str(payload["blocks"][-2]) and "All incidents" in str(payload["blocks"][-1])


def test_states_change_the_buttons_and_the_notes() -> None:
    acked = _render([_incident(1, state=IncidentState.ACKNOWLEDGED)])
    buttons = [e["action_id"] for e in acked["blocks"][-1]["elements"]]
    assert ACK not in buttons and SNOOZE in buttons
    assert "Acknowledged by <@U0CAROL>" in str(acked["blocks"])
    resolved = _render([_incident(1, state=IncidentState.RESOLVED)])
    assert resolved["blocks"][0]["text"]["text"].startswith(":white_check_mark: Resolved:")
    assert all(
        not e["action_id"].startswith(("observer.ack", "observer.snooze", "observer.resolve"))
        for e in resolved["blocks"][-1]["elements"]
    )


def test_notices_name_the_actor() -> None:
    reply = render_notice(notice(_incident(1), Notify.ACKNOWLEDGED, "slack:U0CAROL:carol", LINKS))
    assert message_problems(reply) == []
    assert "acknowledged by <@U0CAROL>" in reply["blocks"][0]["text"]["text"]
    assert reply["text"] == "stripe_payments is late — acknowledged by carol"
    by_check = render_notice(notice(_incident(1), Notify.RESOLVED, "check", LINKS))
    assert "the check passes again" in by_check["text"]


def test_the_digest_compares_like_for_like() -> None:
    digest = build_digest(
        "finance", NOW, [_incident(i) for i in range(1, 30)], 1200.0, 1000.0, 1700.0, 3000.0, LINKS
    )
    payload = render_digest(digest)
    assert message_problems(payload) == []
    blob = str(payload["blocks"])
    assert "Open incidents: 29" in blob and "…and 14 more" in blob and "(+20%)" in blob and "40% used" in blob


@settings(max_examples=60, deadline=None)
@given(
    titles=st.lists(st.text(min_size=1, max_size=600), min_size=1, max_size=70),
    summary=st.text(max_size=4000),
    name=st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=700),
)
def test_any_input_renders_to_a_valid_message(titles: list[str], summary: str, name: str) -> None:
    incidents = [_incident(i + 1, title=t, summary=summary, name=name) for i, t in enumerate(titles)]
    payload = _render(incidents)
    assert block_problems(payload["blocks"]) == [] and payload["text"]


def test_durations_read_as_durations_and_empty_values_are_left_out() -> None:
    incident = _incident(1)
    incident.details["observed"] = {"lag_s": 179280, "quiet_weekdays": [], "note": ""}
    incident.details["expected"] = {"deadline": "2026-11-18T05:42:00+00:00", "allowed_lag_seconds": 5400}
    card = incident_card(incident, CONTEXT, LINKS)
    assert [(f.label, f.value) for f in card.observed] == [("Lag", "2d 1h")]
    assert ("Allowed lag", "1h 30m") in [(f.label, f.value) for f in card.expected]
    assert card.since == datetime.fromisoformat("2026-11-18T05:42:00+00:00")  # late since the deadline passed
