#!/usr/bin/env python3
"""Side-by-side consumer comparison: rawkafka's rawconsume (parse and raw modes), librdkafka,
franz-go and the Java client reading the same prepared topics from one broker in one run,
interleaved, medians of several repetitions; next to the loopback bandwidth of the machine.
scripts/bench-compare --consume builds the programs, starts the broker and calls this; run that
script, not this file.
"""

import argparse
import json
import os
import statistics
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import consume_report  # noqa: E402
import consumers  # noqa: E402
from bench_compare import executable, git_version, log, machine_info  # noqa: E402
from clients import RunFailed, last_json_object, read_pid, run_measured  # noqa: E402

PARTITIONS = 8
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# librdkafka's consumer keeps queued.min.messages records per partition fetched ahead (100,000 by
# default); its guidance for high-throughput consumers is to raise it, so that the fetcher is not
# the one waiting. Everything else (fetch.wait.max.ms, fetch.min.bytes, check.crcs) stays at each
# client's defaults.
RDKAFKA_PROPS = {"queued.min.messages": "1000000"}


def topics(quick):
    """The prepared topics, written once by rawproduce before any consumer runs. The peers read
    3-5M records/s on 2 CPUs, so a full run's counts make each read last a few seconds; --quick's
    about a second (and its topics are written in a third of the time)."""
    small, logs = (5_000_000, 3_000_000) if quick else (15_000_000, 10_000_000)
    producer = ["acks=1", "linger.ms=5", "batch.size=65536"]
    return [
        {"key": "100b", "short": "100 B", "name": "100-byte random values, no compression",
         "records": small, "compressed": False,
         "rawproduce": ["--record-size", "100", "--producer-props"] + producer},
        {"key": "json-lz4", "short": "json-logs lz4", "name": "json-logs (~125 bytes), lz4",
         "records": logs, "compressed": True,
         "rawproduce": ["--payload", "json-logs", "--producer-props", "compression.type=lz4"] + producer},
    ]


