/* report_html - `rebound report --html FILE`: one self-contained page
   (inline CSS and SVG; no scripts, fonts or links to fetch) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "hctx.h"
#include "health.h"
#include "ledger.h"
#include "log.h"
#include "parsers/core/buf.h"
#include "parsers/core/err.h"
#include "parsers/core/str.h"

#define DAY 86400
#define TOP 10			/* bars in the top-N charts */
#define NEWEST 20		/* rows of the tables */

static const char usage[] =
"usage: rebound report --html FILE [--since TIME] [--providers FILE]\n"
"\n"
"Writes one self-contained HTML file (inline CSS and SVG: no scripts,\n"
"fonts or anything else to fetch) for people: the findings of `rebound\n"
"alerts`, bounces per day by class, the bounce and complaint rates per day\n"
"against their thresholds, the top providers, domains and reasons, the\n"
"newest suppressions and the undecoded messages waiting for a rule.  The\n"
"window is the last 30 days unless --since says otherwise.  FILE is\n"
"written atomically, readable by its owner only (it lists addresses);\n"
"'-' is standard output.\n"
"\n"
"  --html FILE     where to write the page\n"
RB_HCTX_USAGE
RB_CLI_DB_USAGE
"\n"
"Exit status: 0 done; 64 usage; 66 no database or providers file; 73\n"
"FILE cannot be written; 78 a bad configuration; 65, 74, 75 as for\n"
"ingest.\n";

/* The colours of the classes, also used by the tests to find the charts
   in a screenshot. */
static const char *const class_color[4] = {
	"#c0392b", "#e67e22", "#8e44ad", "#2471a3",
};

/* Text escaped for HTML content and attribute values. */
static void
esc(struct rb_buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': rb_buf_adds(b, "&amp;"); break;
		case '<': rb_buf_adds(b, "&lt;"); break;
		case '>': rb_buf_adds(b, "&gt;"); break;
		case '"': rb_buf_adds(b, "&quot;"); break;
		case '\'': rb_buf_adds(b, "&#39;"); break;
		default:
			if ((unsigned char)*s < ' ' && *s != '\n' &&
			    *s != '\t')
				rb_buf_addc(b, ' ');
			else
				rb_buf_addc(b, *s);
		}
}

/* A round axis maximum at or above v. */
static double
nice_max(double v)
{
	double step = 1;

	if (v <= 0)
		return 1;
	while (step * 10 < v)
		step *= 10;
	while (step > v * 10)
		step /= 10;
	if (v <= step)
		return step;
	if (v <= 2 * step)
		return 2 * step;
	if (v <= 5 * step)
		return 5 * step;
	return 10 * step;
}

static const char css[] =
"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,"
"Arial,sans-serif;margin:0;background:#f4f5f7;color:#1d2329}"
"header{background:#1d2329;color:#fff;padding:18px 32px}"
"header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c9d1d9}"
"main{padding:20px 32px;max-width:1180px}"
"section{background:#fff;border-radius:8px;padding:16px 20px;margin:0 0 18px;"
"box-shadow:0 1px 2px rgba(0,0,0,.08)}"
"h2{font-size:17px;margin:0 0 10px}"
".cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:18px}"
".card{background:#fff;border-radius:8px;padding:12px 16px;min-width:120px;"
"box-shadow:0 1px 2px rgba(0,0,0,.08)}"
".card b{display:block;font-size:22px}.card span{color:#57606a;font-size:13px}"
".ok{color:#1a7f37}.warn{color:#9a6700}.critical{color:#cf222e}"
".badge{display:inline-block;padding:2px 8px;border-radius:10px;"
"font-size:12px;font-weight:600;color:#fff}"
".badge.ok{background:#1a7f37}.badge.warn{background:#bf8700}"
".badge.critical{background:#cf222e}"
"ul.findings{margin:0;padding:0;list-style:none}"
"ul.findings li{padding:8px 0;border-top:1px solid #eaeef2}"
"ul.findings li:first-child{border-top:0}"
".hint{color:#57606a;font-size:13px;margin-top:2px}"
"table{border-collapse:collapse;width:100%;font-size:13px}"
"th,td{text-align:left;padding:5px 8px;border-top:1px solid #eaeef2;"
"vertical-align:top}th{color:#57606a;font-weight:600}"
"td.n{text-align:right;font-variant-numeric:tabular-nums}"
".grid{display:grid;grid-template-columns:1fr 1fr;gap:18px;margin-bottom:18px}"
".grid section{margin:0}"
"svg{display:block;max-width:100%;height:auto}"
"svg text{font-family:inherit;font-size:11px;fill:#57606a}"
".legend span{display:inline-block;margin-right:14px;font-size:13px}"
".legend i{display:inline-block;width:11px;height:11px;margin-right:5px;"
"vertical-align:-1px;border-radius:2px}"
".muted{color:#57606a}"
"td.addr{word-break:break-all}";

