/* action.c — /init: the action's code, kind and environment, once.
 *
 * An init builds an Action: it decides the kind (the init's "kind", else
 * --kind, else what the code looks like), puts the code in a fresh folder
 * under the workdir (unpacking an archive), finds the entry point and makes
 * the environment every process of the action gets. A KIND_ONCE action is
 * ready at once. A KIND_LOOP action starts its process (proc.c) and the
 * init is answered when the process says it loaded the code, or fails.
 *
 * There is one action per proxy. A second init with the same code, main,
 * kind and binary flag is answered like the first (at once, or when the
 * first finishes), so a Knative pod can be given init with every request; a
 * different one gets 403. Requests waiting on an init in progress are kept
 * in px->initq; a POST / that carries init and a run keeps its run there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"
#include "num.h"
#include "log.h"

void
action_free(Action *a)
{
	if (a == NULL)
		return;
	if (a->dir)
		rmtree(a->dir);
	if (a->secdir) {
		chmod(a->secdir, 0700);
		rmtree(a->secdir);
	}
	free(a->secdir);
	free(a->code);
	free(a->ident);
	free(a->main);
	free(a->dir);
	free(a->entry);
	env_free(a->env);
	free(a);
}

static const char *
str_field(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : dflt;
}

/* What besides the code tells two inits apart: kind, main, binary, secrets. */
static char *
ident_of(json_t *value)
{
	json_t *k = json_object_get(value, "kind");
	char *s, *sec = json_dumps(json_object_get(value, "secrets"), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	s = easprintf("%s\n%s\n%d\n%s", json_is_string(k) ? json_string_value(k) : "", str_field(value, "main", "main"),
	              json_is_true(json_object_get(value, "binary")), sec ? sec : "");
	free(sec);
	return s;
}

static void
action_identity(Action *a, json_t *value, const char *code, size_t len)
{
	a->ident = ident_of(value);
	a->code = emalloc(len + 1);
	memcpy(a->code, code, len);
	a->codelen = len;
}

/* The environment: PATH and the proxy's __OW_*, then init's env. Values that
 * are not strings are passed as their JSON text. */
static int
action_env(Proxy *px, Action *a, json_t *env)
{
	const char *key;
	json_t *v;
	char *text;

	a->env = env_copy(px->baseenv);
	json_object_foreach(env, key, v)
	{
		if (json_is_string(v))
			env_set(&a->env, key, json_string_value(v));
		else if ((text = json_is_null(v) ? estrdup("") : js_text(v, NULL))) {
			env_set(&a->env, key, text);
			free(text);
		} else
			return -EINVAL;
	}
	return 0;
}

/* How many activations the action takes at once. */
static int
action_limit(Proxy *px, Action *a)
{
	const char *allow = NULL, *n = NULL;
	int i, limit = px->opt.concurrency;
	int64_t v;

	for (i = 0; a->env[i]; i++) {
		if (strncmp(a->env[i], "__OW_ALLOW_CONCURRENT=", 22) == 0)
			allow = a->env[i] + 22;
		if (strncmp(a->env[i], "__OW_CONCURRENCY=", 17) == 0)
			n = a->env[i] + 17;
	}
	if (n && num_int(n, 1, INT_MAX, &v) == 0 && v > limit)
		limit = (int)v;
	if (allow && strcmp(allow, "true") == 0 && limit < CONCURRENT_MAX)
		limit = CONCURRENT_MAX;
	if (!a->kind->concurrent || limit < 1)
		limit = 1;
	return limit;
}

/* Put the code into the action's folder; decide the kind and the entry. */
static int
action_place(Proxy *px, Action *a, json_t *value, const char *code, size_t len, char *err, size_t errlen)
{
	const char *kind = str_field(value, "kind", px->opt.kind);
	int binary = json_is_true(json_object_get(value, "binary")), rc;
	Buf bin = { 0 };
	size_t binlen = len;

	if (kind && (a->kind = kind_lookup(kind)) == NULL) {
		snprintf(err, errlen, "unknown kind '%s'", kind);
		return -EINVAL;
	}
	if (binary && (rc = base64_decode(code, len, &bin)) < 0) {
		snprintf(err, errlen, "the code is marked binary but is not base64");
		buf_free(&bin);
		return rc;
	}
	if (binary) {
		code = bin.p;
		binlen = bin.n;
	}
	if (is_archive(code, binlen))
		rc = action_place_archive(a, code, binlen, err, errlen);
	else
		rc = action_place_file(a, code, binlen, err, errlen);
	buf_free(&bin);
	return rc;
}

int
action_place_archive(Action *a, const char *code, size_t len, char *err, size_t errlen)
{
	int rc;

	if ((rc = unpack_archive(code, len, a->dir, err, errlen)) < 0)
		return rc;
	if (a->kind == NULL && (a->kind = kind_detect_dir(a->dir)) == NULL) {
		snprintf(err, errlen,
		         "cannot tell the archive's kind: it has no exec, __main__.py, index.js or package.json");
		return -EINVAL;
	}
	if (a->kind->entry(a->dir, &a->entry) < 0) {
		snprintf(err, errlen, "the archive has no entry point for kind %s", a->kind->name);
		return -ENOENT;
	}
	if (a->kind->style == KIND_ONCE || strcmp(a->kind->name, "actionloop") == 0)
		chmod(a->entry, 0755);
	return 0;
}

int
action_place_file(Action *a, const char *code, size_t len, char *err, size_t errlen)
{
	int rc;

	if (a->kind == NULL && (a->kind = kind_detect_code(code, len)) == NULL) {
		snprintf(err, errlen,
		         "cannot tell the action's kind: give one (python:3, nodejs:20, bash, native, actionloop)");
		return -EINVAL;
	}
	if (a->kind->argv == kind_named("native")->argv && !is_executable(code, len)) {
		snprintf(err, errlen, "the %s action is not an executable (ELF or #!)", a->kind->name);
		return -ENOEXEC;
	}
	if ((rc = unpack_file(code, len, a->dir, a->kind->file, err, errlen)) < 0)
		return rc;
	a->entry = easprintf("%s/%s", a->dir, a->kind->file);
	return 0;
}

/* A new folder for the action: workdir/action-N. */
static int
action_dir(Proxy *px, Action *a)
{
	a->dir = easprintf("%s/action-%lu", px->workdir, ++px->seq);
	return mkdir(a->dir, 0700) < 0 ? -errno : 0;
}

/* Build an Action from an init value; on failure err says why. */
int
action_new(Proxy *px, json_t *value, const char *code, size_t len, Action **out, char *err, size_t errlen)
{
	Action *a = ecalloc(1, sizeof *a);
	int rc;

	action_identity(a, value, code, len);
	a->main = estrdup(str_field(value, "main", "main"));
	if ((rc = action_dir(px, a)) < 0) {
		snprintf(err, errlen, "cannot make the action's folder under %s: %s", px->workdir, strerror(-rc));
		goto fail;
	}
	if ((rc = action_place(px, a, value, code, len, err, errlen)) < 0)
		goto fail;
	if ((rc = action_env(px, a, json_object_get(value, "env"))) < 0) {
		snprintf(err, errlen, "the init's env cannot be written as JSON");
		goto fail;
	}
	if ((rc = secrets_place(px, a, json_object_get(value, "secrets"), err, errlen)) < 0)
		goto fail;
	a->limit = action_limit(px, a);
	*out = a;
	return 0;
fail:
	action_free(a);
	return rc;
}

/* Is this init the one already made (or being made)? */
int
action_same(Proxy *px, json_t *value, const char *code, size_t len)
{
	Action *a = px->action;
	char *ident;
	int same;

	if (a->codelen != len || memcmp(a->code, code, len) != 0 || (ident = ident_of(value)) == NULL)
		return 0;
	same = strcmp(ident, a->ident) == 0;
	free(ident);
	return same;
}
