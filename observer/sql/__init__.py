"""SQL intelligence: fingerprints, lineage and query comments.

- :mod:`observer.sql.fingerprint` — stable hash of a query's shape (literals, lists, comments,
  whitespace and case normalized), fast enough for every history row.
- :mod:`observer.sql.lineage` — table and column lineage (public face: :mod:`observer.lineage`),
  built from :mod:`~observer.sql.parse` (bounded parsing), :mod:`~observer.sql.statements`
  (per-statement rules), :mod:`~observer.sql.resolve` and :mod:`~observer.sql.relations`
  (column resolution) and :mod:`~observer.sql.names` (identifier normalization).
- :mod:`observer.sql.comments` — dbt, Dagster, Airflow, Looker and Superset query comments and tags.
- :mod:`observer.sql.analysis` — one call for ingestion: fingerprint + tags + lineage, parsed once
  per fingerprint.
"""
