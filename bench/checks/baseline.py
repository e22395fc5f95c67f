"""The peer: an Elementary-style z-score detector (training = the previous 14 days, threshold 3).

For each point, the mean and standard deviation of the values in the 14 days before it are computed
(no seasonality, no trend, earlier anomalies not excluded); the point is anomalous when
``|value − mean| / stddev > 3``. It judges nothing until 14 days of history exist, the same warm-up the
Observer model has, and a zero standard deviation gives no verdict (as in Elementary).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

WINDOW = timedelta(days=14)
THRESHOLD = 3.0
MIN_POINTS = 7


def zscore_alerts(points: Sequence[tuple[datetime, float]]) -> list[bool]:
    out = []
    for i, (ts, value) in enumerate(points):
        history = [v for t, v in points[:i] if ts - WINDOW <= t < ts]
        if i == 0 or len(history) < MIN_POINTS or (ts - points[0][0]) < WINDOW - timedelta(hours=12):
            out.append(False)
            continue
        mean = sum(history) / len(history)
        var = sum((v - mean) ** 2 for v in history) / (len(history) - 1)
        sd = math.sqrt(var)
        out.append(sd > 0 and abs(value - mean) / sd > THRESHOLD)
    return out
