#!/usr/bin/env bash
# Before/after of the producer's hot path: two rawproduce builds and librdkafka (rdkafka_produce
# under the newest librdkafka bench-compare fetched) against the null sink, interleaved in
# rotating order, a fresh sink per run. CPU is measured from outside (/usr/bin/time of the whole
# process, start-up included; user and system apart) and from inside (rawproduce's report).
#   benchmarks/compare/null-sink-ab.sh OLD_RAWPRODUCE NEW_RAWPRODUCE [REPS=5] [RECORDS=10000000]
# Run from the project root after scripts/bench-compare has built build/ (null_sink,
# rdkafka_produce, build/librdkafka-*); OLD is e.g. a worktree's build of the commit before.
# The records: 100 random bytes each (rawproduce's --record-size pool), acks=1, no compression.
set -euo pipefail
OLD=${1:?old rawproduce}; NEW=${2:?new rawproduce}; REPS=${3:-5}; N=${4:-10000000}
SINK=${SINK:-build/benchmarks/null_sink}; RDKAFKA=${RDKAFKA:-build/benchmarks/rdkafka_produce}
PORT=${PORT:-19990}
LIB=$(ls -d build/librdkafka-* 2>/dev/null | tail -1 || true)
ARGS="--record-size 100 --producer-props acks=1 linger.ms=5 batch.size=524288 buffer.memory=33554432 compression.type=none"
for f in "$SINK" "$RDKAFKA" "$OLD" "$NEW"; do
  [[ -x "$f" ]] || { echo "null-sink-ab: no $f (build it first; see the header)" >&2; exit 2; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

run() {  # label program...
  local label=$1; shift
  "$SINK" --port "$PORT" --partitions 8 >/dev/null 2>&1 & local sink=$!
  sleep 0.3
  # shellcheck disable=SC2086
  if ! /usr/bin/time -f '%U %S %e' -o "$tmp/t" "$@" --bootstrap-server "127.0.0.1:$PORT" --topic t \
       --num-records "$N" --json $ARGS >"$tmp/j" 2>/dev/null; then
    kill "$sink"; echo "null-sink-ab: $label failed" >&2; exit 1
  fi
  kill "$sink"; wait "$sink" 2>/dev/null || true
  python3 - "$label" "$N" "$tmp/t" "$tmp/j" <<'PY'
import json, sys
label, n, t, j = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
u, s, e = map(float, open(t).read().split()[:3]); d = json.load(open(j))
print(f"{label} {d['records_per_sec']:.0f} {(u+s)*1e9/n:.1f} {d.get('client_cpu_ns_per_record', 0):.1f} "
      f"{u*1e9/n:.1f} {s*1e9/n:.1f}")
PY
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
labels=(old new librdkafka)
for i in $(seq "$REPS"); do
  for k in 0 1 2; do
    case ${labels[$(( (i + k) % 3 ))]} in
      old) run old "$OLD" ;;
      new) run new "$NEW" ;;
      librdkafka) run librdkafka env LD_LIBRARY_PATH="$LIB" "$RDKAFKA" ;;
    esac
  done
done | tee "$tmp/rows"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/rows" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print("client      records/s: median (range)         CPU ns/record outside: median (range)   inside   user   sys")
for label in ("old", "new", "librdkafka"):
    r = [x for x in rows if x[0] == label]
    col = lambda k: [float(x[k]) for x in r]
    med = lambda k: statistics.median(col(k))
    print(f"{label:10} {med(1):>12,.0f} ({min(col(1)):,.0f}-{max(col(1)):,.0f})   {med(2):7.1f} ({min(col(2)):.0f}-{max(col(2)):.0f})"
          f"            {med(3):7.1f} {med(4):6.1f} {med(5):5.1f}")
PY
