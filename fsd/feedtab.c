/* feedtab.c — crontab, watches, subscriptions: the triggers a built-in feed feeds, one line each.
 *
 * Three files in the root, each a table of the triggers one feed of the
 * backend's /whisk.system catalog feeds (faasfs-backend(8)):
 *
 *   crontab        MIN HOUR DOM MON DOW TRIGGER [JSON payload]   alarms/alarm
 *                  (or @daily and the like), and CRON_TZ=Zone lines, as
 *                  cronie reads them, for the lines after them
 *   watches        PATH TRIGGER [recursive] [pattern=GLOB] [events=LIST]
 *                                                                files/changes
 *   subscriptions  URL TOPIC TRIGGER [qos=N] [insecure]          mqtt/subscribe
 *                  (mqtt:// or mqtts://, the broker's certificate checked
 *                  against the backend's system store; a CA or a client
 *                  certificate of one's own is given through the API)
 *
 * Reading one gives a line a trigger, with what the feed says of it as a
 * comment: the next fire, an error, paused. Writing one says what the whole
 * set is: a trigger named is made (a trigger with the feed's annotation,
 * then the feed's CREATE) or changed (CREATE again, which replaces the
 * feed's parameters), and a trigger of that feed no longer named is
 * deleted. So `echo '0 2 * * * nightly' >> crontab` is a whole batch job's
 * set-up and deleting its line undoes it. Every line is checked as it is
 * written, and the set is applied at each write that ends a line (and at
 * close), one request after the other, the write answered when it is done:
 * so bash's echo reports EINVAL for a bad line or for a feed the backend
 * refuses (a path outside its watch roots, a broker it cannot reach), err
 * says which line or trigger and why, and a refused trigger is not left
 * behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "cron.h"
#include "dat.h"
#include "fns.h"

typedef struct Table {
	int q;
	const char *feed; /* its annotation: "/whisk.system/alarms/alarm" */
	/* a line into (trigger, config); tz: crontab's CRON_TZ, carried */
	int (*parse)(char *line, char *trigger, json_t **config, char *tz, char *err, size_t n);
	void (*format)(json_t *config, const char *trigger, char *tz, Buf *b);
} Table;

/* ---- words ---- */

static char *
word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return *p = s, NULL;
	w = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

static int
rest_is_comment(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' || *p == '#';
}

static int
name_ok(const char *s, char *err, size_t n)
{
	if (!s || !*s || strlen(s) > 256 || strchr(s, '/') || !(isalnum((unsigned char)*s) || *s == '_'))
		return snprintf(err, n, "'%s' is not a trigger's name", s ? s : ""), -EINVAL;
	return 0;
}

/* ---- crontab ---- */

static int
cron_line(char *line, char *trigger, json_t **config, char *tz, char *err, size_t n)
{
	char cron[256] = "", *p = line, *w, *t;
	json_error_t je;
	json_t *payload = NULL;
	CronSpec c;
	int k, rc;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "CRON_TZ=", 8) == 0) {
		t = p + 8;
		t[strcspn(t, " \t#")] = '\0';
		if (!zone_known(t))
			return snprintf(err, n, "CRON_TZ=%s: not a time zone of the IANA database (as Europe/Paris)",
			                t),
			       -EINVAL;
		snprintf(tz, 64, "%s", strcmp(t, "UTC") ? t : "");
		return 1;
	}
	if (p[strcspn(p, "= \t")] == '=')
		return snprintf(err, n, "only CRON_TZ= lines set something here"), -EINVAL;
	for (k = 0; k < (*p == '@' ? 1 : 5); k++) {
		if ((w = word(&p)) == NULL)
			return snprintf(err, n, "a line is MIN HOUR DOM MON DOW TRIGGER [JSON]"), -EINVAL;
		snprintf(cron + strlen(cron), sizeof cron - strlen(cron), "%s%s", k ? " " : "", w);
	}
	if ((rc = cron_parse(cron, &c, err, n)) < 0)
		return rc;
	if ((rc = name_ok(t = word(&p), err, n)) < 0)
		return rc;
	snprintf(trigger, 257, "%s", t);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '{') {
		payload = json_loads(p, JSON_DISABLE_EOF_CHECK, &je);
		if (!json_is_object(payload)) {
			json_decref(payload);
			return snprintf(err, n, "the payload is not a JSON object: %s", je.text), -EINVAL;
		}
		p += je.position;
	}
	if (!rest_is_comment(p)) {
		json_decref(payload);
		return snprintf(err, n, "after the trigger only a JSON payload may come"), -EINVAL;
	}
	*config = json_pack("{s:s}", "cron", cron);
	if (tz[0])
		json_object_set_new(*config, "timezone", json_string(tz));
	if (payload)
		json_object_set_new(*config, "trigger_payload", payload);
	return 0;
}

