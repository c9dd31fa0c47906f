"""Turns bench_compare's results into a markdown report and a gnuplot chart."""

import os
import shutil
import subprocess

CLIENTS = ("rawkafka", "librdkafka", "java")
COLORS = {"rawkafka": "#d62728", "librdkafka": "#1f77b4", "java": "#2ca02c"}  # one per client
HERE = os.path.dirname(os.path.abspath(__file__))


def number(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def ratio(value):
    return "–" if value is None else f"{value:.2f}×"


def machine_line(m):
    load = ", ".join(f"{x:.1f}" for x in m["loadavg_at_start"])
    return (f"{m['nproc']} CPUs ({m['cpu_model']}), Linux {m['kernel']}, {m['memory_gib']} GiB; "
            f"load average at start {load}")


def scenario_table(results):
    lines = ["| scenario | client | records/s | MB/s | p99 latency ms | client CPU ns/record | runs |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for s in results["scenarios"]:
        for name in CLIENTS:
            c = s["clients"].get(name)
            if c is None:
                continue
            lines.append(f"| {s['name']} | {name} | {number(c['records_per_sec'])} | "
                         f"{number(c['mb_per_sec'], 1)} | {number(c['p99_ms'], 1)} | "
                         f"{number(c['cpu_ns_per_record'])} | {c['runs']} |")
    java = [s for s in results["scenarios"] if "cpu_ns_per_record_without_startup" in s["clients"].get("java", {})]
    if java:
        lines += ["", "Java's CPU per record without its start-up (a 1-record run costs "
                      f"{results['java_startup_cpu_s']:.2f} s CPU): " +
                  "; ".join(f"{s['name']}: {number(s['clients']['java']['cpu_ns_per_record_without_startup'])} ns"
                            for s in java) + "."]
    return lines


def ratio_table(results):
    lines = ["| scenario | rawkafka ÷ librdkafka records/s | rawkafka ÷ librdkafka CPU/record | "
             "rawkafka ÷ Java records/s | rawkafka ÷ Java CPU/record |",
             "|---|---:|---:|---:|---:|"]
    for s in results["scenarios"]:
        rd = s["ratios"].get("rawkafka_vs_librdkafka", {})
        java = s["ratios"].get("rawkafka_vs_java", {})
        lines.append(f"| {s['name']} | {ratio(rd.get('records_per_sec'))} | "
                     f"{ratio(rd.get('cpu_ns_per_record'))} | {ratio(java.get('records_per_sec'))} | "
                     f"{ratio(java.get('cpu_ns_per_record'))} |")
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
        lines.append(f"| {name} | {number(c['records_per_sec'])} | {number(c['mb_per_sec'], 1)} | "
                     f"{number(c['wire_bytes_per_sec'] / 1e6, 1)} | "
                     f"{100 * c['fraction_of_loopback']:.1f}% | {number(c['cpu_ns_per_record'])} | "
                     f"{number(c['sink_cpu_ns_per_record'])} |")
    rd = sink["ratios"].get("rawkafka_vs_librdkafka")
    if rd:
        lines += ["", f"rawkafka ÷ librdkafka: {ratio(rd['records_per_sec'])} records/s, "
                      f"{ratio(rd['cpu_ns_per_record'])} CPU per record."]
    return lines


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
    for s in results["scenarios"] + ([results["null_sink"]] if results.get("null_sink") else []):
        for e in s.get("errors", []):
            lines.append(f"- {s['name']}, {e['client']} rep {e['rep'] + 1}: "
                         f"{e['error'].splitlines()[0]}")
    return lines


def write_markdown(results, path):
    first = results["scenarios"][0]
    props = " ".join(f"{k}={v}" for k, v in first["props"].items()
                     if k not in ("acks", "compression.type", "enable.idempotence"))
    lines = ["# Producer comparison: rawkafka, librdkafka, Java", "",
             f"- machine: {machine_line(results['machine'])}",
             f"- command: `{results['command']}` ({results['mode']} mode)",
             f"- broker: {results['bootstrap']}, {results['partitions']} partitions, a fresh topic "
             f"per run; all clients: {props}",
             f"- {results['repetitions']} repetitions, clients interleaved (rotating order), "
             "medians; client CPU = user+sys of the client process (wait4), start-up included" +
             (f" (the JVM's start-up: {results['java_startup_cpu_s']:.2f} s CPU in a 1-record run)"
              if results.get("java_startup_cpu_s") else ""), "",
             "## Against the broker", ""]
    lines += scenario_table(results)
    lines += ["", "Ratios (records/s: higher is better for rawkafka; CPU/record: lower is better):", ""]
    lines += ratio_table(results)
    lines += ["", "## Client ceiling against the null sink", ""]
    lines += sink_table(results)
    lines += micro_lines(results)
    notes = results.get("notes", []) + errors_lines(results)
    if notes:
        lines += ["", "## Notes", ""] + [n if n.startswith("- ") else f"- {n}" for n in notes]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_chart_data(results, path):
    present = [c for c in CLIENTS if any(c in s["clients"] for s in results["scenarios"])]
    with open(path, "w") as f:
        for metric in ("records_per_sec", "cpu_ns_per_record"):
            f.write("# scenario " + " ".join(present) + "\n")
            for s in results["scenarios"]:
                values = [s["clients"].get(c, {}).get(metric) for c in present]
                f.write(f"\"{s['short']}\" " +
                        " ".join("-" if v is None else f"{v:.1f}" for v in values) + "\n")
            f.write("\n\n")
    return present


def write_chart(results, out_dir):
    """results.svg through gnuplot (skipped with a note when gnuplot is missing)."""
    data = os.path.join(out_dir, "results.dat")
    present = write_chart_data(results, data)
    if not shutil.which("gnuplot") or not present:
        results.setdefault("notes", []).append("gnuplot not found: no chart")
        return None
    svg = os.path.join(out_dir, "results.svg")
    m = results["machine"]
    subtitle = f"{results['mode']} run, medians of {results['repetitions']}, {m['nproc']} CPUs {m['cpu_model']}"
    subprocess.run(["gnuplot", "-e",
                    f"datafile='{data}'; outfile='{svg}'; subtitle='{subtitle}'; "
                    f"clients='{' '.join(present)}'; "
                    f"colors='{' '.join(COLORS[c] for c in present)}'",
                    os.path.join(HERE, "chart.gp")], check=True)
    return svg
