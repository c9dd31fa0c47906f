"""The consumers of the comparison (scripts/bench-compare --consume): how to run each one and how
to read its report.

Every consumer reads the same prepared topic from its start, with no consumer group where the
client allows it (Java's ConsumerPerformance always joins one: a fresh group per run), until it
has the topic's N records. Client CPU "outside" is the user+sys time of the client's process tree
from wait4(), start-up included, the same measure for every client; "inside" is what the client
itself reports over its own life (getrusage), where it does.
"""

import os
import re
import subprocess

from clients import RunFailed, last_json_object, measured_run

# Stop a run when no record came for this long: the topic holds exactly N records, so a client
# that stalls this long has failed, not finished.
IDLE_TIMEOUT_MS = 10000


class NativeConsumer:
    """rdkafka_consume and franz_consume: the same flags, one JSON line on stdout.

    env: extra environment (LD_LIBRARY_PATH for another librdkafka); props: client properties
    passed as -X key=value."""

    def __init__(self, name, binary, env=None, props=None):
        self.name = name
        self.binary = binary
        self.env = dict(os.environ, **env) if env else None
        self.props = dict(props or {})

    def command(self, bootstrap, topic, records, run_tag):
        argv = [self.binary, "--bootstrap-server", bootstrap, "--topic", topic,
                "--messages", str(records), "--timeout", str(IDLE_TIMEOUT_MS), "--parse"]
        for k, v in self.props.items():
            argv += ["-X", f"{k}={v}"]
        return argv

    def parse(self, output):
        report = last_json_object(output)
        if report is None:
            raise RunFailed(f"{self.name} printed no JSON report")
        return native_result(report, report.get("version"),
                             {k: report[k] for k in ("mode", "checksum", "go_version") if k in report})


class RawConsume:
    """build/tools/rawconsume, ours, in one of its modes: parse (every record decompressed,
    parsed and handed out) or raw (batch headers only: the fetch path's ceiling)."""

    def __init__(self, name, binary, mode, version):
        self.name = name
        self.binary = binary
        self.mode = mode
        self.version = version
        self.env = None

    def command(self, bootstrap, topic, records, run_tag):
        return [self.binary, "--bootstrap-server", bootstrap, "--topic", topic,
                "--messages", str(records), "--timeout", str(IDLE_TIMEOUT_MS), "--threads", "1",
                "--mode", self.mode, "--json"]

    def parse(self, output):
        report = last_json_object(output)
        if report is None:
            raise RunFailed(f"rawconsume --mode {self.mode} printed no JSON report")
        return native_result(report, self.version,
                             {k: report[k] for k in ("mode", "backend", "threads", "checksum",
                                                     "fetch_version") if k in report})


def native_result(report, version, details):
    records, seconds = int(report["records"]), float(report["seconds"])
    inside = report.get("cpu_ns_per_record")
    return {
        "records": records,
        "bytes": int(report["bytes"]),
        "seconds": seconds,
        "records_per_sec": float(report["records_per_sec"]),
        # MB as perf-test means it (2^20 bytes), from the client's own bytes and seconds, so
        # that every client's figure is the same quotient.
        "mb_per_sec": int(report["bytes"]) / seconds / 2**20 if seconds > 0 else 0.0,
        "self_reported_cpu_ns_per_record": None if inside is None else float(inside),
        "self_reported_cpu_s": (float(report["cpu_user_seconds"]) + float(report["cpu_sys_seconds"])
                                if "cpu_user_seconds" in report and "cpu_sys_seconds" in report else None),
        "version": version,
        "details": details,
    }


# ConsumerPerformance's summary: start.time, end.time, data.consumed.in.MB, MB.sec,
# data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
JAVA_SUMMARY = re.compile(
    r"^\s*(\d{4}-\d\d-\d\d [\d:]+), (\d{4}-\d\d-\d\d [\d:]+), ([-\d.]+), ([-\d.]+), (\d+), ([-\d.]+), "
    r"(-?\d+), (-?\d+), ([-\d.]+), ([-\d.]+)\s*$", re.MULTILINE)


class JavaConsumer:
    """org.apache.kafka.tools.ConsumerPerformance through scripts/kafka-local tool.

    It subscribes with a group (Kafka 4's tool cannot do without one), so each run gets a fresh
    group id and its figures split the group join (rebalance.time.ms) from the fetching; the
    records/s reported here are its fetch.nMsg.sec (the records over the time after the join),
    the closest to the others' first-record-to-last."""

    name = "java"

    def __init__(self, kafka_local, tools_version):
        self.kafka_local = kafka_local
        self.tools_version = tools_version
        self.env = dict(os.environ, RAWKAFKA_KAFKA_TOOLS_VERSION=tools_version)
        self.version = f"kafka-clients {tools_version}"
        self._help = None

    def help_text(self):
        if self._help is None:
            # Its option parser prints the help on stderr.
            proc = subprocess.run([self.kafka_local, "tool", "consumer-perf-test", "--help"],
                                  capture_output=True, text=True, env=self.env)
            self._help = proc.stdout + proc.stderr
        return self._help

    def command(self, bootstrap, topic, records, run_tag):
        # --num-records replaced --messages (deprecated) in recent tools.
        count_flag = "--num-records" if "--num-records" in self.help_text() else "--messages"
        return [self.kafka_local, "tool", "consumer-perf-test", "--bootstrap-server", bootstrap,
                "--topic", topic, count_flag, str(records), "--timeout", str(IDLE_TIMEOUT_MS),
                "--group", f"bench-consume-{run_tag}"]

    def parse(self, output):
        rows = JAVA_SUMMARY.findall(output)
        if not rows:
            raise RunFailed("ConsumerPerformance printed no summary line")
        (_start, _end, mb, mb_s, n, n_s, rebalance_ms, fetch_ms, fetch_mb_s, fetch_n_s) = rows[-1]
        return {
            "records": int(n),
            "bytes": int(round(float(mb) * 2**20)),  # its MB are 2^20 bytes
            "seconds": int(fetch_ms) / 1000,
            "records_per_sec": float(fetch_n_s),
            "mb_per_sec": float(fetch_mb_s),
            "self_reported_cpu_ns_per_record": None,
            "self_reported_cpu_s": None,
            "version": self.version,
            "details": {"rebalance_ms": int(rebalance_ms), "records_per_sec_with_join": float(n_s),
                        "mb_per_sec_with_join": float(mb_s)},
        }


def run_consumer(client, bootstrap, topic, records, log_path, timeout_s, run_tag, broker_pid=None,
                 exact=True):
    """One consumer run, with what it cost (clients.measured_run). exact=False: reading more than
    asked is fine (Java's tool counts whole polls of 500)."""
    argv = client.command(bootstrap, topic, records, run_tag)
    output, costs = measured_run(client.name, argv, client.env, log_path, timeout_s, broker_pid)
    result = client.parse(output)
    if result["records"] < records or (exact and result["records"] != records):
        raise RunFailed(f"{client.name} read {result['records']} of the topic's {records} records")
    result.update(costs(result["records"]))
    result["command"] = argv
    return result
