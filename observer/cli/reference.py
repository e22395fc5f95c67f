"""Render the command-line reference (docs/cli.md) from the commands themselves.

``python -m observer.cli.reference > docs/cli.md`` regenerates it; a test fails when the committed page
and the commands disagree, so the reference cannot drift from ``--help``.
"""

from __future__ import annotations

import re
from typing import Any

import typer.main

INTRO = """# Command line

`observer [--config PATH] COMMAND …` — the configuration file defaults to `./observer.yaml` or
`$OBSERVER_CONFIG` (see [configuration](configuration.md)).

Exit codes: **0** all went well · **1** something was found (a failed check, a failed source, an
anomaly, a dead-lettered alert) or failed at run time · **2** usage or configuration error.
Long-running commands show a progress bar on a terminal.

This page is generated from the commands' own help (`python -m observer.cli.reference`).
"""


# Typer vendors its own click, so commands are inspected by shape rather than by class.


def _option_line(param: Any) -> str | None:
    if param.param_type_name == "argument":
        name = (param.metavar or param.name or "").upper()
        text = (param.help or "").strip()
        return f"- `{name}` (argument{', required' if param.required else ''}) — {text}".rstrip(" —")
    if param.param_type_name != "option" or getattr(param, "hidden", False) or param.name == "help":
        return None
    names = ", ".join(f"`{n}`" for n in [*param.opts, *param.secondary_opts])
    text = (param.help or "").strip()
    default = param.default
    shown = "" if default in (None, False, (), []) or param.is_flag and default is False else f" (default: `{default}`)"
    return f"- {names} — {text}{shown}".rstrip(" —")


def _render(cmd: Any, path: str, out: list[str], level: int) -> None:
    out.append(f"{'#' * level} `{path}`\n")
    help_text = re.sub(r"\[/?[a-z ]+\]", "", (cmd.help or "").strip())  # drop rich markup
    if help_text:
        out.append(" ".join(help_text.split()) + "\n")
    lines = [line for p in cmd.params if (line := _option_line(p))]
    if lines:
        out.append("\n".join(lines) + "\n")
    if hasattr(cmd, "list_commands"):
        for name in cmd.list_commands(None):
            sub = cmd.get_command(None, name)
            if sub is not None and not sub.hidden:
                _render(sub, f"{path} {name}", out, min(level + 1, 4))


def render() -> str:
    from observer.cli import app

    root = typer.main.get_command(app)
    out = [INTRO]
    for name in root.list_commands(None):  # type: ignore[attr-defined]
        cmd = root.get_command(None, name)  # type: ignore[attr-defined]
        if cmd is not None:
            _render(cmd, f"observer {name}", out, 2)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
