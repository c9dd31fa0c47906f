#!/usr/bin/env python3
"""Partition the Java client picks for each key, from a transcription of Java's
org.apache.kafka.common.utils.Utils.murmur2 (32-bit ints, signed shifts emulated) and
BuiltInPartitioner.partitionForKey: toPositive(murmur2(key)) % numPartitions.

usage: java_partition.py NUM_PARTITIONS < keys (one per line)  -> one partition per line
"""
import sys


def to_int32(v):
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def urshift(v, n):  # Java's >>> on an int
    return (v & 0xFFFFFFFF) >> n


def murmur2(data: bytes) -> int:
    length = len(data)
    seed = 0x9747B28C
    m = 0x5BD1E995
    r = 24
    h = to_int32(seed ^ length)
    length4 = length // 4
    for i in range(length4):
        i4 = i * 4
        k = (data[i4 + 0] & 0xFF) + ((data[i4 + 1] & 0xFF) << 8) + \
            ((data[i4 + 2] & 0xFF) << 16) + ((data[i4 + 3] & 0xFF) << 24)
        k = to_int32(k * m)
        k = to_int32(k ^ urshift(k, r))
        k = to_int32(k * m)
        h = to_int32(h * m)
        h = to_int32(h ^ k)
    rest = length % 4
    base = length & ~3
    if rest == 3:
        h = to_int32(h ^ ((data[base + 2] & 0xFF) << 16))
    if rest >= 2:
        h = to_int32(h ^ ((data[base + 1] & 0xFF) << 8))
    if rest >= 1:
        h = to_int32(h ^ (data[base] & 0xFF))
        h = to_int32(h * m)
    h = to_int32(h ^ urshift(h, 13))
    h = to_int32(h * m)
    h = to_int32(h ^ urshift(h, 15))
    return h


def main():
    n = int(sys.argv[1])
    out = []
    for line in sys.stdin.read().split("\n"):
        if line == "":
            continue
        out.append(str((murmur2(line.encode()) & 0x7FFFFFFF) % n))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
