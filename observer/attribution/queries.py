"""Who a query's cost belongs to, and the rule that decided it (pure).

The first rule that yields an asset or a team wins (ARCHITECTURE.md, "Attribution without manual
tags"), and every result keeps its rule and a sentence saying why:

1. ``comment`` / ``tag`` — the query's comment or tag names what issued it: a dbt node id
   (→ the model's asset), an Airflow DAG/task or a Dagster run/asset (→ the run's asset or owner).
2. ``write_target`` — the parsed statement writes a table (INSERT/CREATE/MERGE/UPDATE/COPY/DELETE).
3. ``orchestrator_run`` — an orchestrator task was running as this warehouse user at the time.
4. ``reader_team`` — a read-only query is charged to the reader's team; ``read_asset`` when the
   reader belongs to no team (a BI service account) and the query reads one owned table, to that
   table's owner.
5. ``unattributed`` — none applied; the reason says what was missing.

An asset found by rules 1–3 is charged to its resolved owner (:func:`observer.attribution.owners.resolve_owner`).
When the asset has no owner yet, the writer's team pays and the reason says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from observer.attribution.owners import ResolvedOwner, resolve_owner, team_of
from observer.attribution.run_match import QueryContext, RunIndex, RunMatch
from observer.model import AssetKey, Attribution, Ownership
from observer.sql.comments import QueryTags

HINT_RULES = frozenset({"dbt_node", "airflow_task", "dagster_run"})


@dataclass(frozen=True, slots=True)
class Hints:
    """What a query's comment or tag says about who issued it (all optional)."""

    via: str = "comment"
    """``comment`` or ``tag``: where the hints were read."""
    dbt_node_id: str | None = None
    dbt_invocation_id: str | None = None
    airflow_dag_id: str | None = None
    airflow_task_id: str | None = None
    airflow_run_id: str | None = None
    dagster_run_id: str | None = None
    dagster_step: str | None = None
    dagster_asset: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.dbt_node_id or self.airflow_dag_id or self.dagster_run_id or self.dagster_asset)


NO_HINTS = Hints()


def hints_of(tags: QueryTags, query_tag: str | None) -> Hints:
    """Attribution hints from a query's comment/tag analysis (``via`` says which one said it)."""
    if not tags.tags:
        return NO_HINTS
    node = tags.dbt_node_id
    dag, task = tags.airflow_dag_id, tags.airflow_task_id
    dagster_run = tags.get("dagster_run_id") or (tags.get("run_id") if tags.tool == "dagster" else None)
    dagster_asset = tags.dagster_asset_key
    if not (node or (dag and task) or dagster_run or dagster_asset):
        return NO_HINTS
    named = node or dag or dagster_run or dagster_asset or ""
    via = "tag" if query_tag and named and named in query_tag else "comment"
    return Hints(
        via=via,
        dbt_node_id=node,
        dbt_invocation_id=tags.dbt_invocation_id,
        airflow_dag_id=dag,
        airflow_task_id=task,
        airflow_run_id=tags.get("run_id", "dag_run_id", "airflow_run_id") if dag else None,
        dagster_run_id=dagster_run,
        dagster_step=tags.get("dagster_step", "step_key") if dagster_run else None,
        dagster_asset=dagster_asset,
    )


@dataclass(frozen=True, slots=True)
class QueryFacts:
    """Everything attribution reads about one query."""

    query_id: str
    user_name: str | None
    start_time: datetime
    end_time: datetime
    statement_type: str | None = None
    targets: tuple[AssetKey, ...] = ()
    sources: tuple[AssetKey, ...] = ()
    parse_error: str | None = None
    hints: Hints = NO_HINTS


@dataclass(frozen=True)
class Attributed:
    attribution: Attribution
    run_id: str | None = None


class AttributionContext:
    """The catalog state attribution consults: assets by orchestrator id, owners, teams, runs."""

    def __init__(
        self,
        *,
        assets_by_external_id: Mapping[str, AssetKey] | None = None,
        claims: Mapping[AssetKey, Sequence[Ownership]] | None = None,
        people_teams: Mapping[str, str | None] | None = None,
        teams: Sequence[str] = (),
        runs: RunIndex | None = None,
    ) -> None:
        self.assets_by_external_id = dict(assets_by_external_id or {})
        self.claims = claims or {}
        self.people_teams = dict(people_teams or {})
        self.teams = list(teams)
        self.runs = runs
        self._owners: dict[AssetKey, ResolvedOwner | None] = {}

    def owner(self, asset: AssetKey) -> ResolvedOwner | None:
        if asset not in self._owners:
            self._owners[asset] = resolve_owner(self.claims.get(asset, ()))
        return self._owners[asset]

    def owner_team(self, owner: ResolvedOwner) -> str | None:
        return owner.team or team_of(owner.owner, self.teams, self.people_teams)

    def user_team(self, user: str | None) -> str | None:
        if not user:
            return None
        for key in (user, user.upper(), user.lower()):
            if key in self.people_teams:
                return self.people_teams[key]
        return None


