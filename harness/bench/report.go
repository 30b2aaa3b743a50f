package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"text/tabwriter"
	"time"
)

// ReportVersion is the version of bench.json's layout.
const ReportVersion = 1

// Targets of the issue: what the harness must reach.
const (
	TargetReadRatio  = 0.8 // row 1: harness checks/s over pgbench's
	TargetSeedRatio  = 0.8 // row 4: harness rows/s over pgbench -i's
	TargetTemplateMs = 150 // row 3: ready from the template, in ms
)

// Words of the table.
const (
	notMeasured = "not measured"
	targetMet   = "met"
	missed      = "MISSED"
	noTarget    = "-"
)

// Report is what a bench run measured; bench.json holds it.
type Report struct {
	Version   int       `json:"version"`
	Date      string    `json:"date"`
	GoVersion string    `json:"go_version"`
	Platform  string    `json:"platform"`
	CPUs      int       `json:"cpus"`
	Server    string    `json:"server,omitempty"`
	Options   optsShown `json:"options"`

	Read    *ReadResult    `json:"read_checks,omitempty"`    // row 1
	Small   *SmallResult   `json:"small_worlds,omitempty"`   // row 2
	Startup *StartupResult `json:"startup,omitempty"`        // row 3
	Seeding *SeedingResult `json:"bulk_seeding,omitempty"`   // rows 4 and 6
	Detect  *DetectResult  `json:"time_to_detect,omitempty"` // row 5
	Seconds float64        `json:"seconds"`                  // the whole run
}

// optsShown are the options that shape the numbers.
type optsShown struct {
	Rounds       int     `json:"rounds"`
	RoundSeconds float64 `json:"round_seconds"`
	Clients      int     `json:"clients"`
	Seed         uint64  `json:"seed"`
}

func newReport(o Options) *Report {
	return &Report{
		Version:   ReportVersion,
		Date:      time.Now().UTC().Format(time.RFC3339),
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		CPUs:      runtime.NumCPU(),
		Options:   optsShown{Rounds: o.Rounds, RoundSeconds: o.RoundTime.Seconds(), Clients: o.Clients, Seed: o.Seed},
	}
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode bench report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write bench report: %w", err)
	}
	return nil
}

// row is one line of the table.
type row struct {
	item, measure, harness, reference, ratio, target, result string
}

// Table prints the six rows: what the harness did, what it is compared
// with, the ratio, the target and whether it is met.
func (r *Report) Table(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tmeasure\tharness\tcompared with\tratio\ttarget\tresult")
	for _, x := range r.rows() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.item, x.measure, x.harness, x.reference, x.ratio, x.target, x.result)
	}
	tw.Flush()
}

func (r *Report) rows() []row {
	var out []row
	out = append(out, r.readRow())
	out = append(out, r.smallRows()...)
	out = append(out, r.startupRow(), r.seedingRow(), r.detectRow(), r.memoryRow())
	return out
}

func (r *Report) readRow() row {
	x := row{item: "1", measure: "read checks/s, persistent world", target: fmt.Sprintf(">= %.2f", TargetReadRatio)}
	if r.Read == nil || len(r.Read.Points) == 0 {
		return x.missing()
	}
	rd := r.Read
	best, bestP := rd.point(rd.Best), rd.point(rd.BestPgbench)
	x.measure = fmt.Sprintf("read checks/s, persistent world, best of %d-%d clients", rd.Points[0].Clients, rd.Points[len(rd.Points)-1].Clients)
	x.harness = fmt.Sprintf("%.0f @%d (%.0f stmts/s)", best.HarnessMedian, best.Clients, best.HarnessMedian*float64(rd.Statements)/float64(max(1, rd.Checks)))
	x.reference = fmt.Sprintf("pgbench same queries %.0f @%d; by clients", bestP.PgbenchMedian, bestP.Clients)
	for _, p := range rd.Points {
		x.reference += fmt.Sprintf(" %d:%.2f", p.Clients, p.Ratio)
	}
	x.ratio = fmt.Sprintf("%.2f", rd.Ratio)
	x.result = verdict(rd.Ratio >= TargetReadRatio)
	return x
}

