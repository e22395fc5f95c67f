"""Built-in checks: freshness, volume, schema, quality (Great Expectations) and dbt test results.

Each check is a plugin registered under the ``observer.checks`` entry-point group; the runner
(:mod:`observer.checking`) builds them from the ``checks:`` entries of observer.yaml.
"""