def _charge(asset: AssetKey, rule: str, why: str, f: QueryFacts, ctx: AttributionContext) -> Attribution:
    owner = ctx.owner(asset)
    if owner is not None:
        return Attribution(asset, owner.owner, ctx.owner_team(owner), rule, f"{why}; owned by {owner.owner} ({owner.detail})")
    team = ctx.user_team(f.user_name)
    if team:
        return Attribution(asset, None, team, rule, f"{why}, which has no owner yet; charged to {f.user_name}'s team {team}")
    return Attribution(asset, None, None, rule, f"{why}, which has no owner yet")


def _run_context(f: QueryFacts, target: AssetKey | None = None, *, hints: bool = True) -> QueryContext:
    h = f.hints if hints else NO_HINTS
    return QueryContext(
        start_time=f.start_time,
        end_time=f.end_time,
        user_name=f.user_name,
        dbt_node_id=h.dbt_node_id,
        dbt_invocation_id=h.dbt_invocation_id,
        airflow_dag_id=h.airflow_dag_id,
        airflow_task_id=h.airflow_task_id,
        airflow_run_id=h.airflow_run_id,
        dagster_run_id=h.dagster_run_id,
        dagster_step=h.dagster_step,
        target=target,
    )


def _from_run(match: RunMatch, rule: str, why: str, f: QueryFacts, ctx: AttributionContext) -> Attributed | None:
    run = match.run
    if run.asset is not None:
        return Attributed(_charge(run.asset, rule, f"{why} (run {run.run_id} builds {run.asset})", f, ctx), run.run_id)
    if run.owner:
        team = team_of(run.owner, ctx.teams, ctx.people_teams)
        return Attributed(Attribution(None, run.owner, team, rule, f"{why}; run {run.run_id} is owned by {run.owner}"), run.run_id)
    return None


def _by_hints(f: QueryFacts, ctx: AttributionContext) -> Attributed | None:
    h = f.hints
    if h.empty:
        return None
    match = ctx.runs.find(_run_context(f)) if ctx.runs is not None else None
    if match is not None and match.rule not in HINT_RULES:
        match = None  # a match by time window alone is rule 3, not what the comment says
    run_id = match.run.run_id if match is not None else None
    if h.dbt_node_id:
        asset = ctx.assets_by_external_id.get(h.dbt_node_id)
        if asset is not None:
            return Attributed(_charge(asset, h.via, f"dbt {h.via} names {h.dbt_node_id}, which builds {asset}", f, ctx), run_id)
    if h.dagster_asset:
        asset = ctx.assets_by_external_id.get(h.dagster_asset)
        if asset is not None:
            return Attributed(_charge(asset, h.via, f"Dagster {h.via} names asset {h.dagster_asset}", f, ctx), run_id)
    if match is not None:
        return _from_run(match, h.via, f"{h.via}: {match.reason}", f, ctx)
    return None


def attribute_query(f: QueryFacts, ctx: AttributionContext) -> Attributed:
    """Attribute one query by the precedence in the module docstring."""
    found = _by_hints(f, ctx)
    if found is not None:
        return found
    if f.targets:
        target = f.targets[0]
        others = f" (and {len(f.targets) - 1} more)" if len(f.targets) > 1 else ""
        run_id = None
        if ctx.runs is not None:
            match = ctx.runs.find(_run_context(f, target, hints=False))
            run_id = match.run.run_id if match is not None else None
        kind = (f.statement_type or "statement").upper()
        return Attributed(_charge(target, "write_target", f"{kind} writes {target}{others}", f, ctx), run_id)
    if ctx.runs is not None:
        match = ctx.runs.find(_run_context(f, hints=False))
        if match is not None:
            found = _from_run(match, "orchestrator_run", match.reason, f, ctx)
            if found is not None:
                return found
    if f.parse_error and not f.sources:
        return Attributed(Attribution(None, None, None, "unattributed", f"the SQL could not be read ({f.parse_error}) and no comment or tag names its owner"))
    read = f.sources[0] if len(f.sources) == 1 else None
    team = ctx.user_team(f.user_name)
    if team:
        what = f"reads {read}" if read else (f"reads {len(f.sources)} tables" if f.sources else "writes nothing")
        return Attributed(Attribution(read, None, team, "reader_team", f"read-only query ({what}) by {f.user_name}, a member of {team}"))
    if read is not None:
        owner = ctx.owner(read)
        if owner is not None:
            return Attributed(
                Attribution(
                    read, owner.owner, ctx.owner_team(owner), "read_asset",
                    f"read-only query by {f.user_name or 'an unknown user'} (no team) of {read}, owned by {owner.owner} ({owner.detail})",
                )
            )
    who = f.user_name or "an unknown user"
    if f.sources:
        why = f"read-only query by {who}, who belongs to no team, reading {', '.join(str(s) for s in f.sources[:3])}" + (
            "" if read is None else ", which has no owner"
        )
    else:
        why = f"{(f.statement_type or 'statement').upper()} by {who}, who belongs to no team, touches no table"
    return Attributed(Attribution(read, None, None, "unattributed", why))
