/* verb.c — faasfs deploy, sync, undeploy and export: their options, the backend as wsk finds it, and calls to it one after the other.
 *
 * `faasfs VERB ...` does not mount: it reads the backend's address and key
 * as wsk and wskdeploy do (--apihost and --auth, else APIHOST and AUTH of
 * $WSK_CONFIG_FILE or ~/.wskprops), lists the namespace into the same
 * cache the mount keeps (cache.c), does its work with the mount's own
 * requests (steps.c, backend.c) and exits. The loop runs only while a
 * request is out: each call here waits for its answer, so the verbs read
 * as the sequence of changes they make.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

static const char *const verbs[] = { "deploy", "sync", "undeploy", "export" };

int
verb_is(const char *arg)
{
	size_t i;

	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(arg, verbs[i]) == 0)
			return 1;
	return 0;
}

static void
verb_usage(void)
{
	fprintf(stderr, "usage: faasfs deploy [--managed] [PROJECT_DIR]\n"
	                "       faasfs sync [PROJECT_DIR]\n"
	                "       faasfs undeploy [--projectname NAME | PROJECT_DIR]\n"
	                "       faasfs export --projectname NAME DIR\n"
	                "  each also takes -p PROJECT_DIR, --projectname NAME, --apihost URL, --auth UUID:KEY,\n"
	                "  --socket PATH and --cafile FILE\n");
}

/* Run the loop until *done. A callback that sets it stops the loop too
 * (done()): run once, the loop would go on to wait for I/O after a timer
 * that finished the work, and there may be none to come. */
static void
until(const int *done)
{
	while (!*done)
		uv_run(fs.loop, UV_RUN_DEFAULT);
}

static void
done(int *flag)
{
	*flag = 1;
	uv_stop(fs.loop);
}

typedef struct Reply {
	int done;
	int err;
	json_t *json;
	char text[512];
} Reply;

static void
called(Resp *r, void *arg)
{
	Reply *c = arg;

	c->err = r->err;
	c->json = json_incref(resp_json(r));
	snprintf(c->text, sizeof c->text, "%s", r->text);
	done(&c->done);
}

/* METHOD path (as bk_json takes it) and wait; 0 with the answer's JSON in
 * *out (if out), or -errno with why in err. */
int
verb_call(const char *method, const char *path, json_t *body, json_t **out, char *err, size_t n)
{
	Reply c = { 0 };
	int rc;

	if ((rc = bk_json(method, path, body, called, &c)) < 0) {
		snprintf(err, n, "%s %s: %s", method, path, strerror(-rc));
		return rc;
	}
	until(&c.done);
	if (c.err < 0)
		snprintf(err, n, "%s", c.text);
	if (out && c.err == 0)
		*out = c.json;
	else
		json_decref(c.json);
	return c.err;
}

/* Steps made at once, at most Window in flight (steps.c makes each). */
enum { Window = 8 };

typedef struct Batch {
	json_t *steps;
	size_t next, end, inflight;
	int *rcs; /* each step's 0 or -errno, from the first */
	size_t base;
	int err;
	char text[1024];
} Batch;

typedef struct One {
	Batch *b;
	size_t i;
} One;

static void batch_next(Batch *b);

static void
one_done(void *arg, int err, const char *text)
{
	One *o = arg;
	Batch *b = o->b;

	b->rcs[o->i - b->base] = err;
	if (err < 0 && b->err == 0) {
		b->err = err;
		snprintf(b->text, sizeof b->text, "%s", text ? text : "");
	}
	b->inflight--;
	free(o);
	batch_next(b);
	uv_stop(fs.loop);
}

static void
batch_next(Batch *b)
{
	One *o;

	while (b->err == 0 && b->inflight < Window && b->next < b->end) {
		o = ecalloc(1, sizeof *o);
		o->b = b;
		o->i = b->next++;
		b->inflight++;
		steps_run(json_pack("[O]", json_array_get(b->steps, o->i)), "", one_done, o);
	}
}

/* Make steps from..to-1 at once (the first refusal starts no more) and
 * wait for all; rcs[i - from] is each one's 0 or -errno (1: not started).
 * 0, or the first refusal's -errno with its text in err. */
int
verb_steps(json_t *steps, size_t from, size_t to, int *rcs, char *err, size_t n)
{
	Batch b = { steps, from, to, 0, rcs, from, 0, "" };
	size_t i;

	for (i = from; i < to; i++)
		rcs[i - from] = 1;
	batch_next(&b);
	while (b.inflight > 0)
		uv_run(fs.loop, UV_RUN_DEFAULT);
	if (b.err < 0)
		snprintf(err, n, "%s", b.text);
	return b.err;
}

/* One step made, and waited for; 0 or -errno with why in err. */
int
verb_step(json_t *step, char *err, size_t n)
{
	json_t *one = json_pack("[O]", step);
	int rc, r;

	rc = verb_steps(one, 0, 1, &r, err, n);
	json_decref(one);
	return rc;
}

static void
loaded1(void *arg, int err)
{
	(void)err;
	--*(int *)arg;
	uv_stop(fs.loop);
}

