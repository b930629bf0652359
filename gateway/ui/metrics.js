// Live rates from the Prometheus endpoint /metrics (text exposition format), when the server has one.

// Records each task moved: written by source tasks, read by sink tasks (Kafka Connect's metric names).
export const RATE_COUNTERS = [
  "kafka_connect_source_task_metrics_source_record_write_total",
  "kafka_connect_sink_task_metrics_sink_record_read_total",
];

/**
 * Samples of the text format: [{name, labels: {k: v}, value}]. Comments, blank and malformed lines
 * are skipped; label values are unescaped (\\, \", \n); an optional timestamp is ignored.
 */
export function parsePrometheus(text) {
  const samples = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseLine(line) {
  const nameMatch = NAME.exec(line);
  if (!nameMatch) return null;
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  const labels = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith("}")) {
        rest = rest.slice(1);
        break;
      }
      const labelMatch = LABEL_NAME.exec(rest);
      if (!labelMatch) return null;
      rest = rest.slice(labelMatch[0].length).trimStart();
      if (!rest.startsWith('="')) return null;
      rest = rest.slice(2);
      let value = "";
      let i = 0;
      for (; i < rest.length && rest[i] !== '"'; i++) {
        if (rest[i] === "\\" && i + 1 < rest.length) {
          i++;
          value += rest[i] === "n" ? "\n" : rest[i];
        } else {
          value += rest[i];
        }
      }
      if (i >= rest.length) return null; // unterminated value
      labels[labelMatch[0]] = value;
      rest = rest.slice(i + 1).trimStart();
      if (rest.startsWith(",")) rest = rest.slice(1);
    }
  }
  const [valueText] = rest.trim().split(/\s+/);
  if (valueText === undefined || valueText === "") return null;
  const value = Number(valueText.replace(/^\+?Inf$/, "Infinity").replace(/^-Inf$/, "-Infinity"));
  if (Number.isNaN(value) && valueText !== "NaN") return null;
  return { name, labels, value };
}

/** Sum of the rate counters per series (connector, task, worker), from one scrape. */
function counterSeries(samples) {
  const series = new Map();
  for (const { name, labels, value } of samples) {
    if (!RATE_COUNTERS.includes(name) || labels.connector === undefined) continue;
    const key = JSON.stringify([name, labels.connector, labels.task ?? "", labels.worker ?? ""]);
    series.set(key, { connector: labels.connector, value });
  }
  return series;
}

/**
 * Per-connector rates (records/s) between the last two scrapes. A counter that went down (its task
 * restarted) counts from zero, as Prometheus' rate() does.
 */
export class RateTracker {
  constructor() {
    this.previous = null; // {time, series}
    this.rates = null; // Map connector -> rate; null until two scrapes with counters
  }

  /** Feed one scrape (text and the time it was taken, in ms). Returns whether any counter was found. */
  update(text, timeMs) {
    const series = counterSeries(parsePrometheus(text));
    if (series.size === 0) {
      this.reset();
      return false;
    }
    if (this.previous && timeMs > this.previous.time) {
      const seconds = (timeMs - this.previous.time) / 1000;
      const rates = new Map();
      for (const [key, { connector, value }] of series) {
        const before = this.previous.series.get(key);
        // A series new since the last scrape has no rate yet: it contributes 0, not its whole count.
        const delta = before === undefined ? 0 : value >= before.value ? value - before.value : value;
        rates.set(connector, (rates.get(connector) ?? 0) + delta / seconds);
      }
      this.rates = rates;
    }
    this.previous = { time: timeMs, series };
    return true;
  }

  reset() {
    this.previous = null;
    this.rates = null;
  }

  /** "12.5", or "—" when there is no rate for the connector (no /metrics, no counters, one scrape). */
  format(connector) {
    const rate = this.rates?.get(connector);
    if (rate === undefined) return "—";
    return rate >= 100 ? rate.toFixed(0) : rate.toFixed(1);
  }
}
