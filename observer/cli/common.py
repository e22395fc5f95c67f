"""Shared plumbing for the ``observer`` verbs: config loading, store opening, exit codes, output."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from observer.config import Settings, load_config
from observer.errors import ConfigError, ObserverError, PluginNotFound
from observer.store import Store, open_store

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

console = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


@dataclass
class CliState:
    config_path: Path | None = None
    _settings: Settings | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_config(self.config_path)
            except ConfigError as exc:
                fail(str(exc), EXIT_USAGE)
        return self._settings

    def store(self) -> Store:
        settings = self.settings()
        try:
            return open_store(settings.store_url)
        except Exception as exc:  # noqa: BLE001 - any driver error becomes one readable line
            fail(f"cannot open the store: {_redact_url(str(exc), settings.store)}", EXIT_USAGE)


def _redact_url(message: str, url: str) -> str:
    if "@" in url and ":" in url.split("@")[0].split("//")[-1]:
        secret = url.split("@")[0].split("//")[-1].split(":", 1)[1]
        message = message.replace(secret, "**********")
    return message.splitlines()[0] if message else message


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    if not isinstance(obj, CliState):
        obj = CliState()
        ctx.find_root().obj = obj
    return obj


def fail(message: str, code: int = EXIT_FINDINGS) -> NoReturn:
    # One unwrapped line, whatever the terminal width, so scripts and logs can grep it.
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(code)


@contextmanager
def errors_as_exit() -> Iterator[None]:
    """Turn Observer errors into one-line messages and the documented exit codes."""
    try:
        yield
    except (ConfigError, PluginNotFound) as exc:
        fail(str(exc), EXIT_USAGE)
    except ObserverError as exc:
        fail(str(exc), EXIT_FINDINGS)


def progress_bar() -> Progress:
    """A progress bar on stderr that disappears when output is not a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not sys.stderr.isatty(),
    )
