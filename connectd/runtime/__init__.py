"""The runtime: task runners, converters, the worker and the standalone control plane."""
