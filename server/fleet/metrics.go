package fleet

import "github.com/prometheus/client_golang/prometheus"

// metrics are the fleet's Prometheus metrics, registered with the server's
// registry by Start.
type metrics struct {
	connected      prometheus.Gauge
	outages        prometheus.Counter
	published      prometheus.Counter
	publishedBytes prometheus.Counter
	publishErrors  prometheus.Counter
	publishSkipped prometheus.Counter
	conflicts      prometheus.Counter
	badEntries     prometheus.Counter
	claims         *prometheus.CounterVec
	uploads        *prometheus.CounterVec
	uploadQueue    prometheus.Gauge
	chunks         *prometheus.CounterVec
	chunkBytes     prometheus.Counter
}

func newMetrics() *metrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	return &metrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "skirmish_fleet_nats_connected", Help: "1 while the node is connected to NATS.",
		}),
		outages:        c("skirmish_fleet_nats_disconnects_total", "Times the NATS connection was lost."),
		published:      c("skirmish_fleet_directory_writes_total", "Directory entries written (node and match refreshes)."),
		publishedBytes: c("skirmish_fleet_directory_write_bytes_total", "Bytes of directory entries written."),
		publishErrors:  c("skirmish_fleet_directory_write_errors_total", "Directory writes that failed; retried at the next refresh."),
		publishSkipped: c("skirmish_fleet_directory_rounds_skipped_total", "Refresh rounds skipped while NATS was unreachable."),
		conflicts:      c("skirmish_fleet_directory_conflicts_total", "Matches whose id another node took while this one was cut off."),
		badEntries:     c("skirmish_fleet_directory_bad_entries_total", "Directory entries skipped because they did not decode."),
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_fleet_claims_total", Help: "Match id claims, by result: won, lost (another node hosts it), error.",
		}, []string{"result"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_fleet_replay_uploads_total", Help: "Replay uploads to the fleet's store, by result: ok, error (retried).",
		}, []string{"result"}),
		uploadQueue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "skirmish_fleet_replay_upload_queue", Help: "Finished replays waiting to be uploaded.",
		}),
		chunks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_fleet_chunks_published_total", Help: "Replay parts (header, chunks, footer) sent to the chunk stream, by result: published, duplicate (JetStream had it), error (retried).",
		}, []string{"result"}),
		chunkBytes: c("skirmish_fleet_chunk_bytes_published_total", "Bytes of replay parts published to the chunk stream."),
	}
}

func (m *metrics) register(reg prometheus.Registerer) {
	if reg == nil {
		return
	}
	reg.MustRegister(m.connected, m.outages, m.published, m.publishedBytes, m.publishErrors,
		m.publishSkipped, m.conflicts, m.badEntries, m.claims, m.uploads, m.uploadQueue, m.chunks, m.chunkBytes)
}
