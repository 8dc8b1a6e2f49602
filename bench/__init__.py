"""The performance harness: a synthetic province on PostgreSQL, measured; see README and bench/RESULTS.md."""