static void
legend(struct rb_buf *b)
{
	int i;

	rb_buf_adds(b, "<div class=\"legend\">");
	for (i = 0; i < 4; i++)
		rb_buf_addf(b, "<span><i style=\"background:%s\"></i>%s</span>",
			    class_color[i], rb_health_class(i));
	rb_buf_adds(b, "</div>");
}

/* The frame of a day chart: five grid lines from 0 to ymax between y = top
   and y = bottom with their labels (shares with pct), and the day labels
   (MM-DD, about `labels` of them) under the columns of width bw. */
static void
axes(struct rb_buf *b, double left, double right, double top, double bottom,
     double ymax, int pct, const struct rb_hday *days, size_t nd, double bw,
     size_t labels)
{
	size_t i, step = nd > 2 * labels ? (nd + labels - 1) / labels : 1;
	char lab[32];
	int k;

	for (k = 0; k <= 4; k++) {
		double y = top + (bottom - top) * (1 - k / 4.0);

		if (pct)
			rb_health_pct(ymax * k / 4, lab, sizeof(lab));
		else
			snprintf(lab, sizeof(lab), "%g", ymax * k / 4);
		rb_buf_addf(b, "<line x1=\"%g\" x2=\"%g\" y1=\"%.1f\" "
			    "y2=\"%.1f\" stroke=\"#eaeef2\"/><text x=\"%g\" "
			    "y=\"%.1f\" text-anchor=\"end\">%s</text>",
			    left, right, y, y, left - 6, y + 4, lab);
	}
	for (i = 0; i < nd; i += step)
		rb_buf_addf(b, "<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">"
			    "%.5s</text>", left + bw * ((double)i + 0.5),
			    bottom + 16, days[i].day + 5);
}

/* Stacked bars of the four classes per day. */
static void
chart_days(struct rb_buf *b, const struct rb_hday *days, size_t nd)
{
	const double W = 1080, H = 260, L = 48, R = 10, T = 10, Bm = 34;
	double max = 0, bw, ymax;
	size_t i;
	int c;

	for (i = 0; i < nd; i++) {
		double t = 0;

		for (c = 0; c < 4; c++)
			t += (double)days[i].count[c];
		if (t > max)
			max = t;
	}
	ymax = nice_max(max);
	bw = nd ? (W - L - R) / (double)nd : 1;
	rb_buf_addf(b, "<svg id=\"chart-days\" class=\"chart\" role=\"img\" "
		    "aria-label=\"Bounces per day by class\" viewBox=\"0 0 %g "
		    "%g\" width=\"%g\" height=\"%g\" shape-rendering=\"crispEdges\">",
		    W, H, W, H);
	axes(b, L, W - R, T, H - Bm, ymax, 0, days, nd, bw, 8);
	for (i = 0; i < nd; i++) {
		double y = H - Bm, x = L + bw * (double)i + bw * 0.12;
		char tip[200];

		snprintf(tip, sizeof(tip), "%s: %lld hard, %lld soft, %lld "
			 "block, %lld complaint", days[i].day,
			 (long long)days[i].count[0],
			 (long long)days[i].count[1],
			 (long long)days[i].count[2],
			 (long long)days[i].count[3]);
		for (c = 0; c < 4; c++) {
			double h = (H - T - Bm) * (double)days[i].count[c] /
				   ymax;

			if (days[i].count[c] == 0)
				continue;
			y -= h;
			rb_buf_addf(b, "<rect class=\"bar-%s\" x=\"%.1f\" "
				    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				    "fill=\"%s\"><title>%s</title></rect>",
				    rb_health_class(c), x, y, bw * 0.76, h,
				    class_color[c], tip);
		}
	}
	rb_buf_adds(b, "</svg>");
	legend(b);
}

