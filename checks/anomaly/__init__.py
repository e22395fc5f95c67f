"""Anomaly models for volume series (rows per load or per period)."""

from __future__ import annotations

from checks.anomaly.model import DetectorState, Judgement, Sensitivity, detect, judge

__all__ = ["DetectorState", "Judgement", "Sensitivity", "detect", "judge"]
