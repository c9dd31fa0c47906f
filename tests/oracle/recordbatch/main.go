// Command recordbatch writes RecordBatch v2 fixtures encoded by franz-go's kmsg, an
// implementation independent of ours, so the C++ tests can check that our reader parses them
// and that our writer, given the same inputs, produces the same bytes.
//
// Usage: recordbatch <output file>
//
// Output (all integers big-endian):
//
//	int32 caseCount
//	per case:
//	  int64 producerId | int16 producerEpoch | int32 baseSequence | int32 partitionLeaderEpoch |
//	  int8 transactional | int64 baseTimestamp | int32 recordCount
//	  per record: int64 timestamp | bytes key | bytes value | int32 headerCount |
//	              per header: bytes key | bytes value
//	  bytes batch            (bytes = int32 length, -1 for null, then the bytes)
package main

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand"
	"os"

	"github.com/twmb/franz-go/pkg/kmsg"
)

type header struct {
	key   []byte
	value []byte // nil = null
}

type record struct {
	timestamp int64
	key       []byte // nil = null
	value     []byte // nil = null
	headers   []header
}

type batchCase struct {
	producerID    int64
	producerEpoch int16
	baseSequence  int32
	leaderEpoch   int32
	transactional bool
	records       []record
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encode builds the batch with kmsg: records first (with their varint lengths), then the
// header, then batchLength and the CRC-32C over attributes..end, as the protocol guide says.
func encode(c batchCase) []byte {
	base := c.records[0].timestamp
	maxTs := base
	var records []byte
	for i, r := range c.records {
		if r.timestamp > maxTs {
			maxTs = r.timestamp
		}
		rec := kmsg.Record{
			TimestampDelta64: r.timestamp - base,
			OffsetDelta:      int32(i),
			Key:              r.key,
			Value:            r.value,
		}
		for _, h := range r.headers {
			rec.Headers = append(rec.Headers, kmsg.Header{Key: string(h.key), Value: h.value})
		}
		// Length covers everything after itself: encode once with Length 0 (one byte) to measure.
		rec.Length = int32(len(rec.AppendTo(nil)) - 1)
		records = rec.AppendTo(records)
	}
	var attributes int16
	if c.transactional {
		attributes |= 0x10
	}
	batch := kmsg.RecordBatch{
		FirstOffset:          0,
		PartitionLeaderEpoch: c.leaderEpoch,
		Magic:                2,
		Attributes:           attributes,
		LastOffsetDelta:      int32(len(c.records) - 1),
		FirstTimestamp:       base,
		MaxTimestamp:         maxTs,
		ProducerID:           c.producerID,
		ProducerEpoch:        c.producerEpoch,
		FirstSequence:        c.baseSequence,
		NumRecords:           int32(len(c.records)),
		Records:              records,
	}
	out := batch.AppendTo(nil)
	binary.BigEndian.PutUint32(out[8:], uint32(len(out)-12))
	binary.BigEndian.PutUint32(out[17:], crc32.Checksum(out[21:], castagnoli))
	return out
}

func cases() []batchCase {
	rng := rand.New(rand.NewSource(20240601))
	randBytes := func(n int) []byte {
		b := make([]byte, n)
		rng.Read(b)
		return b
	}
	var out []batchCase
	// One small record, plain producer.
	out = append(out, batchCase{producerID: -1, producerEpoch: -1, baseSequence: -1, leaderEpoch: -1,
		records: []record{{timestamp: 1700000000000, key: []byte("key"), value: []byte("value")}}})
	// Null key, empty value, null value, headers with null and empty values.
	out = append(out, batchCase{producerID: -1, producerEpoch: -1, baseSequence: -1, leaderEpoch: -1,
		records: []record{
			{timestamp: 1700000000123, key: nil, value: []byte{}},
			{timestamp: 1700000000124, key: []byte{}, value: nil},
			{timestamp: 1700000000100, key: []byte("k"), value: []byte("v"), headers: []header{
				{key: []byte("trace-id"), value: []byte("abc123")},
				{key: []byte("null"), value: nil},
				{key: []byte(""), value: []byte{}},
			}},
		}})
	// Idempotent producer, large timestamp deltas (multi-byte varlongs), out-of-order timestamps.
	out = append(out, batchCase{producerID: 123456789012, producerEpoch: 7, baseSequence: 2147483000,
		leaderEpoch: 42, records: []record{
			{timestamp: 1, key: []byte("a"), value: randBytes(300)},
			{timestamp: 1 << 40, key: nil, value: randBytes(20000)},
			{timestamp: -5, key: randBytes(200), value: randBytes(1)},
		}})
	// Transactional producer.
	out = append(out, batchCase{producerID: 99, producerEpoch: 0, baseSequence: 0, leaderEpoch: 3,
		transactional: true, records: []record{{timestamp: 1700000000000, key: []byte("tx"), value: []byte("commit me")}}})
	// Many records of varied shape: offset deltas past one varint byte, random headers.
	many := batchCase{producerID: 5, producerEpoch: 1, baseSequence: 1000, leaderEpoch: -1}
	ts := int64(1700000000000)
	for i := 0; i < 300; i++ {
		ts += int64(rng.Intn(50))
		r := record{timestamp: ts, value: randBytes(rng.Intn(200))}
		if rng.Intn(3) > 0 {
			r.key = randBytes(rng.Intn(40))
		}
		for h := rng.Intn(3); h > 0; h-- {
			hv := randBytes(rng.Intn(30))
			if rng.Intn(4) == 0 {
				hv = nil
			}
			r.headers = append(r.headers, header{key: []byte(fmt.Sprintf("h%d", rng.Intn(100))), value: hv})
		}
		many.records = append(many.records, r)
	}
	out = append(out, many)
	return out
}

func appendBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.BigEndian.AppendUint32(dst, 0xffffffff)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: recordbatch <output file>")
		os.Exit(2)
	}
	all := cases()
	var out []byte
	out = binary.BigEndian.AppendUint32(out, uint32(len(all)))
	for _, c := range all {
		out = binary.BigEndian.AppendUint64(out, uint64(c.producerID))
		out = binary.BigEndian.AppendUint16(out, uint16(c.producerEpoch))
		out = binary.BigEndian.AppendUint32(out, uint32(c.baseSequence))
		out = binary.BigEndian.AppendUint32(out, uint32(c.leaderEpoch))
		if c.transactional {
			out = append(out, 1)
		} else {
			out = append(out, 0)
		}
		out = binary.BigEndian.AppendUint64(out, uint64(c.records[0].timestamp))
		out = binary.BigEndian.AppendUint32(out, uint32(len(c.records)))
		for _, r := range c.records {
			out = binary.BigEndian.AppendUint64(out, uint64(r.timestamp))
			out = appendBytes(out, r.key)
			out = appendBytes(out, r.value)
			out = binary.BigEndian.AppendUint32(out, uint32(len(r.headers)))
			for _, h := range r.headers {
				out = appendBytes(out, h.key)
				out = appendBytes(out, h.value)
			}
		}
		out = appendBytes(out, encode(c))
	}
	if err := os.WriteFile(os.Args[1], out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