/* A day's bounce (hard + chronic soft) or complaint rate; -1 without
   volume. */
static double
day_rate(const struct rb_hday *d, int rate)
{
	if (d->sent <= 0)
		return -1;
	return (double)(rate == RB_RATE_BOUNCE ? d->count[0] + d->chronic :
			d->count[3]) / (double)d->sent;
}

/* One rate per day as a line, with its warn and critical thresholds. */
static void
chart_rate(struct rb_buf *b, const char *id, const char *title,
	   const struct rb_hday *days, size_t nd, int rate, double warn,
	   double crit, const char *color)
{
	const double W = 520, H = 220, L = 52, R = 10, T = 12, Bm = 30;
	double max = crit * 1.25, bw;
	size_t i;
	int k, started = 0;
	char lab[24];

	for (i = 0; i < nd; i++)
		if (day_rate(&days[i], rate) > max)
			max = day_rate(&days[i], rate);
	max = nice_max(max);
	bw = nd ? (W - L - R) / (double)nd : 1;
	rb_buf_addf(b, "<svg id=\"%s\" class=\"chart\" role=\"img\" "
		    "aria-label=\"%s\" viewBox=\"0 0 %g %g\" width=\"%g\" "
		    "height=\"%g\">", id, title, W, H, W, H);
	axes(b, L, W - R, T, H - Bm, max, 1, days, nd, bw, 5);
	for (k = 0; k < 2; k++) {
		double v = k ? crit : warn;
		double y = T + (H - T - Bm) * (1 - v / max);

		rb_health_pct(v, lab, sizeof(lab));
		rb_buf_addf(b, "<line class=\"threshold-%s\" x1=\"%g\" "
			    "x2=\"%g\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			    "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
			    "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\" "
			    "style=\"fill:%s\">%s %s</text>",
			    k ? "critical" : "warn", L, W - R, y, y,
			    k ? "#cf222e" : "#bf8700", W - R - 2, y - 4,
			    k ? "#cf222e" : "#bf8700",
			    k ? "critical" : "warn", lab);
	}
	rb_buf_addf(b, "<polyline class=\"rate\" fill=\"none\" stroke=\"%s\" "
		    "stroke-width=\"3\" stroke-linejoin=\"round\" points=\"",
		    color);
	for (i = 0; i < nd; i++) {
		double v = day_rate(&days[i], rate), y;

		if (v < 0)
			continue;
		y = T + (H - T - Bm) * (1 - v / max);
		rb_buf_addf(b, "%s%.1f,%.1f", started ? " " : "",
			    L + bw * ((double)i + 0.5), y);
		started = 1;
	}
	rb_buf_adds(b, "\"/></svg>");
}

