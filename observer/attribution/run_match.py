"""Which orchestrator run a warehouse query belongs to (pure).

A query is joined to the task run that issued it by the first rule that applies:

1. ``dbt_node`` — the dbt query comment names a node id (and, with a customised ``query-comment``,
   the invocation id); the node's run whose execution window contains the query wins.
2. ``airflow_task`` — a query tag or comment names the DAG and task (and maybe the DAG run); the
   task instance whose window contains the query wins.
3. ``dagster_run`` — Dagster's comment or tag names the run id (and maybe the asset/step).
4. ``write_target`` — the query writes a table that a task run declared as its output (dbt relation,
   OpenLineage output, Dagster ``relation_identifier``) during that run's window.
5. ``user_window`` — the query's warehouse user is the one an orchestrator source runs as
   (``warehouse_user:`` in its config) and exactly one of that source's task runs was executing at
   the time; with several, the tightest window wins and the reason says how many there were.

The index holds task-level runs (those with a ``task``) sorted by start time, so a million queries
are matched against it without a store round-trip each: load it once per time range with
:func:`observer.store.runs.load_run_index`.

>>> from datetime import datetime, UTC
>>> from observer.model import RunRecord, RunStatus
>>> t = lambda m: datetime(2026, 3, 1, 2, m, tzinfo=UTC)
>>> run = RunRecord("dbt", "inv1:model.shop.orders", "dbt", "shop", RunStatus.SUCCESS, t(0), t(5),
...                 task="model.shop.orders", parent_run_id="inv1")
>>> RunIndex([run]).find(QueryContext(start_time=t(2), dbt_node_id="model.shop.orders")).rule
'dbt_node'
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from observer.model import AssetKey, RunRecord

SLACK = timedelta(seconds=5)
"""Clock skew allowed between the orchestrator's timings and the warehouse's query times."""
MAX_TASK = timedelta(days=2)
"""Longest task run considered when looking backwards from a query's start time."""


@dataclass(frozen=True)
class QueryContext:
    """What is known about one query that can tie it to a run. Every field but the time is optional."""

    start_time: datetime
    end_time: datetime | None = None
    user_name: str | None = None
    dbt_node_id: str | None = None
    dbt_invocation_id: str | None = None
    airflow_dag_id: str | None = None
    airflow_task_id: str | None = None
    airflow_run_id: str | None = None
    dagster_run_id: str | None = None
    dagster_step: str | None = None
    target: AssetKey | None = None
    """The table the query writes (parsed INSERT/CREATE/MERGE … target)."""


@dataclass(frozen=True)
class RunMatch:
    run: RunRecord
    rule: str
    """``dbt_node``, ``airflow_task``, ``dagster_run``, ``write_target`` or ``user_window``."""
    reason: str


def _contains(run: RunRecord, moment: datetime, slack: timedelta = SLACK) -> bool:
    if run.start_time is None or run.start_time - slack > moment:
        return False
    return run.end_time is None or run.end_time + slack >= moment


def _width(run: RunRecord) -> float:
    if run.start_time is None or run.end_time is None:
        return float("inf")
    return (run.end_time - run.start_time).total_seconds()


def _distance(run: RunRecord, moment: datetime) -> float:
    """Seconds between ``moment`` and the run's window (0 inside it)."""
    assert run.start_time is not None
    if moment < run.start_time:
        return (run.start_time - moment).total_seconds()
    if run.end_time is not None and moment > run.end_time:
        return (moment - run.end_time).total_seconds()
    return 0.0


def _running(runs: Iterable[RunRecord], moment: datetime) -> list[RunRecord]:
    """Runs whose window holds ``moment``; only when none does exactly, those within the clock slack."""
    runs = list(runs)
    exact = [r for r in runs if _contains(r, moment, timedelta(0))]
    if exact:
        return sorted(exact, key=lambda r: (_width(r), r.run_id))
    near = [r for r in runs if _contains(r, moment)]
    return sorted(near, key=lambda r: (_distance(r, moment), _width(r), r.run_id))


def _closest(runs: list[RunRecord], moment: datetime) -> RunRecord | None:
    """The run holding ``moment`` (see :func:`_running`), else the latest that started before it."""
    inside = _running(runs, moment)
    if inside:
        return inside[0]
    before = [r for r in runs if r.start_time is not None and r.start_time <= moment + SLACK]
    if before:
        return max(before, key=lambda r: (r.start_time, r.run_id))
    return None


def warehouse_user(run: RunRecord) -> str | None:
    user = run.attributes.get("warehouse_user")
    return str(user).upper() if user else None


