package bots

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/skirmishgg/skirmish/protocol"
)

// Results is what a run measured. Times are in milliseconds unless the
// name says otherwise; rates are per second of the measurement window.
type Results struct {
	Started time.Time `json:"started"`
	URL     string    `json:"url"`
	// Brain is the bots' brain (Options.Brain), or "replay".
	Brain  string  `json:"brain"`
	Replay string  `json:"replay,omitempty"`
	Speed  float64 `json:"speed,omitempty"`
	Seed   uint64  `json:"seed"`
	// CPUs is the number of logical CPUs of the machine the bots ran on.
	CPUs int `json:"cpus"`

	Bots     int     `json:"bots"`
	Matches  int     `json:"matches"`
	Rate     float64 `json:"rate"`
	TickRate int     `json:"tick_rate"` // from the server's welcome
	TickMs   float64 `json:"tick_ms"`   // one tick period
	RampS    float64 `json:"ramp_s"`
	// DurationS is the window as it ran: shorter than PlannedDurationS when
	// the run ended early. WindowStartS is when it opened, after the start.
	DurationS        float64 `json:"duration_s"`
	PlannedDurationS float64 `json:"planned_duration_s"`
	WindowStartS     float64 `json:"window_start_s"`

	// Connected counts the bots that completed the handshake: FullBots
	// with a world of their own, BlindBots without (Options.FullBots).
	Connected           int            `json:"connected"`
	FullBots            int            `json:"full_bots"`
	BlindBots           int            `json:"blind_bots"`
	ConnectErrors       int            `json:"connect_errors"`
	ConnectErrorReasons map[string]int `json:"connect_error_reasons"`
	// Disconnects counts connections that the server or the network ended
	// before the bots stopped, by close status and reason.
	Disconnects       int            `json:"disconnects"`
	DisconnectReasons map[string]int `json:"disconnect_reasons"`

	// Commands sent in the window; each is answered by an event (Events)
	// or a reject (Rejects, by reason), or stays Unanswered.
	Commands     int64            `json:"commands"`
	CommandsPerS float64          `json:"commands_per_s"`
	Events       int64            `json:"events"`
	Rejects      map[string]int64 `json:"rejects"`
	RejectsTotal int64            `json:"rejects_total"`
	Unanswered   int64            `json:"unanswered"`

	// Frames received in the window, by all bots.
	Frames int64 `json:"frames"`
	// MissedTicks sums, over the matches, the ticks the server failed to
	// deliver on schedule. For each bot that was connected for the whole
	// window, from its first frame in the window to its last: the ticks
	// the frames advanced, against the elapsed time × the tick rate
	// (rounded down) less a tolerance of one tick:
	//
	//	missed = max(0, ⌊elapsed × rate⌋ − (last tick − first tick) − 1)
	//
	// A match's figure is the least of its bots', so that one bot's own
	// delays (its goroutine not scheduled) do not count against the server:
	// a tick the server did not deliver is late for every client.
	MissedTicks        int64            `json:"missed_ticks"`
	MissedTicksByMatch map[string]int64 `json:"missed_ticks_by_match,omitempty"`
	MatchesObserved    int              `json:"matches_observed"`
	// Desyncs counts frames whose hash differed from the bot's own world
	// (full bots only: blind bots have none).
	Desyncs int `json:"desyncs"`

	// LatencyMs is command to event: from sending a command to receiving
	// the frame that carries its event. JitterMs is |interval between two
	// consecutive frames − one tick|. RTTMs is the clock-sync round trip.
	// ConnectMs is the WebSocket dial and handshake, until the welcome.
	LatencyMs Dist `json:"latency_ms"`
	JitterMs  Dist `json:"jitter_ms"`
	RTTMs     Dist `json:"rtt_ms"`
	ConnectMs Dist `json:"connect_ms"`
	// LatencyOverTickP99Ms is the p99 latency less one tick: a command
	// waits up to a tick for the server's next tick, whatever the server.
	LatencyOverTickP99Ms float64 `json:"latency_over_tick_p99_ms"`

	// WebSocket message bytes per bot per second, received and sent.
	BytesInPerBotS  float64 `json:"bytes_in_per_bot_s"`
	BytesOutPerBotS float64 `json:"bytes_out_per_bot_s"`

	// ServerCPUS is the server process's user+system CPU time in the
	// window (with Options.ServerPID), and ServerCPUPercent the same as a
	// percentage of one core. BotsCPUS is this process's. MachineCPUS is
	// the busy time of all the machine's CPUs: what it holds beyond the
	// server and the bots was used by other processes, which disturb the
	// measurement.
	ServerCPUS       *float64 `json:"server_cpu_s,omitempty"`
	ServerCPUPercent *float64 `json:"server_cpu_percent,omitempty"`
	BotsCPUS         *float64 `json:"bots_cpu_s,omitempty"`
	MachineCPUS      *float64 `json:"machine_cpu_s,omitempty"`
	// ServerCPUPerFrameUs and BotsCPUPerFrameUs divide those by Frames:
	// the microseconds of CPU the server spent per client per tick
	// delivered, and the bots per frame received (a bot-frame).
	ServerCPUPerFrameUs *float64 `json:"server_cpu_per_frame_us,omitempty"`
	BotsCPUPerFrameUs   *float64 `json:"bots_cpu_per_frame_us,omitempty"`

	// Timeline has one entry per second of the run, every phase.
	Timeline []Second `json:"timeline"`
	// LatencyHistogram bins the window's latencies.
	LatencyHistogram []Bin `json:"latency_histogram"`

	// Error is Run's error, if any.
	Error string `json:"error,omitempty"`
}

