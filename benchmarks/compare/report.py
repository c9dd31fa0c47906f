"""Turns bench_compare's results into a markdown report and two gnuplot charts."""

import os
import shutil
import subprocess

CLIENTS = ("rawkafka", "librdkafka", "librdkafka-debian", "franz-go", "java")
PEERS = CLIENTS[1:]
COLORS = {"rawkafka": "#d62728", "librdkafka": "#1f77b4", "librdkafka-debian": "#9ecae1",
          "franz-go": "#9467bd", "java": "#2ca02c"}  # one per client
LABELS = {"librdkafka-debian": "librdkafka (Debian)"}
HERE = os.path.dirname(os.path.abspath(__file__))

# The goals the comparison is judged by on a 2-CPU machine shared with the broker.
GOAL_RECORDS_VS_BEST_PEER = 1.5
GOAL_CPU_VS_FRANZ = 0.2


def number(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def ratio(value):
    return "–" if value is None else f"{value:.2f}×"


def label(name, client=None):
    """The client's name and version, e.g. "librdkafka 2.16.0"."""
    text = LABELS.get(name, name)
    version = (client or {}).get("version")
    if version and not str(version).startswith("git "):
        text += f" {version.replace('kafka-clients ', '')}"
    return text


def machine_line(m):
    load = ", ".join(f"{x:.1f}" for x in m["loadavg_at_start"])
    end = m.get("loadavg_at_end")
    line = (f"{m['nproc']} CPUs ({m['cpu_model']}), Linux {m['kernel']}, {m['memory_gib']} GiB; "
            f"load average at start {load}")
    if end:
        line += ", at end " + ", ".join(f"{x:.1f}" for x in end)
    return line


def present_clients(summaries):
    return [c for c in CLIENTS if any(c in s["clients"] for s in summaries)]


def percent(value):
    return "–" if value is None else f"{100 * value:.0f}%"


def scenario_table(results):
    lines = ["| scenario | client | records/s | MB/s | p50 ms | p99 ms | client CPU ns/record "
             "| broker CPU ns/record | machine busy | runs |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in results["scenarios"]:
        for name in CLIENTS:
            c = s["clients"].get(name)
            if c is None:
                continue
            lines.append(f"| {s['name']} | {label(name, c)} | {number(c['records_per_sec'])} | "
                         f"{number(c['mb_per_sec'], 1)} | {number(c.get('p50_ms'), 1)} | "
                         f"{number(c['p99_ms'], 1)} | {number(c['cpu_ns_per_record'])} | "
                         f"{number(c.get('broker_cpu_ns_per_record'))} | "
                         f"{percent(c.get('machine_busy_fraction'))} | {c['runs']} |")
    lines += ["", "Broker CPU is the broker process's user+sys time over the run; machine busy is "
                  "the share of all CPUs' time not idle during the run (client, broker and anything "
                  "else on the machine)."]
    other = [r.get("other_cpu_s") for s in results["scenarios"] for runs in s.get("runs", {}).values()
             for r in runs if r.get("other_cpu_s") is not None]
    if other:
        walls = [r["wall_s"] for s in results["scenarios"] for runs in s.get("runs", {}).values()
                 for r in runs if r.get("other_cpu_s") is not None]
        lines += ["", f"Other processes on the machine (neither client nor broker) used "
                      f"{sum(other) / sum(walls):.2f} CPUs on average during these runs "
                      f"({sum(other):,.0f} CPU-s over {sum(walls):,.0f} s)."]
    java = [s for s in results["scenarios"] if "cpu_ns_per_record_without_startup" in s["clients"].get("java", {})]
    if java:
        lines += ["", "Java's CPU per record without its start-up (a 1-record run costs "
                      f"{results['java_startup_cpu_s']:.2f} s CPU): " +
                  "; ".join(f"{s['name']}: {number(s['clients']['java']['cpu_ns_per_record_without_startup'])} ns"
                            for s in java) + "."]
    return lines


def ratio_table(results):
    peers = [p for p in PEERS if any(f"rawkafka_vs_{p}" in s["ratios"] for s in results["scenarios"])]
    if not peers:
        return ["(no ratios: rawkafka or its peers did not run)"]
    head = "| scenario | " + " | ".join(f"÷ {LABELS.get(p, p)} records/s | ÷ {LABELS.get(p, p)} CPU/record"
                                       for p in peers) + " | ÷ best peer records/s |"
    lines = [head, "|---|" + "---:|---:|" * len(peers) + "---:|"]
    for s in results["scenarios"]:
        cells = []
        for p in peers:
            r = s["ratios"].get(f"rawkafka_vs_{p}", {})
            cells += [ratio(r.get("records_per_sec")), ratio(r.get("cpu_ns_per_record"))]
        best = s["ratios"].get("rawkafka_vs_best_peer")
        best_cell = f"{ratio(best['records_per_sec'])} ({best['peer']})" if best else "–"
        lines.append(f"| {s['name']} | " + " | ".join(cells) + f" | {best_cell} |")
    return lines


def set_load_table(results):
    sl = results.get("set_load")
    if not sl or not sl["loads"]:
        return ["(not run)"]
    slowest = sl.get("slowest_full_speed_records_per_sec")
    lines = [f"{sl['scenario']}; each client paced at the rate, {sl['loads'][0]['seconds']} s a run"
             + (f"; the slowest client's full-speed rate was {number(slowest)} records/s" if slowest else "")
             + ". Latency from each record's intended send time to its acknowledgement "
               "(Java's tool: from its send() call, in whole milliseconds).", "",
             "| rate records/s | linger.ms | client | achieved records/s | p50 ms | p99 ms | p99.9 ms "
             "| client CPU ns/record | runs |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for load in sl["loads"]:
        for name in CLIENTS:
            c = load["clients"].get(name)
            if c is None:
                continue
            lines.append(f"| {number(load['rate'])} | {load['linger_ms']} | {label(name, c)} | "
                         f"{number(c['records_per_sec'])} | {number(c.get('p50_ms'), 2)} | "
                         f"{number(c['p99_ms'], 2)} | {number(c.get('p999_ms'), 2)} | "
                         f"{number(c['cpu_ns_per_record'])} | {c['runs']} |")
    return lines


def sink_table(results):
    sink = results.get("null_sink")
    if not sink:
        return ["(not run)"]
    lines = [f"{number(sink['records'])} records of 100 random bytes, acks=1, one producer process; "
             f"loopback TCP on this machine: {results['loopback_bytes_per_sec'] / 1e9:.2f} GB/s.", "",
             "| client | records/s | value MB/s | wire MB/s | fraction of loopback | client CPU ns/record "
             "| sink CPU ns/record |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name in CLIENTS:
        c = sink["clients"].get(name)
        if c is None:
            continue
        lines.append(f"| {label(name, c)} | {number(c['records_per_sec'])} | {number(c['mb_per_sec'], 1)} | "
                     f"{number(c['wire_bytes_per_sec'] / 1e6, 1)} | "
                     f"{100 * c['fraction_of_loopback']:.1f}% | {number(c['cpu_ns_per_record'])} | "
                     f"{number(c['sink_cpu_ns_per_record'])} |")
    said = []
    for p in PEERS:
        r = sink["ratios"].get(f"rawkafka_vs_{p}")
        if r:
            said.append(f"÷ {LABELS.get(p, p)}: {ratio(r['records_per_sec'])} records/s, "
                        f"{ratio(r['cpu_ns_per_record'])} CPU per record")
    if said:
        lines += ["", "rawkafka " + "; ".join(said) + "."]
    return lines


def scaling_table(results):
    sc = results.get("scaling")
    if not sc:
        return []
    lines = ["", "## rawproduce thread scaling against the null sink", "",
             f"`rawproduce --threads N` (100-byte random values, acks=1), {number(sc['records_per_thread'])} "
             f"records per thread, {sc['cpus']} CPUs shared with the sink; past the CPUs, threads are "
             "placed with `--producer-props cores=...`.", "",
             "| threads | records/s | records/s per thread | × one thread | client CPU ns/record | runs |",
             "|---:|---:|---:|---:|---:|---:|"]
    for r in sc["rows"]:
        named = " (cores named)" if r["cores_named"] else ""
        lines.append(f"| {r['threads']}{named} | {number(r['records_per_sec'])} | "
                     f"{number(r['records_per_sec_per_thread'])} | {ratio(r['speedup'])} | "
                     f"{number(r['cpu_ns_per_record'])} | {r['runs']} |")
    return lines


def goal_lines(results):
    """The targets, met or missed, as the run measured them."""
    lines = []
    for s in results["scenarios"]:
        best = s["ratios"].get("rawkafka_vs_best_peer")
        if best:
            met = "met" if best["records_per_sec"] >= GOAL_RECORDS_VS_BEST_PEER else "missed"
            lines.append(f"- {s['name']}: rawkafka {ratio(best['records_per_sec'])} the best peer's "
                         f"records/s ({best['peer']}; goal ≥ {GOAL_RECORDS_VS_BEST_PEER}×: {met})"
                         + limit_clause(s["clients"]["rawkafka"]))
        franz = s["ratios"].get("rawkafka_vs_franz-go")
        if franz:
            met = "met" if franz["cpu_ns_per_record"] <= GOAL_CPU_VS_FRANZ else "missed"
            lines.append(f"- {s['name']}: rawkafka's CPU per record {ratio(franz['cpu_ns_per_record'])} "
                         f"franz-go's (goal ≤ {GOAL_CPU_VS_FRANZ}×: {met})")
    for load in (results.get("set_load") or {}).get("loads", []):
        raw = load["clients"].get("rawkafka")
        peers = {n: c for n, c in load["clients"].items() if n != "rawkafka"}
        if raw and peers:
            best_name = min(peers, key=lambda n: peers[n]["p99_ms"])
            met = "met" if raw["p99_ms"] < peers[best_name]["p99_ms"] else "missed"
            lines.append(f"- {load['name']}: rawkafka p99 {number(raw['p99_ms'], 2)} ms, lowest peer "
                         f"{number(peers[best_name]['p99_ms'], 2)} ms ({best_name}; goal: below every "
                         f"peer: {met})")
    return lines


def limit_clause(raw):
    """What held rawkafka's run back, as its CPU figures say: the machine's CPUs were all busy and
    the broker spent more of them per record than the client, or not."""
    busy, broker = raw.get("machine_busy_fraction"), raw.get("broker_cpu_ns_per_record")
    if busy is None or broker is None:
        return ""
    clause = (f"; in rawkafka's runs the machine was {percent(busy)} busy, the broker spent "
              f"{number(broker)} ns of CPU per record and rawkafka {number(raw['cpu_ns_per_record'])}")
    if busy >= 0.9 and broker > raw["cpu_ns_per_record"]:
        clause += ": the broker's CPU is the limit"
    return clause


def micro_lines(results):
    micro = results.get("micro")
    if not micro:
        return []
    total = sum(len(rows) for name, rows in micro.items() if name != "key_figures")
    lines = ["", "## Microbenchmarks", "",
             f"Key figures ({total} benchmarks in all, each in results.json):", "",
             "| program | benchmark | items/s | bytes/s |", "|---|---|---:|---:|"]
    for name, figure in micro.get("key_figures", {}).items():
        items = figure.get("items_per_second")
        size = figure.get("bytes_per_second")
        lines.append(f"| {figure['program']} | {name} | {number(items)} | "
                     f"{'–' if size is None else f'{size / 1e9:.2f} GB/s'} |")
    return lines


def errors_lines(results):
    lines = []
    parts = list(results["scenarios"]) + list((results.get("set_load") or {}).get("loads", []))
    for extra in ("null_sink", "scaling"):
        if results.get(extra):
            parts.append(results[extra])
    for s in parts:
        for e in s.get("errors", []):
            lines.append(f"- {s['name']}, {e['client']} rep {e['rep'] + 1}: "
                         f"{e['error'].splitlines()[0]}")
    return lines


def write_markdown(results, path):
    first = results["scenarios"][0]
    props = " ".join(f"{k}={v}" for k, v in first["props"].items()
                     if k not in ("acks", "compression.type", "enable.idempotence"))
    versions = results.get("versions", {})
    names = ", ".join(f"{LABELS.get(n, n)} ({v})" for n, v in versions.items() if v)
    lines = ["# Producer comparison: " + ", ".join(LABELS.get(n, n) for n in versions), "",
             f"- machine: {machine_line(results['machine'])}",
             f"- command: `{results['command']}` ({results['mode']} mode)",
             f"- clients: {names}",
             f"- broker: {results['bootstrap']}, {results['partitions']} partitions, a fresh topic "
             f"per run; all clients: {props}",
             f"- {results['repetitions']} repetitions, clients interleaved (rotating order), "
             "medians; client CPU = user+sys of the client process (wait4), start-up included" +
             (f" (the JVM's start-up: {results['java_startup_cpu_s']:.2f} s CPU in a 1-record run)"
              if results.get("java_startup_cpu_s") else ""), "",
             "## Against the broker, full speed", ""]
    lines += scenario_table(results)
    lines += ["", "Ratios of rawkafka to each peer (records/s: higher is better for rawkafka; "
                  "CPU/record: lower is better):", ""]
    lines += ratio_table(results)
    lines += ["", "## Latency under a set load", ""]
    lines += set_load_table(results)
    lines += ["", "## Client ceiling against the null sink", ""]
    lines += sink_table(results)
    lines += scaling_table(results)
    goals = goal_lines(results)
    if goals:
        lines += ["", "## Against the goals", ""] + goals
    lines += micro_lines(results)
    notes = results.get("notes", []) + errors_lines(results)
    if notes:
        lines += ["", "## Notes", ""] + [n if n.startswith("- ") else f"- {n}" for n in notes]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_chart_data(results, path):
    present = present_clients(results["scenarios"])
    with open(path, "w") as f:
        for metric in ("records_per_sec", "cpu_ns_per_record"):
            f.write("# scenario " + " ".join(present) + "\n")
            for s in results["scenarios"]:
                values = [s["clients"].get(c, {}).get(metric) for c in present]
                f.write(f"\"{s['short']}\" " +
                        " ".join("-" if v is None else f"{v:.1f}" for v in values) + "\n")
            f.write("\n\n")
    return present


def gnuplot(script, variables):
    settings = "; ".join(f"{k}='{v}'" for k, v in variables.items())
    subprocess.run(["gnuplot", "-e", settings, os.path.join(HERE, script)], check=True)


def subtitle(results):
    m = results["machine"]
    return f"{results['mode']} run, medians of {results['repetitions']}, {m['nproc']} CPUs {m['cpu_model']}"


def write_chart(results, out_dir):
    """results.svg through gnuplot (skipped with a note when gnuplot is missing)."""
    data = os.path.join(out_dir, "results.dat")
    present = write_chart_data(results, data)
    if not shutil.which("gnuplot") or not present:
        results.setdefault("notes", []).append("gnuplot not found: no chart")
        return None
    svg = os.path.join(out_dir, "results.svg")
    gnuplot("chart.gp", {"datafile": data, "outfile": svg, "subtitle": subtitle(results),
                         "clients": " ".join(LABELS.get(c, c).replace(" ", "_") for c in present),
                         "colors": " ".join(COLORS[c] for c in present)})
    return svg


def write_latency_chart(results, out_dir):
    """latency.svg: p50, p99 and p99.9 at each set load, one bar per client."""
    loads = (results.get("set_load") or {}).get("loads", [])
    present = present_clients(loads)
    if not loads or not present or not shutil.which("gnuplot"):
        return None
    data = os.path.join(out_dir, "latency.dat")
    with open(data, "w") as f:
        for metric in ("p50_ms", "p99_ms", "p999_ms"):
            f.write("# load " + " ".join(present) + "\n")
            for load in loads:
                values = [load["clients"].get(c, {}).get(metric) for c in present]
                # A log scale has no zero: Java's whole milliseconds can be 0.
                f.write(f"\"{load['short']}\" " +
                        " ".join("-" if v is None else f"{max(v, 0.01):.3f}" for v in values) + "\n")
            f.write("\n\n")
    svg = os.path.join(out_dir, "latency.svg")
    gnuplot("latency.gp", {"datafile": data, "outfile": svg, "subtitle": subtitle(results),
                           "clients": " ".join(LABELS.get(c, c).replace(" ", "_") for c in present),
                           "colors": " ".join(COLORS[c] for c in present)})
    return svg
