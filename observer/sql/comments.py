"""Query comments and tags: who sent a query, read from the text and the warehouse's tag fields.

Tools say who they are in three places, all read here into one :class:`QueryTags`:

- **comments in the SQL text** (:func:`extract_comment_tags`):
  dbt's query comment ``/* {"app": "dbt", "node_id": "model.pkg.name", …} */`` (prepended on most
  adapters, appended on Snowflake, any customised JSON shape); Dagster's opaque id
  ``-- snowflake_dagster_dbt_v1_opaque_id[[[<uuid>]]]``; Looker's
  ``-- Looker Query Context '{"user_id": 7, "history_slug": "…", "instance_slug": "…"}'``;
  Metabase's ``-- Metabase:: userID: 1 queryType: MBQL queryHash: …``; and generic ``key=value`` /
  sqlcommenter ``key='value'`` comments (Airflow, Superset query mutators, ORMs);
- **Snowflake ``QUERY_TAG``** (:func:`parse_query_tag`): JSON, ``k=v;k2=v2`` or a bare string;
- **BigQuery job labels** (:func:`parse_labels`): ``[{"key": …, "value": …}]`` or a mapping.

Only the first and last 8 KB of a text are scanned: tools put their comment at one end, and a
megabyte-long statement must not cost a megabyte scan per history row.

>>> t = extract_comment_tags('select 1 /* {"app": "dbt", "node_id": "model.shop.orders"} */')
>>> t.tool, t.dbt_node_id
('dbt', 'model.shop.orders')
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

_SCAN = 8192
_DAGSTER = re.compile(r"snowflake_dagster_dbt_v1_opaque_id\[\[\[([^\]]+)\]\]\]")
_LOOKER = re.compile(r"^\s*Looker Query Context\s*'?(\{.*\})'?\s*$", re.S)
_METABASE = re.compile(r"^\s*Metabase::\s*(.*)$", re.S)
_METABASE_PAIR = re.compile(r"(\w+):\s*(\S+)")
_PAIR = re.compile(r"""([A-Za-z_][\w.\-]*)\s*=\s*(?:'([^']*)'|"([^"]*)"|([^\s,;'"]+))""")
_TAG_PAIR = re.compile(r"""([A-Za-z_][\w.\-]*)\s*[=:]\s*(?:'([^']*)'|"([^"]*)"|([^\s,;'"]+))""")

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class QueryTags:
    """Tags found for one query; ``tool`` names who sent it when that is recognisable."""

    tool: str | None = None
    tags: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def get(self, *keys: str) -> str | None:
        """The first of ``keys`` present (tags are matched case-insensitively)."""
        for key in keys:
            value = self.tags.get(key.lower())
            if value not in (None, ""):
                return value
        return None

    @property
    def dbt_node_id(self) -> str | None:
        return self.get("node_id", "dbt_node_id", "dbt.node_id", "model", "dbt_model")

    @property
    def dbt_invocation_id(self) -> str | None:
        return self.get("invocation_id", "dbt_invocation_id")

    @property
    def dagster_opaque_id(self) -> str | None:
        return self.get("dagster_opaque_id")

    @property
    def dagster_asset_key(self) -> str | None:
        return self.get("dagster_asset_key", "asset_key", "dagster/asset_key")

    @property
    def airflow_dag_id(self) -> str | None:
        return self.get("dag_id", "airflow_dag_id")

    @property
    def airflow_task_id(self) -> str | None:
        return self.get("task_id", "airflow_task_id")

    @property
    def user(self) -> str | None:
        """An end user named by the tool (Looker user id, Superset/Metabase user …)."""
        return self.get("user_id", "userid", "user", "username", "user_email")

    def merged(self, other: QueryTags) -> QueryTags:
        """Tags of both (``self`` wins on conflicts); the first known tool."""
        if not other.tags and other.tool is None:
            return self
        if not self.tags and self.tool is None:
            return other
        tags = dict(other.tags)
        tags.update(self.tags)
        return QueryTags(self.tool or other.tool, MappingProxyType(tags))


NO_TAGS = QueryTags()


def extract_comment_tags(sql: str) -> QueryTags:
    """Tags from the comments of ``sql`` (see the module docstring for the shapes recognised)."""
    if "/*" not in sql and "--" not in sql:
        return NO_TAGS
    text = sql if len(sql) <= 2 * _SCAN else sql[:_SCAN] + "\n" + sql[-_SCAN:]
    tool: str | None = None
    tags: dict[str, str] = {}
    for body in _comments(text):
        found_tool, found = _read_comment(body)
        if found:
            if not tags:
                tags = found  # a fresh dict from _read_comment; the common case: one tagged comment
            else:
                for key, value in found.items():
                    tags.setdefault(key, value)
        tool = tool or found_tool
    if not tags and tool is None:
        return NO_TAGS
    return QueryTags(tool or _tool_from_keys(tags), MappingProxyType(tags))


def _comments(text: str) -> list[str]:
    """Bodies of the ``--`` and ``/* */`` comments of ``text``, skipping markers inside strings.

    Found with ``str.find`` (C speed) rather than a regex over the whole text; a marker is inside a
    string literal when an odd number of single quotes precede it (``''`` escapes count twice).
    """
    bodies: list[str] = []
    find = text.find
    dash = find("--")
    block = find("/*")
    while dash >= 0 or block >= 0:
        start = block if dash < 0 or (0 <= block < dash) else dash
        if text.count("'", 0, start) % 2:
            pos = start + 2
        elif start == block:
            end = find("*/", start + 2)
            end = len(text) if end < 0 else end
            bodies.append(text[start + 2 : end])
            pos = end + 2
        else:
            end = find("\n", start + 2)
            end = len(text) if end < 0 else end
            bodies.append(text[start + 2 : end])
            pos = end
        # A marker found before ``pos`` is passed; one at or after it is still the next one.
        if 0 <= dash < pos:
            dash = find("--", pos)
        if 0 <= block < pos:
            block = find("/*", pos)
    return bodies