/* Horizontal bars, stacked by class, of the top groups. */
static void
chart_top(struct rb_buf *b, const char *id, const char *title,
	  const struct rb_hrow *rows, size_t n)
{
	const double W = 520, L = 150, R = 60, rowh = 22;
	double max = 0, H;
	size_t i, shown = n < TOP ? n : TOP;
	int c;

	for (i = 0; i < shown; i++) {
		double t = (double)(rows[i].hard + rows[i].soft +
				    rows[i].block + rows[i].complaint);

		if (t > max)
			max = t;
	}
	if (max <= 0)
		max = 1;
	H = rowh * (double)(shown ? shown : 1) + 8;
	rb_buf_addf(b, "<svg id=\"%s\" class=\"chart\" role=\"img\" "
		    "aria-label=\"%s\" viewBox=\"0 0 %g %g\" width=\"%g\" "
		    "height=\"%g\" shape-rendering=\"crispEdges\">", id, title,
		    W, H, W, H);
	for (i = 0; i < shown; i++) {
		const int64_t v[4] = {rows[i].hard, rows[i].soft,
				      rows[i].block, rows[i].complaint};
		double x = L, y = 4 + rowh * (double)i;
		int64_t total = v[0] + v[1] + v[2] + v[3];

		rb_buf_addf(b, "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\">",
			    L - 6, y + 14);
		esc(b, rows[i].key);
		rb_buf_adds(b, "</text>");
		for (c = 0; c < 4; c++) {
			double w = (W - L - R) * (double)v[c] / max;

			if (v[c] == 0)
				continue;
			rb_buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" "
				    "width=\"%.1f\" height=\"%g\" fill=\"%s\">"
				    "<title>%lld %s</title></rect>", x, y + 3,
				    w, rowh - 6, class_color[c],
				    (long long)v[c], rb_health_class(c));
			x += w;
		}
		rb_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\">%lld</text>",
			    x + 6, y + 14, (long long)total);
	}
	if (shown == 0)
		rb_buf_addf(b, "<text x=\"%g\" y=\"18\">no bounces in the "
			    "window</text>", L);
	rb_buf_adds(b, "</svg>");
}

static void
chart_reasons(struct rb_buf *b, const struct rb_hreason *r, size_t n)
{
	const double W = 520, L = 150, R = 60, rowh = 22;
	double max = n ? (double)r[0].count : 1, H;
	size_t i, shown = n < TOP ? n : TOP;
	int c;

	H = rowh * (double)(shown ? shown : 1) + 8;
	rb_buf_addf(b, "<svg id=\"chart-reasons\" class=\"chart\" role=\"img\" "
		    "aria-label=\"Top reasons\" viewBox=\"0 0 %g %g\" "
		    "width=\"%g\" height=\"%g\" shape-rendering=\"crispEdges\">",
		    W, H, W, H);
	for (i = 0; i < shown; i++) {
		double y = 4 + rowh * (double)i;
		double w = (W - L - R) * (double)r[i].count / max;
		const char *color = "#57606a";

		for (c = 0; c < 4; c++)
			if (strcmp(r[i].cls, rb_health_class(c)) == 0)
				color = class_color[c];
		rb_buf_addf(b, "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\">",
			    L - 6, y + 14);
		esc(b, *r[i].reason ? r[i].reason : "unknown");
		rb_buf_addf(b, "</text><rect x=\"%g\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%g\" fill=\"%s\"><title>mostly %s"
			    "</title></rect><text x=\"%.1f\" y=\"%.1f\">%lld"
			    "</text>", L, y + 3, w, rowh - 6, color, r[i].cls,
			    L + w + 6, y + 14, (long long)r[i].count);
	}
	if (shown == 0)
		rb_buf_addf(b, "<text x=\"%g\" y=\"18\">no bounces in the "
			    "window</text>", L);
	rb_buf_adds(b, "</svg>");
}

struct tables {
	struct rb_buf *b;
	size_t n;
	int64_t undecoded;
	char *undec[NEWEST];	/* the newest rows, as HTML */
	size_t nundec;
};

