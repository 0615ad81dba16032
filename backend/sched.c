/* sched.c — the scheduler: queues activations per action and gives them to containers.
 *
 * How an activation runs. sched_submit() finds the action's pool, keyed by
 * "path@version" (a new version is a new pool, so an update never runs old
 * code), and appends the run to the pool's queue. pool_pump() (sched_pool.c)
 * then gives queued runs to the pool's initialised containers while they
 * have free slots (limits.concurrency activations at once each). When the
 * queue is longer than what the containers already on their way can take,
 * the action's Scheduler (scheduler.h, sched_policy.c) says whether to grow
 * the pool or to wait for a busy container, which would be free sooner
 * than a new one would be ready. It grows first by taking a stem cell of
 * the action's kind (a proxy started earlier with no code: only /init is
 * left to do, and the run is recorded as "stemcell"), else by starting a
 * new container ("cold"), at most max_starts at once (the CPUs): pools that
 * would start more wait on the "later" list until a start ends, or until
 * their queue's age says to grow. Containers live on the action's compute
 * pool (sched_cpool.c), with its CPU and its caps.
 * Growing respects the host's caps on containers and memory; at a cap it
 * stops an idle container of another action (or a stem cell) to make room,
 * and when nothing is idle the pool waits on the "starving" list (first
 * come, first served) until a container becomes idle or goes away. So that
 * one action's backlog cannot hold the host, an action with several
 * containers gives one up, as it becomes free, to a waiting action that has
 * none. A run given to a container that was already initialised is "warm".
 *
 * Each run carries its own deadline to the proxy, which enforces it; the
 * scheduler keeps a timer KILL_GRACE_MS longer and kills the container if
 * the proxy has not answered by then (sched_run.c). A developer error (crash,
 * timeout, out of memory, an answer too long) also retires the container, so
 * the next run gets a fresh one; the backend itself never dies of a function.
 *
 * Containers that stay idle for idle_ms stop (scale to zero). Stem cells are
 * kept for every kind that has been started once (and for the kinds in
 * FAASFS_STEMCELL_KINDS, default python:3, from the start), `stemcells` of
 * each, within the caps. The proxy learns its kind at /init, so a stem cell
 * of another kind serves when none of the action's own is ready.
 *
 * Where containers live is the business of an execution domain (domain.h):
 * a table of function pointers chosen per action by the annotation
 * "exec-domain", else by its kind (FAASFS_KIND_DOMAINS, e.g.
 * "nodejs=knative"), else local. The scheduler never knows whether a
 * container is a process here or a Knative Service elsewhere.
 *
 * The queue bound (queue_max) counts the runs that wait with no container
 * on its way to them: over it sched_submit says -EAGAIN (the API's 429).
 *
 * Every done_cb runs from a loop callback, never inside sched_submit: a
 * failure found while submitting is finished on the next loop turn. Once
 * sched_free() has begun no done_cb runs at all: the API may be half torn
 * down by then, and the store marks activations that never finished as
 * failed when the backend starts again.
 */
#include <assert.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "js.h"
#include "log.h"
#include "num.h"
#include "pool.h"
#include "mem.h"

enum {
	CONTAINER_MB = 32,     /* a warm container's own memory, about: its proxy, launcher and network */
	CONTAINER_FDS = 16,    /* descriptors the backend holds for one container, about (10 measured) */
	RESERVE_FDS = 1024,    /* the backend's own: clients, the store, the event stream */
	MAX_CONTAINERS = 4096, /* a backend's block of uids */
	MEMORY_OVERCOMMIT = 2, /* the sum of memory limits, in host memories */
	DEF_IDLE_MS = 600000,
	DEF_STEMCELLS = 1,
	DEF_STEMCELLS_NEW = 100, /* at most (default_stemcells_new) */
	DEF_QUEUE_MAX = 1000,
	DEF_SHORT_RUN_MS = 2, /* a round trip and a little CPU, no waiting */
};

/* Kinds with stem cells from the start: a stem cell serves any kind when
 * none of the action's own is ready, so one is enough for a fast first run. */
#define DEF_STEM_KINDS "python:3"

static const DomainOps *const domain_table[] = { &domain_local_ops, &domain_knative_ops, NULL };

