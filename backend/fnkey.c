/* fnkey.c — the key a running function calls the platform with: its activation's, scoped to its namespace or less.
 *
 * An action annotated provide-api-key=true gets __OW_API_KEY (and
 * __OW_API_HOST, __OW_NAMESPACE) from the proxy, as in OpenWhisk, so the
 * openwhisk npm module and our python module faasfs work from the
 * environment alone. The key is not the caller's: it is
 * "fn-ID:HMAC-SHA256(secret, "fn-ID")" in hex, ID the activation's, the
 * secret DATA/feed.secret (feed keys' uuids are real uuids, so the two never
 * meet). It is good only while that activation runs: live.c finds the
 * activation by its id, and the run's end clears its key, so a key that
 * leaks (into logs, a result) is dead by the time anyone reads it. It acts as the invoker's namespace, with everything that namespace's
 * key may do, unless the action's annotation api-key-scope lists less:
 *
 *   api-key-scope: ["actions/NAME", "actions/PKG/NAME*", "triggers/NAME", ...]
 *
 * Then the key may invoke (POST) and read (GET) the actions listed, fire
 * and read the triggers listed, and read the activations of those actions;
 * a name ending in * stands for every name it starts; nothing else, in no
 * other namespace (403, saying what the key may do).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fns.h"
#include "log.h"

#define FNKEY_PREFIX "fn-"

/* The annotation as a list of entries, or NULL for the whole namespace. */
static json_t *
scope_of(const json_t *ann)
{
	json_t *v = json_object_get(ann, "api-key-scope");

	if (json_is_string(v))
		return json_pack("[O]", v);
	return json_is_array(v) ? json_incref(v) : NULL;
}

/* a->key for a's run (a is in b->running: live.c). */
void
fnkey_make(Activation *a, const json_t *ann)
{
	char uuid[sizeof FNKEY_PREFIX + ACTID_LEN], hex[65];

	snprintf(uuid, sizeof uuid, FNKEY_PREFIX "%s", a->id);
	feed_key_hex(a->b, uuid, hex);
	snprintf(a->key, sizeof a->key, "%s:%s", uuid, hex);
	a->key_scope = scope_of(ann);
}

/* a's run is over: its key dies. */
void
fnkey_drop(Activation *a)
{
	json_decref(a->key_scope);
	a->key_scope = NULL;
	a->key[0] = 0;
}

/* The running activation whose key this is, or NULL. */
static Activation *
running(Backend *b, const char *id)
{
	Activation *a = live_find(b, id);

	return a && a->key[0] ? a : NULL;
}

/* "fn-ID" and its key: who is the running activation's invoker, who->fn its id. */
int
fnkey_verify(Backend *b, const char *uuid, const char *key, Caller *who)
{
	char want[65];
	unsigned diff = strlen(key) != 64;
	Activation *a;

	if (strncmp(uuid, FNKEY_PREFIX, strlen(FNKEY_PREFIX)) || !(a = running(b, uuid + strlen(FNKEY_PREFIX))))
		return -EACCES;
	feed_key_hex(b, uuid, want);
	for (int i = 0; i < 64 && key[i]; i++)
		diff |= (unsigned char)(want[i] ^ key[i]);
	if (diff)
		return -EACCES;
	snprintf(who->ns, sizeof who->ns, "%s", a->who.ns);
	snprintf(who->auth, sizeof who->auth, "%s", a->key);
	snprintf(who->fn, sizeof who->fn, "%s", a->id);
	return 0;
}

/* Whether "COLL/NAME" is one of the scope's entries (NAME* for a prefix). */
static int
in_scope(const json_t *scope, const char *what)
{
	const json_t *e;
	size_t i, n;

	json_array_foreach(scope, i, e)
	{
		const char *s = json_string_value(e);

		if (!s || !(n = strlen(s)))
			continue;
		if (s[n - 1] == '*' ? strncmp(s, what, n - 1) == 0 : strcmp(s, what) == 0)
			return 1;
	}
	return 0;
}

/* The action path of an activation's record, as "actions/[PKG/]NAME", or
 * "": 0, or -ENOENT when there is no record yet (none, or still running). */
static int
record_action(Backend *b, const char *ns, const char *id, char *out, size_t n)
{
	json_t *doc = NULL, *p;
	const char *path = NULL, *slash;
	size_t i;
	int rc;

	out[0] = 0;
	if ((rc = store_act_get(b->st, ns, id, &doc)))
		return rc == -EINPROGRESS ? -ENOENT : rc;
	json_array_foreach(json_object_get(doc, "annotations"), i, p)
	{
		if (strcmp(jstr(json_object_get(p, "key")), "path") == 0)
			path = json_string_value(json_object_get(p, "value"));
	}
	if (path && (slash = strchr(path, '/'))) /* "NS/[PKG/]NAME" */
		snprintf(out, n, "actions/%s", slash + 1);
	json_decref(doc);
	return 0;
}

/* A function's key (who->fn) asks for seg (NS, COLL, ...): 0 when its scope
 * allows it, else -EACCES with why. Keys of unscoped actions may do what
 * their namespace may. */
int
fnkey_allows(ApiReq *ar, char **seg, int n, char *why, size_t len)
{
	Activation *a = running(ar->b, ar->who.fn);
	const char *m = ar->req->method;
	int own = strcmp(seg[0], "_") == 0 || strcmp(seg[0], ar->who.ns) == 0;
	int reads = strcmp(m, "GET") == 0, calls = strcmp(m, "POST") == 0;
	char what[3 * NAME_MAX_LEN + 16] = "", *list;

	if (!a || !a->key_scope)
		return 0;
	if (own && n == 3 && strcmp(seg[1], "triggers") == 0 && (reads || calls))
		snprintf(what, sizeof what, "triggers/%s", seg[2]);
	else if (own && (n == 3 || n == 4) && strcmp(seg[1], "actions") == 0 && (reads || calls))
		snprintf(what, sizeof what, "actions/%s%s%s", seg[2], n == 4 ? "/" : "", n == 4 ? seg[3] : "");
	else if (own && n >= 3 && n <= 4 && strcmp(seg[1], "activations") == 0 && reads &&
	         record_action(ar->b, ar->who.ns, seg[2], what, sizeof what) == -ENOENT)
		return 0; /* no record to show: the handler answers 404, as to anyone */
	if (what[0] && in_scope(a->key_scope, what))
		return 0;
	list = json_dumps(a->key_scope, JSON_COMPACT);
	snprintf(why, len,
	         "This key is activation %s's, scoped by its action's api-key-scope to %s: it may invoke and read "
	         "those actions, fire and read those triggers, and read those actions' activations.",
	         a->id, list ? list : "[]");
	free(list);
	return -EACCES;
}