static int
supp_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct tables *t = ctx;
	char since[21];

	(void)n;
	rb_cli_iso(rb_val_int(&c[3]), since);
	rb_buf_adds(t->b, "<tr><td class=\"addr\">");
	esc(t->b, rb_val_str(&c[0]));
	rb_buf_adds(t->b, "</td><td>");
	esc(t->b, rb_val_str(&c[1]));
	rb_buf_adds(t->b, "</td><td>");
	esc(t->b, rb_val_str(&c[2]));
	rb_buf_addf(t->b, "</td><td>%s</td><td>", since);
	esc(t->b, rb_val_str(&c[4]));
	rb_buf_adds(t->b, "</td></tr>");
	t->n++;
	return 0;
}

static int
undec_row(void *ctx, const struct rb_val *c, size_t n)
{
	struct tables *t = ctx;
	struct rb_buf row;
	char when[21];
	size_t slot = t->nundec % NEWEST;

	(void)n;
	rb_buf_init(&row, 1 << 16);
	rb_cli_iso(rb_val_int(&c[1]), when);
	rb_buf_addf(&row, "<tr><td class=\"n\">%lld</td><td>%s</td>"
		    "<td class=\"addr\">", (long long)rb_val_int(&c[0]), when);
	esc(&row, rb_val_str(&c[2]));
	rb_buf_adds(&row, "</td><td>");
	esc(&row, rb_val_str(&c[3]));
	rb_buf_adds(&row, "</td><td>");
	esc(&row, rb_val_str(&c[6]));
	rb_buf_adds(&row, " ");
	{
		const char *d = rb_val_str(&c[7]);
		char cut[161];

		snprintf(cut, sizeof(cut), "%s", d);
		esc(&row, cut);
		if (strlen(d) > 160)
			rb_buf_adds(&row, "…");
	}
	rb_buf_adds(&row, "</td></tr>");
	free(t->undec[slot]);
	t->undec[slot] = rb_xstrdup(rb_buf_str(&row));
	rb_buf_deinit(&row);
	t->nundec++;
	return 0;
}

static void
findings(struct rb_buf *b, const struct rb_finding *f, size_t n)
{
	size_t i;

	rb_buf_adds(b, "<section id=\"findings\"><h2>Findings</h2>");
	if (n == 0)
		rb_buf_adds(b, "<p class=\"ok\">Nothing above its threshold, "
			    "no spikes, no sender-side blocks.</p>");
	else
		rb_buf_adds(b, "<ul class=\"findings\">");
	for (i = 0; i < n; i++) {
		const char *lv = rb_level_name(f[i].level);

		rb_buf_addf(b, "<li><span class=\"badge %s\">%s</span> ", lv,
			    lv);
		esc(b, f[i].text);
		if (*f[i].domains) {
			rb_buf_adds(b, "<div class=\"hint\">domains: ");
			esc(b, f[i].domains);
			rb_buf_adds(b, "</div>");
		}
		if (*f[i].hint) {
			rb_buf_adds(b, "<div class=\"hint\">what usually "
				    "helps: ");
			esc(b, f[i].hint);
			rb_buf_adds(b, "</div>");
		}
		rb_buf_adds(b, "</li>");
	}
	if (n)
		rb_buf_adds(b, "</ul>");
	rb_buf_adds(b, "</section>");
}