class RunIndex:
    """Task-level runs indexed by start time, node/task name, run id and output asset."""

    def __init__(self, runs: Iterable[RunRecord]) -> None:
        self.runs = sorted((r for r in runs if r.start_time is not None), key=lambda r: (r.start_time, r.run_id))
        self._starts: list[datetime] = [r.start_time for r in self.runs if r.start_time is not None]
        self._by_task: dict[tuple[str, str], list[RunRecord]] = {}
        self._by_run: dict[str, list[RunRecord]] = {}
        self._by_asset: dict[AssetKey, list[RunRecord]] = {}
        for r in self.runs:
            if r.task:
                self._by_task.setdefault((r.orchestrator, r.task), []).append(r)
            self._by_run.setdefault(r.run_id, []).append(r)
            if r.parent_run_id:
                self._by_run.setdefault(r.parent_run_id, []).append(r)
            dag_run = r.attributes.get("dag_run_id") or r.attributes.get("dagster_run_id")
            if dag_run and dag_run != r.parent_run_id:
                self._by_run.setdefault(str(dag_run), []).append(r)
            if r.asset is not None:
                self._by_asset.setdefault(r.asset, []).append(r)
        # Narrow indexes for the per-query rules (a million queries each scanning every run of a
        # task, or every run of the last two days, dominated re-attribution).
        self._tasks = [r for r in self.runs if r.task]
        self._task_starts: list[datetime] = [r.start_time for r in self._tasks if r.start_time is not None]
        self._by_dag_task: dict[tuple[str, str], list[RunRecord]] = {}
        self._by_dag_run: dict[tuple[str, str, str], list[RunRecord]] = {}
        self._by_user: dict[str, tuple[list[datetime], list[RunRecord]]] = {}
        for r in self._tasks:
            assert r.task is not None and r.start_time is not None
            if r.orchestrator == "airflow":
                self._by_dag_task.setdefault((r.job, r.task), []).append(r)
                dag_run_id = r.attributes.get("dag_run_id")
                if isinstance(dag_run_id, str):
                    self._by_dag_run.setdefault((r.job, r.task, dag_run_id), []).append(r)
            user = warehouse_user(r)
            if user is not None:
                starts, runs = self._by_user.setdefault(user, ([], []))
                starts.append(r.start_time)
                runs.append(r)

    def __len__(self) -> int:
        return len(self.runs)

    def running_at(self, moment: datetime) -> list[RunRecord]:
        """Task runs whose window contains ``moment``."""
        return _running(self._window(self._task_starts, self._tasks, moment), moment)

    @staticmethod
    def _window(starts: list[datetime], runs: list[RunRecord], moment: datetime) -> list[RunRecord]:
        """The runs of ``runs`` (sorted by start) that started within ``MAX_TASK`` before ``moment``."""
        return runs[bisect.bisect_left(starts, moment - MAX_TASK) : bisect.bisect_right(starts, moment + SLACK)]

    def find(self, q: QueryContext) -> RunMatch | None:
        """The run ``q`` belongs to, with the rule that matched and a readable reason."""
        for rule in (self._dbt, self._airflow, self._dagster, self._target, self._user):
            found = rule(q)
            if found is not None:
                return found
        return None

    def _dbt(self, q: QueryContext) -> RunMatch | None:
        if not q.dbt_node_id:
            return None
        runs = self._by_task.get(("dbt", q.dbt_node_id), [])
        if q.dbt_invocation_id:
            exact = [r for r in runs if r.parent_run_id == q.dbt_invocation_id]
            if exact:
                return RunMatch(exact[0], "dbt_node", f"query comment names {q.dbt_node_id} of invocation {q.dbt_invocation_id}")
        run = _closest(runs, q.start_time)
        if run is None:
            return None
        return RunMatch(run, "dbt_node", f"query comment names {q.dbt_node_id}; run {run.parent_run_id} was executing it")

    def _airflow(self, q: QueryContext) -> RunMatch | None:
        if not (q.airflow_dag_id and q.airflow_task_id):
            return None
        runs = self._by_dag_task.get((q.airflow_dag_id, q.airflow_task_id), [])
        if q.airflow_run_id:
            exact = self._by_dag_run.get((q.airflow_dag_id, q.airflow_task_id, q.airflow_run_id))
            if exact:
                runs = exact
        run = _closest(runs, q.start_time)
        if run is None:
            return None
        return RunMatch(run, "airflow_task", f"query tag names {q.airflow_dag_id}.{q.airflow_task_id}; task instance {run.run_id}")

    def _dagster(self, q: QueryContext) -> RunMatch | None:
        if not q.dagster_run_id:
            return None
        runs = [r for r in self._by_run.get(q.dagster_run_id, []) if r.orchestrator == "dagster"]
        if q.dagster_step:
            named = [r for r in runs if r.task == q.dagster_step]
            runs = named or runs
        steps = [r for r in runs if r.task] or runs
        run = _closest(steps, q.start_time)
        if run is None:
            return None
        return RunMatch(run, "dagster_run", f"query comment names Dagster run {q.dagster_run_id}")

    def _target(self, q: QueryContext) -> RunMatch | None:
        if q.target is None:
            return None
        runs = _running((r for r in self._by_asset.get(q.target, []) if r.task), q.start_time)
        if not runs:
            return None
        run = runs[0]
        return RunMatch(run, "write_target", f"writes {q.target}, the output of {run.orchestrator} task {run.task} running then")

    def _user(self, q: QueryContext) -> RunMatch | None:
        if not q.user_name:
            return None
        user = q.user_name.upper()
        indexed = self._by_user.get(user)
        if indexed is None:
            return None
        moment = q.start_time
        mine = self._window(*indexed, moment)
        exact = [r for r in mine if _contains(r, moment, timedelta(0))]
        if exact:
            runs = sorted(exact, key=lambda r: (_width(r), r.run_id))
        else:
            # Same answer as filtering running_at() by user: the clock slack only counts when no
            # task run at all (of any user) holds the moment exactly.
            near = [r for r in mine if _contains(r, moment)]
            if not near or any(
                _contains(r, moment, timedelta(0)) for r in self._window(self._task_starts, self._tasks, moment)
            ):
                return None
            runs = sorted(near, key=lambda r: (_distance(r, moment), _width(r), r.run_id))
        run = runs[0]
        others = f" (tightest of {len(runs)} running)" if len(runs) > 1 else ""
        return RunMatch(run, "user_window", f"{user} runs {run.orchestrator} {run.job}; task {run.task} was running{others}")
