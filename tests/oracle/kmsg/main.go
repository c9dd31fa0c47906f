// kmsg-oracle: franz-go's kmsg as an independent codec for rawkafka's protocol messages.
//
//	kmsg-oracle encode DIR          writes DIR/<api>_<request|response>_v<N>.bin for every
//	                                fixture (fixtures.go) and version in the table below
//	kmsg-oracle reencode IN OUT     decodes every IN/<api>_<kind>_v<N>.bin with kmsg and writes
//	                                its re-encoding to OUT/<same name>
//
// The version table mirrors rawkafka's codecs (ApiTraits; ApiVersions up to its codec_max_version),
// clamped to what kmsg knows; `encode` also
// writes DIR/versions.txt ("<api> <min> <max>") so the caller can see what was covered.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/twmb/franz-go/pkg/kmsg"
)

type api struct {
	name     string
	key      int16
	min, max int16
	request  func(int16) kmsg.Request
	response func(int16) kmsg.Response
}

var apis = []api{
	{"produce", 0, 3, 13, produceRequest, produceResponse},
	{"fetch", 1, 4, 18, fetchRequest, fetchResponse},
	{"list_offsets", 2, 1, 11, listOffsetsRequest, listOffsetsResponse},
	{"metadata", 3, 0, 13, metadataRequest, metadataResponse},
	{"sasl_handshake", 17, 0, 1, saslHandshakeRequest, saslHandshakeResponse},
	{"api_versions", 18, 0, 5, apiVersionsRequest, apiVersionsResponse},
	{"create_topics", 19, 2, 7, createTopicsRequest, createTopicsResponse},
	{"init_producer_id", 22, 0, 5, initProducerIDRequest, initProducerIDResponse},
	{"sasl_authenticate", 36, 0, 2, saslAuthenticateRequest, saslAuthenticateResponse},
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kmsg-oracle: "+format+"\n", args...)
	os.Exit(1)
}

func write(path string, b []byte) {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		fail("%v", err)
	}
}

func encode(dir string) {
	versions := ""
	for _, a := range apis {
		max := a.max
		if k := kmsg.RequestForKey(a.key).MaxVersion(); k < max {
			max = k
		}
		versions += fmt.Sprintf("%s %d %d\n", a.name, a.min, max)
		for v := a.min; v <= max; v++ {
			write(filepath.Join(dir, fmt.Sprintf("%s_request_v%d.bin", a.name, v)), a.request(v).AppendTo(nil))
			write(filepath.Join(dir, fmt.Sprintf("%s_response_v%d.bin", a.name, v)), a.response(v).AppendTo(nil))
		}
	}
	write(filepath.Join(dir, "versions.txt"), []byte(versions))
}

var fileName = regexp.MustCompile(`^([a-z_]+)_(request|response)_v([0-9]+)\.bin$`)

func reencode(in, out string) {
	entries, err := os.ReadDir(in)
	if err != nil {
		fail("%v", err)
	}
	n := 0
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		var a *api
		for i := range apis {
			if apis[i].name == m[1] {
				a = &apis[i]
			}
		}
		if a == nil {
			fail("unknown api in %s", e.Name())
		}
		v, _ := strconv.Atoi(m[3])
		b, err := os.ReadFile(filepath.Join(in, e.Name()))
		if err != nil {
			fail("%v", err)
		}
		var msg interface {
			SetVersion(int16)
			ReadFrom([]byte) error
			AppendTo([]byte) []byte
		}
		if m[2] == "request" {
			msg = kmsg.RequestForKey(a.key)
		} else {
			msg = kmsg.ResponseForKey(a.key)
		}
		msg.SetVersion(int16(v))
		if err := msg.ReadFrom(b); err != nil {
			fail("kmsg cannot decode %s: %v", e.Name(), err)
		}
		write(filepath.Join(out, e.Name()), msg.AppendTo(nil))
		n++
	}
	if n == 0 {
		fail("no message files in %s", in)
	}
}

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "encode":
		encode(os.Args[2])
	case len(os.Args) == 4 && os.Args[1] == "reencode":
		reencode(os.Args[2], os.Args[3])
	default:
		fmt.Fprintln(os.Stderr, "usage: kmsg-oracle encode DIR | reencode IN OUT")
		os.Exit(2)
	}
}
