package reports

import (
	"fmt"
	"html"
	"html/template"
	"sort"
	"strconv"
	"strings"
)

// A bar is one row of a horizontal bar chart.
type bar struct {
	Label string
	Value float64
	Color string
	Text  string // the value as printed; default the number
}

// Chart colours, shared with the page's CSS.
const (
	colorPass   = "#2f855a"
	colorLeak   = "#c53030"
	colorError  = "#b7791f"
	colorMuted  = "#8a94a6"
	colorNeutra = "#3b6fb6"
)

// barChart draws bars as an inline SVG: labels left, bars scaled to the
// largest value, values right; an optional marker draws a dashed line at
// a value (a median). It needs no script and no external asset.
func barChart(title string, bars []bar, marker float64, markerLabel string) template.HTML {
	const width, labelW, valueW, rowH, barH, top = 640, 250, 70, 24, 15, 8
	if len(bars) == 0 {
		return template.HTML(`<p class="empty">` + html.EscapeString(title) + `: nothing to show.</p>`)
	}
	max := marker
	for _, b := range bars {
		if b.Value > max {
			max = b.Value
		}
	}
	if max <= 0 {
		max = 1
	}
	plot := float64(width - labelW - valueW)
	height := top*2 + rowH*len(bars)
	if marker > 0 {
		height += 16
	}
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"><title>%s</title>`,
		width, height, width, height, html.EscapeString(title), html.EscapeString(title))
	for i, b := range bars {
		y := top + i*rowH
		w := plot * b.Value / max
		if b.Value > 0 && w < 2 {
			w = 2
		}
		text := b.Text
		if text == "" {
			text = formatCount(b.Value)
		}
		color := b.Color
		if color == "" {
			color = colorNeutra
		}
		fmt.Fprintf(&s, `<text x="%d" y="%d" text-anchor="end" class="label">%s</text>`, labelW-8, y+barH-3, html.EscapeString(truncate(b.Label, 32)))
		fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%.1f" height="%d" rx="2" fill="%s"><title>%s: %s</title></rect>`, labelW, y, w, barH, color, html.EscapeString(b.Label), html.EscapeString(text))
		fmt.Fprintf(&s, `<text x="%.1f" y="%d" class="value">%s</text>`, float64(labelW)+w+6, y+barH-3, html.EscapeString(text))
	}
	if marker > 0 {
		x := float64(labelW) + plot*marker/max
		bottom := top + rowH*len(bars)
		fmt.Fprintf(&s, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#1a202c" stroke-dasharray="4 3"/>`, x, top-4, x, bottom)
		fmt.Fprintf(&s, `<text x="%.1f" y="%d" text-anchor="middle" class="value">%s</text>`, x, bottom+12, html.EscapeString(markerLabel))
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// countBars turns counts into bars, largest first, the rest beyond limit
// summed as "other".
func countBars(counts map[string]int, limit int, color string) []bar {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range counts {
		if v > 0 {
			all = append(all, kv{k, v})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var out []bar
	other := 0
	for i, x := range all {
		if i >= limit {
			other += x.v
			continue
		}
		out = append(out, bar{Label: x.k, Value: float64(x.v), Color: color})
	}
	if other > 0 {
		out = append(out, bar{Label: "other", Value: float64(other), Color: colorMuted})
	}
	return out
}

// formatCount prints a count with thousands separators, or a fraction
// with two decimals.
func formatCount(v float64) string {
	if v != float64(int64(v)) {
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	s := strconv.FormatInt(int64(v), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
