package bots

import (
	"fmt"
	"html"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// WriteHTML writes a self-contained HTML report of the results: the key
// figures, the latency over time (p50 and p99 per second), the latency
// histogram, the bots and commands over time, and every figure in tables.
// The charts are inline SVG; the page loads nothing else.
func (res *Results) WriteHTML(w io.Writer) error {
	data := struct {
		R                          *Results
		Title, Sub                 string
		Cards                      []card
		Dists                      []distRow
		Counts                     [][2]string
		Latency, Histogram, Load   template.HTML
		ConnectErrors, Disconnects []countRow
		Rejects                    []countRow
	}{
		R:         res,
		Title:     "Skirmish load test",
		Sub:       subtitle(res),
		Cards:     cards(res),
		Latency:   template.HTML(latencyChart(res)),
		Histogram: template.HTML(histogramChart(res)),
		Load:      template.HTML(loadChart(res)),
		Dists: []distRow{
			{"command → event latency", res.LatencyMs}, {"frame jitter", res.JitterMs},
			{"clock-sync round trip", res.RTTMs}, {"connect and handshake", res.ConnectMs},
		},
		Counts:        counts(res),
		ConnectErrors: countRows(res.ConnectErrorReasons),
		Disconnects:   countRows(res.DisconnectReasons),
	}
	for k, n := range res.Rejects {
		data.Rejects = append(data.Rejects, countRow{k, n})
	}
	sortRows(data.Rejects)
	return reportTemplate.Execute(w, data)
}

type card struct{ Label, Value, Note, Class string }

type distRow struct {
	Name string
	D    Dist
}

type countRow struct {
	Reason string
	N      int64
}

func countRows(m map[string]int) []countRow {
	var l []countRow
	for k, n := range m {
		l = append(l, countRow{k, int64(n)})
	}
	sortRows(l)
	return l
}

func sortRows(l []countRow) {
	sort.Slice(l, func(i, j int) bool { return l[i].N > l[j].N || l[i].N == l[j].N && l[i].Reason < l[j].Reason })
}

func subtitle(res *Results) string {
	how := res.Brain + " brain"
	if res.Replay != "" {
		how = fmt.Sprintf("replaying %s at %g×", res.Replay, res.Speed)
	}
	return fmt.Sprintf("%d bots in %d matches at %d Hz · %s · %g commands/s per bot · %.1f s window after a %.1f s ramp · %s · %d CPUs · %s",
		res.Bots, res.Matches, res.TickRate, how, res.Rate, res.DurationS, res.RampS, res.URL, res.CPUs,
		res.Started.Format(time.RFC1123))
}

func cards(res *Results) []card {
	good := func(ok bool) string {
		if ok {
			return "good"
		}
		return "bad"
	}
	target := res.TickMs + 5
	cs := []card{
		{"p99 command → event", fmt.Sprintf("%.1f ms", res.LatencyMs.P99), fmt.Sprintf("target ≤ %.1f ms (a tick + 5 ms)", target), good(res.LatencyMs.Count > 0 && res.LatencyMs.P99 <= target)},
		{"p50 command → event", fmt.Sprintf("%.1f ms", res.LatencyMs.P50), fmt.Sprintf("one tick is %.1f ms", res.TickMs), ""},
		{"missed ticks", fmt.Sprint(res.MissedTicks), fmt.Sprintf("over %d matches", res.MatchesObserved), good(res.MissedTicks == 0)},
		{"disconnects", fmt.Sprint(res.Disconnects), fmt.Sprintf("%d connect errors", res.ConnectErrors), good(res.Disconnects == 0 && res.ConnectErrors == 0)},
		{"desyncs", fmt.Sprint(res.Desyncs), fmt.Sprintf("%d frames", res.Frames), good(res.Desyncs == 0)},
		{"commands", fmt.Sprintf("%.0f/s", res.CommandsPerS), fmt.Sprintf("%d rejected", res.RejectsTotal), ""},
	}
	if res.ServerCPUS != nil {
		cs = append(cs, card{"server CPU", fmt.Sprintf("%.0f%%", *res.ServerCPUPercent), fmt.Sprintf("%.1f s of one core in the window", *res.ServerCPUS), ""})
	}
	return cs
}

func counts(res *Results) [][2]string {
	rows := [][2]string{
		{"bots connected", fmt.Sprintf("%d of %d", res.Connected, res.Bots)},
		{"connect errors", fmt.Sprint(res.ConnectErrors)},
		{"disconnects", fmt.Sprint(res.Disconnects)},
		{"desyncs", fmt.Sprint(res.Desyncs)},
		{"missed ticks", fmt.Sprintf("%d (over %d matches)", res.MissedTicks, res.MatchesObserved)},
		{"frames", fmt.Sprint(res.Frames)},
		{"commands", fmt.Sprintf("%d (%.1f/s)", res.Commands, res.CommandsPerS)},
		{"answered by an event", fmt.Sprint(res.Events)},
		{"rejected", fmt.Sprint(res.RejectsTotal)},
		{"unanswered", fmt.Sprint(res.Unanswered)},
		{"p99 latency − one tick", fmt.Sprintf("%.2f ms", res.LatencyOverTickP99Ms)},
		{"bytes in per bot", fmt.Sprintf("%.0f/s", res.BytesInPerBotS)},
		{"bytes out per bot", fmt.Sprintf("%.0f/s", res.BytesOutPerBotS)},
	}
	if res.ServerCPUS != nil {
		rows = append(rows, [2]string{"server CPU", fmt.Sprintf("%.2f s (%.1f%% of a core)", *res.ServerCPUS, *res.ServerCPUPercent)})
	}
	if res.BotsCPUS != nil && res.DurationS > 0 {
		rows = append(rows, [2]string{"bots CPU", fmt.Sprintf("%.2f s (%.1f%% of a core)", *res.BotsCPUS, 100**res.BotsCPUS/res.DurationS)})
	}
	if o, ok := res.OtherCPUS(); ok && res.DurationS > 0 {
		rows = append(rows, [2]string{"other processes' CPU", fmt.Sprintf("%.2f s (%.1f%% of a core)", o, 100*o/res.DurationS)})
	}
	return rows
}

// Chart colours.
const (
	colP50    = "#2563eb"
	colP99    = "#ea580c"
	colTarget = "#dc2626"
	colGrid   = "#e5e7eb"
	colAxis   = "#6b7280"
	colBar    = "#60a5fa"
	colBots   = "#059669"
)

// chart draws one SVG chart: a plot area inside margins, linear axes.
type chart struct {
	b              strings.Builder
	w, h           float64
	l, r, t, btm   float64 // margins
	x0, x1, y0, y1 float64 // data ranges
}

func newChart(w, h, x0, x1, y0, y1 float64) *chart {
	if x1 <= x0 {
		x1 = x0 + 1
	}
	if y1 <= y0 {
		y1 = y0 + 1
	}
	c := &chart{w: w, h: h, l: 56, r: 80, t: 16, btm: 40, x0: x0, x1: x1, y0: y0, y1: y1}
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" font-family="system-ui, sans-serif" font-size="12">`, w, h, w, h)
	return c
}

func (c *chart) px(x float64) float64 { return c.l + (x-c.x0)/(c.x1-c.x0)*(c.w-c.l-c.r) }
func (c *chart) py(y float64) float64 { return c.h - c.btm - (y-c.y0)/(c.y1-c.y0)*(c.h-c.t-c.btm) }

// axes draws the grid, the tick labels and the axis titles.
func (c *chart) axes(xTitle, yTitle string) {
	xs, ys := niceStep((c.x1-c.x0)/10), niceStep((c.y1-c.y0)/6)
	for y := math.Ceil(c.y0/ys) * ys; y <= c.y1+1e-9; y += ys {
		fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`, c.l, c.py(y), c.w-c.r, c.py(y), colGrid)
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="%s">%s</text>`, c.l-6, c.py(y)+4, colAxis, num(y))
	}
	for x := math.Ceil(c.x0/xs) * xs; x <= c.x1+1e-9; x += xs {
		fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`, c.px(x), c.h-c.btm, c.px(x), c.h-c.btm+4, colAxis)
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`, c.px(x), c.h-c.btm+17, colAxis, num(x))
	}
	fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`, c.l, c.h-c.btm, c.w-c.r, c.h-c.btm, colAxis)
	fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`, (c.l+c.w-c.r)/2, c.h-6, colAxis, html.EscapeString(xTitle))
	fmt.Fprintf(&c.b, `<text transform="translate(14 %.1f) rotate(-90)" text-anchor="middle" fill="%s">%s</text>`, (c.t+c.h-c.btm)/2, colAxis, html.EscapeString(yTitle))
}

