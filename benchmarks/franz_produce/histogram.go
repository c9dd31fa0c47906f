package main

import "math/bits"

// latencyHistogram is benchmarks/latency_histogram.hpp in Go, bucket for bucket, so that the
// percentiles of every client of the comparison are computed the same way: microseconds, exact
// below 128 µs, then 64 sub-buckets per power of two (error under 1.6%).
type latencyHistogram struct {
	counts [histExact + 40*histSub]uint64
	count  uint64
	sumUs  uint64
	maxUs  uint64
}

const (
	histExact = 128
	histSub   = 64
)

func (h *latencyHistogram) recordNs(ns int64) {
	if ns < 0 {
		ns = 0
	}
	us := uint64(ns) / 1000
	i := histIndex(us)
	if i >= len(h.counts) {
		i = len(h.counts) - 1
	}
	h.counts[i]++
	h.count++
	h.sumUs += us
	h.maxUs = max(h.maxUs, us)
}

func (h *latencyHistogram) meanMs() float64 {
	if h.count == 0 {
		return 0
	}
	return float64(h.sumUs) / float64(h.count) / 1000
}

func (h *latencyHistogram) maxMs() float64 { return float64(h.maxUs) / 1000 }

// percentileMs is the value below which pct percent of the samples fall (bucket midpoint,
// capped at the maximum).
func (h *latencyHistogram) percentileMs(pct float64) float64 {
	if h.count == 0 {
		return 0
	}
	rank := uint64(float64(h.count)*pct/100 + 0.5)
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return float64(min(histMidpoint(i), h.maxUs)) / 1000
		}
	}
	return h.maxMs()
}

func histIndex(us uint64) int {
	if us < histExact {
		return int(us)
	}
	shift := uint(bits.Len64(us)) - 7 // us >> shift lies in [64, 128)
	return histExact + int(shift-1)*histSub + int((us>>shift)-histSub)
}

func histMidpoint(i int) uint64 {
	if i < histExact {
		return uint64(i)
	}
	shift := uint((i-histExact)/histSub) + 1
	low := uint64((i-histExact)%histSub+histSub) << shift
	return low + (uint64(1)<<shift)/2
}
