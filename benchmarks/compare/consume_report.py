"""Turns consume_compare's results into a markdown report and a gnuplot chart."""

import os
import shutil

from report import gnuplot, machine_line, number, percent, ratio

CLIENTS = ("rawkafka-parse", "rawkafka-raw", "librdkafka", "librdkafka-debian", "franz-go", "java")
PEERS = ("librdkafka", "librdkafka-debian", "franz-go", "java")
COLORS = {"rawkafka-parse": "#d62728", "rawkafka-raw": "#ff9896", "librdkafka": "#1f77b4",
          "librdkafka-debian": "#9ecae1", "franz-go": "#9467bd", "java": "#2ca02c"}
LABELS = {"rawkafka-parse": "rawkafka (parse)", "rawkafka-raw": "rawkafka (raw)",
          "librdkafka-debian": "librdkafka (Debian)"}


def label(name, client=None):
    """The client's name and version, e.g. "librdkafka 2.16.0"."""
    text = LABELS.get(name, name)
    version = (client or {}).get("version")
    if version and not str(version).startswith("git "):
        text += f" {version.replace('kafka-clients ', '')}"
    return text


def present_clients(results):
    return [c for c in CLIENTS if any(c in s["clients"] for s in results["topics"])]


def results_table(results):
    lines = ["| topic | client | records/s | MB/s | client CPU ns/record (outside) | (inside) "
             "| broker CPU ns/record | machine busy | runs |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in results["topics"]:
        for name in CLIENTS:
            c = s["clients"].get(name)
            if c is None:
                continue
            lines.append(f"| {s['name']} | {label(name, c)} | {number(c['records_per_sec'])} | "
                         f"{number(c['mb_per_sec'], 1)} | {number(c['cpu_ns_per_record'])} | "
                         f"{number(c.get('self_reported_cpu_ns_per_record'))} | "
                         f"{number(c.get('broker_cpu_ns_per_record'))} | "
                         f"{percent(c.get('machine_busy_fraction'))} | {c['runs']} |")
    lines += ["", "records/s and MB/s run from each client's first record to its last (Java: its "
                  "fetch.nMsg.sec and fetch.MB.sec, the time after its group join); MB are 2^20 "
                  "bytes of key + value, as the perf tools count them (rawkafka (raw): the bytes of "
                  "the whole batches, as fetched). CPU outside: user+sys of the client's process from wait4(), "
                  "start-up included; inside: what the client reports of itself (getrusage). Broker "
                  "CPU is the broker process's user+sys over the run; machine busy is the share of "
                  "all CPUs' time not idle during the run."]
    java = [s for s in results["topics"]
            if "cpu_ns_per_record_without_startup" in s["clients"].get("java", {})]
    if java:
        lines += ["", "Java's CPU per record without its start-up (a 1-record run costs "
                      f"{results['java_startup_cpu_s']:.2f} s CPU: JVM, group join): " +
                  "; ".join(f"{s['name']}: {number(s['clients']['java']['cpu_ns_per_record_without_startup'])} ns"
                            for s in java) + "."]
    joins = [f"{s['name']}: {s['clients']['java']['details']['rebalance_ms']} ms"
             for s in results["topics"] if "details" in s["clients"].get("java", {})]
    if joins:
        lines += ["", "Java's group join (rebalance.time.ms, first run), not in its records/s: "
                  + "; ".join(joins) + "."]
    return lines


def ratio_table(results):
    peers = [p for p in PEERS if any(f"rawkafka_vs_{p}" in s["ratios"] for s in results["topics"])]
    if not peers:
        return ["(no ratios: rawkafka (parse) or its peers did not run)"]
    head = "| topic | " + " | ".join(f"÷ {LABELS.get(p, p)} records/s | ÷ {LABELS.get(p, p)} CPU/record"
                                    for p in peers) + " |"
    lines = [head, "|---|" + "---:|---:|" * len(peers)]
    for s in results["topics"]:
        cells = []
        for p in peers:
            r = s["ratios"].get(f"rawkafka_vs_{p}", {})
            cells += [ratio(r.get("records_per_sec")), ratio(r.get("cpu_ns_per_record"))]
        lines.append(f"| {s['name']} | " + " | ".join(cells) + " |")
    lines += ["", "CPU/record is the outside figure, the one every client has."]
    return lines


def loopback_lines(results):
    bps = results.get("loopback_bytes_per_sec")
    if not bps:
        return ["(loopback bandwidth not measured)"]
    lines = [f"Plain TCP over 127.0.0.1 on this machine (build/benchmarks/loopback_bandwidth, one "
             f"writer and one reader thread): {bps / 1e9:.2f} GB/s ({bps / 2**20:,.0f} MB/s)."]
    for s in results["topics"]:
        said = []
        for name in CLIENTS:
            c = s["clients"].get(name)
            # The others' bytes of a compressed topic are what they decompressed, not what came
            # over the socket: only raw mode's (batch bytes) compare with the loopback there.
            if s["compressed"] and name != "rawkafka-raw":
                continue
            if c and c.get("fraction_of_loopback") is not None:
                said.append(f"{label(name)} {number(c['mb_per_sec'], 1)} MB/s = "
                            f"{100 * c['fraction_of_loopback']:.1f}%")
        if said:
            lines.append(f"- {s['name']}: " + ", ".join(said))
    if not any("rawkafka-raw" in s["clients"] for s in results["topics"]):
        lines.append("- rawkafka (raw) did not run: no figure for the fetch path's ceiling.")
    return lines


def errors_lines(results):
    return [f"- {s['name']}, {e['client']} rep {e['rep'] + 1}: {e['error'].splitlines()[0]}"
            for s in results["topics"] for e in s.get("errors", [])]


def write_markdown(results, path):
    versions = results.get("versions", {})
    names = ", ".join(f"{label(n)} ({v})" for n, v in versions.items() if v)
    rdkafka = " ".join(f"{k}={v}" for k, v in results["settings"]["librdkafka"].items())
    topics = "; ".join(f"{s['name']}: {number(s['records'])} records" for s in results["topics"])
    lines = ["# Consumer comparison: " + ", ".join(label(n) for n in versions), "",
             f"- machine: {machine_line(results['machine'])}",
             f"- command: `{results['command']}` ({results['mode']} mode)",
             f"- clients: {names}",
             f"- broker: {results['bootstrap']}; topics of {results['partitions']} partitions, "
             f"written once by rawproduce (acks=1 linger.ms=5 batch.size=65536) before any "
             f"consumer runs: {topics}",
             "- every client reads every partition from its start until it has the topic's "
             "records; no consumer group (Java's tool needs one: a fresh group per run); "
             "librdkafka, franz-go and rawkafka (parse) read every value byte (a checksum), Java "
             "counts sizes; rawkafka (raw) takes whole batches without decoding their records "
             "(nor decompressing them): the fetch path's ceiling",
             f"- settings: each client's defaults (fetch.max.wait.ms, fetch.min.bytes, check.crcs), "
             f"but librdkafka {rdkafka} (its guidance for high-throughput consumers)",
             f"- {results['repetitions']} repetition{'s' if results['repetitions'] != 1 else ''}, clients interleaved (rotating order) over "
             "both topics, after one uncounted warm-up read of each; medians", "",
             "## Full speed", ""]
    lines += results_table(results)
    lines += ["", "Ratios of rawkafka (parse) to each peer (records/s: higher is better for "
                  "rawkafka; CPU/record: lower is better):", ""]
    lines += ratio_table(results)
    lines += ["", "## Against the loopback bandwidth", "",
              "Each client's MB/s as a share of the machine's loopback TCP bandwidth (of a "
              "compressed topic, only rawkafka (raw)'s: the others count decompressed bytes):", ""]
    lines += loopback_lines(results)
    notes = results.get("notes", []) + errors_lines(results)
    if notes:
        lines += ["", "## Notes", ""] + [n if n.startswith("- ") else f"- {n}" for n in notes]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_chart(results, out_dir):
    """results.svg through gnuplot: records/s and CPU per record, per client and topic."""
    present = present_clients(results)
    data = os.path.join(out_dir, "results.dat")
    with open(data, "w") as f:
        for metric in ("records_per_sec", "cpu_ns_per_record"):
            f.write("# topic " + " ".join(present) + "\n")
            for s in results["topics"]:
                values = [s["clients"].get(c, {}).get(metric) for c in present]
                f.write(f"\"{s['short']}\" " +
                        " ".join("-" if v is None else f"{v:.1f}" for v in values) + "\n")
            f.write("\n\n")
    if not shutil.which("gnuplot") or not present:
        results.setdefault("notes", []).append("gnuplot not found (or no client ran): no chart")
        return None
    m = results["machine"]
    svg = os.path.join(out_dir, "results.svg")
    gnuplot("consume.gp", {
        "datafile": data, "outfile": svg,
        "subtitle": f"{results['mode']} run, medians of {results['repetitions']}, "
                    f"{m['nproc']} CPUs {m['cpu_model']}",
        # gnuplot's words() splits on spaces: the chart names clients by their ids.
        "clients": " ".join(present),
        "colors": " ".join(COLORS[c] for c in present)})
    return svg