/* The whole documents of ents (an array of [kind, name]) that exist, fetched at once. */
int
verb_load(json_t *ents)
{
	json_t *x;
	size_t i;
	Ent *e;
	int pending = 0;

	json_array_foreach(ents, i, x)
	{
		e = ent_get(json_integer_value(json_array_get(x, 0)), json_string_value(json_array_get(x, 1)));
		if (e != NULL && !ent_docfresh(e) && ent_load(e, loaded1, &pending) == 0)
			pending++;
	}
	while (pending > 0)
		uv_run(fs.loop, UV_RUN_DEFAULT);
	return 0;
}

static void
all_loaded(void *arg, int err)
{
	Reply *c = arg;

	c->err = err;
	done(&c->done);
}

/* The whole documents of every entity: the actions came with the listing
 * (cache_prime_whole), the rest one by one at once; 0 or -errno. */
int
verb_load_all(void)
{
	Reply c = { 0 };
	int rc;

	if ((rc = cache_load_all(all_loaded, &c)) < 0)
		return rc;
	until(&c.done);
	return c.err;
}

/* The project an entity's whisk-managed annotation names, or NULL. */
const char *
managed_by(Ent *e)
{
	json_t *a, *v;
	size_t i;

	json_array_foreach(json_object_get(e->doc, "annotations"), i, a)
	{
		if (strcmp(jstr(json_object_get(a, "key")), "whisk-managed") != 0)
			continue;
		v = json_object_get(a, "value");
		return json_string_value(json_object_get(v, "projectName"));
	}
	return NULL;
}

static int primed_done, primed_err;

static void
primed(int err)
{
	primed_err = err;
	done(&primed_done);
}

/* Ask the namespace's name and list all of it (whole: the actions with
 * their code, for a verb that compares them all); 0 or -errno with err. */
static int
connect_backend(int whole, char *err, size_t n)
{
	json_t *nss = NULL;
	int rc;

	if ((rc = verb_call("GET", "/namespaces", NULL, &nss, err, n)) < 0)
		return rc;
	if (!json_is_string(json_array_get(nss, 0))) {
		json_decref(nss);
		snprintf(err, n, "%s: no namespace for this key", fs.base);
		return -EIO;
	}
	fs.ns = estrdup(json_string_value(json_array_get(nss, 0)));
	json_decref(nss);
	if ((rc = (whole ? cache_prime_whole : cache_prime)(primed)) < 0) {
		snprintf(err, n, "listing the namespace: %s", strerror(-rc));
		return rc;
	}
	until(&primed_done);
	if (primed_err < 0)
		snprintf(err, n, "listing the namespace: %s", strerror(-primed_err));
	return primed_err;
}

typedef struct Opts {
	char *dir;
	char *name;
	int managed;
	Backendopt be;
} Opts;

static int
opts_parse(int argc, char **argv, Opts *o)
{
	static const struct option longopts[] = {
		{ "project", required_argument, NULL, 'p' },
		{ "projectname", required_argument, NULL, 'n' },
		{ "managed", no_argument, NULL, 'm' },
		{ "apihost", required_argument, NULL, 'H' },
		{ "auth", required_argument, NULL, 'u' },
		{ "socket", required_argument, NULL, 's' },
		{ "cafile", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:u:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o->dir = optarg; break;
		case 'n': o->name = optarg; break;
		case 'm': o->managed = 1; break;
		default:
			if (!backendopt(&o->be, c, optarg))
				return -1;
		}
	}
	if (optind < argc && o->dir == NULL)
		o->dir = argv[optind++];
	return optind == argc ? 0 : -1;
}

static int
run(const char *verb, Opts *o, char *err, size_t n)
{
	Project p = { 0 };
	int rc;

	if (strcmp(verb, "export") == 0) {
		if (o->name == NULL || o->dir == NULL) {
			snprintf(err, n, "export wants --projectname NAME and a directory to write");
			return -EINVAL;
		}
		return export_project(o->name, o->dir, err, n);
	}
	if (strcmp(verb, "undeploy") == 0 && o->dir == NULL && o->name != NULL)
		return undeploy(NULL, o->name, err, n);
	rc = project_load(&p, o->dir ? o->dir : ".", o->name, o->managed || strcmp(verb, "sync") == 0, err, n);
	if (rc == 0)
		rc = strcmp(verb, "undeploy") == 0 ? undeploy(&p, p.name, err, n)
		                                   : deploy(&p, strcmp(verb, "sync") == 0, err, n);
	project_free(&p); /* what a failed load made too */
	return rc;
}

/* faasfs VERB [OPTIONS] [DIR]: argv[0] is the verb. */
int
verb_main(int argc, char **argv)
{
	Opts o = { 0 };
	char err[2048] = "";
	int rc;

	if (opts_parse(argc, argv, &o) < 0) {
		verb_usage();
		return 2;
	}
	backendopt_finish(&o.be); /* no key's file: nothing to fail */
	if ((rc = backend_set(&o.be)) < 0) {
		fprintf(stderr, "faasfs %s: %s\n", argv[0], strerror(-rc));
		return 1;
	}
	log_level = LOG_ERROR; /* the error is said once, below */
	if ((rc = connect_backend(strcmp(argv[0], "deploy") != 0, err, sizeof err)) == 0)
		rc = run(argv[0], &o, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "faasfs %s: %s\n", argv[0], err[0] ? err : strerror(-rc));
	return rc < 0;
}