// line draws a polyline through the points whose y is not NaN, breaking
// it at NaNs; values above the chart are drawn at its top.
func (c *chart) line(xs, ys []float64, color, dash string) {
	var pts []string
	flush := func() {
		if len(pts) > 0 {
			fmt.Fprintf(&c.b, `<polyline fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"%s points="%s"/>`, color, dashAttr(dash), strings.Join(pts, " "))
		}
		pts = pts[:0]
	}
	for i := range xs {
		if math.IsNaN(ys[i]) {
			flush()
			continue
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", c.px(xs[i]), c.py(min(ys[i], c.y1))))
	}
	flush()
}

// hline draws a horizontal reference line, labelled in the right margin
// just above it (or below, so that two close lines keep their labels apart).
func (c *chart) hline(y float64, color, dash, label string, below bool) {
	if y < c.y0 || y > c.y1 {
		return
	}
	fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"%s/>`, c.l, c.py(y), c.w-c.r, c.py(y), color, dashAttr(dash))
	dy := -3.0
	if below {
		dy = 11
	}
	fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" fill="%s" font-size="11">%s</text>`, c.w-c.r+4, c.py(y)+dy, color, html.EscapeString(label))
}

// vline draws a labelled vertical reference line.
func (c *chart) vline(x float64, color, dash, label string) {
	if x < c.x0 || x > c.x1 {
		return
	}
	fmt.Fprintf(&c.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"%s/>`, c.px(x), c.t, c.px(x), c.h-c.btm, color, dashAttr(dash))
	fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" fill="%s">%s</text>`, c.px(x)+4, c.t+10, color, html.EscapeString(label))
}

// band shades the x range [x0, x1] with a label.
func (c *chart) band(x0, x1 float64, label string) {
	x0, x1 = max(x0, c.x0), min(x1, c.x1)
	if x1 <= x0 {
		return
	}
	fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#f3f4f6"/>`, c.px(x0), c.t, c.px(x1)-c.px(x0), c.h-c.t-c.btm)
	fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`, (c.px(x0)+c.px(x1))/2, c.t+24, colAxis, html.EscapeString(label))
}

// legend draws coloured keys at the top left of the plot area.
func (c *chart) legend(items ...[2]string) {
	x := c.l + 10
	for _, it := range items {
		fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="14" height="4" fill="%s"/>`, x, c.t+6, it[1])
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" fill="#111827">%s</text>`, x+18, c.t+11, html.EscapeString(it[0]))
		x += 30 + 7*float64(len(it[0]))
	}
}