static void
cron_format(json_t *config, const char *trigger, char *tz, Buf *b)
{
	const char *zone = json_string_value(json_object_get(config, "timezone"));
	json_t *payload = json_object_get(config, "trigger_payload");
	char *text;

	if (strcmp(zone ? zone : "", tz)) {
		snprintf(tz, 64, "%s", zone ? zone : "");
		buf_printf(b, "CRON_TZ=%s\n", zone ? zone : "UTC");
	}
	buf_printf(b, "%s %s", json_string_value(json_object_get(config, "cron")), trigger);
	if (json_is_object(payload) && (text = js_text(payload, NULL)) != NULL) {
		buf_printf(b, " %s", text);
		free(text);
	}
}

/* ---- watches ---- */

static int
watch_line(char *line, char *trigger, json_t **config, char *tz, char *err, size_t n)
{
	char *p = line, *path = word(&p), *t, *w;
	int rc;

	(void)tz;
	if (path == NULL)
		return 1;
	if (path[0] != '/')
		return snprintf(err, n,
		                "a line is PATH TRIGGER [recursive] [pattern=GLOB] [events=LIST], PATH absolute"),
		       -EINVAL;
	if ((rc = name_ok(t = word(&p), err, n)) < 0)
		return rc;
	snprintf(trigger, 257, "%s", t);
	*config = json_pack("{s:s}", "path", path);
	while ((w = word(&p)) != NULL) {
		if (strcmp(w, "recursive") == 0)
			json_object_set_new(*config, "recursive", json_true());
		else if (strncmp(w, "pattern=", 8) == 0)
			json_object_set_new(*config, "pattern", json_string(w + 8));
		else if (strncmp(w, "events=", 7) == 0)
			json_object_set_new(*config, "events", json_string(w + 7));
		else {
			json_decref(*config);
			return snprintf(err, n, "'%s': the options are recursive, pattern=GLOB, events=LIST", w),
			       -EINVAL;
		}
	}
	return 0;
}

static void
watch_format(json_t *config, const char *trigger, char *tz, Buf *b)
{
	json_t *ev = json_object_get(config, "events"), *x;
	const char *pat = json_string_value(json_object_get(config, "pattern"));
	size_t i;

	(void)tz;
	buf_printf(b, "%s %s", json_string_value(json_object_get(config, "path")), trigger);
	if (json_is_true(json_object_get(config, "recursive")))
		buf_str(b, " recursive");
	if (pat)
		buf_printf(b, " pattern=%s", pat);
	if (json_is_string(ev))
		buf_printf(b, " events=%s", json_string_value(ev));
	else if (json_is_array(ev)) {
		buf_str(b, " events=");
		json_array_foreach(ev, i, x) buf_printf(b, "%s%s", i ? "," : "", json_string_value(x));
	}
}

/* ---- subscriptions ---- */

static int
sub_line(char *line, char *trigger, json_t **config, char *tz, char *err, size_t n)
{
	char *p = line, *url = word(&p), *topic, *t, *w;
	int rc;

	(void)tz;
	if (url == NULL)
		return 1;
	if ((topic = word(&p)) == NULL || (strncmp(url, "mqtt://", 7) && strncmp(url, "mqtts://", 8)))
		return snprintf(err, n,
		                "a line is mqtt[s]://[USER:PASSWORD@]HOST[:PORT] TOPIC TRIGGER [qos=N] [insecure]"),
		       -EINVAL;
	if ((rc = name_ok(t = word(&p), err, n)) < 0)
		return rc;
	snprintf(trigger, 257, "%s", t);
	*config = json_pack("{s:s, s:s}", "url", url, "topic", topic);
	while ((w = word(&p)) != NULL) {
		if (strncmp(w, "qos=", 4) == 0 && strlen(w) == 5 && w[4] >= '0' && w[4] <= '2')
			json_object_set_new(*config, "qos", json_integer(w[4] - '0'));
		else if (strcmp(w, "insecure") == 0 && url[4] == 's')
			json_object_set_new(*config, "insecure", json_true());
		else {
			json_decref(*config);
			return snprintf(err, n, "'%s': the options are qos=0, 1 or 2, and insecure for mqtts://", w),
			       -EINVAL;
		}
	}
	return 0;
}