int64_t
sched_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A setting into *out: the config's value, else the environment's, else
 * the default; -EINVAL, saying so, when the environment's is no number. */
static int
setting(int given, const char *env, int def, int *out)
{
	const char *v = getenv(env);
	int64_t n;

	*out = given ? given : def;
	if (given || !v || !*v)
		return 0;
	if (num_int(v, INT32_MIN, INT32_MAX, &n) < 0) {
		log_error("%s=%s is not a whole number", env, v);
		return -EINVAL;
	}
	*out = (int)n;
	return 0;
}

static long
host_memory_mb(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || size <= 0)
		return 4096;
	return (long)((long long)pages * size / (1 << 20));
}

/* The sum of memory limits: a limit is a ceiling, which a function seldom
 * reaches and its cgroup holds it to, and a warm container uses about
 * CONTAINER_MB of it: twice the host's memory (100 warm actions at the
 * default 256 MB fit on a host of 16 GB). */
static int
default_memory_mb(void)
{
	long mb = host_memory_mb() * MEMORY_OVERCOMMIT;

	return mb > INT32_MAX ? INT32_MAX : (int)mb;
}

/* Descriptors this process may open, the soft limit raised to the hard
 * one first: each container holds about CONTAINER_FDS of ours, and each
 * activation in flight a connection to its proxy. */
static long
host_descriptors(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1 << 30 ? 1 << 30 : (long)rl.rlim_cur;
}

/* Containers: as many as the host's memory holds at CONTAINER_MB each and
 * our descriptors allow, within a block of uids; 64 at least. */
static int
default_max_containers(void)
{
	long n = host_memory_mb() / CONTAINER_MB, fds = (host_descriptors() - RESERVE_FDS) / CONTAINER_FDS;

	if (fds < n)
		n = fds;
	if (n > MAX_CONTAINERS)
		n = MAX_CONTAINERS;
	return n < 64 ? 64 : (int)n;
}

/* Stem cells for new actions: a quarter of the containers and three
 * quarters of the memory limits (at STEM_MEMORY_MB each) the caps hold,
 * at most DEF_STEMCELLS_NEW; they are the first stopped when an action
 * needs room, so they cost a stop, never a wait. */
static int
default_stemcells_new(const SchedConfig *c)
{
	int n = c->max_containers / 4, m = c->max_memory_mb / STEM_MEMORY_MB * 3 / 4;

	n = m < n ? m : n;
	return n < DEF_STEMCELLS_NEW ? n : DEF_STEMCELLS_NEW;
}

/* The CPUs this process may run on (taskset, cpusets). */
static int
host_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return 1;
	return CPU_COUNT(&set) > 0 ? CPU_COUNT(&set) : 1;
}

static int
config_fill(Sched *s, const SchedConfig *cfg)
{
	s->cfg = *cfg;
	s->cpus = host_cpus();
	if (setting(cfg->max_containers, "FAASFS_MAX_CONTAINERS", default_max_containers(), &s->cfg.max_containers) ||
	    setting(cfg->max_memory_mb, "FAASFS_MAX_MEMORY_MB", default_memory_mb(), &s->cfg.max_memory_mb) ||
	    setting(cfg->idle_ms, "FAASFS_IDLE_MS", DEF_IDLE_MS, &s->cfg.idle_ms) ||
	    setting(cfg->stemcells, "FAASFS_STEMCELLS", DEF_STEMCELLS, &s->cfg.stemcells) ||
	    setting(cfg->queue_max, "FAASFS_QUEUE_MAX", DEF_QUEUE_MAX, &s->cfg.queue_max) ||
	    setting(cfg->short_run_ms, "FAASFS_SHORT_RUN_MS", DEF_SHORT_RUN_MS, &s->cfg.short_run_ms) ||
	    setting(cfg->stem_wait_ms, "FAASFS_STEM_WAIT_MS", STEM_WAIT_MS, &s->cfg.stem_wait_ms) ||
	    /* a start is CPU (the sandbox, an interpreter) and some waiting (its
	     * network, the proxy's first answer): two per CPU keep the CPUs busy */
	    setting(cfg->max_starts, "FAASFS_MAX_STARTS", 2 * s->cpus, &s->cfg.max_starts))
		return -EINVAL;
	if (s->cfg.max_starts < 1)
		s->cfg.max_starts = 1;
	if (s->cfg.stem_wait_ms < 0)
		s->cfg.stem_wait_ms = 0;
	if (setting(cfg->stemcells_new, "FAASFS_STEMCELLS_NEW", default_stemcells_new(&s->cfg), &s->cfg.stemcells_new))
		return -EINVAL;
	if (s->cfg.stemcells_new < 0)
		s->cfg.stemcells_new = 0;
	s->cfg.pools = NULL;
	s->cfg.schedulers = s->schedulers;
	if (s->cfg.stemcells < 0)
		s->cfg.stemcells = 0;
	s->cfg.proxy_path = s->proxy_path;
	s->cfg.run_dir = s->run_dir;
	return 0;
}

