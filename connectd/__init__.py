"""connectd: Kafka Connect rebuilt in Python.

The core package. It never imports grpc or fastapi: the gRPC roles live in ``services`` and the
REST gateway in ``gateway``. Plugin authors import from :mod:`connectd.api` only.
"""

__version__ = "0.1.0"
