"""Block Kit rendering (pure): format-neutral messages in, ``{"text", "blocks"}`` payloads out.

Every payload has a ``text`` fallback (what notifications and screen readers show) and stays within
Block Kit's limits, whatever the input: ≤ 50 blocks, header ≤ 150 characters, section text ≤ 3000,
≤ 10 fields of ≤ 2000, context ≤ 10 elements, button text ≤ 75, ``value`` ≤ 2000. Long text is cut with
an ellipsis; a group too large for one message shows its first incidents in full, lists the rest one
line each, and links to the full list.

User-supplied strings (asset names, check messages) are escaped (``&``, ``<``, ``>``) in every mrkdwn
text and in the ``text`` fallback (which Slack also parses), so a table named ``<!channel>`` cannot
ping a channel; plain_text objects (headers, buttons) are not parsed for mentions and stay as written.

Buttons carry ``action_id`` ``observer.ack`` / ``observer.snooze`` / ``observer.resolve`` and the
incident id as ``value`` (``"<id>:<minutes>"`` for snooze); ``observer/api/routers/slack.py`` handles them.
"""

from __future__ import annotations

from typing import Any

from alerting.digest import Digest
from alerting.message import AlertMessage, Fact, IncidentCard, Link, Mention, Notice, format_value
from observer.model import IncidentState, Severity

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_FALLBACK = 3000
FULL_CARDS = 10
"""Incidents shown in full in one message (4 blocks each); the rest get one line each."""
SNOOZE_MINUTES = 240

METADATA_EVENT = "observer_alert"
"""Slack message-metadata ``event_type`` of every post; its payload carries the outbox ``dedup_key``."""

ACK = "observer.ack"
SNOOZE = "observer.snooze"
RESOLVE = "observer.resolve"
OPEN = "observer.open"

_EMOJI = {
    Severity.CRITICAL: ":rotating_light:",
    Severity.HIGH: ":red_circle:",
    Severity.MEDIUM: ":large_orange_circle:",
    Severity.LOW: ":large_yellow_circle:",
}
_STATE_EMOJI = {
    IncidentState.ACKNOWLEDGED: ":eyes:",
    IncidentState.SNOOZED: ":zzz:",
    IncidentState.RESOLVED: ":white_check_mark:",
}


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _mrkdwn(text: str, limit: int = MAX_SECTION) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def _link(link: Link) -> str:
    return f"<{link.url}|{escape(link.label)}>"


def _who(m: Mention | None) -> str:
    if m is None:
        return "unknown"
    return f"<@{m.slack_user_id}>" if m.slack_user_id else escape(m.name)


def _emoji(card: IncidentCard) -> str:
    return _STATE_EMOJI.get(card.state, _EMOJI[card.severity])


def _facts(items: tuple[Fact, ...]) -> str:
    return "\n".join(f"{escape(f.label)}: `{escape(f.value)}`" for f in items) or "—"


def _buttons(card: IncidentCard) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    value = str(card.incident_id)
    if card.actionable:
        if card.state != IncidentState.ACKNOWLEDGED:
            out.append(
                {
                    "type": "button",
                    "action_id": ACK,
                    "value": value,
                    "style": "primary",
                    "text": _plain("Acknowledge", MAX_BUTTON_TEXT),
                }
            )
        out.append(
            {
                "type": "button",
                "action_id": SNOOZE,
                "value": f"{value}:{SNOOZE_MINUTES}",
                "text": _plain("Snooze 4h", MAX_BUTTON_TEXT),
            }
        )
        out.append(
            {
                "type": "button",
                "action_id": RESOLVE,
                "value": value,
                "text": _plain("Resolve", MAX_BUTTON_TEXT),
            }
        )
    for link in card.links[:2]:
        out.append(
            {
                "type": "button",
                "action_id": f"{OPEN}.{len(out)}",
                "url": clip(link.url, 3000),
                "text": _plain(link.label, MAX_BUTTON_TEXT),
            }
        )
    return out


