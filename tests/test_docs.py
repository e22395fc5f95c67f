"""Documentation stays in step with the code: every setting and every CLI verb is documented."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from observer.config import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        out.append(prefix + name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.extend(_fields(annotation, prefix + name + "."))
    return out


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [f for f in _fields(Settings) if f"`{f.rsplit('.', 1)[-1]}`" not in text and f"`{f}`" not in text]
    assert missing == []


def test_cli_reference_is_current() -> None:
    """docs/cli.md is generated from the commands; regenerate with python -m observer.cli.reference."""
    from observer.cli.reference import render

    assert (DOCS / "cli.md").read_text() == render()


def test_docs_links_resolve() -> None:
    import re

    broken = []
    for page in DOCS.rglob("*.md"):
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(DOCS)} -> {target}")
    assert broken == []
