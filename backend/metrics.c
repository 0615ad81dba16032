/* metrics.c — GET /metrics: counters and histograms in Prometheus' text format.
 *
 * Per action (its path): activations by status, a duration histogram, and
 * how each run started (cold, stemcell, warm). Then the daemon's own
 * gauges and the scheduler's lines (containers warm and busy, queue
 * depth), appended by sched_metrics. Entity names cannot hold '"' or '\',
 * so labels need no escaping. Who may read what is api.c's call (--metrics):
 * a caller with a key sees its own namespace's actions only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"
#include "map.h"

enum { NLE = 12 };

static const double le[NLE] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 60 };
static const char *const starts[] = { "cold", "stemcell", "warm" };

typedef struct ActionStat {
	int64_t status[4];
	int64_t hist[NLE];
	int64_t count;
	double sum;
	int64_t start[3];
	char path[];
} ActionStat;

struct Metrics {
	Map stats; /* path → action_stat */
};

int
metrics_new(Metrics **out)
{
	*out = ecalloc(1, sizeof **out);
	return 0;
}

void
metrics_free(Metrics *m)
{
	map_free_with(&m->stats, free);
	free(m);
}

static ActionStat *
stat_of(Metrics *m, const char *path)
{
	ActionStat *a;

	if ((a = map_get(&m->stats, path)))
		return a;
	a = ecalloc(1, sizeof *a + strlen(path) + 1);
	strcpy(a->path, path);
	map_put(&m->stats, path, a);
	return a;
}

void
metrics_activation(Metrics *m, const char *path, int status, int64_t ms, const char *start)
{
	ActionStat *a = stat_of(m, path);
	double s = ms / 1000.0;

	if (!a)
		return;
	a->status[status >= 0 && status <= 3 ? status : 3]++;
	for (int i = 0; i < NLE; i++)
		a->hist[i] += s <= le[i];
	a->count++;
	a->sum += s;
	for (int i = 0; start && i < 3; i++)
		a->start[i] += strcmp(start, starts[i]) == 0;
}

static void
action_lines(Buf *o, const ActionStat *a)
{
	for (int s = 0; s < 4; s++)
		if (a->status[s])
			buf_printf(o, "faasfs_activations_total{action=\"%s\",status=\"%s\"} %lld\n", a->path,
			           record_status_text(s), (long long)a->status[s]);
	for (int i = 0; i < NLE; i++)
		buf_printf(o, "faasfs_activation_duration_seconds_bucket{action=\"%s\",le=\"%g\"} %lld\n", a->path,
		           le[i], (long long)a->hist[i]);
	buf_printf(o, "faasfs_activation_duration_seconds_bucket{action=\"%s\",le=\"+Inf\"} %lld\n", a->path,
	           (long long)a->count);
	buf_printf(o, "faasfs_activation_duration_seconds_sum{action=\"%s\"} %.6f\n", a->path, a->sum);
	buf_printf(o, "faasfs_activation_duration_seconds_count{action=\"%s\"} %lld\n", a->path, (long long)a->count);
	for (int i = 0; i < 3; i++)
		if (a->start[i])
			buf_printf(o, "faasfs_starts_total{action=\"%s\",start=\"%s\"} %lld\n", a->path, starts[i],
			           (long long)a->start[i]);
}

/* Is a (path "ns/...") one of ns's actions? */
static int
stat_in(const ActionStat *a, const char *ns)
{
	size_t n = ns ? strlen(ns) : 0;

	return !ns || (strncmp(a->path, ns, n) == 0 && a->path[n] == '/');
}

typedef struct WhoLines {
	Buf *o;
	const char *ns; /* whose actions, or NULL: all */
} WhoLines;

static void
stat_lines(const char *path, void *a, void *arg)
{
	WhoLines *w = arg;

	(void)path;
	if (stat_in(a, w->ns))
		action_lines(w->o, a);
}

void
metrics_handle(Backend *b, HttpReq *req, const char *ns)
{
	Buf o = { 0 };
	WhoLines w = { &o, ns };
	int64_t commits, rows;

	buf_printf(&o, "# HELP faasfs_activations_total Finished activations by action and status.\n"
	               "# TYPE faasfs_activations_total counter\n"
	               "# HELP faasfs_activation_duration_seconds Activation duration, start to end.\n"
	               "# TYPE faasfs_activation_duration_seconds histogram\n"
	               "# HELP faasfs_starts_total Runs by how their container started: cold, stemcell or warm.\n"
	               "# TYPE faasfs_starts_total counter\n");
	map_each(&b->met->stats, stat_lines, &w);
	store_stats(b->st, &commits, &rows);
	buf_printf(&o,
	           "# TYPE faasfs_activations_inflight gauge\nfaasfs_activations_inflight %lld\n"
	           "# TYPE faasfs_store_commits_total counter\nfaasfs_store_commits_total %lld\n"
	           "# TYPE faasfs_store_records_total counter\nfaasfs_store_records_total %lld\n"
	           "# TYPE faasfs_event_subscribers gauge\nfaasfs_event_subscribers %d\n",
	           (long long)b->inflight, (long long)commits, (long long)rows, events_subscribers(b->ev));
	if (b->sched)
		sched_metrics(b->sched, &o, ns);
	http_respond(req, 200, "text/plain; version=0.0.4", NULL, o.p ? o.p : "", o.n);
	buf_free(&o);
}