def _impact(card: IncidentCard) -> str | None:
    if not card.downstream_total:
        return None
    lines = []
    for d in card.downstream:
        name = f"<{d.url}|{escape(d.asset)}>" if d.url else escape(d.asset)
        who = _who(d.owner) if d.owner else (escape(d.team) if d.team else "no owner")
        lines.append(f"• {name} — {who}")
    more = card.downstream_total - len(card.downstream)
    if more > 0:
        lines.append(f"…and {more} more")
    return f"*Downstream ({card.downstream_total})*\n" + "\n".join(lines)


def _context_line(card: IncidentCard) -> str:
    parts = [f"since {format_value(card.since)}", f"check `{escape(card.check)}`"]
    if card.owner:
        parts.append(
            f"owner {_who(card.owner)}"
            + (f" ({escape(card.team)})" if card.team and card.team != card.owner.name else "")
        )
    elif card.team:
        parts.append(f"team {escape(card.team)}")
    else:
        parts.append("no owner known")
    if card.cause:
        parts.append(
            "behind it: " + ", ".join(f"{escape(f.label.lower())} {escape(f.value)}" for f in card.cause[:4])
        )
    return " · ".join(parts)


def card_blocks(card: IncidentCard) -> list[dict[str, Any]]:
    """Up to four blocks for one incident: what, observed vs expected, context, buttons."""
    title = f"{_emoji(card)} *{escape(card.title)}*  `{card.severity.value}`"
    if card.asset:
        title += f"\n`{escape(card.asset)}`"
    if card.summary:
        title += "\n" + escape(card.summary)
    section: dict[str, Any] = {"type": "section", "text": _mrkdwn(title)}
    fields = []
    if card.observed:
        fields.append(_mrkdwn("*Observed*\n" + _facts(card.observed), MAX_FIELD))
    if card.expected:
        fields.append(_mrkdwn("*Expected*\n" + _facts(card.expected), MAX_FIELD))
    impact = _impact(card)
    if impact:
        fields.append(_mrkdwn(impact, MAX_FIELD))
    if fields:
        section["fields"] = fields[:MAX_FIELDS]
    context = [_mrkdwn(_context_line(card))]
    if card.state_note:
        by = f" by {_who(card.state_by)}" if card.state_by else ""
        context.append(_mrkdwn(f"{_STATE_EMOJI.get(card.state, '')} {escape(card.state_note)}{by}".strip()))
    blocks = [section, {"type": "context", "elements": context[:MAX_CONTEXT_ELEMENTS]}]
    buttons = _buttons(card)
    if buttons:
        blocks.append({"type": "actions", "block_id": f"incident-{card.incident_id}", "elements": buttons})
    return blocks


def _one_line(card: IncidentCard) -> str:
    asset = f" `{escape(card.asset)}`" if card.asset else ""
    return f"{_emoji(card)} {escape(card.title)}{asset} ({card.severity.value})"


def fallback_text(message: AlertMessage) -> str:
    """The notification text: headline, then one short line per incident."""
    lines = [f"[{message.worst.value}] {message.headline}"]
    for card in message.cards:
        state = "" if card.state == IncidentState.OPEN else f" [{card.state.value}]"
        lines.append(f"- {card.title}{state}: {card.summary}" if card.summary else f"- {card.title}{state}")
    return clip(escape("\n".join(lines)), MAX_FALLBACK)


def render_alert(message: AlertMessage) -> dict[str, Any]:
    """A Block Kit payload for an incident message, within every limit."""
    icon = _EMOJI[message.worst] if message.open_count else ":white_check_mark:"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(f"{icon} {message.headline}", MAX_HEADER)}
    ]
    full, rest = message.cards[:FULL_CARDS], message.cards[FULL_CARDS:]
    for i, card in enumerate(full):
        if i:
            blocks.append({"type": "divider"})
        blocks.extend(card_blocks(card))
    if rest:
        lines, used = [], 0
        for card in rest:
            line = _one_line(card)
            if used + len(line) + 40 > MAX_SECTION:
                break
            lines.append(line)
            used += len(line) + 1
        hidden = len(rest) - len(lines)
        if hidden:
            lines.append(f"…and {hidden} more")
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": _mrkdwn("\n".join(lines))})
    if message.link and (rest or len(message.cards) > 1):
        blocks.append({"type": "context", "elements": [_mrkdwn(_link(message.link))]})
    return {"text": fallback_text(message), "blocks": blocks[:MAX_BLOCKS]}