static void
stem_kinds_from_env(Sched *s)
{
	const char *v = getenv("FAASFS_STEMCELL_KINDS");
	char *copy, *tok, *save = NULL;

	if (!v)
		v = DEF_STEM_KINDS;
	copy = estrdup(v);
	for (tok = strtok_r(copy, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save))
		stem_kind_add(s, 0, tok);
	free(copy);
}

static int
domains_open(Sched *s)
{
	char err[256];
	int i, rc;

	for (i = 0; domain_table[i] && i < MAX_DOMAINS; i++) {
		err[0] = '\0';
		if ((rc = domain_table[i]->open(s->loop, &s->cfg, &s->doms[i].d, err, sizeof err)) < 0) {
			log_error("sched: domain %s: %s", domain_table[i]->name, err[0] ? err : strerror(-rc));
			return rc;
		}
		s->doms[i].ops = domain_table[i];
		s->ndoms++;
		log_info("sched: domain %s: %s", domain_table[i]->name, domain_table[i]->describe(s->doms[i].d));
	}
	return 0;
}

static void
sched_release(Sched *s)
{
	int i;

	for (i = 0; i < s->ndoms; i++)
		s->doms[i].ops->close(s->doms[i].d);
	for (i = 0; i < s->nstem_kinds; i++)
		free(s->stem_kinds[i]);
	map_free(&s->pools);
	free(s->schedulers);
	free(s->proxy_path);
	free(s->run_dir);
	free(s);
}

/* A copy of the given text, else of the environment's, else NULL. */
static char *
strdup_or_env(const char *given, const char *env)
{
	const char *v = given ? given : getenv(env);

	return v && *v ? estrdup(v) : NULL;
}

int
sched_new(uv_loop_t *loop, const SchedConfig *cfg, Sched **out)
{
	char err[256];
	Sched *s;
	int rc;

	if (!cfg->proxy_path || !cfg->run_dir)
		return -EINVAL;
	s = ecalloc(1, sizeof *s);
	s->loop = loop;
	s->proxy_path = estrdup(cfg->proxy_path);
	s->run_dir = estrdup(cfg->run_dir);
	s->schedulers = strdup_or_env(cfg->schedulers, "FAASFS_SCHEDULERS");
	TAILQ_INIT(&s->starving);
	TAILQ_INIT(&s->later);
	TAILQ_INIT(&s->done);
	if ((rc = config_fill(s, cfg)) < 0) {
		sched_release(s);
		return rc;
	}
	log_info("sched: at most %d containers and %d MB, %d starts at once, %d waiting an action",
	         s->cfg.max_containers, s->cfg.max_memory_mb, s->cfg.max_starts, s->cfg.queue_max);
	if ((rc = cpools_parse(s, cfg->pools ? cfg->pools : getenv("FAASFS_POOLS"), err, sizeof err)) < 0) {
		log_error("sched: --pool: %s", err);
		sched_release(s);
		return rc;
	}
	if ((rc = schedulers_check(s->schedulers, err, sizeof err)) < 0) {
		log_error("sched: --scheduler: %s", err);
		sched_release(s);
		return rc;
	}
	if ((rc = domains_open(s)) < 0) {
		sched_release(s);
		return rc;
	}
	log_info("sched: at most %d containers, %d MB of memory limits, %d starting at once", s->cfg.max_containers,
	         s->cfg.max_memory_mb, s->cfg.max_starts);
	uv_idle_init(loop, &s->done_idle);
	uv_timer_init(loop, &s->later_timer);
	uv_timer_init(loop, &s->expect_timer);
	uv_timer_init(loop, &s->stem_timer);
	s->done_idle.data = s->later_timer.data = s->expect_timer.data = s->stem_timer.data = s;
	s->handles = 4;
	stem_kinds_from_env(s);
	stem_fill(s);
	*out = s;
	return 0;
}

