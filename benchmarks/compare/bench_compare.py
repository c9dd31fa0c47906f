#!/usr/bin/env python3
"""Side-by-side producer comparison: rawkafka, librdkafka, franz-go and the Java client against
one broker in one run, interleaved, medians of several repetitions, at full speed and at set
loads; plus each native client's ceiling against the null sink, the loopback bandwidth of the
machine, and rawproduce's thread scaling. scripts/bench-compare builds the programs, starts the
broker and calls this; run that script, not this file.
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
        scenario("random100-none-acksall-idempotent", "acks=all idem.",
                 "100-byte random values, no compression, acks=all, idempotence", "random", small,
                 acks="all", **{"compression.type": "none", "enable.idempotence": "true"}),
        dict(scenario("random100-keys1000-acks1", "1000 keys",
                      "100-byte random values, 1000 keys (murmur2), no compression, acks=1",
                      "random", small, acks="1",
                      **{"compression.type": "none", "enable.idempotence": "false"}), keys=1000),
    ]


# Latency under a set load: the first scenario's records and settings at these rates (records/s;
# "half_slowest" is half the slowest client's full-speed rate in that scenario) and linger.ms.
SET_LOAD_RATES = (100_000, "half_slowest")
SET_LOAD_LINGERS = (0, 5)


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


def git_version(root):
    proc = subprocess.run(["git", "-C", root, "describe", "--always", "--dirty"],
                          capture_output=True, text=True)
    return f"git {proc.stdout.strip()}" if proc.returncode == 0 else "unknown"


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
        a = self.args
        if executable(a.rawproduce):
            root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            found.append(clients_mod.NativeClient("rawkafka", a.rawproduce, version=git_version(root)))
        else:
            self.note(f"rawproduce is missing ({a.rawproduce} is not built): "
                      "the rawkafka column is skipped")
        if executable(a.rdkafka_produce):
            if a.rdkafka_lib_dir:
                found.append(clients_mod.NativeClient(
                    "librdkafka", a.rdkafka_produce, env={"LD_LIBRARY_PATH": a.rdkafka_lib_dir}))
                if a.rdkafka_debian:
                    found.append(clients_mod.NativeClient("librdkafka-debian", a.rdkafka_produce))
            else:
                self.note("no current librdkafka (the confluent-kafka wheel could not be fetched): "
                          "the librdkafka column is Debian's")
                found.append(clients_mod.NativeClient("librdkafka", a.rdkafka_produce))
        else:
            self.note(f"rdkafka_produce is missing ({a.rdkafka_produce}; is librdkafka-dev "
                      "installed?): the librdkafka column is skipped")
        if executable(a.franz_produce):
            found.append(clients_mod.NativeClient("franz-go", a.franz_produce,
                                                  needs_payload_file=True))
        else:
            self.note(f"franz_produce is missing ({a.franz_produce} is not built; it needs a Go new "
                      "enough for franz-go, see the README): the franz-go column is skipped")
        if a.kafka_local and not a.no_java:
            found.append(clients_mod.JavaClient(a.kafka_local, a.kafka_tools_version))
        return found

    def client(self, name):
        return next((c for c in self.clients if c.name == name), None)

    def note(self, text):
        log(text)
        self.notes.append(text)

    # ---- helpers ------------------------------------------------------------------------

    def broker_pid(self):
        """The local broker's pid (from scripts/kafka-local's pid file), None for another broker."""
        return clients_mod.read_pid(self.args.broker_pid_file)

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
        taking = []
        for client in self.clients:
            why = client.supports(scenario, payload)
            if why:
                self.note(f"{scenario['key']}: {client.name} left out: {why}")
            else:
                taking.append(client)
        runs, errors = self.interleaved_runs(
            taking, scenario["key"], scenario["key"], scenario, payload,
            lambda r: f"{r['records_per_sec']:,.0f} records/s, "
                      f"{r['cpu_ns_per_record']:,.0f} CPU ns/record, p99 {r['p99_ms']} ms")
        return summarize(scenario, runs, errors)

    def interleaved_runs(self, taking, key, label, scenario, payload, describe, throughput=-1):
        """Every client in `taking`, each repetition in rotated order, on a fresh topic each:
        the results by client, and the failed runs."""
        runs = {c.name: [] for c in taking}
        errors = []
        for rep in range(self.args.reps):
            for client in self.rotated(taking, rep):
                topic = f"bench-{self.run_id}-{key}-{client.name}-{rep}"
                log(f"{label} rep {rep + 1}/{self.args.reps}: {client.name}")
                try:
                    self.create_topic(topic)
                    result = clients_mod.run_client(
                        client, self.args.bootstrap, topic, scenario, payload,
                        self.log_path(key, client.name, rep), self.timeout_s, throughput=throughput,
                        broker_pid=self.broker_pid())
                except clients_mod.RunFailed as e:
                    log(f"  FAILED: {e}")
                    errors.append({"client": client.name, "rep": rep, "error": str(e)})
                    continue
                log(f"  {describe(result)}")
                runs[client.name].append(result)
        return runs, errors

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
        natives = [c for c in self.clients if c.name != "java"]
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

    # ---- latency under a set load -------------------------------------------------------

    def set_load_rates(self, first):
        """The rates of the set-load runs; half the slowest client's full-speed rate in the first
        scenario, rounded to thousands."""
        slowest = min((c["records_per_sec"] for c in first["clients"].values()), default=None)
        rates = []
        for rate in SET_LOAD_RATES:
            if rate == "half_slowest":
                if slowest is None:
                    continue
                rate = max(1000, int(round(slowest / 2, -3)))
            if all(abs(rate - r) > 0.1 * r for r in rates):
                rates.append(rate)
            else:
                self.note(f"set load: half the slowest client's rate ({rate:,} records/s) is within "
                          "10% of another rate; run once")
        return rates, slowest

    def run_set_load(self, first):
        base = scenarios(self.args.quick)[0]
        rates, slowest = self.set_load_rates(first)
        seconds = 4 if self.args.quick else 10
        payload = self.payload_file(base)
        loads = []
        for rate in rates:
            for linger in SET_LOAD_LINGERS:
                scenario = dict(base, records=int(rate * seconds),
                                props=dict(base["props"], **{"linger.ms": str(linger)}))
                key = f"setload-{rate}-linger{linger}"
                taking = [c for c in self.clients if not c.supports(scenario, payload)]
                runs, errors = self.interleaved_runs(
                    taking, key, f"set load {rate:,}/s linger.ms={linger}", scenario, payload,
                    lambda r: f"{r['records_per_sec']:,.0f} records/s, p50 {r['p50_ms']} "
                              f"p99 {r['p99_ms']} p99.9 {r['p999_ms']} ms, "
                              f"{r['cpu_ns_per_record']:,.0f} CPU ns/record",
                    throughput=rate)
                summary = summarize(dict(scenario, key=key, short=f"{rate // 1000}k/s, linger {linger}",
                                         name=f"{rate:,} records/s, linger.ms={linger}"),
                                    runs, errors)
                summary.update(rate=rate, linger_ms=linger, seconds=seconds)
                loads.append(summary)
        return {"scenario": base["name"], "slowest_full_speed_records_per_sec": slowest,
                "rates": rates, "lingers_ms": list(SET_LOAD_LINGERS), "loads": loads}

    # ---- rawproduce's thread scaling against the null sink ------------------------------

    def run_scaling(self):
        raw = self.client("rawkafka")
        if raw is None or not executable(self.args.null_sink):
            self.note("thread scaling skipped (no rawproduce or no null_sink)")
            return None
        cpus = os.cpu_count() or 1
        top = self.args.scaling_threads or cpus
        counts = list(range(1, top + 1))
        per_thread = 3_000_000 if self.args.quick else 10_000_000
        base = scenarios(self.args.quick)[0]
        payload = self.payload_file(base)
        bootstrap = f"127.0.0.1:{self.args.sink_port}"
        runs = {t: [] for t in counts}
        errors = []
        for rep in range(self.args.reps):
            for t in self.rotated(counts, rep):
                props = dict(base["props"])
                if t > cpus:  # more threads than CPUs: name each thread's CPU
                    props["cores"] = ",".join(str(i % cpus) for i in range(t))
                client = clients_mod.NativeClient("rawkafka", raw.binary, ["--threads", str(t)],
                                                  version=raw.version)
                scenario = dict(base, records=per_thread * t, props=props)
                log(f"scaling rep {rep + 1}/{self.args.reps}: rawproduce --threads {t}")
                sink = self.start_sink(self.log_path("scaling", t, rep, "sink"))
                try:
                    result = clients_mod.run_client(client, bootstrap, "scaling", scenario, payload,
                                                    self.log_path("scaling", t, rep), self.timeout_s)
                except clients_mod.RunFailed as e:
                    self.stop_sink(sink)
                    log(f"  FAILED: {e}")
                    errors.append({"client": f"{t} threads", "rep": rep, "error": str(e)})
                    continue
                totals = self.stop_sink(sink)
                if totals["records"] != result["records_sent"] or totals["bad_batches"]:
                    errors.append({"client": f"{t} threads", "rep": rep,
                                   "error": f"sink saw {totals['records']} records "
                                            f"({totals['bad_batches']} bad batches)"})
                    continue
                log(f"  {result['records_per_sec']:,.0f} records/s, "
                    f"{result['cpu_ns_per_record']:,.0f} CPU ns/record")
                runs[t].append(result)
        rows = []
        for t in counts:
            if not runs[t]:
                continue
            rps = statistics.median(r["records_per_sec"] for r in runs[t])
            rows.append({"threads": t, "records_per_sec": rps, "records_per_sec_per_thread": rps / t,
                         "cpu_ns_per_record": statistics.median(r["cpu_ns_per_record"] for r in runs[t]),
                         "cores_named": t > cpus, "runs": len(runs[t])})
        one = next((r["records_per_sec"] for r in rows if r["threads"] == 1), None)
        for r in rows:
            r["speedup"] = r["records_per_sec"] / one if one else None
        return {"cpus": cpus, "records_per_thread": per_thread, "rows": rows, "errors": errors,
                "name": "rawproduce thread scaling"}

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
        if not self.args.no_set_load:
            results["set_load"] = self.run_set_load(results["scenarios"][0])
        results["null_sink"] = self.run_null_sink(results["loopback_bytes_per_sec"])
        if self.args.scaling:
            results["scaling"] = self.run_scaling()
        results["versions"] = client_versions(results)
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


METRICS = ("records_per_sec", "mb_per_sec", "p50_ms", "p99_ms", "p999_ms", "cpu_ns_per_record",
           "broker_cpu_ns_per_record", "machine_busy_fraction", "other_cpu_s")


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


def client_versions(results):
    """Each client's version, as its runs reported it."""
    versions = {}
    for s in results["scenarios"] + ([results["null_sink"]] if results.get("null_sink") else []):
        for name, c in s["clients"].items():
            versions.setdefault(name, c.get("version"))
    return versions