static int
render(struct rb_hctx *h, struct rb_buf *b, struct rb_err *err)
{
	const struct rb_finding *f;
	const struct rb_hrow *all, *rows;
	const struct rb_hday *days;
	const struct rb_hreason *reasons;
	struct tables t;
	size_t nf, nd, n, nr, i;
	enum rb_level worst = RB_LV_OK;
	char now[21], since[21], v[4][32];
	int k;

	memset(&t, 0, sizeof(t));
	t.b = b;
	rb_iso8601(h->db.now, now);
	rb_iso8601(h->since, since);
	f = rb_health_findings(h->d, &nf);
	for (i = 0; i < nf; i++)
		if (f[i].level > worst)
			worst = f[i].level;
	rb_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
		    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
		    "content=\"width=device-width,initial-scale=1\">"
		    "<title>rebound report</title><style>");
	rb_buf_adds(b, css);
	rb_buf_addf(b, "</style></head><body><header><h1>rebound report "
		    "<span class=\"badge %s\">%s</span></h1><p>%.10s to "
		    "%.10s &middot; generated %s</p></header><main>",
		    rb_level_name(worst), nf ? rb_level_name(worst) : "ok",
		    since, now, now);

	all = rb_health_rows(h->d, RB_BY_ALL, &n);
	rb_buf_adds(b, "<div class=\"cards\">");
	rb_buf_addf(b, "<div class=\"card\"><b>%lld</b><span>sent</span>"
		    "</div>", (long long)all[0].sent);
	for (k = 0; k < 4; k++) {
		const int64_t c[4] = {all[0].hard, all[0].soft, all[0].block,
				      all[0].complaint};

		rb_buf_addf(b, "<div class=\"card\"><b style=\"color:%s\">"
			    "%lld</b><span>%s</span></div>", class_color[k],
			    (long long)c[k], rb_health_class(k));
	}
	for (k = 0; k < RB_NRATE; k++) {
		rb_health_pct(all[0].rate[k], v[k], sizeof(v[k]));
		rb_buf_addf(b, "<div class=\"card\"><b class=\"%s\">%s</b>"
			    "<span>%s rate</span></div>",
			    all[0].level[k] == RB_LV_NA ? "muted" :
			    rb_level_name(all[0].level[k]), v[k],
			    rb_rate_name(k));
	}
	rb_buf_adds(b, "</div>");
	if (!rb_health_has_volumes(h->d))
		rb_buf_adds(b, "<section><p class=\"muted\">No send volumes "
			    "are recorded in this window, so the rates cannot "
			    "be computed: record them with <code>rebound sent "
			    "record</code> or <code>rebound sent import</code>."
			    "</p></section>");
	findings(b, f, nf);

	days = rb_health_days(h->d, &nd);
	rb_buf_adds(b, "<section><h2>Bounces per day by class</h2>");
	chart_days(b, days, nd);
	rb_buf_adds(b, "</section><div class=\"grid\">");
	for (k = 0; k < 2; k++) {
		const char *title = k ? "Complaint rate per day" :
				  "Bounce rate per day";
		int r = k ? RB_RATE_COMPLAINT : RB_RATE_BOUNCE;

		rb_buf_addf(b, "<section><h2>%s</h2>", title);
		if (rb_health_has_volumes(h->d))
			chart_rate(b, k ? "chart-complaint-rate" :
				   "chart-bounce-rate", title, days, nd, r,
				   h->opts.warn[r], h->opts.crit[r],
				   class_color[k ? 3 : 0]);
		else
			rb_buf_adds(b, "<p class=\"muted\">needs send "
				    "volumes</p>");
		rb_buf_adds(b, "</section>");
	}

	rows = rb_health_rows(h->d, RB_BY_PROVIDER, &n);
	rb_buf_adds(b, "<section><h2>Top providers</h2>");
	chart_top(b, "chart-providers", "Top providers", rows, n);
	rb_buf_adds(b, "</section>");
	rows = rb_health_rows(h->d, RB_BY_DOMAIN, &n);
	rb_buf_adds(b, "<section><h2>Top domains</h2>");
	chart_top(b, "chart-domains", "Top domains", rows, n);
	rb_buf_adds(b, "</section>");
	reasons = rb_health_reasons(h->d, &nr);
	rb_buf_adds(b, "<section><h2>Top reasons</h2>");
	chart_reasons(b, reasons, nr);
	rb_buf_adds(b, "</section>");

	/* Rates per provider, as a table. */
	rows = rb_health_rows(h->d, RB_BY_PROVIDER, &n);
	rb_buf_adds(b, "<section><h2>Providers against the limits</h2>"
		    "<table><tr><th>provider</th><th>sent</th><th>bounce</th>"
		    "<th>soft</th><th>block</th><th>complaint</th>"
		    "<th>status</th></tr>");
	for (i = 0; i < n && i < TOP; i++) {
		rb_buf_adds(b, "<tr><td>");
		esc(b, rows[i].key);
		rb_buf_addf(b, "</td><td class=\"n\">%lld</td>",
			    (long long)rows[i].sent);
		for (k = 0; k < RB_NRATE; k++) {
			rb_health_pct(rows[i].rate[k], v[0], sizeof(v[0]));
			rb_buf_addf(b, "<td class=\"n %s\">%s</td>",
				    rows[i].level[k] == RB_LV_NA ? "muted" :
				    rb_level_name(rows[i].level[k]), v[0]);
		}
		rb_buf_addf(b, "<td>%s</td></tr>", rows[i].sent ?
			    rb_level_name(rows[i].worst) : "needs volumes");
	}
	rb_buf_adds(b, "</table></section></div>");

	rb_buf_adds(b, "<section id=\"suppressions\"><h2>Newest "
		    "suppressions</h2><table><tr><th>address</th><th>class"
		    "</th><th>reason</th><th>since</th><th>origin</th></tr>");
	if (rb_ledger_run(h->l, RB_Q_SUPP_NEWEST, RB_ARGS(RB_VINT(NEWEST)),
			  supp_row, &t, err) < 0)
		return -1;
	if (t.n == 0)
		rb_buf_adds(b, "<tr><td colspan=\"5\" class=\"muted\">none"
			    "</td></tr>");
	rb_buf_adds(b, "</table></section>");

	if (rb_ledger_run(h->l, RB_Q_UNDEC_LIST, RB_NOARGS, undec_row, &t,
			  err) < 0) {
		for (i = 0; i < NEWEST; i++)
			free(t.undec[i]);
		return -1;
	}
	rb_buf_addf(b, "<section id=\"undecoded\"><h2>Undecoded, waiting for "
		    "a rule (%zu)</h2><table><tr><th>id</th><th>when</th>"
		    "<th>source</th><th>why</th><th>status and diagnostic"
		    "</th></tr>", t.nundec);
	for (i = 0; i < NEWEST && i < t.nundec; i++) {
		/* Newest first. */
		size_t slot = (t.nundec - 1 - i) % NEWEST;

		rb_buf_adds(b, t.undec[slot]);
	}
	if (t.nundec == 0)
		rb_buf_adds(b, "<tr><td colspan=\"5\" class=\"muted\">none"
			    "</td></tr>");
	rb_buf_adds(b, "</table><p class=\"muted\">See them with "
		    "<code>rebound undecoded show N</code>.</p></section>");
	for (i = 0; i < NEWEST; i++)
		free(t.undec[i]);
	rb_buf_adds(b, "</main></body></html>\n");
	return 0;
}