def _read_comment(body: str) -> tuple[str | None, dict[str, str]]:
    body = body.strip()
    if not body:
        return None, {}
    if body.startswith("{"):
        data = _json_object(body)
        if data is not None:
            flat = _flatten(data)
            return _tool_from_keys(flat), flat
    if body.startswith("Looker Query Context"):
        looker = _LOOKER.match(body)
        data = _json_object(looker.group(1)) if looker else None
        return "looker", _flatten(data) if data else {}
    if "opaque_id[[[" in body:
        dagster = _DAGSTER.search(body)
        if dagster:
            return "dagster", {"dagster_opaque_id": dagster.group(1)}
    if body.startswith("Metabase::"):
        metabase = _METABASE.match(body)
        if metabase:
            return "metabase", {k.lower(): v for k, v in _METABASE_PAIR.findall(metabase.group(1))}
    pairs = {}
    for m in _PAIR.finditer(body):
        key, quoted1, quoted2, bare = m.groups()
        value = quoted1 if quoted1 is not None else quoted2 if quoted2 is not None else bare
        pairs[key.lower()] = unquote(value) if "%" in value else value
    tool = "superset" if "uperset" in body or "UPERSET" in body else None
    return tool, pairs


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        name = prefix + str(key).lower()
        # JSON's scalar types first, by exact type (cheaper than the isinstance checks below).
        kind = type(value)
        if kind is str:
            out[name] = value
        elif kind is int or kind is float:
            out[name] = str(value)
        elif value is None:
            continue
        elif isinstance(value, Mapping):
            out.update(_flatten(value, name + "."))
        elif isinstance(value, (list, tuple)):
            out[name] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(value)
    return out


def _tool_from_keys(tags: Mapping[str, str]) -> str | None:
    app = (tags.get("app") or tags.get("application") or "").lower()
    if app:
        for known in ("dbt", "dagster", "airflow", "looker", "superset", "metabase"):
            if known in app:
                return known
    if "node_id" in tags:
        return "dbt"
    dagster = False
    for key in tags:
        if key.startswith("dbt"):
            return "dbt"
        dagster = dagster or key.startswith("dagster")
    if "dag_id" in tags or "airflow_dag_id" in tags:
        return "airflow"
    if dagster:
        return "dagster"
    return app or None


_QUERY_TAGS: dict[str, QueryTags] = {}
_QUERY_TAGS_MAX = 4096


def parse_query_tag(tag: str | None) -> QueryTags:
    """Snowflake ``QUERY_TAG`` (JSON, ``k=v;k2=v2``, or a bare string kept under ``query_tag``).

    A session sets its tag once (dbt per model, Airflow per task, a BI tool per connection), so the
    same tag text recurs on many rows: results are remembered (immutable, safe to share) per text.
    """
    if not tag:
        return NO_TAGS
    hit = _QUERY_TAGS.get(tag)
    if hit is not None:
        return hit
    tags = _parse_query_tag(tag)
    if len(tag) <= 1024:
        if len(_QUERY_TAGS) >= _QUERY_TAGS_MAX:
            _QUERY_TAGS.clear()
        _QUERY_TAGS[tag] = tags
    return tags


def _parse_query_tag(tag: str) -> QueryTags:
    if not tag.strip():
        return NO_TAGS
    text = tag.strip()
    data = _json_object(text) if text.startswith("{") else None
    if data is not None:
        flat = _flatten(data)
    else:
        flat = {
            m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _TAG_PAIR.finditer(text)
        }
        if not flat:
            flat = {"query_tag": text}
    return QueryTags(_tool_from_keys(flat), MappingProxyType(flat))


def parse_labels(labels: Mapping[str, Any] | Iterable[Mapping[str, Any]] | str | None) -> QueryTags:
    """BigQuery job labels: ``[{"key": k, "value": v}, …]``, a mapping, or their JSON text."""
    if not labels:
        return NO_TAGS
    if isinstance(labels, str):
        try:
            labels = json.loads(labels)
        except ValueError:
            return NO_TAGS
    flat: dict[str, str] = {}
    if isinstance(labels, Mapping):
        flat = {str(k).lower(): str(v) for k, v in labels.items() if v is not None}
    elif isinstance(labels, Iterable):
        for item in labels:
            if isinstance(item, Mapping) and "key" in item:
                flat[str(item["key"]).lower()] = str(item.get("value") or "")
    # dbt turns its query comment into labels with ``job-label``: keys like dbt_invocation_id.
    return QueryTags(_tool_from_keys(flat) or ("dbt" if any(k.startswith("dbt") for k in flat) else None),
                     MappingProxyType(flat))


def query_tags(
    sql: str,
    query_tag: str | None = None,
    labels: Mapping[str, Any] | Iterable[Mapping[str, Any]] | str | None = None,
) -> QueryTags:
    """Everything known about who sent a query: comments first, then the tag, then labels."""
    tags = extract_comment_tags(sql)
    if query_tag:
        tags = tags.merged(parse_query_tag(query_tag))
    if labels:
        tags = tags.merged(parse_labels(labels))
    return tags