def summarize(scenario, runs, errors, extra_metrics=()):
    """Medians per client and rawkafka's ratios to each peer and to the best peer."""
    medians = {}
    for name, results in runs.items():
        if not results:
            continue
        medians[name] = {m: statistics.median(r[m] for r in results)
                         for m in METRICS + tuple(extra_metrics)
                         if all(r.get(m) is not None for r in results)}
        medians[name]["runs"] = len(results)
        medians[name]["version"] = results[0].get("version")
    ratios = {}
    raw = medians.get("rawkafka")
    peers = [name for name in medians if name != "rawkafka"]
    for other in peers:
        if raw:
            peer = medians[other]
            ratios[f"rawkafka_vs_{other}"] = {
                "records_per_sec": raw["records_per_sec"] / peer["records_per_sec"],
                "cpu_ns_per_record": raw["cpu_ns_per_record"] / peer["cpu_ns_per_record"],
            }
    if raw and peers:
        best = max(peers, key=lambda n: medians[n]["records_per_sec"])
        ratios["rawkafka_vs_best_peer"] = dict(ratios[f"rawkafka_vs_{best}"], peer=best)
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
    p.add_argument("--rdkafka-lib-dir", help="folder holding the current librdkafka.so.1")
    p.add_argument("--rdkafka-debian", action="store_true",
                   help="also run rdkafka_produce with the system's librdkafka")
    p.add_argument("--kafka-tools-version", default="4.4.0")
    p.add_argument("--broker-pid-file", help="pid file of the local broker, to measure its CPU")
    p.add_argument("--no-set-load", action="store_true")
    p.add_argument("--scaling", action="store_true")
    p.add_argument("--scaling-threads", type=int, default=None)
    args = p.parse_args(argv)
    if args.reps is None:
        args.reps = 3 if args.quick else 5
    bench = os.path.join(args.build_dir, "benchmarks")
    args.rawproduce = args.rawproduce or os.path.join(args.build_dir, "tools", "rawproduce")
    args.rdkafka_produce = os.path.join(bench, "rdkafka_produce")
    args.franz_produce = os.path.join(bench, "franz_produce")
    args.null_sink = os.path.join(bench, "null_sink")
    args.loopback_bandwidth = os.path.join(bench, "loopback_bandwidth")
    return args


def main(argv):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    results = Bench(args).run()
    charts = [c for c in (report.write_chart(results, args.out),
                          report.write_latency_chart(results, args.out)) if c]
    report.write_markdown(results, os.path.join(args.out, "results.md"))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    log(f"wrote {args.out}/results.md, results.json" +
        "".join(f", {os.path.basename(c)}" for c in charts))
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        with open(os.path.join(args.out, "results.md")) as f:
            print(f.read())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
