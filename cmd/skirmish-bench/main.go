// Command skirmish-bench is `make bench`: it runs the micro-benchmarks of
// sim and replay, then a load test on this machine — skirmishd and
// skirmish-bots as separate processes — and the same load against
// skirmish-wsbaseline, the bare WebSocket broadcast with the same fan-out,
// and prints one table of all three with the ratios and the targets.
//
//	skirmish-bench [-bots 1000] [-matches 50] [-duration 30s] [-ramp 10s] [-rate 2]
//	    [-tick-rate 60] [-benchtime 200ms] [-out DIR] [-skip-micro] [-skip-load]
//
// The commands are built with CGO_ENABLED=0 into a temporary directory.
// The CPU of each server is measured by the bots over their measurement
// window, from /proc/PID/stat (Linux). The bots' JSON and HTML reports stay
// in -out (default: a new temporary directory, printed at the end). Progress
// goes to stderr, the table to stdout. It exits 1 if a step failed (the
// table still shows what was measured); missed targets are shown, not
// failed.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/skirmishgg/skirmish/client/bots"
)

type config struct {
	goCmd                   string
	bots, matches, tickRate int
	rate                    float64
	duration, ramp          time.Duration
	benchtime               string
	benchPkgs               string
	out                     string
	skipMicro, skipLoad     bool
	maxOther                float64
	retries, botsNice       int
}

func main() {
	var c config
	flag.StringVar(&c.goCmd, "go", envOr("GO", "go"), "the go command")
	flag.IntVar(&c.bots, "bots", 1000, "bots")
	flag.IntVar(&c.matches, "matches", 50, "matches")
	flag.IntVar(&c.tickRate, "tick-rate", 60, "server tick rate")
	flag.Float64Var(&c.rate, "rate", 2, "commands per second per bot")
	flag.DurationVar(&c.duration, "duration", 30*time.Second, "measurement window of each load test")
	flag.DurationVar(&c.ramp, "ramp", 10*time.Second, "ramp of each load test")
	flag.StringVar(&c.benchtime, "benchtime", "200ms", "go test -benchtime of the micro-benchmarks")
	flag.StringVar(&c.benchPkgs, "bench-pkgs", "./sim/ ./replay/", "packages of the micro-benchmarks")
	flag.StringVar(&c.out, "out", "", "directory for the bots' JSON and HTML reports (default: a new temporary directory)")
	flag.BoolVar(&c.skipMicro, "skip-micro", false, "skip the micro-benchmarks")
	flag.BoolVar(&c.skipLoad, "skip-load", false, "skip the load tests")
	flag.IntVar(&c.botsNice, "bots-nice", 0, "run the bots at this niceness (with nice(1)), so that they disturb the server less")
	flag.Float64Var(&c.maxOther, "max-other", 0.15, "cores that other processes may keep busy during a load test before it is run again")
	flag.IntVar(&c.retries, "retries", 1, "times a load test disturbed by other processes is run again (the least disturbed run is kept)")
	flag.Parse()
	os.Exit(run(c))
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...) }

func run(c config) int {
	failed := false
	started := time.Now()
	if c.out == "" {
		dir, err := os.MkdirTemp("", "skirmish-bench-")
		if err != nil {
			logf("%v", err)
			return 1
		}
		c.out = dir
	} else if err := os.MkdirAll(c.out, 0o755); err != nil {
		logf("%v", err)
		return 1
	}

	var micro []benchRow
	if !c.skipMicro && strings.TrimSpace(c.benchPkgs) != "" {
		var err error
		micro, err = runMicro(c)
		if err != nil {
			logf("micro-benchmarks: %v", err)
			failed = true
		}
	}

	var load []*loadRun
	if !c.skipLoad {
		bin, err := os.MkdirTemp("", "skirmish-bench-bin-")
		if err != nil {
			logf("%v", err)
			return 1
		}
		defer os.RemoveAll(bin)
		if err := build(c, bin); err != nil {
			logf("build: %v", err)
			return 1
		}
		for _, target := range []string{"skirmishd", "skirmish-wsbaseline"} {
			lr := loadTestQuietly(c, bin, target)
			if lr.err != nil {
				logf("%s: %v", target, lr.err)
				failed = true
			}
			load = append(load, lr)
		}
	}

	var b bytes.Buffer
	printTable(&b, c, started, micro, load)
	os.Stdout.Write(b.Bytes())
	if failed {
		return 1
	}
	return 0
}

// benchRow is one line of go test -bench output.
type benchRow struct {
	pkg, name                 string
	nsPerOp, bPerOp, allocsOp string
	other                     []string
}

