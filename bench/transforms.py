"""7. The record pipeline with three SMTs, against the same pipeline with none (same run, same file).

Source: FileStreamSource with HoistField$Value (the line into a struct), InsertField$Value (a static
field) and ReplaceField$Value (a rename), JsonConverter out. Sink: FileStreamSink over the source
benchmark's topic with HoistField$Value, InsertField$Value and ExtractField$Value (back to the line).
"""

from __future__ import annotations

from bench.common import JSON_CONVERTER, Context, Figure, ratio
from bench.sink_throughput import connectd_sink, filled_topic
from bench.source_throughput import connectd_source, lines_file

NAME = "transforms"
TITLE = "7. record pipeline with three SMTs"

SMT = "org.apache.kafka.connect.transforms."
SOURCE_CHAIN = {
    "transforms": "hoist,insert,rename",
    "transforms.hoist.type": SMT + "HoistField$Value",
    "transforms.hoist.field": "line",
    "transforms.insert.type": SMT + "InsertField$Value",
    "transforms.insert.static.field": "origin",
    "transforms.insert.static.value": "bench",
    "transforms.rename.type": SMT + "ReplaceField$Value",
    "transforms.rename.renames": "line:text",
}
SINK_CHAIN = {
    "transforms": "hoist,insert,extract",
    "transforms.hoist.type": SMT + "HoistField$Value",
    "transforms.hoist.field": "line",
    "transforms.insert.type": SMT + "InsertField$Value",
    "transforms.insert.static.field": "origin",
    "transforms.insert.static.value": "bench",
    "transforms.extract.type": SMT + "ExtractField$Value",
    "transforms.extract.field": "line",
}


def run(ctx: Context) -> list[Figure]:
    source = lines_file(ctx)
    plain_source = connectd_source(ctx, source, JSON_CONVERTER, "json-no-smt").rate
    ctx.log(f"  source, no SMT: {plain_source:,.0f} lines/s")
    chained_source = connectd_source(ctx, source, JSON_CONVERTER, "json-3-smt", SOURCE_CHAIN).rate
    ctx.log(f"  source, 3 SMTs: {chained_source:,.0f} lines/s")
    topic = filled_topic(ctx)
    plain_sink = connectd_sink(ctx, topic, "sink-no-smt").rate
    ctx.log(f"  sink, no SMT: {plain_sink:,.0f} lines/s")
    chained_sink = connectd_sink(ctx, topic, "sink-3-smt", SINK_CHAIN).rate
    ctx.log(f"  sink, 3 SMTs: {chained_sink:,.0f} lines/s")
    return [
        Figure(
            "source, no SMT", round(plain_source), "lines/s", note="baseline: FileStreamSource, JsonConverter"
        ),
        Figure(
            "source, 3 SMTs", round(chained_source), "lines/s", note="HoistField, InsertField, ReplaceField"
        ),
        Figure("source ratio", ratio(chained_source, plain_source), "x", "≥ 0.75", "3 SMTs ÷ no SMT"),
        Figure(
            "sink, no SMT", round(plain_sink), "lines/s", note="baseline: FileStreamSink, StringConverter"
        ),
        Figure("sink, 3 SMTs", round(chained_sink), "lines/s", note="HoistField, InsertField, ExtractField"),
        Figure("sink ratio", ratio(chained_sink, plain_sink), "x", "≥ 0.75", "3 SMTs ÷ no SMT"),
    ]
