"""The producers of the comparison: how to run each one and how to read its report.

Every client gets the same topic layout, the same records (rawproduce's seeded record pool,
tools/rawproduce/payload.hpp, which the other clients read from a payload file) and the same
producer properties. Client CPU is the user+sys time of the client's process tree, from wait4().
"""

import json
import os
import re
import signal
import subprocess
import time


class RunFailed(Exception):
    pass


def run_measured(argv, log_path, timeout_s, env=None):
    """Runs argv with stdout+stderr to log_path; returns (exit code, output, cpu seconds, wall s)."""
    with open(log_path, "wb") as log:
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        deadline = start + timeout_s
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    with open(log_path, "r", errors="replace") as f:
        output = f.read()
    if wall > timeout_s:
        raise RunFailed(f"{argv[0]} ran past {timeout_s:.0f} s (log: {log_path})")
    return proc.returncode, output, usage.ru_utime + usage.ru_stime, wall


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid):
    """user+sys seconds of a process (the broker), or None when it cannot be read."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def machine_busy_s():
    """CPU seconds all CPUs of the machine spent busy (not idle, not waiting for I/O)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / CLOCK_TICKS


def last_json_object(output):
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            return json.loads(line)
    return None


def props_args(props):
    return [f"{k}={v}" for k, v in props.items()]


class NativeClient:
    """rawproduce, rdkafka_produce and franz_produce: same flags, one JSON object on stdout.

    env: extra environment (LD_LIBRARY_PATH for another librdkafka); version: what to report
    when the program's JSON carries no "version"; needs_payload_file: the program cannot make
    the records itself (franz_produce)."""

    def __init__(self, name, binary, extra_args=(), env=None, version=None,
                 needs_payload_file=False):
        self.name = name
        self.binary = binary
        self.extra_args = list(extra_args)
        self.env = dict(os.environ, **env) if env else None
        self.version = version
        self.needs_payload_file = needs_payload_file

    def supports(self, scenario, payload_file):
        if self.needs_payload_file and not payload_file:
            return "it reads its records from a payload file, and none could be written"
        return None

    def command(self, bootstrap, topic, scenario, payload_file, throughput=-1):
        argv = [self.binary, "--bootstrap-server", bootstrap, "--topic", topic,
                "--num-records", str(scenario["records"]), "--throughput", str(throughput), "--json"]
        if payload_file:
            argv += ["--payload-file", payload_file]
        elif scenario["payload"] == "random":
            argv += ["--payload", "random", "--record-size", str(scenario["record_size"])]
        else:
            argv += ["--payload", scenario["payload"]]
        if scenario.get("keys"):
            argv += ["--keys", str(scenario["keys"])]
        argv += self.extra_args
        argv += ["--producer-props"] + props_args(scenario["props"])
        return argv

    def parse(self, output):
        report = last_json_object(output)
        if report is None:
            raise RunFailed(f"{self.name} printed no JSON report")
        latency = report.get("latency_ms", {})
        return {
            "records_sent": int(report["records_sent"]),
            "records_per_sec": float(report["records_per_sec"]),
            "mb_per_sec": float(report["mb_per_sec"]),
            "p50_ms": float(latency.get("p50", 0)),
            "p99_ms": float(latency.get("p99", 0)),
            "p999_ms": float(latency.get("p999", 0)),
            "self_reported_cpu_ns_per_record": report.get("client_cpu_ns_per_record"),
            "version": report.get("version") or self.version,
            "details": {k: report[k] for k in ("backend", "produce_version", "threads",
                                               "librdkafka_version", "go_version") if k in report},
        }


