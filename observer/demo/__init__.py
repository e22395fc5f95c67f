"""The Larkspur Goods demo company: a seeded, self-contained data stack written into a folder.

``generate_demo(folder, as_of, seed=7)`` writes the warehouse, query history, dbt artifacts,
Airflow exports, OpenLineage events and ``observer.yaml``; ``observer demo`` then ingests them
through the real collectors. See docs/demo.md for the company and the incidents hidden in it.
"""

from __future__ import annotations

from observer.demo.company import INCIDENTS, Incidents
from observer.demo.generate import DemoManifest, generate_demo

__all__ = ["INCIDENTS", "DemoManifest", "Incidents", "generate_demo"]
