#!/usr/bin/env bash
# What TLS costs: rawproduce and librdkafka (rdkafka_produce under the newest librdkafka
# bench-compare fetched, else the system's) each producing the same records to a plaintext
# broker and to a TLS one (scripts/kafka-local --security ssl: TLS 1.3, certificate and hostname
# checked), interleaved in rotating order, medians. CPU is measured from outside (/usr/bin/time
# of the whole process, start-up included), the broker's from /proc over each run.
#   benchmarks/compare/tls-ab.sh [REPS=5] [RECORDS=3000000]
# Run from the project root after scripts/bench-compare (or ./scripts/build --release plus
# `ninja -C build rdkafka_produce`) has built build/. Brokers: ports 28392 (plaintext) and
# 28492 (TLS), started and stopped here. The records: 100 random bytes each, acks=1, linger.ms=5,
# no compression, 3 partitions. Each client warms each broker up once before the counted runs.
set -euo pipefail
REPS=${1:-5}; N=${2:-3000000}
RAW=${RAW:-build/tools/rawproduce}; RDKAFKA=${RDKAFKA:-build/benchmarks/rdkafka_produce}
KAFKA_LOCAL=scripts/kafka-local
PLAIN_PORT=28392; TLS_PORT=28492
LIB=${LIB_DIR:-$(ls -d build/librdkafka-* 2>/dev/null | tail -1 || true)}
ARGS="--record-size 100 --partitions 3 --replication-factor 1"
PROPS="acks=1 linger.ms=5 batch.size=524288 compression.type=none"
for f in "$RAW" "$RDKAFKA"; do
  [[ -x "$f" ]] || { echo "tls-ab: no $f (build it first; see the header)" >&2; exit 2; }
done
tmp=$(mktemp -d)
stop() {
  "$KAFKA_LOCAL" stop --port "$PLAIN_PORT" --name tlsab-plain >/dev/null 2>&1 || true
  "$KAFKA_LOCAL" stop --port "$TLS_PORT" --name tlsab-tls >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap stop EXIT
"$KAFKA_LOCAL" start --port "$PLAIN_PORT" --name tlsab-plain >/dev/null
"$KAFKA_LOCAL" start --port "$TLS_PORT" --name tlsab-tls --security ssl >"$tmp/tls-start"
PROPERTIES=$(sed -n 's/^client properties: //p' "$tmp/tls-start")
CA="$(dirname "$PROPERTIES")/tls/ca.pem"
[[ -f "$CA" ]] || { echo "tls-ab: the TLS broker wrote no CA ($CA)" >&2; exit 1; }

# CPU seconds the broker on `port` has used so far (user + system, from /proc).
broker_cpu() {
  local name=tlsab-plain
  [[ $1 == "$TLS_PORT" ]] && name=tlsab-tls
  local pid
  pid=$(cat ".cache/kafka-local/$name-$1/node-0/kafka.pid" 2>/dev/null || true)
  [[ -n "$pid" && -r /proc/$pid/stat ]] || { echo 0; return; }
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$pid/stat"
}

run() {  # label transport
  local label=$1 transport=$2 topic="tlsab-$1-$2-$RANDOM" cmd security=()
  local port=$PLAIN_PORT
  if [[ $transport == tls ]]; then
    port=$TLS_PORT
    security=(security.protocol=SSL "ssl.ca.location=$CA" ssl.endpoint.identification.algorithm=https)
  fi
  case $label in
    rawkafka) cmd=("$RAW") ;;
    librdkafka) cmd=(env LD_LIBRARY_PATH="$LIB" "$RDKAFKA") ;;
  esac
  local broker0
  broker0=$(broker_cpu "$port")
  # shellcheck disable=SC2086
  if ! /usr/bin/time -f '%U %S %e' -o "$tmp/t" "${cmd[@]}" --bootstrap-server "127.0.0.1:$port" --topic "$topic" \
       --num-records "$N" $ARGS --json --producer-props $PROPS "${security[@]}" >"$tmp/j" 2>"$tmp/e"; then
    echo "tls-ab: $label over $transport failed: $(tail -3 "$tmp/e")" >&2; exit 1
  fi
  python3 - "$label" "$transport" "$N" "$tmp/t" "$tmp/j" "$broker0" "$(broker_cpu "$port")" <<'PY'
import json, sys
label, transport, n, t, j = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
broker = (float(sys.argv[7]) - float(sys.argv[6])) * 1e9 / n
u, s, e = map(float, open(t).read().split()[:3]); d = json.load(open(j))
print(f"{label} {transport} {d['records_per_sec']:.0f} {(u+s)*1e9/n:.1f} {d.get('client_cpu_ns_per_record', 0):.1f} {broker:.0f}")
PY
}

# A fresh broker runs its first loads at half speed or less while the JVM compiles: one run of
# each client on each broker first, not counted.
for warm in "rawkafka plain" "rawkafka tls" "librdkafka plain" "librdkafka tls"; do
  # shellcheck disable=SC2086
  run $warm >/dev/null
done
echo "librdkafka: ${LIB:-Debian}; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
runs=("rawkafka plain" "rawkafka tls" "librdkafka plain" "librdkafka tls")
for i in $(seq "$REPS"); do
  for k in 0 1 2 3; do
    # shellcheck disable=SC2086
    run ${runs[$(( (i + k) % 4 ))]}
  done
done | tee "$tmp/rows"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/rows" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
print("client      transport  records/s: median (range)      CPU ns/record outside: median (range)   broker CPU ns/record")
for label in ("rawkafka", "librdkafka"):
    for transport in ("plain", "tls"):
        r = [x for x in rows if x[0] == label and x[1] == transport]
        rate = [float(x[2]) for x in r]; cpu = [float(x[3]) for x in r]; broker = [float(x[5]) for x in r]
        med[label, transport] = (statistics.median(rate), statistics.median(cpu))
        print(f"{label:11} {transport:9} {med[label, transport][0]:>12,.0f} ({min(rate):,.0f}-{max(rate):,.0f})"
              f"   {med[label, transport][1]:7.1f} ({min(cpu):.0f}-{max(cpu):.0f})"
              f"                 {statistics.median(broker):6.0f} ({min(broker):.0f}-{max(broker):.0f})")
for label in ("rawkafka", "librdkafka"):
    p, t = med[label, "plain"], med[label, "tls"]
    print(f"{label}: TLS keeps {t[0] / p[0]:.2f}x of its plaintext records/s, at {t[1] / p[1]:.2f}x its CPU per record")
r, l = med["rawkafka", "tls"], med["librdkafka", "tls"]
print(f"over TLS, rawkafka/librdkafka: {r[0] / l[0]:.2f}x the records/s, {r[1] / l[1]:.2f}x the CPU per record")
PY
