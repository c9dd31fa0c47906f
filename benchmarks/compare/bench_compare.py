#!/usr/bin/env python3
"""Side-by-side producer comparison: rawkafka, librdkafka and the Java client against one broker
in one run, interleaved, medians of several repetitions; plus each native client's ceiling
against the null sink and the loopback bandwidth of the machine. scripts/bench-compare starts
the broker and calls this; run that script, not this file.
"""

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients as clients_mod  # noqa: E402
import report  # noqa: E402

PARTITIONS = 8
# The settings every client gets (Java names; rdkafka_produce maps them to librdkafka's).
COMMON_PROPS = {
    "batch.size": "524288",
    "linger.ms": "5",
    "buffer.memory": "33554432",
    "max.in.flight.requests.per.connection": "5",
}


def executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def log(message):
    print(f"bench-compare: {message}", file=sys.stderr, flush=True)


def scenarios(quick):
    """The workloads, the uncompressed 100-byte acks=1 one first. --quick: fewer records."""
    small, logs = (2_000_000, 1_000_000) if quick else (10_000_000, 4_000_000)

    def scenario(key, short, name, payload, records, **props):
        return {"key": key, "short": short, "name": name, "payload": payload,
                "record_size": 100, "records": records, "props": dict(COMMON_PROPS, **props)}

    return [
        scenario("random100-none-acks1", "100 B, acks=1",
                 "100-byte random values, no compression, acks=1", "random", small,
                 acks="1", **{"compression.type": "none", "enable.idempotence": "false"}),
        scenario("jsonlogs-lz4-acks1", "json-logs lz4", "json-logs, lz4, acks=1", "json-logs",
                 logs, acks="1", **{"compression.type": "lz4", "enable.idempotence": "false"}),
        scenario("jsonlogs-zstd-acks1", "json-logs zstd", "json-logs, zstd, acks=1", "json-logs",
                 logs, acks="1", **{"compression.type": "zstd", "enable.idempotence": "false"}),
        scenario("random100-none-acksall-idempotent", "100 B, acks=all idem.",
                 "100-byte random values, no compression, acks=all, idempotence", "random", small,
                 acks="all", **{"compression.type": "none", "enable.idempotence": "true"}),
    ]


