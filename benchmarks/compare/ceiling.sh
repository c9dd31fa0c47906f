#!/usr/bin/env bash
# The client's own ceiling with pinned cores (for a machine with 5+ cores): loopback bandwidth,
# then rawproduce and rdkafka_produce against the null sink, client on cores 2-3, sink on core 4.
#   benchmarks/compare/ceiling.sh BIN_DIR PAYLOAD_FILE OUT_DIR
# BIN_DIR holds rawproduce, rdkafka_produce, null_sink and loopback_bandwidth; PAYLOAD_FILE is
# scripts/bench-compare's payload-random-100.txt. Each run leaves <name>.client.json and
# <name>.sink.json in OUT_DIR.
set -euo pipefail
BIN="$1" PAYLOAD="$2" OUT="$3"
mkdir -p "$OUT"
nproc; grep -m1 'model name' /proc/cpuinfo; uname -r; uptime
"$BIN/loopback_bandwidth" --seconds 3 --json | tee "$OUT/loopback.json"
PROPS="acks=1 linger.ms=5 batch.size=524288 buffer.memory=33554432 max.in.flight.requests.per.connection=5 compression.type=none enable.idempotence=false"

run() {  # name client_cores sink_cores records program
  local name=$1 client_cores=$2 sink_cores=$3 records=$4 program=$5 sink
  taskset -c "$sink_cores" "$BIN/null_sink" --port 39392 --partitions 8 > "$OUT/$name.sink.json" 2>/dev/null &
  sink=$!
  sleep 0.3
  # shellcheck disable=SC2086
  taskset -c "$client_cores" "$BIN/$program" --bootstrap-server 127.0.0.1:39392 --topic t \
    --num-records "$records" --payload-file "$PAYLOAD" --throughput -1 --json \
    --producer-props $PROPS 2>/dev/null > "$OUT/$name.client.json"
  kill -TERM "$sink"
  wait "$sink" || true
  echo "$name: $(cat "$OUT/$name.client.json")"
  echo "  sink: $(cat "$OUT/$name.sink.json")"
}

for i in 1 2 3; do
  run "rawkafka-$i" 2-3 4 20000000 rawproduce
  run "librdkafka-$i" 2-3 4 5000000 rdkafka_produce
done