func (c *chart) end() string {
	c.b.WriteString(`</svg>`)
	return c.b.String()
}

func dashAttr(dash string) string {
	if dash == "" {
		return ""
	}
	return fmt.Sprintf(` stroke-dasharray="%s"`, dash)
}

// num formats an axis label without needless decimals.
func num(v float64) string {
	if math.Abs(v-math.Round(v)) < 1e-9 {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// latencyChart draws p50 and p99 per second over the run, the ramp and
// drain shaded, with one tick and the target as reference lines.
func latencyChart(res *Results) string {
	tl := res.Timeline
	last := 1.0
	if n := len(tl); n > 0 {
		last = tl[n-1].T
	}
	target := res.TickMs + 5
	top := target * 1.25
	for _, s := range tl {
		if s.Phase == "run" {
			top = max(top, s.P99Ms*1.1)
		}
	}
	c := newChart(1100, 340, 0, last, 0, top)
	winEnd := res.WindowStartS + res.DurationS
	if res.WindowStartS > 0 {
		c.band(0, res.WindowStartS, "ramp")
	}
	if res.DurationS > 0 && winEnd < last {
		c.band(winEnd, last, "drain")
	}
	c.axes("seconds since start", "ms")
	xs, p50, p99 := make([]float64, len(tl)), make([]float64, len(tl)), make([]float64, len(tl))
	for i, s := range tl {
		xs[i], p50[i], p99[i] = s.T, s.P50Ms, s.P99Ms
		if s.Answers == 0 {
			p50[i], p99[i] = math.NaN(), math.NaN()
		}
	}
	if res.TickMs > 0 {
		c.hline(res.TickMs, colAxis, "4 4", fmt.Sprintf("tick %.1f", res.TickMs), true)
		c.hline(target, colTarget, "6 3", fmt.Sprintf("target %.1f", target), false)
	}
	c.line(xs, p99, colP99, "")
	c.line(xs, p50, colP50, "")
	c.legend([2]string{"p50", colP50}, [2]string{"p99", colP99})
	return c.end()
}

// histogramChart draws the window's latency histogram with p50, p99 and
// one tick marked.
func histogramChart(res *Results) string {
	bins := res.LatencyHistogram
	if len(bins) == 0 {
		c := newChart(1100, 300, 0, 1, 0, 1)
		c.axes("ms", "commands")
		return c.end()
	}
	var top int64
	for _, b := range bins {
		top = max(top, b.Count)
	}
	c := newChart(1100, 300, 0, bins[len(bins)-1].ToMs, 0, float64(top)*1.1)
	c.axes("command → event latency, ms (the last bar holds everything above)", "commands")
	for _, b := range bins {
		if b.Count == 0 {
			continue
		}
		x0, x1 := c.px(b.FromMs), c.px(b.ToMs)
		fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s–%s ms: %d</title></rect>`,
			x0+0.5, c.py(float64(b.Count)), max(x1-x0-1, 0.5), c.py(0)-c.py(float64(b.Count)), colBar, num(b.FromMs), num(b.ToMs), b.Count)
	}
	c.vline(res.TickMs, colAxis, "4 4", "1 tick")
	c.vline(res.LatencyMs.P50, colP50, "", "p50")
	c.vline(res.LatencyMs.P99, colP99, "", "p99")
	return c.end()
}

// loadChart draws the bots connected and the commands per second.
func loadChart(res *Results) string {
	tl := res.Timeline
	last := 1.0
	if n := len(tl); n > 0 {
		last = tl[n-1].T
	}
	var maxCmds int64
	for _, s := range tl {
		maxCmds = max(maxCmds, s.Commands)
	}
	// Bots on the left axis; commands per second scaled onto it, with
	// their own labels on the right.
	top := float64(res.Bots) * 1.1
	scale := 1.0
	if maxCmds > 0 {
		scale = top / (float64(maxCmds) * 1.1)
	}
	c := newChart(1100, 260, 0, last, 0, top)
	c.axes("seconds since start", "bots connected")
	ys := niceStep(float64(maxCmds) * 1.1 / 5)
	for v := ys; v*scale <= top && maxCmds > 0; v += ys {
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" fill="%s">%s</text>`, c.w-c.r+6, c.py(v*scale)+4, colP99, num(v))
	}
	xs, bots, cmds := make([]float64, len(tl)), make([]float64, len(tl)), make([]float64, len(tl))
	for i, s := range tl {
		xs[i], bots[i], cmds[i] = s.T, float64(s.Bots), float64(s.Commands)*scale
	}
	c.line(xs, cmds, colP99, "")
	c.line(xs, bots, colBots, "")
	c.legend([2]string{"bots connected", colBots}, [2]string{"commands/s (right)", colP99})
	return c.end()
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"f2": func(v float64) string { return fmt.Sprintf("%.2f", v) },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; color: #111827; margin: 24px 40px; max-width: 1120px; }
h1 { margin: 0 0 4px; font-size: 24px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #4b5563; margin: 0 0 16px; }
.error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; padding: 10px 14px; border-radius: 6px; white-space: pre-wrap; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px; min-width: 140px; }
.card .v { font-size: 22px; font-weight: 600; }
.card .l { color: #4b5563; font-size: 13px; }
.card .n { color: #6b7280; font-size: 12px; }
.card.good { border-color: #86efac; background: #f0fdf4; }
.card.bad { border-color: #fca5a5; background: #fef2f2; }
table { border-collapse: collapse; font-size: 14px; }
th, td { padding: 4px 12px; border-bottom: 1px solid #e5e7eb; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.tables { display: flex; gap: 40px; flex-wrap: wrap; align-items: flex-start; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="sub">{{.Sub}}</p>
{{with .R.Error}}<p class="error">{{.}}</p>{{end}}
<div class="cards">{{range .Cards}}<div class="card {{.Class}}"><div class="l">{{.Label}}</div><div class="v">{{.Value}}</div><div class="n">{{.Note}}</div></div>{{end}}</div>
<h2>Command → event latency per second</h2>
{{.Latency}}
<h2>Latency distribution in the window</h2>
{{.Histogram}}
<h2>Load</h2>
{{.Load}}
<h2>Figures</h2>
<div class="tables">
<table>
<tr><th>ms</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>count</th></tr>
{{range .Dists}}<tr><td>{{.Name}}</td><td>{{f2 .D.P50}}</td><td>{{f2 .D.P90}}</td><td>{{f2 .D.P99}}</td><td>{{f2 .D.P999}}</td><td>{{f2 .D.Max}}</td><td>{{.D.Count}}</td></tr>
{{end}}</table>
<table>
{{range .Counts}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>
{{end}}</table>
{{if .Rejects}}<table><tr><th>rejects by reason</th><th></th></tr>
{{range .Rejects}}<tr><td>{{.Reason}}</td><td>{{.N}}</td></tr>
{{end}}</table>{{end}}
{{if .ConnectErrors}}<table><tr><th>connect errors</th><th></th></tr>
{{range .ConnectErrors}}<tr><td>{{.Reason}}</td><td>{{.N}}</td></tr>
{{end}}</table>{{end}}
{{if .Disconnects}}<table><tr><th>disconnects</th><th></th></tr>
{{range .Disconnects}}<tr><td>{{.Reason}}</td><td>{{.N}}</td></tr>
{{end}}</table>{{end}}
</div>
</body>
</html>
`))
