package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/skirmishgg/skirmish/protocol"
)

// metrics are the server's Prometheus metrics, on a registry of their own so
// that several servers (tests) can live in one process.
type metrics struct {
	reg          *prometheus.Registry
	tickSeconds  prometheus.Histogram
	tickOverruns prometheus.Counter
	matches      prometheus.Gauge
	sessions     prometheus.Gauge
	accepted     prometheus.Counter
	rejected     *prometheus.CounterVec
	bytesIn      prometheus.Counter
	bytesOut     prometheus.Counter
	slowKicks    prometheus.Counter
	sendQueued   prometheus.Counter
	desyncs      prometheus.Counter
	resyncs      prometheus.Counter
	desyncCloses prometheus.Counter
	replayBehind prometheus.Counter
	redirects    *prometheus.CounterVec
	replayErrors prometheus.Counter
	// replaysRemoved counts the replays the retention removed.
	replaysRemoved prometheus.Counter

	// chunkRequests and chunkBytes count the chunk URLs' requests and
	// the bytes of their answers, by kind (chunks.go): behind a cache,
	// what the cache did not serve.
	chunkRequests *prometheus.CounterVec
	chunkBytes    *prometheus.CounterVec

	matchesRefused *prometheus.CounterVec
	conns          prometheus.Gauge
	connsRefused   *prometheus.CounterVec
}

func newMetrics() *metrics {
	return &metrics{
		reg: prometheus.NewRegistry(),
		tickSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "skirmish_tick_duration_seconds", Help: "Time to simulate and broadcast one tick.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05},
		}),
		tickOverruns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_tick_overruns_total", Help: "Ticks that ran more than a period late; the schedule restarted.",
		}),
		matches:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "skirmish_matches", Help: "Running matches."}),
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{Name: "skirmish_sessions", Help: "Connected players."}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_commands_accepted_total", Help: "Commands that became events.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_commands_rejected_total", Help: "Commands refused, by reason.",
		}, []string{"reason"}),
		bytesIn:   prometheus.NewCounter(prometheus.CounterOpts{Name: "skirmish_bytes_in_total", Help: "WebSocket message bytes received."}),
		bytesOut:  prometheus.NewCounter(prometheus.CounterOpts{Name: "skirmish_bytes_out_total", Help: "Bytes of WebSocket message frames sent, headers included."}),
		slowKicks: prometheus.NewCounter(prometheus.CounterOpts{Name: "skirmish_slow_client_kicks_total", Help: "Sessions closed because their send queue filled."}),
		sendQueued: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_send_queued_total", Help: "Messages that could not go to the socket at once and waited for the session's writer goroutine: a client falling behind, or every message over TLS.",
		}),
		desyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_desyncs_total", Help: "Desyncs: a client's hash differed from the server's after it had been in sync (one log line each).",
		}),
		resyncs: prometheus.NewCounter(prometheus.CounterOpts{Name: "skirmish_resyncs_total", Help: "Snapshots sent to clients after desyncs."}),
		desyncCloses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_desync_closes_total", Help: "Clients closed with 4005 because their hash still differed after the most resyncs allowed.",
		}),
		redirects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_redirects_total", Help: "Hellos sent to another node of the fleet, by why: match (hosted there), resume, fullest (joining any match), placement (a new match on a less-loaded node), claim (another node won the id).",
		}, []string{"why"}),
		replayBehind: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_replay_writer_behind_total", Help: "Times a replay writer's queue was full when a chunk was sealed.",
		}),
		replayErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_replay_write_errors_total", Help: "Replays that could not be written: failed creations, and matches whose writer failed (once per match).",
		}),
		replaysRemoved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_replays_removed_total", Help: "Replays removed by the retention (-replay-keep).",
		}),
		chunkRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_http_chunk_requests_total", Help: "Requests to the chunk URLs, by kind: index, header, chunk, footer, redirect (a match's piece sent to its replay's URL).",
		}, []string{"kind"}),
		chunkBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_http_chunk_bytes_total", Help: "Body bytes of the chunk URLs' answers, by kind.",
		}, []string{"kind"}),
		matchesRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_matches_refused_total", Help: "Hellos that would have created a match past a limit, by limit.",
		}, []string{"limit"}),
		conns: prometheus.NewGauge(prometheus.GaugeOpts{Name: "skirmish_http_connections", Help: "Open connections accepted by Serve (HTTP and WebSocket)."}),
		connsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_http_connections_refused_total", Help: "Connections closed at once because a cap was reached, by cap (total, address).",
		}, []string{"limit"}),
	}
}

func (m *metrics) register() {
	m.reg.MustRegister(m.tickSeconds, m.tickOverruns, m.matches, m.sessions, m.accepted, m.rejected,
		m.bytesIn, m.bytesOut, m.slowKicks, m.sendQueued, m.desyncs, m.resyncs, m.desyncCloses, m.replayBehind, m.replayErrors, m.redirects,
		m.matchesRefused, m.conns, m.connsRefused, m.replaysRemoved, m.chunkRequests, m.chunkBytes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

func (m *metrics) reject(r protocol.Reason) { m.rejected.WithLabelValues(r.String()).Inc() }
