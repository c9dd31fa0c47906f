// franz_consume: the franz-go side of the consumer comparison (scripts/bench-compare --consume).
// The flags and JSON line of rdkafka_consume (benchmarks/rdkafka_consume.c), reading through
// franz-go's kgo client: every partition of the topic from its start, no consumer group
// (kgo.ConsumeTopics with ConsumeResetOffset at the start), PollFetches until --messages.
//
//	franz_consume --bootstrap-server 127.0.0.1:9092 --topic t --messages 5000000 \
//	              [--timeout 10000] [-X fetch.max.wait.ms=500 ...] [--parse]
//
// Every record's key and value lengths are summed ("bytes", key + value); with --parse every
// value byte is also read into the checksum rdkafka_consume computes (valueChecksum), so the two
// totals agree on the same topic. "seconds" runs from the first record to the last; CPU is
// getrusage of the process over its whole life.
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

const usage = `usage: franz_consume --topic T --messages N [--bootstrap-server HOST:PORT]
         [--timeout MS] [-X key=value ...] [--parse]
  --timeout MS   stop when no record came for MS milliseconds (default 10000)
  -X key=value   a consumer property, Java's names: fetch.max.wait.ms, fetch.min.bytes,
                 fetch.max.bytes, max.partition.fetch.bytes (repeatable)
  --parse        also read every value byte into a checksum
`

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

type options struct {
	bootstrap string
	topic     string
	messages  uint64
	timeout   time.Duration
	parse     bool
	props     [][2]string
}

func parseOptions(args []string) (options, error) {
	o := options{bootstrap: "127.0.0.1:9092", timeout: 10 * time.Second}
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
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, usageError{fmt.Sprintf("%s wants a number, got '%s'", flag, v)}
			}
			return n, nil
		}
		var err error
		switch flag {
		case "--bootstrap-server":
			o.bootstrap, err = value()
		case "--topic":
			o.topic, err = value()
		case "--messages":
			o.messages, err = number()
		case "--timeout":
			var ms uint64
			ms, err = number()
			o.timeout = time.Duration(ms) * time.Millisecond
		case "--parse":
			o.parse = true
		case "-X":
			var kv string
			if kv, err = value(); err == nil {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return o, usageError{fmt.Sprintf("-X wants key=value, got '%s'", kv)}
				}
				o.props = append(o.props, [2]string{k, v})
			}
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
	if o.messages == 0 {
		return o, usageError{"--messages is required (the number of records to read)"}
	}
	return o, nil
}

// consumerOptions: kgo's defaults, but for the few fetch settings -X names.
func consumerOptions(o options) ([]kgo.Opt, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(o.bootstrap, ",")...),
		kgo.ClientID("franz_consume"),
		kgo.ConsumeTopics(o.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	}
	settings := map[string]func(n int32) kgo.ConsumerOpt{
		"fetch.max.wait.ms":         func(n int32) kgo.ConsumerOpt { return kgo.FetchMaxWait(time.Duration(n) * time.Millisecond) },
		"fetch.min.bytes":           kgo.FetchMinBytes,
		"fetch.max.bytes":           kgo.FetchMaxBytes,
		"max.partition.fetch.bytes": kgo.FetchMaxPartitionBytes,
	}
	for _, kv := range o.props {
		k, v := kv[0], kv[1]
		setting, known := settings[k]
		if !known {
			return nil, usageError{fmt.Sprintf("unknown consumer property '%s'", k)}
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return nil, usageError{fmt.Sprintf("consumer property %s=%s: not a number", k, v)}
		}
		opts = append(opts, setting(int32(n)))
	}
	return opts, nil
}

// valueChecksum is rdkafka_consume's value_checksum: the value's 8-byte little-endian words and
// then its tail bytes, summed modulo 2^64.
func valueChecksum(p []byte) uint64 {
	var sum uint64
	for len(p) >= 8 {
		sum += binary.LittleEndian.Uint64(p)
		p = p[8:]
	}
	for _, b := range p {
		sum += uint64(b)
	}
	return sum
}

type tally struct {
	records  uint64
	bytes    uint64 // key + value
	checksum uint64
	first    time.Time // when the first record arrived
	last     time.Time
}

// consume polls until --messages records came, or none came for --timeout.
func consume(cl *kgo.Client, o options) (tally, error) {
	var t tally
	for t.records < o.messages {
		ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
		fetches := cl.PollFetches(ctx)
		cancel()
		now := time.Now()
		var failure error
		idle := false
		fetches.EachError(func(topic string, partition int32, err error) {
			switch {
			case errors.Is(err, context.DeadlineExceeded):
				idle = true
			case failure == nil:
				failure = fmt.Errorf("topic %s partition %d: %w", topic, partition, err)
			}
		})
		if failure != nil {
			return t, failure
		}
		if fetches.NumRecords() > 0 && t.first.IsZero() {
			t.first = now
		}
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			for _, r := range p.Records {
				t.records++
				t.bytes += uint64(len(r.Key) + len(r.Value))
				if o.parse {
					t.checksum += valueChecksum(r.Value)
				}
			}
		})
		if fetches.NumRecords() > 0 {
			t.last = time.Now()
		}
		if idle || fetches.IsClientClosed() {
			break
		}
	}
	return t, nil
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

func report(o options, t tally) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	user, sys := float64(ru.Utime.Nano())/1e9, float64(ru.Stime.Nano())/1e9
	secs := max(t.last.Sub(t.first).Seconds(), 1e-9)
	perRecord := 0.0
	if t.records > 0 {
		perRecord = (user + sys) * 1e9 / float64(t.records)
	}
	mode := "count"
	if o.parse {
		mode = "parse"
	}
	fmt.Printf("{\"client\": \"franz-go\", \"version\": %q, \"go_version\": %q, \"topic\": %q, "+
		"\"records\": %d, \"bytes\": %d, \"seconds\": %.6f, \"records_per_sec\": %.1f, "+
		"\"mb_per_sec\": %.3f, \"cpu_user_seconds\": %.3f, \"cpu_sys_seconds\": %.3f, "+
		"\"cpu_ns_per_record\": %.1f, \"mode\": %q, \"checksum\": %d}\n",
		franzVersion(), runtime.Version(), o.topic, t.records, t.bytes, secs,
		float64(t.records)/secs, float64(t.bytes)/secs/(1024*1024), user, sys, perRecord, mode,
		t.checksum)
}

func run(o options) error {
	opts, err := consumerOptions(o)
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("cannot create the franz-go client: %w", err)
	}
	t, err := consume(cl, o)
	cl.Close()
	if err != nil {
		return err
	}
	report(o, t)
	if t.records < o.messages {
		return fmt.Errorf("read %d of %d records: none came for %v; does the topic hold that many?",
			t.records, o.messages, o.timeout)
	}
	return nil
}

func main() {
	o, err := parseOptions(os.Args[1:])
	if err == nil {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "franz_consume: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		os.Exit(1)
	}
}
