"""Reading dbt artifacts from disk: the only I/O of the dbt collector."""

from __future__ import annotations

import glob
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.dbt.config import DbtConfig
from observer.errors import InputError


@dataclass
class DbtArtifacts:
    manifest: dict[str, Any]
    manifest_path: Path
    run_results: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)
    catalog: dict[str, Any] | None = None
    sources: tuple[Path, dict[str, Any]] | None = None
    missing: list[str] = field(default_factory=list)
    """Optional artifacts that were configured (or defaulted) but not found."""


def read_json(path: Path) -> dict[str, Any]:
    """Load one artifact; a missing or malformed file names itself and the position of the problem."""
    try:
        with path.open("rb") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg}, column {exc.colno})", file=str(path), line=exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError("expected a JSON object at the top level", file=str(path))
    return data


def _resolve(path: Path | str, base: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else base / p


def read_artifacts(config: DbtConfig, base_dir: Path) -> DbtArtifacts:
    """Read the manifest (required), run results (every match of every glob), catalog and sources (optional)."""
    target = _resolve(config.project_dir, base_dir) / config.target_path if config.project_dir else None
    manifest_path = _resolve(config.manifest, base_dir) if config.manifest else target / "manifest.json"  # type: ignore[operator]
    artifacts = DbtArtifacts(read_json(manifest_path), manifest_path)
    patterns = [str(_resolve(p, base_dir)) for p in config.run_results]
    if not patterns and target is not None:
        patterns = [str(target / "run_results.json")]
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        for match in matches:
            path = Path(match)
            if not path.exists():
                artifacts.missing.append(str(path))
                continue
            artifacts.run_results.append((path, read_json(path)))
    catalog_path = _resolve(config.catalog, base_dir) if config.catalog else (target / "catalog.json" if target else None)
    if catalog_path is not None:
        if catalog_path.exists():
            artifacts.catalog = read_json(catalog_path)
        elif config.catalog:
            artifacts.missing.append(str(catalog_path))
    sources_path = _resolve(config.sources, base_dir) if config.sources else (target / "sources.json" if target else None)
    if sources_path is not None:
        if sources_path.exists():
            artifacts.sources = (sources_path, read_json(sources_path))
        elif config.sources:
            artifacts.missing.append(str(sources_path))
    return artifacts