def machine_info():
    model = "unknown"
    mem_kb = 0
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {"nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "memory_gib": round(mem_kb / 1048576, 1), "loadavg_at_start": os.getloadavg()}


class Bench:
    def __init__(self, args):
        self.args = args
        self.out = args.out
        self.logs = os.path.join(self.out, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.run_id = uuid.uuid4().hex[:8]
        self.timeout_s = 300 if args.quick else 900
        self.notes = []
        self.clients = self.make_clients()

    # ---- clients ------------------------------------------------------------------------

    def make_clients(self):
        found = []
        if executable(self.args.rawproduce):
            found.append(clients_mod.NativeClient("rawkafka", self.args.rawproduce))
        else:
            self.note(f"rawproduce is missing ({self.args.rawproduce} is not built): "
                      "the rawkafka column is skipped")
        if executable(self.args.rdkafka_produce):
            found.append(clients_mod.NativeClient("librdkafka", self.args.rdkafka_produce))
        else:
            self.note(f"rdkafka_produce is missing ({self.args.rdkafka_produce}; is librdkafka-dev "
                      "installed?): the librdkafka column is skipped")
        if self.args.kafka_local and not self.args.no_java:
            found.append(clients_mod.JavaClient(self.args.kafka_local))
        return found

    def client(self, name):
        return next((c for c in self.clients if c.name == name), None)

    def note(self, text):
        log(text)
        self.notes.append(text)

    # ---- helpers ------------------------------------------------------------------------

    def log_path(self, *parts):
        return os.path.join(self.logs, "-".join(str(p) for p in parts) + ".log")

    def create_topic(self, topic):
        if executable(self.args.rdkafka_produce):
            argv = [self.args.rdkafka_produce, "--bootstrap-server", self.args.bootstrap,
                    "--topic", topic, "--partitions", str(PARTITIONS), "--num-records", "0"]
        else:
            argv = [self.args.kafka_local, "tool", "topics", "--bootstrap-server",
                    self.args.bootstrap, "--create", "--topic", topic,
                    "--partitions", str(PARTITIONS), "--replication-factor", "1"]
        code, output, _, _ = clients_mod.run_measured(argv, self.log_path("topic", topic), 120)
        if code != 0:
            raise clients_mod.RunFailed(f"cannot create topic {topic}: {output.strip()[-300:]}")

    def payload_file(self, scenario):
        """rawproduce's record pool for the scenario as a perf-test payload file: every client
        reads it (--payload-file), so all of them send byte-identical records."""
        if not executable(self.args.rdkafka_produce):
            return None
        path = os.path.join(self.out, f"payload-{scenario['payload']}-{scenario['record_size']}.txt")
        if not os.path.exists(path):
            subprocess.run([self.args.rdkafka_produce, "--write-payload-file", path,
                            "--payload", scenario["payload"],
                            "--record-size", str(scenario["record_size"])], check=True)
        return path

    @staticmethod
    def rotated(items, by):
        by %= len(items)
        return items[by:] + items[:by]

    # ---- the broker scenarios -----------------------------------------------------------

    def run_scenario(self, scenario):
        payload = self.payload_file(scenario)
        if payload is None and scenario["payload"] != "random":
            self.note(f"{scenario['key']}: no payload file for the Java tool (rdkafka_produce "
                      "missing): Java sends its own random values")
        runs = {c.name: [] for c in self.clients}
        errors = []
        for rep in range(self.args.reps):
            for client in self.rotated(self.clients, rep):
                topic = f"bench-{self.run_id}-{scenario['key']}-{client.name}-{rep}"
                log(f"{scenario['key']} rep {rep + 1}/{self.args.reps}: {client.name}")
                try:
                    self.create_topic(topic)
                    result = clients_mod.run_client(
                        client, self.args.bootstrap, topic, scenario, payload,
                        self.log_path(scenario["key"], client.name, rep), self.timeout_s)
                except clients_mod.RunFailed as e:
                    log(f"  FAILED: {e}")
                    errors.append({"client": client.name, "rep": rep, "error": str(e)})
                    continue
                log(f"  {result['records_per_sec']:,.0f} records/s, "
                    f"{result['cpu_ns_per_record']:,.0f} CPU ns/record, p99 {result['p99_ms']} ms")
                runs[client.name].append(result)
        return summarize(scenario, runs, errors)

    def java_startup_cpu(self):
        """CPU of a 1-record Java run: the JVM start-up part of Java's CPU per record."""
        java = self.client("java")
        if java is None:
            return None
        scenario = dict(scenarios(True)[0], records=1)
        topic = f"bench-{self.run_id}-java-startup"
        try:
            self.create_topic(topic)
            result = clients_mod.run_client(java, self.args.bootstrap, topic, scenario, None,
                                            self.log_path("java-startup"), 120)
        except clients_mod.RunFailed as e:
            log(f"java start-up measurement failed: {e}")
            return None
        log(f"java: a 1-record run costs {result['cpu_s']:.2f} s CPU (JVM start-up, producer set-up)")
        return result["cpu_s"]

    # ---- the client's ceiling: null sink + loopback -------------------------------------

    def loopback(self):
        seconds = "2" if self.args.quick else "5"
        argv = [self.args.loopback_bandwidth, "--seconds", seconds, "--json"]
        code, output, _, _ = clients_mod.run_measured(argv, self.log_path("loopback"), 60)
        if code != 0:
            raise clients_mod.RunFailed(f"loopback_bandwidth failed: {output}")
        return clients_mod.last_json_object(output)["bytes_per_sec"]

    def start_sink(self, log_path):
        argv = [self.args.null_sink, "--port", str(self.args.sink_port),
                "--partitions", str(PARTITIONS)]
        out = open(log_path, "wb")
        sink = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=out)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if sink.poll() is not None:
                raise clients_mod.RunFailed(f"null_sink exited at start (log: {log_path})")
            with open(log_path, "rb") as f:
                if b"listening on" in f.read():
                    return sink
            time.sleep(0.02)
        sink.kill()
        raise clients_mod.RunFailed("null_sink did not start listening within 10 s")

    @staticmethod
    def stop_sink(sink):
        sink.send_signal(signal.SIGTERM)
        output, _ = sink.communicate(timeout=10)
        return clients_mod.last_json_object(output.decode())

    def run_null_sink(self, loopback_bps):
        scenario = dict(scenarios(self.args.quick)[0])
        scenario["records"] = 5_000_000 if self.args.quick else 20_000_000
        natives = [c for c in self.clients if c.name in ("rawkafka", "librdkafka")]
        if not natives or not executable(self.args.null_sink):
            self.note("null sink comparison skipped (no native client or no null_sink)")
            return None
        bootstrap = f"127.0.0.1:{self.args.sink_port}"
        runs = {c.name: [] for c in natives}
        errors = []
        for rep in range(self.args.reps):
            for client in self.rotated(natives, rep):
                log(f"null sink rep {rep + 1}/{self.args.reps}: {client.name}")
                sink = self.start_sink(self.log_path("null-sink", client.name, rep, "sink"))
                try:
                    result = clients_mod.run_client(
                        client, bootstrap, "null-sink", scenario, self.payload_file(scenario),
                        self.log_path("null-sink", client.name, rep), self.timeout_s)
                except clients_mod.RunFailed as e:
                    self.stop_sink(sink)
                    log(f"  FAILED: {e}")
                    errors.append({"client": client.name, "rep": rep, "error": str(e)})
                    continue
                totals = self.stop_sink(sink)
                if totals["records"] != result["records_sent"] or totals["bad_batches"]:
                    errors.append({"client": client.name, "rep": rep,
                                   "error": f"sink saw {totals['records']} records "
                                            f"({totals['bad_batches']} bad batches)"})
                    continue
                elapsed = result["records_sent"] / result["records_per_sec"]
                result["wire_bytes_per_sec"] = totals["frame_bytes"] / elapsed
                result["fraction_of_loopback"] = result["wire_bytes_per_sec"] / loopback_bps
                result["sink"] = totals
                result["sink_cpu_ns_per_record"] = totals.get("sink_cpu_s", 0) * 1e9 / totals["records"]
                log(f"  {result['records_per_sec']:,.0f} records/s, "
                    f"{result['wire_bytes_per_sec'] / 1e6:,.0f} MB/s on the wire "
                    f"({100 * result['fraction_of_loopback']:.1f}% of loopback)")
                runs[client.name].append(result)
        summary = summarize(scenario, runs, errors,
                            extra_metrics=("wire_bytes_per_sec", "fraction_of_loopback",
                                           "sink_cpu_ns_per_record"))
        summary["records"] = scenario["records"]
        return summary

    # ---- microbenchmarks ----------------------------------------------------------------

    def run_micro(self):
        figures = {}
        for name in ("bench_protocol", "bench_compression", "bench_io"):
            path = os.path.join(self.args.build_dir, "benchmarks", name)
            if not executable(path):
                self.note(f"{name} is not built: skipped")
                continue
            log(f"micro: {name}")
            argv = [path, "--benchmark_format=json"]
            if self.args.quick:
                argv.append("--benchmark_min_time=0.1")
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
            if proc.returncode != 0:
                self.note(f"{name} failed: {proc.stderr.strip()[-300:]}")
                continue
            data = json.loads(proc.stdout)
            figures[name] = [
                {k: b[k] for k in ("name", "items_per_second", "bytes_per_second", "real_time",
                                   "time_unit") if k in b}
                for b in data.get("benchmarks", []) if b.get("run_type", "iteration") == "iteration"]
        figures["key_figures"] = key_figures(figures)
        return figures

    # ---- all of it ----------------------------------------------------------------------

    def run(self):
        results = {"machine": machine_info(), "run_id": self.run_id,
                   "mode": "quick" if self.args.quick else "full", "repetitions": self.args.reps,
                   "partitions": PARTITIONS, "bootstrap": self.args.bootstrap,
                   "command": self.args.command_line, "notes": self.notes}
        log(f"machine: {results['machine']}")
        results["loopback_bytes_per_sec"] = self.loopback()
        log(f"loopback: {results['loopback_bytes_per_sec'] / 1e9:.2f} GB/s")
        results["java_startup_cpu_s"] = self.java_startup_cpu()
        results["scenarios"] = [self.run_scenario(s) for s in scenarios(self.args.quick)]
        add_java_without_startup(results)
        results["null_sink"] = self.run_null_sink(results["loopback_bytes_per_sec"])
        if self.args.micro:
            results["micro"] = self.run_micro()
        results["machine"]["loadavg_at_end"] = os.getloadavg()
        return results


# The microbenchmark figures the report leads with, by name prefix (all the others are kept in
# results.json).
KEY_FIGURES = (("BM_RecordBatchWrite/100", "items_per_second"),
               ("BM_RecordBatchWrite/1000", "items_per_second"),
               ("BM_RecordBatchRead/1000", "items_per_second"),
               ("BM_Crc32c/65536", "bytes_per_second"),
               ("BM_Crc32cSoftware/65536", "bytes_per_second"),
               ("BM_CodecCompress/lz4/default/json", "bytes_per_second"),
               ("BM_CodecCompress/zstd/default/json", "bytes_per_second"),
               ("io/blocking_pair/1MiB/depth:4/gathered:0", "bytes_per_second"),
               ("io/uring_reactor/1MiB/depth:4/send_KiB:0/sndbuf_KiB:-1", "bytes_per_second"))


def key_figures(figures):
    found = {}
    for program, rows in figures.items():
        for b in rows:
            for prefix, metric in KEY_FIGURES:
                if (b["name"] == prefix or b["name"].startswith(prefix + "/")) and metric in b:
                    found[b["name"]] = {"program": program, metric: b[metric]}
    return found


METRICS = ("records_per_sec", "mb_per_sec", "p99_ms", "cpu_ns_per_record")


def add_java_without_startup(results):
    """Java's CPU per record less the JVM start-up cost (a 1-record run), for reference."""
    startup = results.get("java_startup_cpu_s")
    if not startup:
        return
    for s in results["scenarios"]:
        java = s["clients"].get("java")
        if java:
            java["cpu_ns_per_record_without_startup"] = max(
                0.0, java["cpu_ns_per_record"] - startup * 1e9 / s["records"])


def summarize(scenario, runs, errors, extra_metrics=()):
    """Medians per client and the rawkafka ratios."""
    medians = {}
    for name, results in runs.items():
        if not results:
            continue
        medians[name] = {m: statistics.median(r[m] for r in results)
                         for m in METRICS + tuple(extra_metrics)}
        medians[name]["runs"] = len(results)
    ratios = {}
    raw = medians.get("rawkafka")
    for other in ("librdkafka", "java"):
        if raw and other in medians:
            peer = medians[other]
            ratios[f"rawkafka_vs_{other}"] = {
                "records_per_sec": raw["records_per_sec"] / peer["records_per_sec"],
                "cpu_ns_per_record": raw["cpu_ns_per_record"] / peer["cpu_ns_per_record"],
            }
    return {"name": scenario["name"], "key": scenario["key"], "short": scenario["short"],
            "payload": scenario["payload"],
            "records": scenario["records"], "props": scenario["props"], "clients": medians,
            "ratios": ratios, "errors": errors,
            "runs": {name: [{k: v for k, v in r.items() if k != "command"} for r in results]
                     for name, results in runs.items()},
            "commands": {name: results[0]["command"] for name, results in runs.items() if results}}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--micro", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-java", action="store_true")
    p.add_argument("--out", required=True)
    p.add_argument("--reps", type=int, default=None)
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--build-dir", required=True)
    p.add_argument("--kafka-local")
    p.add_argument("--sink-port", type=int, default=39392)
    p.add_argument("--command-line", default="scripts/bench-compare")
    p.add_argument("--rawproduce", help="rawproduce binary (default: BUILD_DIR/tools/rawproduce)")
    args = p.parse_args(argv)
    if args.reps is None:
        args.reps = 3 if args.quick else 5
    bench = os.path.join(args.build_dir, "benchmarks")
    args.rawproduce = args.rawproduce or os.path.join(args.build_dir, "tools", "rawproduce")
    args.rdkafka_produce = os.path.join(bench, "rdkafka_produce")
    args.null_sink = os.path.join(bench, "null_sink")
    args.loopback_bandwidth = os.path.join(bench, "loopback_bandwidth")
    return args


def main(argv):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    results = Bench(args).run()
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    report.write_markdown(results, os.path.join(args.out, "results.md"))
    chart = report.write_chart(results, args.out)
    log(f"wrote {args.out}/results.md, results.json" + (f", {os.path.basename(chart)}" if chart else ""))
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        with open(os.path.join(args.out, "results.md")) as f:
            print(f.read())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