func runMicro(c config) ([]benchRow, error) {
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", c.benchtime}, strings.Fields(c.benchPkgs)...)
	logf("%s %s", c.goCmd, strings.Join(args, " "))
	cmd := exec.Command(c.goCmd, args...)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, os.Stderr)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	return parseBench(out.String()), err
}

func parseBench(out string) []benchRow {
	var rows []benchRow
	pkg := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = p[strings.LastIndexByte(p, '/')+1:]
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		r := benchRow{pkg: pkg, name: strings.TrimPrefix(f[0], "Benchmark")}
		for i := 2; i+1 < len(f); i += 2 {
			v, unit := f[i], f[i+1]
			switch unit {
			case "ns/op":
				r.nsPerOp = v
			case "B/op":
				r.bPerOp = v
			case "allocs/op":
				r.allocsOp = v
			default:
				r.other = append(r.other, v+" "+unit)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

func build(c config, bin string) error {
	args := []string{"build", "-o", bin + string(filepath.Separator), "./cmd/skirmishd", "./cmd/skirmish-bots", "./cmd/skirmish-wsbaseline"}
	logf("CGO_ENABLED=0 %s %s", c.goCmd, strings.Join(args, " "))
	cmd := exec.Command(c.goCmd, args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// loadRun is one load test: a server process and the bots against it.
type loadRun struct {
	target   string
	res      *bots.Results
	err      error
	attempts int
	json     string
	html     string
}

// other returns the cores that other processes kept busy during the run.
func (lr *loadRun) other() float64 {
	if lr.res == nil || lr.res.DurationS == 0 {
		return 0
	}
	o, _ := lr.res.OtherCPUS()
	return o / lr.res.DurationS
}

// loadTestQuietly runs a load test when the machine is quiet, and again
// (up to c.retries times) while other processes disturb it, keeping the
// least disturbed run. The machine is shared on CI and in development;
// the table reports what others took.
func loadTestQuietly(c config, bin, target string) *loadRun {
	var best *loadRun
	attempt := 1
	for ; ; attempt++ {
		waitQuiet(c.maxOther, 30*time.Second)
		lr := loadTest(c, bin, target, attempt)
		if best == nil || lr.err == nil && (best.err != nil || lr.other() < best.other()) {
			best = lr
		}
		if lr.err != nil || lr.other() <= c.maxOther || attempt > c.retries {
			break
		}
		logf("%s: other processes kept %.0f%% of a core busy during the run; running it again", target, 100*lr.other())
	}
	best.attempts = attempt
	return best
}

// waitQuiet waits up to limit for the machine's CPU use to fall below
// cores.
func waitQuiet(cores float64, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		busy := machineBusy(2 * time.Second)
		if busy <= cores {
			return
		}
		if time.Now().After(deadline) {
			logf("warning: other processes keep %.0f%% of a core busy; the figures will suffer", 100*busy)
			return
		}
		logf("waiting for other processes (%.0f%% of a core busy)", 100*busy)
	}
}

func loadTest(c config, bin, target string, attempt int) *loadRun {
	name := target
	if attempt > 1 {
		name = fmt.Sprintf("%s-%d", target, attempt)
	}
	lr := &loadRun{target: target,
		json: filepath.Join(c.out, name+".json"), html: filepath.Join(c.out, name+".html")}
	addr, err := freeAddr()
	if err != nil {
		lr.err = err
		return lr
	}
	var srvArgs []string
	switch target {
	case "skirmishd":
		replays, err := os.MkdirTemp("", "skirmish-bench-replays-")
		if err != nil {
			lr.err = err
			return lr
		}
		defer os.RemoveAll(replays)
		// Every bot comes from this machine's one address: lift the
		// per-address limits, which would otherwise refuse most of them.
		srvArgs = []string{"-addr", addr, "-tick-rate", strconv.Itoa(c.tickRate), "-max-players", "20",
			"-max-matches", strconv.Itoa(max(64, c.matches)), "-replay-dir", replays, "-log-level", "warn",
			"-max-matches-per-ip", "0", "-max-conns-per-ip", "0", "-max-conns", "0"}
	default:
		srvArgs = []string{"-addr", addr, "-tick-rate", strconv.Itoa(c.tickRate), "-max-players", "20"}
	}
	logf("%s %s", target, strings.Join(srvArgs, " "))
	srv := exec.Command(filepath.Join(bin, target), srvArgs...)
	srv.Stdout, srv.Stderr = os.Stderr, os.Stderr
	if err := srv.Start(); err != nil {
		lr.err = err
		return lr
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			srv.Process.Kill()
			<-exited
		}
	}()
	if err := waitListening(addr, exited); err != nil {
		lr.err = fmt.Errorf("%s did not start: %w", target, err)
		return lr
	}

	botArgs := []string{"-url", "ws://" + addr + "/ws", "-bots", strconv.Itoa(c.bots), "-matches", strconv.Itoa(c.matches),
		"-duration", c.duration.String(), "-ramp", c.ramp.String(), "-rate", strconv.FormatFloat(c.rate, 'g', -1, 64),
		"-seed", "1", "-server-pid", strconv.Itoa(srv.Process.Pid), "-json", lr.json, "-html", lr.html, "-progress", "lines"}
	logf("skirmish-bots %s", strings.Join(botArgs, " "))
	ctx, cancel := context.WithTimeout(context.Background(), c.ramp+c.duration+2*time.Minute)
	defer cancel()
	botCmd := append([]string{filepath.Join(bin, "skirmish-bots")}, botArgs...)
	if c.botsNice != 0 {
		botCmd = append([]string{"nice", "-n", strconv.Itoa(c.botsNice)}, botCmd...)
	}
	bc := exec.CommandContext(ctx, botCmd[0], botCmd[1:]...)
	bc.Stdout, bc.Stderr = os.Stderr, os.Stderr
	runErr := bc.Run()
	b, err := os.ReadFile(lr.json)
	if err != nil {
		lr.err = errors.Join(runErr, err)
		return lr
	}
	lr.res = new(bots.Results)
	if err := json.Unmarshal(b, lr.res); err != nil {
		lr.err = fmt.Errorf("%s: %w", lr.json, err)
		return lr
	}
	if runErr != nil {
		lr.err = fmt.Errorf("skirmish-bots: %v: %s", runErr, lr.res.Error)
	}
	return lr
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitListening(addr string, exited <-chan error) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v", err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("not listening after 15 s")
}

// machineBusy returns how many cores the machine keeps busy over d, from
// /proc/stat (0 where unknown).
func machineBusy(d time.Duration) float64 {
	busy := func() (float64, bool) {
		b, err := os.ReadFile("/proc/stat")
		if err != nil {
			return 0, false
		}
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		if len(f) < 9 {
			return 0, false
		}
		var t float64
		for i, v := range f[1:9] {
			n, _ := strconv.ParseFloat(v, 64)
			if i != 3 && i != 4 {
				t += n
			}
		}
		return t / 100, true
	}
	a, ok1 := busy()
	time.Sleep(d)
	b, ok2 := busy()
	if !ok1 || !ok2 {
		return 0
	}
	return (b - a) / d.Seconds()
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func printTable(w io.Writer, c config, started time.Time, micro []benchRow, load []*loadRun) {
	fmt.Fprintf(w, "\nSkirmish benchmarks — %s — %d CPUs (%s) — %s %s/%s\n",
		started.UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(micro) > 0 {
		fmt.Fprintf(tw, "\n1. micro-benchmarks (go test -bench . -benchmem -benchtime %s %s)\n", c.benchtime, c.benchPkgs)
		fmt.Fprintln(tw, "package\tbenchmark\tns/op\tB/op\tallocs/op\tother\t")
		for _, r := range micro {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", r.pkg, r.name, r.nsPerOp, r.bPerOp, r.allocsOp, strings.Join(r.other, ", "))
		}
		tw.Flush()
	}
	if len(load) == 0 {
		return
	}
	srv, base := load[0].res, (*bots.Results)(nil)
	if len(load) > 1 {
		base = load[1].res
	}
	nice := ""
	if c.botsNice != 0 {
		nice = fmt.Sprintf(" (bots at nice %d)", c.botsNice)
	}
	fmt.Fprintf(w, "\n2–3. load test: %d bots in %d matches at %d Hz, %g commands/s each, %s window after a %s ramp;\n"+
		"     skirmishd and skirmish-bots as separate processes%s, then the same bots against the bare broadcast\n\n",
		c.bots, c.matches, c.tickRate, c.rate, c.duration, c.ramp, nice)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tskirmishd\tbare broadcast\tcomparison / target\t")
	get := func(r *bots.Results, f func(*bots.Results) string) string {
		if r == nil {
			return "-"
		}
		return f(r)
	}
	row := func(name string, f func(*bots.Results) string, note string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", name, get(srv, f), get(base, f), note)
	}
	cpu := func(r *bots.Results) string {
		if r.ServerCPUS == nil {
			return "?"
		}
		return fmt.Sprintf("%.2f s (%.0f%%)", *r.ServerCPUS, *r.ServerCPUPercent)
	}
	msf := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	both := srv != nil && base != nil

	note := ""
	if both && srv.ServerCPUS != nil && base.ServerCPUS != nil && *base.ServerCPUS > 0 {
		ratio := *srv.ServerCPUS / *base.ServerCPUS
		note = fmt.Sprintf("%.2f× the broadcast (target ≤ 2×: %s)", ratio, verdict(ratio <= 2))
	}
	row("server CPU in the window (% of a core)", cpu, note)
	row("latency p50 (ms)", func(r *bots.Results) string { return msf(r.LatencyMs.P50) }, "")
	row("latency p90 (ms)", func(r *bots.Results) string { return msf(r.LatencyMs.P90) }, "")
	note = ""
	if srv != nil && srv.TickMs > 0 {
		note = fmt.Sprintf("target ≤ one tick + 5 ms = %.2f: %s", srv.TickMs+5, verdict(srv.LatencyMs.Count > 0 && srv.LatencyMs.P99 <= srv.TickMs+5))
	}
	row("latency p99 (ms)", func(r *bots.Results) string { return msf(r.LatencyMs.P99) }, note)
	row("latency p99.9 (ms)", func(r *bots.Results) string { return msf(r.LatencyMs.P999) }, "")
	row("latency max (ms)", func(r *bots.Results) string { return msf(r.LatencyMs.Max) }, "")
	note = ""
	if both {
		d := srv.LatencyOverTickP99Ms - base.LatencyOverTickP99Ms
		note = fmt.Sprintf("%+.2f ms against the broadcast", d)
		if base.LatencyOverTickP99Ms > 0 {
			note += fmt.Sprintf(" (%.2f×)", srv.LatencyOverTickP99Ms/base.LatencyOverTickP99Ms)
		}
	}
	row("latency p99 − one tick (ms)", func(r *bots.Results) string { return msf(r.LatencyOverTickP99Ms) }, note)
	row("frame jitter p99 (ms)", func(r *bots.Results) string { return msf(r.JitterMs.P99) }, "")
	row("clock-sync rtt p99 (ms)", func(r *bots.Results) string { return msf(r.RTTMs.P99) }, "")
	row("missed ticks", func(r *bots.Results) string { return fmt.Sprint(r.MissedTicks) }, "target 0: "+verdict(srv != nil && srv.MissedTicks == 0 && srv.MatchesObserved > 0))
	row("disconnects (connect errors)", func(r *bots.Results) string { return fmt.Sprintf("%d (%d)", r.Disconnects, r.ConnectErrors) },
		"target 0: "+verdict(srv != nil && srv.Disconnects == 0 && srv.ConnectErrors == 0))
	row("desyncs", func(r *bots.Results) string { return fmt.Sprint(r.Desyncs) }, "target 0: "+verdict(srv != nil && srv.Desyncs == 0))
	row("commands (per s)", func(r *bots.Results) string { return fmt.Sprintf("%d (%.0f)", r.Commands, r.CommandsPerS) }, "")
	row("rejected / unanswered", func(r *bots.Results) string { return fmt.Sprintf("%d / %d", r.RejectsTotal, r.Unanswered) }, "")
	row("frames", func(r *bots.Results) string { return fmt.Sprint(r.Frames) }, "")
	row("bytes per bot per s, in / out", func(r *bots.Results) string {
		return fmt.Sprintf("%.0f / %.0f", r.BytesInPerBotS, r.BytesOutPerBotS)
	}, "")
	row("bots' CPU in the window", func(r *bots.Results) string {
		if r.BotsCPUS == nil || r.DurationS == 0 {
			return "?"
		}
		return fmt.Sprintf("%.2f s (%.0f%%)", *r.BotsCPUS, 100**r.BotsCPUS/r.DurationS)
	}, "")
	row("other processes' CPU", func(r *bots.Results) string {
		o, ok := r.OtherCPUS()
		if !ok || r.DurationS == 0 {
			return "?"
		}
		return fmt.Sprintf("%.2f s (%.0f%%)", o, 100*o/r.DurationS)
	}, "should be near 0")
	tw.Flush()
	for _, lr := range load {
		fmt.Fprintf(w, "%s: %s, %s", lr.target, lr.json, lr.html)
		if lr.attempts > 1 {
			fmt.Fprintf(w, " (the least disturbed of %d runs)", lr.attempts)
		}
		if lr.err != nil {
			fmt.Fprintf(w, " — FAILED: %v", lr.err)
		}
		fmt.Fprintln(w)
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
