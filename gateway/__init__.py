"""The Kafka Connect REST API (FastAPI): thin routers over ``connectd.runtime.control.ConnectControl``."""