JAVA_FINAL_LINE = re.compile(
    r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th")


class JavaClient:
    """org.apache.kafka.tools.ProducerPerformance through scripts/kafka-local tool.

    Its latency runs from send() (after its own throttle, so with --throughput a late record's
    wait is not counted) and its percentiles are whole milliseconds."""

    name = "java"
    env = None

    def __init__(self, kafka_local, tools_version):
        self.kafka_local = kafka_local
        self.tools_version = tools_version
        self.env = dict(os.environ, RAWKAFKA_KAFKA_TOOLS_VERSION=tools_version)
        self._help = None
        self.version = f"kafka-clients {tools_version}"

    def help_text(self):
        if self._help is None:
            self._help = subprocess.run([self.kafka_local, "tool", "producer-perf-test", "--help"],
                                        capture_output=True, text=True, env=self.env).stdout
        return self._help

    def props_flag(self):
        # --producer-props is deprecated in recent tools in favour of --command-property.
        return "--command-property" if "--command-property" in self.help_text() else "--producer-props"

    def supports(self, scenario, payload_file):
        if scenario.get("keys") and "--key-distribution" not in self.help_text():
            return f"ProducerPerformance {self.tools_version} cannot send keyed records"
        return None

    def command(self, bootstrap, topic, scenario, payload_file, throughput=-1):
        argv = [self.kafka_local, "tool", "producer-perf-test", "--topic", topic,
                "--num-records", str(scenario["records"]), "--throughput", str(throughput)]
        if payload_file:
            argv += ["--payload-file", payload_file]
        else:
            argv += ["--record-size", str(scenario["record_size"])]
        if scenario.get("keys"):
            # Round-robin keys "0" .. "N-1": the same number of keys as the others' "key-<i mod N>".
            argv += ["--key-distribution", "range", "--record-key-range", str(scenario["keys"])]
        props = dict(scenario["props"], **{"bootstrap.servers": bootstrap})
        argv += [self.props_flag()] + props_args(props)
        return argv

    def parse(self, output):
        finals = JAVA_FINAL_LINE.findall(output)
        if not finals:
            raise RunFailed("ProducerPerformance printed no final summary line")
        sent, rps, mbps, _avg, _max, p50, _p95, p99, p999 = finals[-1]
        return {
            "records_sent": int(sent),
            "records_per_sec": float(rps),
            "mb_per_sec": float(mbps),
            "p50_ms": float(p50),
            "p99_ms": float(p99),
            "p999_ms": float(p999),
            "self_reported_cpu_ns_per_record": None,
            "version": self.version,
            "details": {},
        }


def read_pid(path):
    """The pid in a pid file (scripts/kafka-local's), None without a file or a readable pid."""
    if not path:
        return None
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def measured_run(name, argv, env, log_path, timeout_s, broker_pid=None):
    """Runs one client: its output, and what the run cost (a function of the record count giving
    the figures): the client's CPU from outside, the broker's (when its pid is known) and how busy
    the whole machine was, so that a run limited by the broker or by other work on the machine
    shows it. A non-zero exit raises RunFailed with the log's tail."""
    load = os.getloadavg()[0]
    broker0, busy0 = process_cpu_s(broker_pid), machine_busy_s()
    code, output, cpu_s, wall_s = run_measured(argv, log_path, timeout_s, env=env)
    broker1, busy1 = process_cpu_s(broker_pid), machine_busy_s()
    if code != 0:
        tail = "\n".join(output.splitlines()[-5:])
        raise RunFailed(f"{name} exited with {code} (log: {log_path}):\n{tail}")

    def costs(records):
        records = max(records, 1)
        busy = busy1 - busy0
        out = {"cpu_s": cpu_s, "wall_s": wall_s, "cpu_ns_per_record": cpu_s * 1e9 / records,
               "loadavg_1m_before": load,
               "machine_busy_fraction": busy / ((os.cpu_count() or 1) * wall_s) if wall_s > 0 else None}
        if broker0 is not None and broker1 is not None:
            out["broker_cpu_s"] = broker1 - broker0
            out["broker_cpu_ns_per_record"] = (broker1 - broker0) * 1e9 / records
            # What else ran meanwhile (another job on the machine), in CPU seconds.
            out["other_cpu_s"] = max(0.0, busy - cpu_s - (broker1 - broker0))
        return out
    return output, costs


def run_client(client, bootstrap, topic, scenario, payload_file, log_path, timeout_s, throughput=-1,
               broker_pid=None):
    """One producer run, with what it cost (measured_run)."""
    argv = client.command(bootstrap, topic, scenario, payload_file, throughput)
    output, costs = measured_run(client.name, argv, client.env, log_path, timeout_s, broker_pid)
    result = client.parse(output)
    if result["records_sent"] != scenario["records"]:
        raise RunFailed(f"{client.name} sent {result['records_sent']} of {scenario['records']} records")
    result.update(costs(result["records_sent"]))
    result["command"] = argv
    return result
