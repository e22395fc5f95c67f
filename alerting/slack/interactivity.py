"""Slack interactivity (pure): button clicks and ``/observer`` slash commands, parsed and answered.

Buttons (``block_actions`` payloads) become an :class:`ActionRequest`: which incident, what to do,
who clicked. Slash commands answer from catalog facts the caller looked up:

* ``/observer owner <table>`` — owner, how we know (provenance), the team's channel, the last run
  that wrote the table, and a link to it in the catalog;
* ``/observer cost <team>`` — spend this month so far, against the same days of last month, and the
  budget when the team has one;
* ``/observer help``.

Answers are ephemeral (only the person who asked sees them) and always carry a ``text`` fallback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerting.cost_signals import dollars
from alerting.message import Link, Links, format_value
from alerting.slack.render import ACK, RESOLVE, SNOOZE, SNOOZE_MINUTES, escape, render_facts
from observer.catalog.owner_lookup import OwnerAnswer

VERBS = {ACK: "ack", SNOOZE: "snooze", RESOLVE: "resolve"}


@dataclass(frozen=True)
class ActionRequest:
    verb: str
    """``ack``, ``snooze`` or ``resolve``."""
    incident_id: int
    user_id: str
    user_name: str
    snooze_minutes: int = SNOOZE_MINUTES

    @property
    def actor(self) -> str:
        return f"slack:{self.user_id}:{self.user_name}"

    def until(self, now: datetime) -> datetime:
        return now + timedelta(minutes=self.snooze_minutes)


def parse_actions(payload: dict[str, Any]) -> list[ActionRequest]:
    """The incident actions in a ``block_actions`` payload (link buttons and unknown ids are ignored)."""
    if payload.get("type") != "block_actions":
        return []
    user = payload.get("user") or {}
    user_id = str(user.get("id", ""))
    name = str(user.get("username") or user.get("name") or user_id)
    out = []
    for action in payload.get("actions") or []:
        verb = VERBS.get(str(action.get("action_id", "")))
        if verb is None:
            continue
        raw = str(action.get("value", ""))
        ident, _, minutes = raw.partition(":")
        if not ident.isdigit():
            continue
        out.append(
            ActionRequest(
                verb, int(ident), user_id, name, int(minutes) if minutes.isdigit() else SNOOZE_MINUTES
            )
        )
    return out


def parse_payload(form_payload: str) -> dict[str, Any]:
    """The JSON document Slack sends as the ``payload`` form field."""
    data = json.loads(form_payload)
    if not isinstance(data, dict):
        raise ValueError("payload is not a JSON object")
    return data


def parse_command(text: str) -> tuple[str, str]:
    """``"owner analytics.orders"`` → ``("owner", "analytics.orders")``; anything else is ``help``."""
    verb, _, rest = text.strip().partition(" ")
    verb = verb.lower()
    if verb in ("owner", "cost") and rest.strip():
        return verb, rest.strip()
    return "help", ""


def ephemeral(payload: dict[str, Any]) -> dict[str, Any]:
    return {"response_type": "ephemeral", **payload}


def help_answer(command: str = "/observer") -> dict[str, Any]:
    rows = [
        (f"{command} owner <table>", "Who owns a table, how we know, and where to reach them"),
        (f"{command} cost <team>", "A team's spend this month so far, against last month"),
    ]
    return ephemeral(render_facts("Observer commands", [(k, escape(v)) for k, v in rows]))


def owner_answer(answer: OwnerAnswer, links: Links) -> dict[str, Any]:
    """Who owns the table asked about — or which tables the name could mean, or that none matches."""
    asked = escape(answer.query)
    if answer.status == "not_found":
        return ephemeral(
            render_facts(
                "No such table", [("Asked for", f"`{asked}`"), ("Try", "a fuller name, e.g. `schema.table`")]
            )
        )
    if answer.status == "ambiguous":
        choices: list[tuple[str, str]] = []
        for c in answer.candidates[:10]:
            url = links.asset(str(c.asset.key))
            name = f"<{url}|{escape(str(c.asset.key))}>" if url else f"`{escape(str(c.asset.key))}`"
            choices.append(
                (c.asset.key.short_name, f"{name}\n{escape(c.owner.owner) if c.owner else 'no owner'}")
            )
        return ephemeral(
            render_facts(
                f"“{answer.query}” matches {len(answer.candidates)} tables",
                choices,
                "Ask again with the full name.",
            )
        )
    assert answer.asset is not None
    key = str(answer.asset.key)
    rows: list[tuple[str, str]] = [("Table", f"`{escape(key)}`")]
    if answer.owner is None:
        rows.append(("Owner", "nobody yet — claim it in the catalog or with an ownership rule"))
    else:
        who = escape(answer.owner.owner)
        if answer.person and answer.person.slack_user_id and answer.person.slack_user_id != "-":
            who = f"<@{answer.person.slack_user_id}> ({who})"
        rows.append(("Owner", who))
        rows.append(("How we know", escape(f"{answer.owner.source.value}: {answer.owner.detail}")))
        if answer.owner.conflicts:
            others = ", ".join(sorted({c.owner for c in answer.owner.conflicts}))
            rows.append(("Also claimed by", escape(others)))
    if answer.team is not None:
        rows.append(("Team", escape(answer.team.name)))
        rows.append(
            ("Channel", escape(answer.team.slack_channel) if answer.team.slack_channel else "none set")
        )
    if answer.last_run is not None:
        r = answer.last_run
        what = " / ".join(x for x in (r.orchestrator, r.job, r.task) if x)
        when = format_value(r.end_time or r.start_time) if (r.end_time or r.start_time) else "unknown time"
        rows.append(("Last written by", escape(f"{what} ({r.status.value}, {when})")))
    url = links.asset(key)
    return ephemeral(
        render_facts(
            f"Who owns {answer.asset.key.short_name}",
            rows,
            None,
            Link("Open in Observer", url) if url else None,
        )
    )


def cost_answer(
    team: str,
    known_team: bool,
    mtd_usd: float,
    last_same_days_usd: float,
    last_month_usd: float,
    budget_usd: float | None,
    now: datetime,
    links: Links,
) -> dict[str, Any]:
    """A team's spend this month so far, compared like for like with last month."""
    if not known_team:
        return ephemeral(
            render_facts(
                "No such team",
                [("Asked for", f"`{escape(team)}`"), ("Try", "a team name from observer.yaml")],
            )
        )
    change = f" ({(mtd_usd / last_same_days_usd - 1) * 100:+.0f}%)" if last_same_days_usd > 0 else ""
    rows = [
        (f"{now:%B} so far", f"{dollars(mtd_usd)}{change}"),
        ("Same days last month", dollars(last_same_days_usd)),
        ("Last month in full", dollars(last_month_usd)),
    ]
    if budget_usd:
        rows.append(("Monthly budget", f"{dollars(budget_usd)} ({mtd_usd / budget_usd * 100:.0f}% used)"))
    url = links.costs(team)
    return ephemeral(
        render_facts(
            f"Spend of {team}",
            rows,
            f"as of {format_value(now)}",
            Link("Spend breakdown", url) if url else None,
        )
    )
