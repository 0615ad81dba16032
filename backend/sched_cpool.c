/* sched_cpool.c — compute pools: labelled shares of the host, each with the CPU of its containers and its own caps.
 *
 *   --pool NAME:cpu=CORES,containers=N,memory=MB   (each part optional, repeatable)
 *
 * cpu is each container's CPU quota (a cgroup cfs quota, 0 for none; left
 * out, the host's --cpu-limit); containers and memory cap what the pool
 * holds at once, within the host's caps (--max-containers, --max-memory),
 * which count every pool's containers. Pool "default" (the first) has only
 * the host's caps and --cpu-limit; stem cells live there. An action asks
 * for a pool by its annotation "pool" (the name), or for CPU by the
 * annotation "cpu" (cores, a number or a string): the first pool, in the
 * order given, whose containers get at least that much (none: no quota).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

static int
part(Cpool *cp, const char *key, size_t klen, const char *val, char *err, size_t elen)
{
	char *end;
	double v = strtod(val, &end);

	if (end == val || (*end && *end != ',' && *end != ' ') || !(v >= 0 && v <= 1e7)) {
		snprintf(err, elen, "pool %s: %.*s must be a number", cp->name, (int)klen, key);
		return -EINVAL;
	}
	if (klen == 3 && strncmp(key, "cpu", 3) == 0)
		cp->cpu_millis = (int)(v * 1000 + 0.5);
	else if (klen == 10 && strncmp(key, "containers", 10) == 0)
		cp->max_containers = (int)v;
	else if (klen == 6 && strncmp(key, "memory", 6) == 0)
		cp->max_memory_mb = (int)v;
	else {
		snprintf(err, elen, "pool %s: no setting %.*s (cpu, containers, memory)", cp->name, (int)klen, key);
		return -EINVAL;
	}
	return 0;
}

/* One "NAME:k=v,k=v" of length len. */
static int
cpool_parse(Sched *s, const char *p, size_t len, char *err, size_t elen)
{
	const char *colon = memchr(p, ':', len), *end = p + len, *eq, *q;
	size_t n = colon ? (size_t)(colon - p) : len;
	Cpool *cp;
	int i, rc;

	if (n == 0 || n >= sizeof cp->name ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") < n) {
		snprintf(err, elen, "a pool's name is 1 to 31 letters, digits, - or _: %.*s", (int)len, p);
		return -EINVAL;
	}
	for (i = 0; i < s->ncpools; i++)
		if (strlen(s->cpools[i].name) == n && strncmp(s->cpools[i].name, p, n) == 0) {
			snprintf(err, elen, "pool %.*s given twice", (int)n, p);
			return -EINVAL;
		}
	if (s->ncpools >= MAX_CPOOLS) {
		snprintf(err, elen, "at most %d pools", MAX_CPOOLS - 1);
		return -EINVAL;
	}
	cp = &s->cpools[s->ncpools];
	memset(cp, 0, sizeof *cp);
	snprintf(cp->name, sizeof cp->name, "%.*s", (int)n, p);
	cp->cpu_millis = -1;
	for (q = colon ? colon + 1 : end; q < end; q = q + strcspn(q, ",") + (q[strcspn(q, ",")] == ',')) {
		if (!(eq = memchr(q, '=', (size_t)(end - q))) || eq > q + strcspn(q, ",")) {
			snprintf(err, elen, "pool %s: expected KEY=VALUE at %.*s", cp->name, (int)(end - q), q);
			return -EINVAL;
		}
		if ((rc = part(cp, q, (size_t)(eq - q), eq + 1, err, elen)) < 0)
			return rc;
	}
	s->ncpools++;
	return 0;
}

int
cpools_parse(Sched *s, const char *spec, char *err, size_t elen)
{
	const char *p, *end;
	int rc;

	memset(&s->cpools[0], 0, sizeof s->cpools[0]);
	snprintf(s->cpools[0].name, sizeof s->cpools[0].name, "default");
	s->cpools[0].cpu_millis = -1;
	s->ncpools = 1;
	for (p = spec; p && *p; p = end) {
		p += strspn(p, " ");
		end = p + strcspn(p, " ");
		if (end > p && (rc = cpool_parse(s, p, (size_t)(end - p), err, elen)) < 0)
			return rc;
	}
	return 0;
}

/* The CPU a container of cp gets, thousandths of a core (0: no quota). */
static int
cpool_cpu(Sched *s, Cpool *cp)
{
	return cp->cpu_millis >= 0 ? cp->cpu_millis : s->cfg.cpu_millis;
}

static Cpool *
cpool_by_cpu(Sched *s, json_t *a, char *err, size_t elen)
{
	double want = json_is_number(a) ? json_number_value(a) : json_is_string(a) ? atof(json_string_value(a)) : -1;
	int i, have;

	if (!(want > 0)) {
		snprintf(err, elen, "The annotation \"cpu\" must be a number of cores over 0.");
		return NULL;
	}
	for (i = 0; i < s->ncpools; i++)
		if ((have = cpool_cpu(s, &s->cpools[i])) == 0 || have >= (int)(want * 1000 + 0.5))
			return &s->cpools[i];
	snprintf(err, elen, "No pool gives a container %g cores.", want);
	return NULL;
}

Cpool *
cpool_choose(Sched *s, json_t *annotations, char *err, size_t elen)
{
	json_t *a = annotations ? json_object_get(annotations, "pool") : NULL;
	char names[256];
	size_t n = 0;
	int i;

	if (!a) {
		a = annotations ? json_object_get(annotations, "cpu") : NULL;
		return a ? cpool_by_cpu(s, a, err, elen) : &s->cpools[0];
	}
	for (i = 0; json_is_string(a) && i < s->ncpools; i++)
		if (strcmp(s->cpools[i].name, json_string_value(a)) == 0)
			return &s->cpools[i];
	names[0] = '\0';
	for (i = 0; i < s->ncpools && n < sizeof names; i++)
		n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", i ? ", " : "", s->cpools[i].name);
	if (json_is_string(a))
		snprintf(err, elen, "There is no pool \"%.64s\": this backend has %s.", json_string_value(a), names);
	else
		snprintf(err, elen, "The annotation \"pool\" must be a string: this backend has %s.", names);
	return NULL;
}

int
cpool_full(Cpool *cp, int containers, int memory_mb)
{
	return (cp->max_containers && cp->ncont + containers > cp->max_containers) ||
	       (cp->max_memory_mb && cp->mem_mb + memory_mb > cp->max_memory_mb);
}

int
cpool_room(Sched *s, Cpool *cp, int containers, int memory_mb)
{
	return s->ncont + containers <= s->cfg.max_containers && s->mem_mb + memory_mb <= s->cfg.max_memory_mb &&
	       !cpool_full(cp, containers, memory_mb);
}

void
cpool_account(Container *c, int sign)
{
	Sched *s = c->s;

	if (c->ops->remote)
		return; /* it lives elsewhere: the host's caps do not count it */
	s->ncont += sign;
	s->mem_mb += sign * c->memory_mb;
	c->cp->ncont += sign;
	c->cp->mem_mb += sign * c->memory_mb;
}
