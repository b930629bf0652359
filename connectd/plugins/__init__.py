"""Plugin discovery (entry points and ``plugin.path``) and the built-in file connectors."""
