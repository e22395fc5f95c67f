"""Plugin registries: collectors, checks and notifiers found through entry points.

Built-ins register exactly like third-party plugins, in ``pyproject.toml``::

    [project.entry-points."observer.collectors"]
    snowflake = "collectors.snowflake:SnowflakeCollector"

One lowercase name per plugin everywhere: entry point = package = the class's ``name``. An unknown
name fails with the list of known ones (:class:`~observer.errors.PluginNotFound`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from observer.errors import PluginNotFound

if TYPE_CHECKING:
    from observer.config import Settings
    from observer.model import CheckResult
    from observer.store import Store

COLLECTORS = "observer.collectors"
CHECKS = "observer.checks"
NOTIFIERS = "observer.notifiers"


@dataclass
class IngestReport:
    """What one collector run did. Bad rows are counted and described, never silently dropped."""

    rows_read: int = 0
    rows_written: int = 0
    rows_bad: int = 0
    errors: list[str] = field(default_factory=list)
    """``file:line [field]: message`` per bad row (the first few hundred are kept)."""
    details: dict[str, Any] = field(default_factory=dict)

    MAX_ERRORS: ClassVar[int] = 500

    def bad(self, message: str) -> None:
        self.rows_bad += 1
        if len(self.errors) < self.MAX_ERRORS:
            self.errors.append(message)

    def merge(self, other: IngestReport) -> None:
        self.rows_read += other.rows_read
        self.rows_written += other.rows_written
        self.rows_bad += other.rows_bad
        self.errors.extend(other.errors[: max(0, self.MAX_ERRORS - len(self.errors))])
        self.details.update(other.details)


@dataclass
class RunContext:
    """What a collector or check needs from the outside world, handed in by the job runner."""

    store: Store
    settings: Settings
    now: datetime
    progress: Callable[[int, int | None], None] = lambda done, total: None
    """Called with (units done, total or None) on long work, for progress bars."""


@runtime_checkable
class Collector(Protocol):
    """Reads one source and writes what it learned to the store, idempotently, from its watermark."""

    name: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]

    def __init__(self, config: Any, source_name: str) -> None: ...

    def collect(self, ctx: RunContext) -> IngestReport: ...


@runtime_checkable
class Check(Protocol):
    """Evaluates assets and returns results; never raises for a failing asset (that is a result)."""

    name: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]

    def __init__(self, config: Any, check_name: str) -> None: ...

    def run(self, ctx: RunContext) -> list[CheckResult]: ...


@runtime_checkable
class Notifier(Protocol):
    """Delivers one rendered message; raises Transient/TerminalDeliveryError on failure."""

    name: ClassVar[str]

    def send(self, destination: str, operation: str, payload: dict[str, Any]) -> dict[str, Any]: ...


T = TypeVar("T")


class Registry(Generic[T]):
    """Lazily loads the entry points of one group; extra classes can be registered in code."""

    def __init__(self, group: str) -> None:
        self.group = group
        self._extra: dict[str, Callable[[], T]] = {}

    def _entry_points(self) -> dict[str, Any]:
        return {ep.name: ep for ep in entry_points(group=self.group)}

    def names(self) -> list[str]:
        return sorted(set(self._entry_points()) | set(self._extra))

    def register(self, name: str, loader: Callable[[], T]) -> None:
        self._extra[name] = loader

    def get(self, name: str) -> T:
        if name in self._extra:
            return self._extra[name]()
        found = self._entry_points().get(name)
        if found is None:
            raise PluginNotFound(self.group.rsplit(".", 1)[-1].rstrip("s"), name, self.names())
        loaded: T = found.load()
        return loaded

    def __iter__(self) -> Iterator[tuple[str, T]]:
        for name in self.names():
            yield name, self.get(name)


collectors: Registry[type[Collector]] = Registry(COLLECTORS)
checks: Registry[type[Check]] = Registry(CHECKS)
notifiers: Registry[type[Notifier]] = Registry(NOTIFIERS)
