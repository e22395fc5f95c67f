"""Observer's exception tree.

::

    ObserverError
    ├── ConfigError            bad observer.yaml or environment (names the file and key path)
    ├── PluginNotFound         unknown collector / check / notifier name (lists the known ones)
    ├── InputError             bad input file or row (names the file, line and field)
    ├── SourceError            a source could not be read
    │   ├── TransientSourceError   worth retrying (timeouts, 429, 5xx, connection resets)
    │   └── TerminalSourceError    not worth retrying (auth, permissions, missing objects)
    ├── DeliveryError          a notification could not be delivered
    │   ├── TransientDeliveryError
    │   └── TerminalDeliveryError
    └── NotFound               a requested object does not exist

``Transient`` and ``Terminal`` are markers that retry logic inspects with ``isinstance``; they carry no
behaviour of their own.
"""

from __future__ import annotations


class ObserverError(Exception):
    """Base of every error Observer raises on purpose."""


class Transient(ObserverError):
    """Marker: the same call may succeed later."""

    retry_after: float | None = None


class Terminal(ObserverError):
    """Marker: retrying will not help."""


class ConfigError(ObserverError):
    def __init__(self, message: str, *, file: str | None = None, path: str | None = None) -> None:
        self.file = file
        self.path = path
        where = ": ".join(p for p in (file, path) if p)
        super().__init__(f"{where}: {message}" if where else message)


class PluginNotFound(ObserverError):
    def __init__(self, group: str, name: str, known: list[str]) -> None:
        self.group, self.name, self.known = group, name, known
        listing = ", ".join(sorted(known)) or "none installed"
        super().__init__(f"unknown {group} {name!r}; known: {listing}")


class InputError(ObserverError):
    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, field: str | None = None
    ) -> None:
        self.file, self.line, self.field, self.reason = file, line, field, message
        where = file or ""
        if line is not None:
            where += f":{line}"
        if field:
            where += f" [{field}]" if where else field
        super().__init__(f"{where}: {message}" if where else message)


class SourceError(ObserverError):
    pass


class TransientSourceError(SourceError, Transient):
    pass


class TerminalSourceError(SourceError, Terminal):
    pass


class DeliveryError(ObserverError):
    pass


class TransientDeliveryError(DeliveryError, Transient):
    """Delivery failed for now. ``retry_after`` is the receiver's own wait (HTTP 429 ``Retry-After``);
    ``in_doubt`` means the receiver may have acted on the request anyway (a timeout or a reset after
    the request was sent, a 5xx), so a retry must first check whether the message already arrived."""

    def __init__(self, message: str, retry_after: float | None = None, *, in_doubt: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.in_doubt = in_doubt


class TerminalDeliveryError(DeliveryError, Terminal):
    pass


class NotFound(ObserverError):
    pass