func (r *Report) smallRows() []row {
	if r.Small == nil {
		return []row{(row{item: "2", measure: "small-world checks/s"}).missing()}
	}
	var out []row
	for i, p := range r.Small.Properties {
		s := p.Share()
		x := row{
			item:      "2",
			measure:   "small-world checks/s, " + p.Property + " on " + p.Subject,
			harness:   fmt.Sprintf("%.0f", p.Median),
			reference: fmt.Sprintf("setup %.0f%% stmts %.0f%% oracle %.0f%% client %.0f%%", 100*s[0], 100*s[1], 100*s[2], 100*s[3]),
			ratio:     fmt.Sprintf("%.2f db", s[0]+s[1]+s[2]),
			target:    noTarget,
			result:    noTarget,
		}
		if i > 0 {
			x.item = ""
		}
		out = append(out, x)
	}
	return out
}

func (r *Report) startupRow() row {
	x := row{item: "3", measure: "start-up, ms to ready", target: fmt.Sprintf("< %d ms", TargetTemplateMs)}
	if r.Startup == nil {
		return x.missing()
	}
	s := r.Startup
	x.harness = fmt.Sprintf("template %.0f", s.TemplateMedian)
	x.reference = fmt.Sprintf("initdb+start %.0f (one-off %.0f)", s.ScratchMedian, s.OneOffMs)
	x.ratio = fmt.Sprintf("%.1fx faster", s.Ratio)
	x.result = verdict(s.TemplateMedian < TargetTemplateMs)
	return x
}

func (r *Report) seedingRow() row {
	x := row{item: "4", measure: "bulk seeding, rows/s", target: fmt.Sprintf(">= %.2f", TargetSeedRatio)}
	if r.Seeding == nil {
		return x.missing()
	}
	s := r.Seeding
	x.measure = fmt.Sprintf("bulk seeding rows/s, %d tenants, %s rows", s.Tenants, human(s.Rows))
	x.harness = fmt.Sprintf("%.0f", s.HarnessMedian)
	x.reference = fmt.Sprintf("pgbench -i -s %d %.0f", s.Scale, s.PgbenchMedian)
	x.ratio = fmt.Sprintf("%.2f ±%.2f", s.Ratio, s.Spread/2*s.Ratio)
	x.result = verdict(s.Ratio >= TargetSeedRatio)
	return x
}

func (r *Report) detectRow() row {
	x := row{item: "5", measure: "time to detect, seeded defects", target: "all killed"}
	if r.Detect == nil {
		return x.missing()
	}
	d := r.Detect
	x.measure = fmt.Sprintf("time to detect, %d seeded defects x %d seeds", d.Total, len(d.Seeds))
	x.harness = fmt.Sprintf("median %.0f checks, %.3fs", d.MedianChecks, d.MedianSeconds)
	x.reference = fmt.Sprintf("slowest %s %.3fs; %d/%d as expected and replayed", d.MaxMutant, d.MaxSeconds, d.AsExpected, d.Total)
	x.ratio = fmt.Sprintf("%d/%d killed", d.Killed, d.Total)
	x.result = verdict(d.Killed == d.Total)
	return x
}

func (r *Report) memoryRow() row {
	x := row{item: "6", measure: "peak RSS, large-world load", target: noTarget, result: noTarget}
	if r.Seeding == nil {
		return x.missing()
	}
	m := r.Seeding.Memory
	x.measure = fmt.Sprintf("peak RSS, loading %s rows", human(r.Seeding.Rows))
	x.harness = fmt.Sprintf("%.0f MB", m.PeakRSSMB)
	x.reference = fmt.Sprintf("RSS before the load %.0f MB", m.BaselineMB)
	x.ratio = fmt.Sprintf("%.2fx", ratio(m.PeakRSSMB, m.BaselineMB))
	if !m.ResetWorked {
		x.reference += " (peak not reset)"
	}
	return x
}

func (x row) missing() row {
	x.harness, x.reference, x.ratio, x.result = notMeasured, "", "", noTarget
	return x
}

func verdict(ok bool) string {
	if ok {
		return targetMet
	}
	return missed
}

// human renders a count with a unit: 1000110 -> "1.00M".
func human(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
