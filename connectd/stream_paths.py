"""HPE Data Fabric (MapR) stream paths as Kafka topic names: the one mapping, both ways.

On MapR a topic is named by its stream's path and its name in the stream, ``/apps/streams/s1:lines``;
Apache Kafka accepts only ``[a-zA-Z0-9._-]``, at most 249 characters. connectd maps every such name
to a legal, deterministic and reversible Kafka name wherever it touches a topic (connector topics,
``topics.regex``, the storage topics, dead letter queues, topic creation), and maps it back wherever
a user reads one (configs are stored as given; active topics, offsets and sink records show the
stream path). The rule:

* a name is a stream path when it starts with ``/`` and has a ``:`` after the path;
* its Kafka name is ``mapr.`` followed by the path without its leading ``/``, in which ``/`` becomes
  ``.``, and the topic, after ``_c`` (for the ``:``); a ``.`` or ``_`` of the original is written
  ``_d`` or ``_u``, and any other character outside ``[a-zA-Z0-9-]`` as ``_x`` and its UTF-8 bytes in
  hex (``_x20`` for a space). So ``/apps/streams/s1:lines`` is ``mapr.apps.streams.s1_clines`` and
  ``/var/mapr/.__mapr_connect:offsets`` is ``mapr.var.mapr._d_u_umapr_uconnect_coffsets``.
* the worker setting ``stream.paths.mapping=false`` turns it off (names reach Kafka as given).
"""

from __future__ import annotations

import re

PREFIX = "mapr."
MAX_KAFKA_TOPIC_LENGTH = 249
_STREAM_PATH = re.compile(r"/[^:]+:[^:]+")
_LEGAL = re.compile(r"[a-zA-Z0-9-]")


def is_stream_path(name: str) -> bool:
    return _STREAM_PATH.fullmatch(name) is not None


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if _LEGAL.fullmatch(ch):
            out.append(ch)
        elif ch == "/":
            out.append(".")
        elif ch == ":":
            out.append("_c")
        elif ch == ".":
            out.append("_d")
        elif ch == "_":
            out.append("_u")
        else:
            out.append("".join(f"_x{b:02x}" for b in ch.encode("utf-8")))
    return "".join(out)


def to_kafka(name: str) -> str:
    """The Kafka topic for a user's topic name (unchanged unless it is a stream path)."""
    if not is_stream_path(name):
        return name
    return PREFIX + _escape(name[1:])


def to_user(kafka_name: str) -> str:
    """The user's name for a Kafka topic: the stream path a ``mapr.`` name was made from."""
    if not kafka_name.startswith(PREFIX):
        return kafka_name
    encoded = kafka_name[len(PREFIX) :]
    out = bytearray(b"/")
    i = 0
    while i < len(encoded):
        ch = encoded[i]
        if ch == ".":
            out += b"/"
        elif ch == "_" and i + 1 < len(encoded):
            code = encoded[i + 1]
            if code == "x" and i + 4 <= len(encoded):
                out.append(int(encoded[i + 2 : i + 4], 16))
                i += 4
                continue
            out += {"c": b":", "d": b".", "u": b"_"}.get(code, b"_" + code.encode())
            i += 2
            continue
        else:
            out += ch.encode()
        i += 1
    decoded = out.decode("utf-8", errors="replace")
    # Only names this module made decode: anything else under the prefix is a plain Kafka topic.
    return decoded if is_stream_path(decoded) and to_kafka(decoded) == kafka_name else kafka_name


def regex_to_kafka(pattern: str) -> str:
    """``topics.regex`` over stream paths: ``/path/stream:<regex>`` matches that stream's topics
    whose names match ``<regex>`` (its literal ``_`` and ``.`` are matched as mapped); any other
    pattern is used as given."""
    match = re.fullmatch(r"\^?(/[^:]+):(.*)", pattern)
    if match is None:
        return pattern
    stream, topic_regex = match.groups()
    topic_regex = topic_regex.removesuffix("$").replace("_", "_u").replace(r"\.", "_d")
    return "^" + re.escape(PREFIX + _escape(stream[1:])) + "_c(?:" + topic_regex + ")$"


class TopicNames:
    """The mapping as a worker applies it: the rule above, or names as given when turned off."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def to_kafka(self, name: str) -> str:
        return to_kafka(name) if self.enabled else name

    def to_user(self, kafka_name: str) -> str:
        return to_user(kafka_name) if self.enabled else kafka_name

    def regex_to_kafka(self, pattern: str) -> str:
        return regex_to_kafka(pattern) if self.enabled else pattern


def too_long(name: str) -> str | None:
    """Why ``name`` cannot be a Kafka topic once mapped (its mapped name is too long), or None."""
    mapped = to_kafka(name)
    if len(mapped) <= MAX_KAFKA_TOPIC_LENGTH:
        return None
    return f"its Kafka name is {len(mapped)} characters, over Kafka's limit of {MAX_KAFKA_TOPIC_LENGTH}"
