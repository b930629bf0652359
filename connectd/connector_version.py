"""The version the built-in plugins report (the connectd release)."""

from connectd import __version__ as BUILTIN_VERSION

__all__ = ["BUILTIN_VERSION"]
