"""Generator, kernel cache, autotuner and measurement bundles."""