static void
done_closed(uv_handle_t *h)
{
	Sched *s = h->data;

	s->handles--;
	sched_maybe_release(s);
}

/* s goes when it is closing and its last container has gone. */
void
sched_maybe_release(Sched *s)
{
	if (s->closing && LIST_EMPTY(&s->all) && s->handles == 0)
		sched_release(s);
}

/* The scheduler stops: p's queued runs fail. */
static void
pool_stopped(const char *key, void *val, void *arg)
{
	Pool *p = val;
	Run *r;

	(void)key, (void)arg;
	while ((r = TAILQ_FIRST(&p->queue)))
		run_fail(r, RUN_WHISK_ERROR, "The scheduler stopped.");
}

void
sched_free(Sched *s)
{
	Container *c;
	Run *r;
	int i;

	if (!s)
		return;
	s->closing = 1; /* from here on no done_cb runs */
	while ((r = TAILQ_FIRST(&s->done)))
		run_finish(r);
	map_each(&s->pools, pool_stopped, NULL);
	LIST_FOREACH(c, &s->all, all)
		if (c->state != C_STOPPING)
			container_retire(c);
	for (i = 0; i < s->ndoms; i++)
		s->doms[i].ops->shutdown(s->doms[i].d);
	uv_close((uv_handle_t *)&s->done_idle, done_closed);
	uv_close((uv_handle_t *)&s->later_timer, done_closed);
	uv_close((uv_handle_t *)&s->expect_timer, done_closed);
	uv_close((uv_handle_t *)&s->stem_timer, done_closed);
}

/* ---- the pool table ---- */

void
pool_unlink(Pool *p)
{
	if (p->forgotten)
		return;
	map_del(&p->s->pools, p->key);
	p->forgotten = 1;
}

/* The domain FAASFS_KIND_DOMAINS ("nodejs:20=knative python=local", a kind
 * or the family before its ':') gives kind, or NULL. */
static const char *
kind_domain(const char *kind, char *buf, size_t len)
{
	const char *v = getenv("FAASFS_KIND_DOMAINS"), *p, *eq, *end;
	size_t fam = strcspn(kind, ":"), n;

	for (p = v; p && *p; p = end + strspn(end, " ,")) {
		p += strspn(p, " ,");
		end = p + strcspn(p, " ,");
		if (!(eq = memchr(p, '=', (size_t)(end - p))))
			continue;
		n = (size_t)(eq - p);
		if ((n == strlen(kind) || n == fam) && strncmp(p, kind, n) == 0 && (size_t)(end - eq) <= len) {
			snprintf(buf, len, "%.*s", (int)(end - eq - 1), eq + 1);
			return buf;
		}
	}
	return NULL;
}

/* Kind routing: the annotation "exec-domain", else FAASFS_KIND_DOMAINS,
 * else the local domain. */
static int
route(Sched *s, const RunSpec *sp)
{
	json_t *a = sp->annotations ? json_object_get(sp->annotations, "exec-domain") : NULL;
	const char *want = json_is_string(a) ? json_string_value(a) : NULL;
	char buf[64];
	int i;

	if (!want && !(want = kind_domain(sp->kind, buf, sizeof buf)))
		want = "local";
	for (i = 0; i < s->ndoms; i++)
		if (strcmp(s->doms[i].ops->name, want) == 0)
			return i;
	log_error("sched: %s: no execution domain %s", sp->path, want);
	return -ENOTSUP;
}

