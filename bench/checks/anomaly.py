"""Score the volume anomaly model against the Elementary-style baseline on the labelled corpus.

    .venv/bin/python -m bench.checks.anomaly [--sensitivity medium] [--write DIR]

Scoring is per event: an event is detected when at least one alert falls in its window; an alert
outside every event window is a false alert. Precision = alerts inside windows / all alerts;
recall = detected events / events. Both detectors judge each point only on the points before it.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.checks.baseline import zscore_alerts
from bench.checks.series import Series, build_corpus
from checks.anomaly import Sensitivity, detect


@dataclass
class Score:
    true_alerts: int = 0
    false_alerts: int = 0
    detected: int = 0
    events: int = 0
    clean_false: Counter[str] = field(default_factory=Counter)
    clean_series_alerting: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)

    def add(self, series: Series, alerts: list[bool]) -> None:
        inside: set[int] = set()
        for event in series.events:
            window = range(event.window[0], event.window[1] + 1)
            inside.update(window)
            self.events += 1
            if any(alerts[i] for i in window):
                self.detected += 1
                self.by_kind[event.kind] += 1
        for i, alert in enumerate(alerts):
            if alert:
                if i in inside:
                    self.true_alerts += 1
                else:
                    self.false_alerts += 1
                    if series.clean:
                        self.clean_false[series.family] += 1
        if series.clean and any(alerts):
            self.clean_series_alerting[series.family] += 1

    @property
    def precision(self) -> float:
        total = self.true_alerts + self.false_alerts
        return self.true_alerts / total if total else 0.0

    @property
    def recall(self) -> float:
        return self.detected / self.events if self.events else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary(self) -> dict[str, object]:
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
            "alerts": self.true_alerts + self.false_alerts,
            "false_alerts": self.false_alerts,
            "false_alerts_on_clean_series": dict(self.clean_false),
            "clean_series_with_alerts": dict(self.clean_series_alerting),
            "detected_by_kind": dict(self.by_kind),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensitivity", default="medium", choices=[s.value for s in Sensitivity])
    parser.add_argument("--write", type=Path, help="also write each series as timestamp,value CSV + labels")
    parser.add_argument("--show", action="store_true", help="print per-series misses and false alerts")
    args = parser.parse_args()
    corpus = build_corpus()
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        labels = {}
        for s in corpus:
            (args.write / f"{s.name}.csv").write_text(s.csv())
            labels[s.name] = [{"kind": e.kind, "start": e.start, "window": list(e.window)} for e in s.events]
        (args.write / "labels.json").write_text(json.dumps(labels, indent=1))
    ours, peer = Score(), Score()
    t_ours = t_peer = 0.0
    kinds = Counter(e.kind for s in corpus for e in s.events)
    for s in corpus:
        t0 = time.perf_counter()
        judged, _ = detect(s.points, Sensitivity(args.sensitivity))
        t1 = time.perf_counter()
        base = zscore_alerts(s.points)
        t2 = time.perf_counter()
        t_ours += t1 - t0
        t_peer += t2 - t1
        alerts = [j.anomaly for j in judged]
        ours.add(s, alerts)
        peer.add(s, base)
        if args.show:
            inside = {i for e in s.events for i in range(e.window[0], e.window[1] + 1)}
            fa = [i for i, a in enumerate(alerts) if a and i not in inside]
            missed = [e for e in s.events if not any(alerts[i] for i in range(e.window[0], e.window[1] + 1))]
            if fa or missed:
                print(
                    s.name,
                    "false:",
                    [(i, s.points[i][1], judged[i].expected_low, judged[i].expected_high) for i in fa][:5],
                    "missed:",
                    [(e.kind, e.start, s.points[e.start][1], judged[e.start].expected_low) for e in missed],
                )
    points = sum(len(s.points) for s in corpus)
    print(
        f"corpus: {len(corpus)} series ({sum(s.clean for s in corpus)} without anomalies), {points:,} points, "
        f"{sum(kinds.values())} events {dict(kinds)}"
    )
    print(f"observer ({args.sensitivity}): {json.dumps(ours.summary())}  [{t_ours:.1f} s]")
    print(f"baseline z-score 14d/3:  {json.dumps(peer.summary())}  [{t_peer:.1f} s]")
    print(f"F1 difference: {ours.f1 - peer.f1:+.3f}")


if __name__ == "__main__":
    main()