// Dist summarises a distribution, in milliseconds.
type Dist struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// Second is one second of the timeline.
type Second struct {
	T        float64 `json:"t"` // seconds since the start of the run
	Phase    string  `json:"phase"`
	Bots     int64   `json:"bots"`     // connected at the end of the second
	Commands int64   `json:"commands"` // sent during the second
	Answers  int64   `json:"answers"`  // events received for them
	P50Ms    float64 `json:"p50_ms"`
	P99Ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
}

// Bin is one bar of a histogram: Count values in [FromMs, ToMs).
type Bin struct {
	FromMs float64 `json:"from_ms"`
	ToMs   float64 `json:"to_ms"`
	Count  int64   `json:"count"`
}

func newResults(o Options, t0 time.Time) *Results {
	res := &Results{
		Started:          t0,
		URL:              o.URL,
		Brain:            o.Brain,
		Seed:             o.Seed,
		CPUs:             runtime.NumCPU(),
		Bots:             o.Bots,
		Matches:          o.Matches,
		Rate:             o.Rate,
		RampS:            o.Ramp.Seconds(),
		PlannedDurationS: o.Duration.Seconds(),
		Rejects:          map[string]int64{},
	}
	if o.Replay != "" {
		res.Brain, res.Replay, res.Speed = "replay", o.Replay, o.Speed
	}
	return res
}

func ms(us int64) float64 { return float64(us) / 1000 }

func distOf(h *hdrhistogram.Histogram) Dist {
	if h.TotalCount() == 0 {
		return Dist{}
	}
	return Dist{
		Count: h.TotalCount(),
		Min:   ms(h.Min()),
		Mean:  math.Round(h.Mean()) / 1000,
		P50:   ms(h.ValueAtQuantile(50)),
		P90:   ms(h.ValueAtQuantile(90)),
		P99:   ms(h.ValueAtQuantile(99)),
		P999:  ms(h.ValueAtQuantile(99.9)),
		Max:   ms(h.Max()),
	}
}