static void
sub_format(json_t *config, const char *trigger, char *tz, Buf *b)
{
	json_t *qos = json_object_get(config, "qos");

	(void)tz;
	buf_printf(b, "%s %s %s", json_string_value(json_object_get(config, "url")),
	           json_string_value(json_object_get(config, "topic")), trigger);
	if (json_integer_value(qos))
		buf_printf(b, " qos=%d", (int)json_integer_value(qos));
	if (json_is_true(json_object_get(config, "insecure")))
		buf_str(b, " insecure");
}

static const Table tables[] = {
	{ Qcrontab, "/whisk.system/alarms/alarm", cron_line, cron_format },
	{ Qwatches, "/whisk.system/files/changes", watch_line, watch_format },
	{ Qsubs, "/whisk.system/mqtt/subscribe", sub_line, sub_format },
};

static const Table *
table_of(int q)
{
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (tables[i].q == q)
			return &tables[i];
	return NULL;
}

/* The feed the backend says a trigger has ("feed" in its GET), or NULL. */
static json_t *
feed_of(Ent *e)
{
	return e->doc ? json_object_get(e->doc, "feed") : NULL;
}

/* ---- reading ---- */

typedef struct Fill {
	const Table *t;
	Buf *b;
	char tz[64];
	json_t *names;
} Fill;

static void
name1(Ent *e, void *arg)
{
	Fill *f = arg;
	json_t *feed = feed_of(e);

	if (feed && strcmp(jstr(json_object_get(feed, "name")), f->t->feed) == 0)
		json_array_append_new(f->names, json_string(e->name));
}

