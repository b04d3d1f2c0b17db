package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"anpei/live"
)

// registerLiveMetrics exposes the media node's counters: rooms and viewers
// now, and packets, drops, NACKs and key frame requests so far.
func registerLiveMetrics(reg *prometheus.Registry, n *live.Node) {
	if n == nil {
		return
	}
	gauge := func(name, help string, f func(live.Stats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(n.Stats()) })
	}
	counter := func(name, help string, f func(live.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f(n.Stats())) })
	}
	reg.MustRegister(
		gauge("anpei_live_rooms", "Live rooms open on this node.", func(s live.Stats) float64 { return float64(s.Rooms) }),
		gauge("anpei_live_viewers", "Live viewers connected to this node.", func(s live.Stats) float64 { return float64(s.Viewers) }),
		counter("anpei_live_packets_in_total", "RTP packets received from publishers.", func(s live.Stats) uint64 { return s.PacketsIn }),
		counter("anpei_live_packets_out_total", "RTP packets written to viewers, retransmissions included.", func(s live.Stats) uint64 { return s.PacketsOut }),
		counter("anpei_live_drops_total", "RTP packets lost to full viewer queues.", func(s live.Stats) uint64 { return s.Drops }),
		counter("anpei_live_nacks_total", "Sequence numbers viewers asked for again.", func(s live.Stats) uint64 { return s.NACKs }),
		counter("anpei_live_retransmits_total", "NACKed packets answered from the cache.", func(s live.Stats) uint64 { return s.Retransmits }),
		counter("anpei_live_keyframe_requests_total", "Key frame requests (PLI) sent to publishers.", func(s live.Stats) uint64 { return s.KeyframeRequests }),
		counter("anpei_live_slow_viewers_removed_total", "Viewers removed for a queue that kept overflowing.", func(s live.Stats) uint64 { return s.SlowViewersRemoved }),
	)
}