static char *
init_body(const RunSpec *sp)
{
	json_t *v, *env = sp->init_env ? json_deep_copy(sp->init_env) : json_object();
	char n[16], *text;

	if (sp->limits.concurrency > 1) { /* the proxy takes that many runs at once */
		snprintf(n, sizeof n, "%d", sp->limits.concurrency);
		json_object_set_new(env, "__OW_CONCURRENCY", json_string(n));
	}

	v = json_pack("{s:{s:s,s:s,s:s%,s:b,s:o,s:s}}", "value", "name", sp->name ? sp->name : "", "main",
	              sp->main && *sp->main ? sp->main : "main", "code", sp->code ? sp->code : "",
	              sp->code ? (sp->code_len ? sp->code_len : strlen(sp->code)) : 0, "binary", sp->binary, "env", env,
	              "kind", sp->kind);
	if (!v)
		return NULL;
	if (json_object_size(sp->secrets))
		json_object_set_new(json_object_get(v, "value"), "secrets", json_deep_copy(sp->secrets));
	text = js_text(v, NULL);
	json_decref(v);
	return text;
}

static int
pool_new(Sched *s, const RunSpec *sp, const char *key, Pool **out, char *err, size_t elen)
{
	const Scheduler *sch;
	Cpool *cp;
	Pool *p;
	int di;

	if ((di = route(s, sp)) < 0)
		return di;
	if (!(sch = scheduler_choose(s, sp->ns, sp->annotations, err, elen)) ||
	    !(cp = cpool_choose(s, sp->annotations, err, elen)))
		return -EBADR; /* the action asks for what this backend has not */
	p = ecalloc(1, sizeof *p);
	p->s = s;
	p->di = di;
	p->sch = sch;
	p->cp = cp;
	p->key = estrdup(key);
	p->path = estrdup(sp->path);
	p->init_body = init_body(sp);
	if (!p->init_body) {
		free(p->key);
		free(p->path);
		free(p);
		return snprintf(err, elen, "the action's /init cannot be written as JSON"), -EINVAL;
	}
	map_put(&s->pools, key, p);
	p->init_len = strlen(p->init_body);
	p->annotations = sp->annotations ? json_deep_copy(sp->annotations) : NULL;
	p->debug_ms = pool_debug_ms(p->annotations);
	snprintf(p->kind, sizeof p->kind, "%s", sp->kind);
	p->lim = sp->limits;
	if (p->lim.concurrency < 1)
		p->lim.concurrency = 1;
	if (p->lim.memory_mb < 1)
		p->lim.memory_mb = STEM_MEMORY_MB;
	TAILQ_INIT(&p->queue);
	LIST_INIT(&p->conts);
	*out = p;
	return 0;
}

void
pool_free(Pool *p)
{
	pool_unlink(p);
	later_remove(p);
	assert(!p->starving); /* a starving pool has runs queued */
	free(p->key);
	free(p->path);
	free(p->init_body);
	json_decref(p->annotations);
	free(p);
}

static int
pool_get(Sched *s, const RunSpec *sp, Pool **out, char *err, size_t elen)
{
	char key[1024];

	snprintf(key, sizeof key, "%s@%s%s%s", sp->path, sp->version ? sp->version : "",
	         sp->sectag && *sp->sectag ? "+" : "", sp->sectag ? sp->sectag : "");
	if ((*out = map_get(&s->pools, key)))
		return 0;
	return pool_new(s, sp, key, out, err, elen);
}

/* ---- submit ---- */

static char *
run_tail(const RunSpec *sp)
{
	char action[1100];
	const char *id = sp->activation_id ? sp->activation_id : "";
	const char *kv[] = { "namespace",      sp->ns ? sp->ns : "",
		             "action_name",    action,
		             "activation_id",  id,
		             "transaction_id", id,
		             "api_key",        sp->api_key,
		             "api_host",       sp->api_host };

	snprintf(action, sizeof action, "/%s", sp->path);
	return js_text_pairs(kv, sizeof kv / sizeof kv[0] / 2, NULL);
}