static int
byname(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* The table of q, a line a trigger; -EAGAIN until every document is here. */
int
feedtab_fill(Node *node, Ent *e, Buf *b)
{
	Fill f = { table_of(node->q), b, "", json_array() };
	json_t **v, *st;
	size_t i, n;

	(void)e;
	if (!cache_all_fresh()) {
		json_decref(f.names);
		return -EAGAIN;
	}
	cache_each(Etrigger, name1, &f);
	n = json_array_size(f.names);
	v = ecalloc(n + 1, sizeof *v);
	for (i = 0; v && i < n; i++)
		v[i] = json_array_get(f.names, i);
	if (v)
		qsort(v, n, sizeof *v, byname);
	for (i = 0; v && i < n; i++) {
		const char *name = json_string_value(v[i]);
		json_t *feed = feed_of(ent_get(Etrigger, name));
		st = json_object_get(feed, "status");
		f.t->format(json_object_get(feed, "config"), name, f.tz, b);
		if (json_is_string(json_object_get(st, "error")))
			buf_printf(b, "  # error: %s\n", json_string_value(json_object_get(st, "error")));
		else if (json_is_false(json_object_get(st, "active")))
			buf_str(b, "  # paused\n");
		else if (json_is_string(json_object_get(st, "nextFire")))
			buf_printf(b, "  # next %s\n", json_string_value(json_object_get(st, "nextFire")));
		else
			buf_str(b, "\n");
	}
	free(v);
	json_decref(f.names);
	return 0;
}

/* ---- writing ---- */

/* Every line of text: {trigger: config}; -EINVAL with "line N: why". */
static int
parse_all(const Table *t, const char *text, size_t len, json_t **out, char *err, size_t n)
{
	char *copy = estrndup(text, len), *line, *save = NULL, tz[64] = "", trigger[257], why[512];
	json_t *config;
	int lineno = 0, rc = 0;

	*out = json_object();
	for (line = copy; rc == 0 && line != NULL; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		if (rest_is_comment(line))
			continue;
		config = NULL;
		rc = t->parse(line, trigger, &config, tz, why, sizeof why);
		if (rc == 0 && json_object_get(*out, trigger)) {
			snprintf(why, sizeof why, "the trigger %s has two lines", trigger);
			json_decref(config);
			rc = -EINVAL;
		}
		if (rc < 0)
			snprintf(err, n, "line %d: %s", lineno, why);
		else if (rc == 0)
			json_object_set_new(*out, trigger, config);
		rc = rc > 0 ? 0 : rc;
	}
	free(copy);
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int
feedtab_check(Node *node, const char *text, size_t len, char *err, size_t n)
{
	json_t *want;
	int rc = parse_all(table_of(node->q), text, len, &want, err, n);

	json_decref(want);
	return rc;
}

typedef struct Plan {
	const Table *t;
	json_t *want;  /* {trigger: config} */
	json_t *steps; /* for steps_run */
	char text[1024];
} Plan;

/* A trigger no line names: its feed's DELETE, then the trigger. */
static void
plan1(Ent *e, void *arg)
{
	Plan *p = arg;
	json_t *feed = feed_of(e);

	if (feed && strcmp(jstr(json_object_get(feed, "name")), p->t->feed) == 0 &&
	    !json_object_get(p->want, e->name)) {
		json_array_append_new(p->steps, feed_step(e->name, p->t->feed, "DELETE", NULL));
		step_add(p->steps, "DELETE", Etrigger, e->name, NULL, NULL);
	}
}

/* A trigger a line names: the trigger with the feed's annotation (over its
 * own, if it has some) unless it has the feed, then the feed's CREATE; a
 * trigger made here is deleted again if the feed refuses it. */
static void
plan_line(Plan *p, const char *name, Ent *e, json_t *config)
{
	json_t *ann = json_array(), *x, *create = feed_step(name, p->t->feed, "CREATE", config);
	size_t i;

	if (e == NULL || feed_of(e) == NULL) {
		json_array_foreach(e && e->doc ? json_object_get(e->doc, "annotations") : NULL, i,
		                   x) if (strcmp(jstr(json_object_get(x, "key")), "feed")) json_array_append(ann, x);
		json_array_append_new(ann, json_pack("{s:s, s:s}", "key", "feed", "value", p->t->feed));
		step_add(p->steps, "PUT", Etrigger, name, "overwrite=true", json_pack("{s:O}", "annotations", ann));
	}
	if (e == NULL)
		json_object_set_new(create, "undo", step_new("DELETE", Etrigger, name, NULL, NULL));
	json_array_append_new(p->steps, create);
	json_decref(ann);
}

/* What to do, before doing anything: -EEXIST when a line cannot be. */
static int
plan(Plan *p)
{
	const char *name, *fname;
	json_t *config, *feed;
	Ent *e;

	json_object_foreach(p->want, name, config)
	{
		e = ent_get(Etrigger, name);
		feed = e ? feed_of(e) : NULL;
		fname = json_string_value(json_object_get(feed, "name"));
		if (fname && strcmp(fname, p->t->feed)) {
			snprintf(p->text, sizeof p->text, "the trigger %s is fed by %s: delete it first", name, fname);
			return -EEXIST;
		}
		if (feed && json_equal(json_object_get(feed, "config"), config) &&
		    !json_is_string(json_object_get(json_object_get(feed, "status"), "error")))
			continue;
		plan_line(p, name, e, config);
	}
	cache_each(Etrigger, plan1, p);
	return 0;
}

/* Apply a table; cb(arg, 0) or cb(arg, -errno, text) when done, not if this fails. */
int
feedtab_apply(int q, const char *text, size_t len, commit_cb cb, void *arg, char *err, size_t errlen)
{
	Plan p = { table_of(q), NULL, json_array(), "" };
	int rc;

	if ((rc = parse_all(p.t, text, len, &p.want, err, errlen)) < 0 || (rc = plan(&p)) < 0) {
		if (rc == -EEXIST)
			snprintf(err, errlen, "%s", p.text), rc = -EINVAL;
		json_decref(p.want);
		json_decref(p.steps);
		return rc;
	}
	json_decref(p.want);
	steps_run(p.steps, "", cb, arg);
	return 0;
}

typedef struct Later {
	int q;
	char *text;
	size_t len;
	commit_cb cb;
	void *arg;
} Later;

static void
loaded_all(void *arg, int err)
{
	Later *l = arg;
	char text[1024];
	int rc = err;

	if (rc == 0 && (rc = feedtab_apply(l->q, l->text, l->len, l->cb, l->arg, text, sizeof text)) < 0)
		l->cb(l->arg, rc, text);
	else if (rc < 0)
		l->cb(l->arg, rc, "cannot fetch the triggers");
	free(l->text);
	free(l);
}

/* Commit a table written at flush: every trigger's document first (their feeds), then the set. */
int
feedtab_commit(Node *node, const char *text, size_t len, commit_cb cb, void *arg)
{
	Later *l = ecalloc(1, sizeof *l);
	int q = node->q;

	l->text = emalloc(len + 1);
	memcpy(l->text, text, len);
	l->text[len] = '\0';
	*l = (Later){ q, l->text, len, cb, arg };
	return cache_load_all(loaded_all, l);
}
