// franz_produce: the franz-go side of the comparison. The flags, records and JSON report of
// rdkafka_produce (benchmarks/rdkafka_produce.cpp), producing through franz-go's kgo client.
//
//	franz_produce --bootstrap-server 127.0.0.1:9092 --topic t --num-records 1000000 \
//	              --payload-file payload.txt --throughput -1 \
//	              --producer-props acks=1 linger.ms=5 batch.size=524288 [--json]
//
// The records come from a perf-test payload file (rdkafka_produce --write-payload-file writes
// rawproduce's record pool as one), so every client sends the same bytes. Acknowledgements are
// counted in the promises. Latency runs from the produce call to the promise; with --throughput R
// record i is due at i/R seconds after the start and its latency runs from then, so a client that
// falls behind the rate is not flattered (no coordinated omission). Client CPU is getrusage of
// the process over the whole run divided by the records acknowledged.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const usage = `usage: franz_produce --topic T --num-records N --payload-file PATH [--payload-delimiter D]
         [--keys N] [--throughput RECORDS_PER_SEC|-1] [--bootstrap-server HOST:PORT]
         [--producer-props k=v ...] [--json]
`

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

type options struct {
	bootstrap   string
	topic       string
	numRecords  uint64
	payloadFile string
	delimiter   string
	keys        uint64
	throughput  float64 // records/s; <= 0: as fast as possible
	props       [][2]string
	json        bool
}

func parseOptions(args []string) (options, error) {
	o := options{bootstrap: "127.0.0.1:9092", delimiter: "\n", throughput: -1}
	for i := 0; i < len(args); i++ {
		flag := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", usageError{flag + " needs a value"}
			}
			i++
			return args[i], nil
		}
		number := func() (uint64, error) {
			v, err := value()
			if err != nil {
				return 0, err
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < -1 {
				return 0, usageError{fmt.Sprintf("%s wants a number, got '%s'", flag, v)}
			}
			return uint64(max(n, 0)), nil
		}
		var err error
		var v string
		switch flag {
		case "--bootstrap-server":
			o.bootstrap, err = value()
		case "--topic":
			o.topic, err = value()
		case "--num-records":
			o.numRecords, err = number()
		case "--payload-file":
			o.payloadFile, err = value()
		case "--payload-delimiter":
			o.delimiter, err = value()
		case "--keys":
			o.keys, err = number()
		case "--throughput":
			if v, err = value(); err == nil {
				if o.throughput, err = strconv.ParseFloat(v, 64); err != nil {
					err = usageError{fmt.Sprintf("--throughput wants records per second or -1, got '%s'", v)}
				}
			}
		case "--json":
			o.json = true
		case "--producer-props":
			for i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				i++
				k, v, ok := strings.Cut(args[i], "=")
				if !ok || k == "" {
					return o, usageError{fmt.Sprintf("--producer-props wants k=v, got '%s'", args[i])}
				}
				o.props = append(o.props, [2]string{k, v})
			}
		case "--payload", "--record-size":
			return o, usageError{"franz_produce reads its records from --payload-file " +
				"(rdkafka_produce --write-payload-file writes rawproduce's records as one)"}
		case "-h", "--help":
			fmt.Print(usage)
			os.Exit(0)
		default:
			return o, usageError{fmt.Sprintf("unknown option '%s'", flag)}
		}
		if err != nil {
			return o, err
		}
	}
	if o.topic == "" {
		return o, usageError{"--topic is required"}
	}
	if o.payloadFile == "" {
		return o, usageError{"--payload-file is required"}
	}
	return o, nil
}

// readPayload splits the file on the delimiter, dropping empty records, as perf-test does.
func readPayload(path, delimiter string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError{fmt.Sprintf("--payload-file %v", err)}
	}
	var records [][]byte
	for _, r := range bytes.Split(data, []byte(delimiter)) {
		if len(r) > 0 {
			records = append(records, r)
		}
	}
	if len(records) == 0 {
		return nil, usageError{"--payload-file " + path + ": holds no records"}
	}
	return records, nil
}

// producerOptions maps the Java producer settings to kgo's options.
func producerOptions(o options) ([]kgo.Opt, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(o.bootstrap, ",")...),
		kgo.ClientID("franz_produce"),
		kgo.DefaultProduceTopic(o.topic),
		// kgo caps the records it buffers at 50,000 besides the bytes; lift the count so that
		// buffer.memory governs, as in the Java client (rdkafka_produce does the same).
		kgo.MaxBufferedRecords(100_000_000),
		// Java's defaults where kgo's differ: no compression (kgo: snappy), idempotent with 5
		// in flight, linger 5 ms (kgo: 10 ms).
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.ProducerLinger(5 * time.Millisecond),
	}
	batchSize := int64(16384)
	idempotent := true
	inflight := 5
	fail := func(k, v string) error {
		return usageError{fmt.Sprintf("producer property %s=%s: not a value franz_produce understands", k, v)}
	}
	for _, kv := range o.props {
		k, v := kv[0], kv[1]
		n, numErr := strconv.ParseInt(v, 10, 64)
		switch k {
		case "key.serializer", "value.serializer":
			continue
		case "bootstrap.servers":
			opts = append(opts, kgo.SeedBrokers(strings.Split(v, ",")...))
			continue
		case "acks":
			switch v {
			case "0":
				opts = append(opts, kgo.RequiredAcks(kgo.NoAck()))
			case "1":
				opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()))
			case "all", "-1":
				opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
			default:
				return nil, fail(k, v)
			}
			continue
		case "compression.type":
			codec, ok := map[string]kgo.CompressionCodec{"none": kgo.NoCompression(),
				"gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
				"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression()}[v]
			if !ok {
				return nil, fail(k, v)
			}
			opts = append(opts, kgo.ProducerBatchCompression(codec))
			continue
		case "enable.idempotence":
			if v != "true" && v != "false" {
				return nil, fail(k, v)
			}
			idempotent = v == "true"
			continue
		}
		if numErr != nil || n < 0 {
			return nil, fail(k, v)
		}
		switch k {
		case "batch.size":
			batchSize = n
			opts = append(opts, kgo.ProducerBatchMaxBytes(int32(n)))
		case "linger.ms":
			opts = append(opts, kgo.ProducerLinger(time.Duration(n)*time.Millisecond))
		case "buffer.memory":
			opts = append(opts, kgo.MaxBufferedBytes(int(n)))
		case "max.in.flight.requests.per.connection":
			inflight = int(n)
		case "max.request.size":
			opts = append(opts, kgo.BrokerMaxWriteBytes(int32(n)))
		case "request.timeout.ms":
			opts = append(opts, kgo.ProduceRequestTimeout(time.Duration(n)*time.Millisecond))
		case "delivery.timeout.ms":
			opts = append(opts, kgo.RecordDeliveryTimeout(time.Duration(n)*time.Millisecond))
		case "retries":
			opts = append(opts, kgo.RecordRetries(int(n)))
		default:
			return nil, usageError{fmt.Sprintf("unknown producer property '%s'", k)}
		}
	}
	// Unkeyed records stick to a partition for batch.size bytes, as the Java client's built-in
	// partitioner does (kgo's default sticks for 64 KiB); keyed ones go by murmur2, as Java.
	opts = append(opts, kgo.RecordPartitioner(kgo.UniformBytesPartitioner(int(batchSize), true, true, nil)))
	if !idempotent {
		// With idempotence kgo always allows 5 in flight per broker; without, 1 unless told.
		opts = append(opts, kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(inflight))
	}
	return opts, nil
}

// waitForLeaders asks for the topic's metadata until every partition has a leader, so that the
// timed run does not start by waiting for a new topic to appear.
func waitForLeaders(cl *kgo.Client, topic string) error {
	deadline := time.Now().Add(30 * time.Second)
	last := "no answer"
	for time.Now().Before(deadline) {
		req := kmsg.NewPtrMetadataRequest()
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr(topic)
		req.Topics = append(req.Topics, t)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := req.RequestWith(ctx, cl)
		cancel()
		if err != nil {
			last = err.Error()
		} else if len(resp.Topics) == 1 && resp.Topics[0].ErrorCode == 0 && len(resp.Topics[0].Partitions) > 0 {
			ready := true
			for _, p := range resp.Topics[0].Partitions {
				ready = ready && p.ErrorCode == 0 && p.Leader >= 0
			}
			if ready {
				return nil
			}
			last = "a partition has no leader"
		} else if len(resp.Topics) == 1 {
			last = fmt.Sprintf("error code %d", resp.Topics[0].ErrorCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("topic %s has no leader for every partition after 30 s (%s)", topic, last)
}

// benchRecord is a kgo.Record with the time its latency runs from. The promise gets the
// *kgo.Record back, which is the first field, so it finds its benchRecord without a map.
type benchRecord struct {
	kgo.Record
	dueNs int64
}

// deliveries is what the promises accumulate. kgo calls promises one at a time, so the
// histogram needs no lock; the counters are atomic for the main goroutine to watch.
type deliveries struct {
	latency   latencyHistogram
	delivered atomic.Uint64
	failed    atomic.Uint64
	bytes     uint64 // key + value bytes acknowledged, as perf-test counts them
	firstErr  atomic.Pointer[string]
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// sleepNs waits with nanosleep: time.Sleep rounds short waits up to about a millisecond on
// some kernels, which would add that to every paced record's latency.
func sleepNs(ns int64) {
	ts := syscall.NsecToTimespec(ns)
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}

func franzVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/twmb/franz-go" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

type runResult struct {
	elapsedS float64
	cpuS     float64
}

func produceAll(cl *kgo.Client, o options, payload [][]byte, keys [][]byte, d *deliveries) runResult {
	var free sync.Pool
	free.New = func() any { return new(benchRecord) }
	promise := func(r *kgo.Record, err error) {
		br := (*benchRecord)(unsafe.Pointer(r))
		if err != nil {
			msg := err.Error()
			d.firstErr.CompareAndSwap(nil, &msg)
			d.failed.Add(1)
		} else {
			d.latency.recordNs(monoNs() - br.dueNs)
			d.bytes += uint64(len(r.Key) + len(r.Value))
			d.delivered.Add(1)
		}
		*br = benchRecord{}
		free.Put(br)
	}
	ctx := context.Background()
	cpu0 := cpuSeconds()
	start := monoNs()
	nsPerRecord := 0.0
	if o.throughput > 0 {
		nsPerRecord = 1e9 / o.throughput
	}
	for i := uint64(0); i < o.numRecords; i++ {
		br := free.Get().(*benchRecord)
		br.Value = payload[i%uint64(len(payload))]
		if len(keys) > 0 {
			br.Key = keys[i%uint64(len(keys))]
		}
		if nsPerRecord > 0 {
			br.dueNs = start + int64(float64(i)*nsPerRecord)
			if wait := br.dueNs - monoNs(); wait > 0 {
				sleepNs(wait)
			}
		} else {
			br.dueNs = monoNs()
		}
		cl.Produce(ctx, &br.Record, promise)
	}
	_ = cl.Flush(ctx)
	for d.delivered.Load()+d.failed.Load() < o.numRecords {
		time.Sleep(time.Millisecond)
	}
	return runResult{elapsedS: float64(monoNs()-start) / 1e9, cpuS: cpuSeconds() - cpu0}
}

var monoStart = time.Now()

// monoNs is nanoseconds on the monotonic clock.
func monoNs() int64 { return int64(time.Since(monoStart)) }

func report(o options, run runResult, d *deliveries) {
	delivered := d.delivered.Load()
	secs := max(run.elapsedS, 1e-9)
	rps := float64(delivered) / secs
	mbps := float64(d.bytes) / secs / (1024 * 1024)
	cpuPerRecord := 0.0
	if delivered > 0 {
		cpuPerRecord = run.cpuS * 1e9 / float64(delivered)
	}
	h := &d.latency
	if o.json {
		fmt.Printf("{\"client\": \"franz-go\", \"version\": %q, \"go_version\": %q, \"topic\": %q, "+
			"\"payload\": \"file\", \"records_sent\": %d, \"records_failed\": %d, \"bytes\": %d, "+
			"\"elapsed_s\": %.6f, \"records_per_sec\": %.1f, \"mb_per_sec\": %.3f, "+
			"\"target_records_per_sec\": %.1f, \"latency_ms\": {\"avg\": %.3f, \"max\": %.3f, "+
			"\"p50\": %.3f, \"p95\": %.3f, \"p99\": %.3f, \"p999\": %.3f}, "+
			"\"latency_from\": %q, \"client_cpu_ns_per_record\": %.1f, \"client_cpu_s\": %.3f}\n",
			franzVersion(), runtime.Version(), o.topic, delivered, d.failed.Load(), d.bytes,
			run.elapsedS, rps, mbps, max(o.throughput, 0), h.meanMs(), h.maxMs(),
			h.percentileMs(50), h.percentileMs(95), h.percentileMs(99), h.percentileMs(99.9),
			latencyFrom(o), cpuPerRecord, run.cpuS)
	} else {
		fmt.Printf("%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max "+
			"latency, %.0f ms 50th, %.0f ms 95th, %.0f ms 99th, %.0f ms 99.9th.\n"+
			"client CPU %.1f ns/record (franz-go %s, %s)\n",
			delivered, rps, mbps, h.meanMs(), h.maxMs(), h.percentileMs(50), h.percentileMs(95),
			h.percentileMs(99), h.percentileMs(99.9), cpuPerRecord, franzVersion(), runtime.Version())
	}
	if p := d.firstErr.Load(); p != nil {
		fmt.Fprintf(os.Stderr, "franz_produce: %d records failed; first error: %s\n", d.failed.Load(), *p)
	}
}

func latencyFrom(o options) string {
	if o.throughput > 0 {
		return "due"
	}
	return "produce"
}

func run(o options) error {
	payload, err := readPayload(o.payloadFile, o.delimiter)
	if err != nil {
		return err
	}
	var keys [][]byte
	for i := uint64(0); i < o.keys; i++ {
		keys = append(keys, []byte("key-"+strconv.FormatUint(i, 10)))
	}
	opts, err := producerOptions(o)
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return usageError{"cannot create the franz-go client: " + err.Error()}
	}
	defer cl.Close()
	if err := waitForLeaders(cl, o.topic); err != nil {
		return err
	}
	if o.numRecords == 0 {
		return nil
	}
	var d deliveries
	result := produceAll(cl, o, payload, keys, &d)
	report(o, result, &d)
	if d.failed.Load() > 0 || d.delivered.Load() != o.numRecords {
		return errors.New("not every record was acknowledged")
	}
	return nil
}

func main() {
	o, err := parseOptions(os.Args[1:])
	if err == nil {
		err = run(o)
	}
	var ue usageError
	switch {
	case err == nil:
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "franz_produce: %s\n%s", ue.msg, usage)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "franz_produce: %s\n", err)
		os.Exit(1)
	}
}
