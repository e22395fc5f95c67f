"""``dbt_tests``: dbt test results as checks, and tests that stopped running.

The dbt collector already turns each test in ``run_results.json`` into a result on the tested asset
(check ``dbt:<test name>``, type ``dbt_test``; ``pass`` → pass, ``warn`` → warn, ``fail`` → fail,
``error`` → error, ``skipped`` → skipped). What run_results cannot say is that a test *did not run*: a
test that passed last week and has not run since is not a pass. This check reads the latest result of
every dbt test in scope and fails the tests whose latest result is older than ``max_age`` (their
outcome itself stays with the collector's ``dbt:<test>`` result, so a failing test alerts once).
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from checks.cadence import parse_duration
from checks.warehouse import matches
from observer.model import CheckResult, CheckStatus, Severity
from observer.plugins import RunContext
from observer.store.check_results import latest_results


class DbtTestsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assets: str | list[str] = Field("*", description="globs over asset names")
    max_age: str = Field(
        "2d", description="a test whose latest result is older than this is reported as not run"
    )

    @field_validator("max_age")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class DbtTestsCheck:
    name: ClassVar[str] = "dbt_tests"
    config_model: ClassVar[type[DbtTestsConfig]] = DbtTestsConfig

    def __init__(self, config: DbtTestsConfig, check_name: str) -> None:
        self.config = config
        self.check_name = check_name

    def run(self, ctx: RunContext) -> list[CheckResult]:
        limit = parse_duration(self.config.max_age)
        with ctx.store.read() as conn:
            latest = latest_results(conn, check_type="dbt_test")
        out = []
        for r in latest:
            if not matches(r.asset.name, self.config.assets):
                continue
            age = ctx.now - r.evaluated_at
            base = {
                "check": f"{self.check_name}:{r.check}",
                "check_type": "dbt_tests",
                "asset": r.asset,
                "evaluated_at": ctx.now,
                "observed": {**r.observed, "last_run": r.evaluated_at.isoformat(), "status": r.status.value},
                "expected": {"max_age": self.config.max_age},
            }
            if age > limit:
                out.append(
                    CheckResult(
                        status=CheckStatus.FAIL,
                        severity=Severity.MEDIUM,
                        run_key=f"stale@{r.run_key}",
                        message=f"{r.check} has not run for {_days(age)} (last: {r.status.value})",
                        **base,
                    )
                )
            else:
                out.append(
                    CheckResult(
                        status=CheckStatus.PASS,
                        severity=Severity.LOW,
                        run_key=f"ran@{r.run_key}",
                        message=f"{r.check} ran {_days(age)} ago ({r.status.value})",
                        **base,
                    )
                )
        return out


def _days(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} h"