// collect fills the results from the bots, after every bot has ended.
func (res *Results) collect(r *run, winStart, winEnd time.Duration, cpu0, cpu1 cpuSample) {
	win := winEnd - winStart
	res.WindowStartS = winStart.Seconds()
	res.DurationS = win.Seconds()
	res.ConnectErrors = int(r.connErrs.Load())
	res.ConnectErrorReasons = r.connFail
	res.DisconnectReasons = map[string]int{}

	var inBytes, outBytes int64
	var inWindow int
	type matchObs struct {
		missed int64
		ok     bool
	}
	obs := map[string]*matchObs{}
	for _, b := range r.bots {
		var welcome *protocol.Welcome
		switch {
		case b.sess != nil:
			welcome = b.sess.Welcome()
			res.FullBots++
		case b.tr != nil:
			welcome = b.tr.Welcome()
			res.BlindBots++
		default:
			continue
		}
		res.Connected++
		if res.TickRate == 0 {
			res.TickRate = int(welcome.TickRate)
		}
		if b.ended {
			res.Disconnects++
			res.DisconnectReasons[b.endReason]++
		}
		res.Desyncs += b.desyncs
		res.Frames += b.frames
		res.Events += b.events
		if b.sawWindow {
			if !b.winClosed {
				b.closeWindow()
			}
			inWindow++
			inBytes += b.in1 - b.in0
			outBytes += b.out1 - b.out0
		}
		m := obs[b.match]
		if m == nil {
			m = &matchObs{}
			obs[b.match] = m
		}
		if b.wholeWin && !b.ended && b.obsOK {
			elapsed := b.obsLast.at - b.obsFirst.at
			expected := int64(elapsed * time.Duration(res.TickRate) / time.Second)
			missed := max(0, expected-int64(b.obsLast.tick-b.obsFirst.tick)-1)
			if !m.ok || missed < m.missed {
				m.missed, m.ok = missed, true
			}
		}
	}
	for id, m := range obs {
		if !m.ok {
			continue
		}
		res.MatchesObserved++
		res.MissedTicks += m.missed
		if m.missed > 0 {
			if res.MissedTicksByMatch == nil {
				res.MissedTicksByMatch = map[string]int64{}
			}
			res.MissedTicksByMatch[id] = m.missed
		}
	}
	if res.TickRate > 0 {
		res.TickMs = 1000 / float64(res.TickRate)
	}

	res.Commands = r.commands.Load()
	for reason := range r.rejects {
		if n := r.rejects[reason].Load(); n > 0 {
			res.Rejects[protocol.Reason(reason).String()] += n
			res.RejectsTotal += n
		}
	}
	res.Unanswered = max(0, res.Commands-res.Events-res.RejectsTotal)
	if secs := res.DurationS; secs > 0 {
		res.CommandsPerS = float64(res.Commands) / secs
		if inWindow > 0 {
			res.BytesInPerBotS = float64(inBytes) / float64(inWindow) / secs
			res.BytesOutPerBotS = float64(outBytes) / float64(inWindow) / secs
		}
	}

	lat := r.merged(func(s *shard) *hdrhistogram.Histogram { return s.latency }, latencySig)
	res.LatencyMs = distOf(lat)
	res.JitterMs = distOf(r.merged(func(s *shard) *hdrhistogram.Histogram { return s.jitter }, otherSig))
	res.RTTMs = distOf(r.merged(rttHist, otherSig))
	res.ConnectMs = distOf(r.merged(connectHist, otherSig))
	if res.LatencyMs.Count > 0 {
		res.LatencyOverTickP99Ms = res.LatencyMs.P99 - res.TickMs
	}
	res.LatencyHistogram = bins(lat, res.TickMs)

	if cpu0.serverOK && cpu1.serverOK && res.DurationS > 0 {
		s := (cpu1.server - cpu0.server).Seconds()
		pct := 100 * s / res.DurationS
		res.ServerCPUS, res.ServerCPUPercent = &s, &pct
	}
	if cpu0.selfOK && cpu1.selfOK {
		s := (cpu1.self - cpu0.self).Seconds()
		res.BotsCPUS = &s
	}
	if res.Frames > 0 {
		perFrame := func(s *float64) *float64 {
			if s == nil {
				return nil
			}
			us := *s * 1e6 / float64(res.Frames)
			return &us
		}
		res.ServerCPUPerFrameUs, res.BotsCPUPerFrameUs = perFrame(res.ServerCPUS), perFrame(res.BotsCPUS)
	}
	if cpu0.machineOK && cpu1.machineOK {
		s := (cpu1.machine - cpu0.machine).Seconds()
		res.MachineCPUS = &s
	}
}