int
rb_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		RB_CLI_DB_OPTS, RB_HCTX_OPTS,
		{"html", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *html = NULL;
	struct rb_hctx h;
	struct rb_err err;
	struct rb_buf b;
	int rc;

	rb_hctx_init(&h);
	if ((rc = rb_hctx_args(&h, argc, argv, opts, usage, rb_hctx_path_opt,
			       &html)) >= 0)
		return rc;
	if (html == NULL) {
		rb_log(RB_LOG_ERROR, "report: --html FILE is needed");
		fputs(usage, stderr);
		return RB_EX_USAGE;
	}
	if ((rc = rb_hctx_open(&h, 30 * DAY)) >= 0)
		goto done;
	rb_buf_init(&b, (size_t)256 << 20);
	rb_err_clear(&err);
	if (render(&h, &b, &err) != 0)
		rc = rb_cli_fail(h.l, &err);
	else if (b.err)
		rc = RB_EX_SOFTWARE;
	else
		rc = rb_write_atomic(html, b.p, b.len, 0600) == 0 ? RB_EX_OK :
		     strcmp(html, "-") == 0 ? RB_EX_IOERR : RB_EX_CANTCREAT;
	rb_buf_deinit(&b);
done:
	rb_hctx_close(&h);
	return rc;
}
