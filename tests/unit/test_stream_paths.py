"""The one mapping of HPE Data Fabric (MapR) stream paths to Kafka topic names."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from connectd.stream_paths import (
    MAX_KAFKA_TOPIC_LENGTH,
    TopicNames,
    regex_to_kafka,
    to_kafka,
    to_user,
    too_long,
)

KAFKA_LEGAL = re.compile(r"[a-zA-Z0-9._-]+")


def test_the_documented_examples() -> None:
    assert to_kafka("/apps/streams/s1:lines") == "mapr.apps.streams.s1_clines"
    assert to_kafka("/var/mapr/.__mapr_connect:offsets") == "mapr.var.mapr._d_u_umapr_uconnect_coffsets"
    assert to_kafka("/var/mapr/.__mapr_connect:configs") == "mapr.var.mapr._d_u_umapr_uconnect_cconfigs"
    assert to_kafka("/var/mapr/.__mapr_connect:status") == "mapr.var.mapr._d_u_umapr_uconnect_cstatus"


def test_plain_names_pass_unchanged_both_ways() -> None:
    for name in ("connect-test", "a.b_c-d", "mapr.looks.like.it", "mapr._cx", "/no-colon", "no/slash:first"):
        assert to_kafka(name) == name
        assert to_user(name) == name, f"{name} is not a mapped stream path and must read back as itself"


paths = st.lists(
    st.text(min_size=1, max_size=12).filter(lambda p: "/" not in p and ":" not in p), min_size=1, max_size=4
)


@given(paths, st.text(min_size=1, max_size=20).filter(lambda t: ":" not in t))
def test_stream_paths_map_to_legal_names_and_back(parts: list[str], topic: str) -> None:
    name = "/" + "/".join(parts) + ":" + topic
    mapped = to_kafka(name)
    assert KAFKA_LEGAL.fullmatch(mapped), f"{name!r} mapped to an illegal Kafka name {mapped!r}"
    assert to_user(mapped) == name


def test_a_regex_over_one_stream_matches_its_topics_only() -> None:
    pattern = regex_to_kafka("/apps/streams/s1:li.*")
    assert re.fullmatch(pattern, to_kafka("/apps/streams/s1:lines"))
    assert not re.fullmatch(pattern, to_kafka("/apps/streams/s2:lines"))
    assert regex_to_kafka("plain-.*") == "plain-.*"


def test_the_mapping_can_be_turned_off_and_long_names_are_named() -> None:
    off = TopicNames(enabled=False)
    assert off.to_kafka("/a/b:c") == "/a/b:c" and off.to_user("mapr.a.b_cc") == "mapr.a.b_cc"
    assert too_long("/s:" + "x" * MAX_KAFKA_TOPIC_LENGTH) is not None
    assert too_long("/apps/s:t") is None
