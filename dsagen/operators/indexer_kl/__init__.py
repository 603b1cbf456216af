"""The indexer's training losses (dense warm-up and sparse stage KL), streamed: api.py, naive.py, problem.py."""