// bins divides h into about 60 equal bins from 0 to a little past its
// p99.9 (the last bin also holds everything above), in steps of a round
// number of milliseconds.
func bins(h *hdrhistogram.Histogram, tickMs float64) []Bin {
	if h.TotalCount() == 0 {
		return nil
	}
	top := max(ms(h.ValueAtQuantile(99.9))*1.1, tickMs*1.5, 1)
	width := niceStep(top / 60)
	n := int(math.Ceil(top / width))
	out := make([]Bin, n)
	for i := range out {
		out[i] = Bin{FromMs: float64(i) * width, ToMs: float64(i+1) * width}
	}
	for _, bar := range h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		mid := (ms(bar.From) + ms(bar.To)) / 2
		i := min(n-1, int(mid/width))
		out[i].Count += bar.Count
	}
	return out
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// WriteTable prints the results as a table.
func (res *Results) WriteTable(w io.Writer) error {
	var b strings.Builder
	brain := res.Brain + " brain"
	if res.Replay != "" {
		brain = fmt.Sprintf("replaying %s at %g×", res.Replay, res.Speed)
	}
	fmt.Fprintf(&b, "%d bots in %d matches at %d Hz, %g commands/s each, %s\n", res.Bots, res.Matches, res.TickRate, res.Rate, brain)
	fmt.Fprintf(&b, "window %.1f s after a %.1f s ramp; %s\n\n", res.DurationS, res.RampS, res.URL)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ms\tp50\tp90\tp99\tp99.9\tmax\tcount\t")
	for _, row := range []struct {
		name string
		d    Dist
	}{{"command→event", res.LatencyMs}, {"frame jitter", res.JitterMs}, {"clock rtt", res.RTTMs}, {"connect", res.ConnectMs}} {
		d := row.d
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t\n", row.name, d.P50, d.P90, d.P99, d.P999, d.Max, d.Count)
	}
	tw.Flush()
	b.WriteString("\n")

	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "bots connected\t%d of %d\t%d full, %d blind\n", res.Connected, res.Bots, res.FullBots, res.BlindBots)
	fmt.Fprintf(tw, "connect errors\t%d\t%s\n", res.ConnectErrors, reasons(res.ConnectErrorReasons))
	fmt.Fprintf(tw, "disconnects\t%d\t%s\n", res.Disconnects, reasons(res.DisconnectReasons))
	fmt.Fprintf(tw, "desyncs\t%d\n", res.Desyncs)
	fmt.Fprintf(tw, "missed ticks\t%d\tover %d matches\n", res.MissedTicks, res.MatchesObserved)
	fmt.Fprintf(tw, "frames\t%d\n", res.Frames)
	fmt.Fprintf(tw, "commands\t%d\t%.1f/s\n", res.Commands, res.CommandsPerS)
	fmt.Fprintf(tw, "  events\t%d\n", res.Events)
	fmt.Fprintf(tw, "  rejects\t%d\t%s\n", res.RejectsTotal, rejectList(res.Rejects))
	fmt.Fprintf(tw, "  unanswered\t%d\n", res.Unanswered)
	fmt.Fprintf(tw, "p99 − one tick\t%.2f ms\n", res.LatencyOverTickP99Ms)
	fmt.Fprintf(tw, "bytes per bot\t%.0f/s in\t%.0f/s out\n", res.BytesInPerBotS, res.BytesOutPerBotS)
	if res.ServerCPUS != nil {
		fmt.Fprintf(tw, "server CPU\t%.2f s\t%.1f%% of a core%s\n", *res.ServerCPUS, *res.ServerCPUPercent, perFrame(res.ServerCPUPerFrameUs, "client-frame"))
	}
	if res.BotsCPUS != nil && res.DurationS > 0 {
		fmt.Fprintf(tw, "bots CPU\t%.2f s\t%.1f%% of a core%s\n", *res.BotsCPUS, 100**res.BotsCPUS/res.DurationS, perFrame(res.BotsCPUPerFrameUs, "bot-frame"))
	}
	if o, ok := res.OtherCPUS(); ok && res.DurationS > 0 {
		fmt.Fprintf(tw, "other processes' CPU\t%.2f s\t%.1f%% of a core\n", o, 100*o/res.DurationS)
	}
	tw.Flush()
	if res.Error != "" {
		fmt.Fprintf(&b, "\nerror: %s\n", res.Error)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// perFrame shows a CPU time per frame, if known.
func perFrame(us *float64, what string) string {
	if us == nil {
		return ""
	}
	return fmt.Sprintf("\t%.2f µs per %s", *us, what)
}

// OtherCPUS returns the CPU time that processes other than the server and
// the bots used in the window, when it is known.
func (res *Results) OtherCPUS() (float64, bool) {
	if res.MachineCPUS == nil || res.BotsCPUS == nil || res.ServerCPUS == nil {
		return 0, false
	}
	return max(0, *res.MachineCPUS-*res.BotsCPUS-*res.ServerCPUS), true
}

func rejectList(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