static int
run_new(Sched *s, Pool *p, const RunSpec *sp, sched_done_cb cb, void *arg, Run **out)
{
	Run *r;

	r = ecalloc(1, sizeof *r);
	r->s = s;
	r->p = p;
	r->cb = cb;
	r->arg = arg;
	r->line_cb = sp->line_cb;
	snprintf(r->act_id, sizeof r->act_id, "%s", sp->activation_id ? sp->activation_id : "");
	r->timeout_ms = sp->limits.timeout_ms > 0 ? sp->limits.timeout_ms : 60000;
	r->deadline_ms = sp->deadline_ms;
	r->submit_ms = sched_now_ms();
	r->res.start = "cold"; /* until a container takes it */
	r->tail = run_tail(sp);
	if (sp->params)
		r->value = js_text(sp->params, NULL);
	if (!r->tail || (sp->params && !r->value)) {
		run_free(r);
		return -EINVAL; /* not writable as JSON (js_text) */
	}
	*out = r;
	return 0;
}

int
sched_submit(Sched *s, const RunSpec *sp, sched_done_cb cb, void *arg)
{
	char err[256];
	Pool *p;
	Run *r;
	int rc;

	if (s->closing)
		return -ESHUTDOWN;
	if (!sp->path || !sp->kind || !cb)
		return -EINVAL;
	if ((rc = pool_get(s, sp, &p, err, sizeof err)) == -EBADR) {
		/* its annotations name a scheduler or pool we lack: the record says so */
		if ((rc = run_new(s, NULL, sp, cb, arg, &r)) < 0)
			return rc;
		s->busy = 1;
		run_fail_later(r, RUN_DEV_ERROR, err);
		return 0;
	}
	if (rc < 0)
		return rc;
	if (p->queued - p->incoming >= s->cfg.queue_max)
		return -EAGAIN; /* waiting with no container on its way */
	if ((rc = run_new(s, p, sp, cb, arg, &r)) < 0) {
		pool_maybe_free(p);
		return rc;
	}
	s->busy = 1; /* work made ahead waits for sched_quiet */
	queue_append(p, r);
	pool_pump(p);
	pool_maybe_free(p);
	return 0;
}

/* A pool of the action forgotten: out of the table, its idle containers retired. */
static void
pool_forget(const char *key, void *val, void *path)
{
	Pool *p = val;
	Container *c, *cn;

	(void)key;
	if (strcmp(p->path, path) != 0)
		return;
	pool_unlink(p);
	for (c = LIST_FIRST(&p->conts); c; c = cn) {
		cn = LIST_NEXT(c, link);
		if (c->state == C_READY && c->inflight == 0)
			container_retire(c);
	}
	pool_maybe_free(p);
}

void
sched_forget(Sched *s, const char *path)
{
	int i;

	map_each(&s->pools, pool_forget, (void *)path);
	for (i = 0; i < s->ndoms; i++)
		if (s->doms[i].ops->forget)
			s->doms[i].ops->forget(s->doms[i].d, path);
}

void
sched_expect(Sched *s, const char *kind, json_t *annotations)
{
	RunSpec sp = { .kind = kind, .annotations = annotations, .path = "" };
	char err[256];
	int di;

	if (s->closing || !kind || s->cfg.stemcells_new <= 0 || pool_debug_ms(annotations))
		return;
	if (cpool_choose(s, annotations, err, sizeof err) != &s->cpools[0])
		return; /* stem cells are the default pool's */
	if ((di = route(s, &sp)) >= 0)
		stem_expect(s, di, kind);
}

/* ---- runs finished on the next loop turn ---- */

void
sched_done_idle_cb(uv_idle_t *h)
{
	Sched *s = h->data;

	uv_idle_stop(h);
	while (!TAILQ_EMPTY(&s->done))
		run_finish(TAILQ_FIRST(&s->done));
}

/* ---- metrics ---- */

typedef struct Depth {
	Buf *b;
	const char *ns; /* whose actions, or NULL: all */
	int queued;
} Depth;

/* Is p one of ns's actions (its path "ns/...")? */
static int
pool_in(Pool *p, const char *ns)
{
	size_t n = ns ? strlen(ns) : 0;

	return !ns || (strncmp(p->path, ns, n) == 0 && p->path[n] == '/');
}

static void
pool_depth(const char *key, void *val, void *arg)
{
	Pool *p = val;
	Depth *d = arg;

	(void)key;
	d->queued += p->queued;
	if (p->queued && pool_in(p, d->ns))
		buf_printf(d->b, "faasfs_queue_depth{action=\"%s\"} %d\n", p->path, p->queued);
}