def render_notice(notice: Notice) -> dict[str, Any]:
    """A thread reply (or a short standalone message where threads do not exist)."""
    emoji = {"acknowledged": ":eyes:", "snoozed": ":zzz:", "resolved": ":white_check_mark:"}.get(
        notice.what.value, ":bell:"
    )
    by = f" by {_who(notice.actor)}" if notice.actor else ""
    text = f"{emoji} *{escape(notice.title)}* — {escape(notice.text)}{by}"
    if notice.link:
        text += f"  {_link(notice.link)}"
    plain = f"{notice.title} — {notice.text}" + (f" by {notice.actor.name}" if notice.actor else "")
    return {"text": clip(escape(plain), MAX_FALLBACK), "blocks": [{"type": "section", "text": _mrkdwn(text)}]}


def render_facts(
    title: str, rows: list[tuple[str, str]], footer: str | None = None, link: Link | None = None
) -> dict[str, Any]:
    """A small titled table of label/value pairs (slash-command answers, digests)."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(title, MAX_HEADER)}]
    for start in range(0, len(rows), MAX_FIELDS):
        chunk = rows[start : start + MAX_FIELDS]
        blocks.append(
            {"type": "section", "fields": [_mrkdwn(f"*{escape(k)}*\n{v}", MAX_FIELD) for k, v in chunk]}
        )
        if len(blocks) >= MAX_BLOCKS - 2:
            break
    tail = [x for x in (footer, _link(link) if link else None) if x]
    if tail:
        blocks.append({"type": "context", "elements": [_mrkdwn(t) for t in tail][:MAX_CONTEXT_ELEMENTS]})
    plain = escape(title) + "\n" + "\n".join(f"{escape(k)}: {v}" for k, v in rows)
    return {"text": clip(plain, MAX_FALLBACK), "blocks": blocks[:MAX_BLOCKS]}


def render_digest(digest: Digest) -> dict[str, Any]:
    """The daily digest: open incidents, then spend this month against the same days of last month."""
    from alerting.cost_signals import dollars

    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": _plain(f":newspaper: Daily digest for {digest.team} — {digest.day:%Y-%m-%d}", MAX_HEADER),
        }
    ]
    if digest.items:
        lines = []
        for item in digest.items:
            name = f"<{item.url}|{escape(item.title)}>" if item.url else escape(item.title)
            state = "" if item.state == IncidentState.OPEN else f" _{item.state.value}_"
            lines.append(f"{_EMOJI[item.severity]} {name}{state} — since {format_value(item.opened_at)}")
        more = digest.open_total - len(digest.items)
        if more > 0:
            lines.append(f"…and {more} more")
        body = f"*Open incidents: {digest.open_total}*\n" + "\n".join(lines)
    else:
        body = "*Open incidents: 0* — nothing needs attention."
    blocks.append({"type": "section", "text": _mrkdwn(body)})
    change = digest.change_pct
    shown_change = "" if change is None else f" ({change:+.0f}%)"
    fields = [
        f"*This month so far*\n{dollars(digest.spend_mtd_usd)}{shown_change}",
        f"*Same days last month*\n{dollars(digest.spend_last_month_same_days_usd)}",
        f"*Last month*\n{dollars(digest.spend_last_month_usd)}",
    ]
    if digest.budget_usd:
        used = digest.spend_mtd_usd / digest.budget_usd * 100
        fields.append(f"*Monthly budget*\n{dollars(digest.budget_usd)} ({used:.0f}% used)")
    blocks.append({"type": "section", "fields": [_mrkdwn(f, MAX_FIELD) for f in fields]})
    if digest.links:
        blocks.append({"type": "context", "elements": [_mrkdwn(" · ".join(_link(x) for x in digest.links))]})
    text = (
        f"Daily digest for {digest.team}: {digest.open_total} open incident(s); "
        f"spend this month {dollars(digest.spend_mtd_usd)}{shown_change} vs {dollars(digest.spend_last_month_same_days_usd)} "
        "over the same days last month"
    )
    return {"text": clip(escape(text), MAX_FALLBACK), "blocks": blocks}
