"""Console delivery: prints messages instead of sending them (dry runs, demos)."""