static void
pool_size(const char *key, void *val, void *arg)
{
	Pool *p = val;
	Depth *d = arg;

	(void)key;
	if (pool_in(p, d->ns))
		buf_printf(
		        d->b,
		        "faasfs_action_containers{action=\"%s\"} %d\nfaasfs_action_containers_peak{action=\"%s\"} %d\n",
		        p->path, p->ncont, p->path, p->peak);
}

void
sched_metrics(Sched *s, Buf *b, const char *ns)
{
	int n[C_HELD + 1] = { 0 }, warm = 0, busy = 0, i;
	Depth d = { b, ns, 0 };
	Container *c;

	LIST_FOREACH(c, &s->all, all) {
		n[c->state]++;
		if (c->state == C_READY && c->inflight == 0)
			warm++;
		else if (c->state == C_READY || c->state == C_INIT)
			busy++;
	}
	buf_printf(b, "# HELP faasfs_containers Containers by state.\n# TYPE faasfs_containers gauge\n");
	buf_printf(b,
	           "faasfs_containers{state=\"starting\"} %d\nfaasfs_containers{state=\"stemcell\"} %d\n"
	           "faasfs_containers{state=\"warm\"} %d\nfaasfs_containers{state=\"busy\"} %d\n"
	           "faasfs_containers{state=\"stopping\"} %d\nfaasfs_containers{state=\"held\"} %d\n",
	           n[C_STARTING], n[C_STEM], warm, busy, n[C_STOPPING], n[C_HELD]);
	buf_printf(b, "# TYPE faasfs_container_memory_mb gauge\nfaasfs_container_memory_mb %d\n", s->mem_mb);
	buf_printf(b,
	           "# HELP faasfs_containers_max The host's caps (--max-containers, --max-memory).\n"
	           "# TYPE faasfs_containers_max gauge\nfaasfs_containers_max %d\n"
	           "# TYPE faasfs_container_memory_max_mb gauge\nfaasfs_container_memory_max_mb %d\n",
	           s->cfg.max_containers, s->cfg.max_memory_mb);
	buf_printf(b,
	           "# HELP faasfs_containers_starting Containers starting (bounded by --max-starts).\n"
	           "# TYPE faasfs_containers_starting gauge\nfaasfs_containers_starting %d\n",
	           s->starting);
	buf_printf(b,
	           "# HELP faasfs_pool_containers Containers by compute pool.\n# TYPE faasfs_pool_containers gauge\n");
	for (i = 0; i < s->ncpools; i++)
		buf_printf(b, "faasfs_pool_containers{pool=\"%s\"} %d\n", s->cpools[i].name, s->cpools[i].ncont);
	buf_printf(b, "# HELP faasfs_queue_depth Activations waiting for a container.\n"
	              "# TYPE faasfs_queue_depth gauge\n");
	map_each(&s->pools, pool_depth, &d);
	buf_printf(b, "faasfs_queue_depth %d\n", d.queued);
	buf_printf(b, "# HELP faasfs_action_containers An action's containers now, and the most it had at once.\n"
	              "# TYPE faasfs_action_containers gauge\n# TYPE faasfs_action_containers_peak gauge\n");
	map_each(&s->pools, pool_size, &d);
	buf_printf(
	        b,
	        "# HELP faasfs_sched_starts_total Activations by how their container started.\n"
	        "# TYPE faasfs_sched_starts_total counter\nfaasfs_sched_starts_total{start=\"cold\"} %llu\n"
	        "faasfs_sched_starts_total{start=\"stemcell\"} %llu\nfaasfs_sched_starts_total{start=\"warm\"} %llu\n",
	        (unsigned long long)s->starts_cold, (unsigned long long)s->starts_stem,
	        (unsigned long long)s->starts_warm);
	buf_printf(b,
	           "# TYPE faasfs_container_evictions_total counter\nfaasfs_container_evictions_total %llu\n"
	           "# TYPE faasfs_container_deaths_total counter\nfaasfs_container_deaths_total %llu\n",
	           (unsigned long long)s->evictions, (unsigned long long)s->deaths);
}