class ConsumeBench:
    def __init__(self, args):
        self.args = args
        self.out = args.out
        self.logs = os.path.join(self.out, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.run_id = uuid.uuid4().hex[:8]
        self.timeout_s = 300 if args.quick else 900
        self.notes = []
        self.clients = self.make_clients()

    def note(self, text):
        log(text)
        self.notes.append(text)

    def make_clients(self):
        a = self.args
        found = []
        if executable(a.rawconsume):
            version = git_version(ROOT)
            found += [consumers.RawConsume("rawkafka-parse", a.rawconsume, "parse", version),
                      consumers.RawConsume("rawkafka-raw", a.rawconsume, "raw", version)]
        else:
            self.note(f"rawconsume is missing ({a.rawconsume} is not built): the rawkafka (parse) "
                      "and rawkafka (raw) rows are skipped")
        if executable(a.rdkafka_consume):
            if a.rdkafka_lib_dir:
                found.append(consumers.NativeConsumer("librdkafka", a.rdkafka_consume,
                                                      env={"LD_LIBRARY_PATH": a.rdkafka_lib_dir},
                                                      props=RDKAFKA_PROPS))
                if a.rdkafka_debian:
                    found.append(consumers.NativeConsumer("librdkafka-debian", a.rdkafka_consume,
                                                          props=RDKAFKA_PROPS))
            else:
                self.note("no current librdkafka (the confluent-kafka wheel could not be fetched): "
                          "the librdkafka row is Debian's")
                found.append(consumers.NativeConsumer("librdkafka", a.rdkafka_consume,
                                                      props=RDKAFKA_PROPS))
        else:
            self.note(f"rdkafka_consume is missing ({a.rdkafka_consume}; is librdkafka-dev "
                      "installed?): the librdkafka row is skipped")
        if executable(a.franz_consume):
            found.append(consumers.NativeConsumer("franz-go", a.franz_consume))
        else:
            self.note(f"franz_consume is missing ({a.franz_consume} is not built; it needs a Go new "
                      "enough for franz-go, see the README): the franz-go row is skipped")
        if a.kafka_local and not a.no_java:
            found.append(consumers.JavaConsumer(a.kafka_local, a.kafka_tools_version))
        return found

    # ---- helpers ------------------------------------------------------------------------

    def broker_pid(self):
        """The local broker's pid (from scripts/kafka-local's pid file), None for another broker."""
        return read_pid(self.args.broker_pid_file)

    def log_path(self, *parts):
        return os.path.join(self.logs, "-".join(str(p) for p in parts) + ".log")

    def topic_name(self, t):
        # A name of this run's own: a reused broker may hold an earlier run's topic of another size.
        return f"consume-{t['key']}-{self.run_id}"

    @staticmethod
    def rotated(items, by):
        by %= len(items)
        return items[by:] + items[:by]

    def loopback(self):
        argv = [self.args.loopback_bandwidth, "--seconds", "2" if self.args.quick else "5", "--json"]
        code, output, _, _ = run_measured(argv, self.log_path("loopback"), 60)
        if code != 0:
            raise RunFailed(f"loopback_bandwidth failed: {output}")
        return last_json_object(output)["bytes_per_sec"]

    # ---- the topics ---------------------------------------------------------------------

    def prepare(self, t):
        """Writes the topic's records with rawproduce: every consumer then reads the same bytes."""
        argv = [self.args.rawproduce, "--bootstrap-server", self.args.bootstrap,
                "--topic", self.topic_name(t), "--partitions", str(PARTITIONS),
                "--replication-factor", "1", "--num-records", str(t["records"]), "--json"] + t["rawproduce"]
        log(f"preparing {self.topic_name(t)}: {t['records']:,} records, {t['name']}")
        code, output, _, wall = run_measured(argv, self.log_path("prepare", t["key"]), self.timeout_s)
        if code != 0:
            raise RunFailed(f"rawproduce could not prepare {self.topic_name(t)} "
                            f"(log: {self.log_path('prepare', t['key'])}): {output.strip()[-300:]}")
        return {"command": argv, "wall_s": wall}

    def delete_topics(self, names):
        """Removes this run's topics from a broker that outlives the run (the consume-100b topic
        of a full run is over a gigabyte)."""
        if not self.args.kafka_local or not names:
            return
        argv = [self.args.kafka_local, "tool", "topics", "--bootstrap-server", self.args.bootstrap,
                "--delete", "--topic", ",".join(names)]
        code, output, _, _ = run_measured(argv, self.log_path("delete-topics"), 120)
        if code != 0:
            self.note(f"could not delete this run's topics {', '.join(names)}: {output.strip()[-200:]}")

    # ---- the runs -----------------------------------------------------------------------

    def run_once(self, client, t, label):
        tag = f"{self.run_id}-{t['key']}-{client.name}-{label}"
        return consumers.run_consumer(client, self.args.bootstrap, self.topic_name(t), t["records"],
                                      self.log_path(t["key"], client.name, label), self.timeout_s,
                                      tag, broker_pid=self.broker_pid())

    def warm_up(self, prepared):
        """One uncounted read of each topic, so that the first counted run does not pay for the
        broker's cold fetch path alone."""
        natives = [c for c in self.clients if c.name != "java"]
        if not natives:
            return
        for t in prepared:
            log(f"warm-up: {natives[0].name} reads {self.topic_name(t)}")
            try:
                self.run_once(natives[0], t, "warmup")
            except RunFailed as e:
                self.note(f"warm-up read of {self.topic_name(t)} failed: {e}")

    def java_startup_cpu(self, t):
        """CPU of a 1-record Java run (JVM start-up, group join): that part of Java's CPU per record."""
        java = next((c for c in self.clients if c.name == "java"), None)
        if java is None:
            return None
        try:
            result = consumers.run_consumer(java, self.args.bootstrap, self.topic_name(t), 1,
                                            self.log_path("java-startup"), 120,
                                            f"{self.run_id}-java-startup", exact=False)
        except RunFailed as e:
            log(f"java start-up measurement failed: {e}")
            return None
        log(f"java: a 1-record run costs {result['cpu_s']:.2f} s CPU (JVM start-up, group join)")
        return result["cpu_s"]

    def interleaved_runs(self, prepared, loopback_bps):
        """Each repetition reads every topic with every client, in an order rotated by one per
        repetition (A B C D, B C D A, ...)."""
        runs = {t["key"]: {c.name: [] for c in self.clients} for t in prepared}
        errors = {t["key"]: [] for t in prepared}
        for rep in range(self.args.reps):
            for t in prepared:
                for client in self.rotated(self.clients, rep):
                    log(f"{t['key']} rep {rep + 1}/{self.args.reps}: {client.name}")
                    try:
                        r = self.run_once(client, t, rep)
                    except RunFailed as e:
                        log(f"  FAILED: {e}")
                        errors[t["key"]].append({"client": client.name, "rep": rep, "error": str(e)})
                        continue
                    r["fraction_of_loopback"] = (r["bytes"] / r["seconds"] / loopback_bps
                                                 if r["seconds"] > 0 and loopback_bps else None)
                    inside = r["self_reported_cpu_ns_per_record"]
                    log(f"  {r['records_per_sec']:,.0f} records/s, {r['mb_per_sec']:,.1f} MB/s, "
                        f"CPU {r['cpu_ns_per_record']:,.0f} ns/record outside"
                        + (f", {inside:,.0f} inside" if inside is not None else ""))
                    runs[t["key"]][client.name].append(r)
        return runs, errors

    def run(self):
        a = self.args
        results = {"machine": machine_info(), "run_id": self.run_id,
                   "mode": "quick" if a.quick else "full", "repetitions": a.reps,
                   "partitions": PARTITIONS, "bootstrap": a.bootstrap, "command": a.command_line,
                   "idle_timeout_ms": consumers.IDLE_TIMEOUT_MS, "notes": self.notes,
                   "settings": {"librdkafka": RDKAFKA_PROPS}}
        log(f"machine: {results['machine']}")
        if not self.clients:
            raise RunFailed("no consumer to compare: none of rawconsume, rdkafka_consume, "
                            "franz_consume or Java is available")
        if not executable(a.rawproduce):
            raise RunFailed(f"rawproduce ({a.rawproduce}) is needed to prepare the topics and is not built")
        results["loopback_bytes_per_sec"] = self.loopback()
        log(f"loopback: {results['loopback_bytes_per_sec'] / 1e9:.2f} GB/s")
        prepared, made = [], []
        try:
            for t in topics(a.quick):
                prep = self.prepare(t)
                made.append(self.topic_name(t))
                prepared.append(dict(t, topic=self.topic_name(t), prepare=prep))
            results["java_startup_cpu_s"] = self.java_startup_cpu(prepared[0])
            self.warm_up(prepared)
            runs, errors = self.interleaved_runs(prepared, results["loopback_bytes_per_sec"])
        finally:
            self.delete_topics(made)
        results["topics"] = [summarize(t, runs[t["key"]], errors[t["key"]], self.notes)
                             for t in prepared]
        add_java_without_startup(results)
        results["versions"] = {}
        for s in results["topics"]:
            for name, c in s["clients"].items():
                results["versions"].setdefault(name, c.get("version"))
        results["machine"]["loadavg_at_end"] = os.getloadavg()
        return results


METRICS = ("records_per_sec", "mb_per_sec", "seconds", "cpu_ns_per_record",
           "self_reported_cpu_ns_per_record", "broker_cpu_ns_per_record", "machine_busy_fraction",
           "other_cpu_s", "fraction_of_loopback")
REFERENCE = "rawkafka-parse"  # the row the ratios are rawkafka's


def summarize(t, runs, errors, notes):
    """Medians per client; rawkafka (parse)'s ratios to each peer; a check that the clients that
    checksum every value agree on the topic's bytes."""
    medians = {}
    for name, results in runs.items():
        if not results:
            continue
        medians[name] = {m: statistics.median(r[m] for r in results) for m in METRICS
                         if all(r.get(m) is not None for r in results)}
        medians[name]["runs"] = len(results)
        medians[name]["version"] = results[0].get("version")
        if results[0].get("details"):
            medians[name]["details"] = results[0]["details"]
    ratios = {}
    raw = medians.get(REFERENCE)
    if raw:
        for other, peer in medians.items():
            if other.startswith("rawkafka"):
                continue
            ratios[f"rawkafka_vs_{other}"] = {
                "records_per_sec": raw["records_per_sec"] / peer["records_per_sec"],
                "cpu_ns_per_record": raw["cpu_ns_per_record"] / peer["cpu_ns_per_record"],
            }
    # rdkafka_consume, franz_consume and rawconsume's parse mode compute the same value checksum
    # (rawconsume prints it in hex; raw mode sums batch headers instead, as it reads no value).
    def checksum(r):
        value = r["details"]["checksum"]
        return int(value, 16) if isinstance(value, str) else int(value)
    sums = {name: {checksum(r) for r in results if "checksum" in r.get("details", {})}
            for name, results in runs.items()
            if name in ("librdkafka", "librdkafka-debian", "franz-go", "rawkafka-parse")}
    distinct = set().union(*sums.values()) if sums else set()
    if len(distinct) > 1:
        notes.append(f"{t['key']}: the value checksums differ between clients "
                     f"({ {n: sorted(v) for n, v in sums.items()} }): they did not read the same bytes")
    return {"key": t["key"], "short": t["short"], "name": t["name"], "topic": t["topic"],
            "records": t["records"], "compressed": t["compressed"], "prepare": t["prepare"], "clients": medians, "ratios": ratios,
            "value_checksums_agree": len(distinct) == 1 if distinct else None,
            "errors": errors,
            "runs": {name: [{k: v for k, v in r.items() if k != "command"} for r in results]
                     for name, results in runs.items()},
            "commands": {name: results[0]["command"] for name, results in runs.items() if results}}


def add_java_without_startup(results):
    startup = results.get("java_startup_cpu_s")
    if not startup:
        return
    for s in results["topics"]:
        java = s["clients"].get("java")
        if java:
            java["cpu_ns_per_record_without_startup"] = max(
                0.0, java["cpu_ns_per_record"] - startup * 1e9 / s["records"])


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-java", action="store_true")
    p.add_argument("--out", required=True)
    p.add_argument("--reps", type=int, default=None)
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--build-dir", required=True)
    p.add_argument("--kafka-local")
    p.add_argument("--command-line", default="scripts/bench-compare --consume")
    p.add_argument("--rawconsume", help="rawconsume binary (default: BUILD_DIR/tools/rawconsume)")
    p.add_argument("--rawproduce", help="rawproduce binary that prepares the topics "
                                        "(default: BUILD_DIR/tools/rawproduce)")
    p.add_argument("--rdkafka-lib-dir", help="folder holding the current librdkafka.so.1")
    p.add_argument("--rdkafka-debian", action="store_true",
                   help="also run rdkafka_consume with the system's librdkafka")
    p.add_argument("--kafka-tools-version", default="4.4.0")
    p.add_argument("--broker-pid-file", help="pid file of the local broker, to measure its CPU")
    args = p.parse_args(argv)
    if args.reps is None:
        args.reps = 3 if args.quick else 5
    bench = os.path.join(args.build_dir, "benchmarks")
    args.rawconsume = args.rawconsume or os.path.join(args.build_dir, "tools", "rawconsume")
    args.rawproduce = args.rawproduce or os.path.join(args.build_dir, "tools", "rawproduce")
    args.rdkafka_consume = os.path.join(bench, "rdkafka_consume")
    args.franz_consume = os.path.join(bench, "franz_consume")
    args.loopback_bandwidth = os.path.join(bench, "loopback_bandwidth")
    return args


def main(argv):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    try:
        results = ConsumeBench(args).run()
    except RunFailed as e:
        log(str(e))
        return 1
    chart = consume_report.write_chart(results, args.out)
    consume_report.write_markdown(results, os.path.join(args.out, "results.md"))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
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
