/* api_actions.c — /namespaces/NS/actions[/PKG]/NAME: create, update, get, list, delete.
 *
 * An action's entity is {namespace ("ns" or "ns/pkg"), name, version,
 * publish, exec, annotations, limits, parameters, updated}. On update the
 * limits merge field by field and the annotations merge key by key
 * (minus delAnnotations); parameters and exec are replaced when given.
 * Every action carries the annotation exec=<kind>; a new one gets
 * provide-api-key=false unless it says otherwise, as in OpenWhisk.
 *
 * A sequence's components are checked to exist and stored fully qualified
 * ("/ns/pkg/name") in exec.components, and nowhere else: OpenWhisk also
 * puts them in the parameters as "_actions", where a user took them for
 * parameters of their own (and the file system showed them in params);
 * one stored so before is left out of every answer.
 *
 * With validate=true (our extension) the code is initialised in a fresh
 * container before anything is stored; see validate in invoke_http.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fns.h"

/* The qualified name of the action the path names; answers 400 itself. */
static int
action_qname(ApiReq *ar, Qname *q)
{
	for (int i = 0; i < ar->nseg; i++)
		if (!entity_name_ok(ar, ar->seg[i]))
			return -EINVAL;
	memset(q, 0, sizeof *q);
	strecpy(q->ns, q->ns + sizeof q->ns, ar->ns);
	if (ar->nseg == 2)
		strecpy(q->pkg, q->pkg + sizeof q->pkg, ar->seg[0]);
	strecpy(q->name, q->name + sizeof q->name, ar->seg[ar->nseg - 1]);
	return 0;
}

static int
sequence_exec(ApiReq *ar, const Qname *self, json_t *exec, json_t **out, char *err, size_t n)
{
	json_t *comps = json_object_get(exec, "components"), *v, *fq = json_array();
	char selfpath[PATH_MAX_LEN + 1], path[PATH_MAX_LEN + 2];
	size_t i;

	qname_path(self, selfpath, sizeof selfpath);
	if (!json_array_size(comps))
		return json_decref(fq), snprintf(err, n, "No component specified for the sequence."), -EINVAL;
	if (json_array_size(comps) > SEQUENCE_MAX)
		return json_decref(fq), snprintf(err, n, "Too many actions in the sequence."), -EINVAL;
	json_array_foreach(comps, i, v)
	{
		Qname q;
		Resolved r;
		int status;
		if (!json_is_string(v) || qname_parse(json_string_value(v), ar->who.ns, &q, err, n))
			return json_decref(fq), json_is_string(v) ? -EINVAL
			                                          : (snprintf(err, n,
			                                                      "Sequence components must "
			                                                      "be strings."),
			                                             -EINVAL);
		qname_path(&q, path + 1, sizeof path - 1);
		path[0] = '/';
		if (strcmp(path + 1, selfpath) == 0)
			return json_decref(fq), snprintf(err, n, "Sequence may not refer to itself."), -EINVAL;
		if (action_resolve(ar->b, &ar->who, &q, &r, &status, err, n))
			return json_decref(fq), snprintf(err, n, "Sequence component does not exist: %s", path),
			       -EINVAL;
		resolved_free(&r);
		json_array_append_new(fq, json_string(path));
	}
	*out = json_pack("{s:s, s:o}", "kind", "sequence", "components", fq);
	return 0;
}

/* OpenWhisk's dockerskeleton, from any registry, of any tag or digest. */
static int
image_is_skeleton(const char *image)
{
	static const char sk[] = "openwhisk/dockerskeleton"; /* after a registry/, before a :tag or @digest */
	const char *p = strstr(image, sk), *end = p ? p + sizeof sk - 1 : NULL;

	return p && (p == image || p[-1] == '/') && (!*end || *end == ':' || *end == '@');
}

/* What stops a blackbox exec from running here, in err; 0 when nothing.
 * An image is honoured when it is OpenWhisk's dockerskeleton (what `wsk
 * --native` names: run the executable given as code, as our native kind
 * does); any other image cannot run on this host, which runs no images.
 * An executable sent as JSON text (what wsk does with a file not named
 * .zip) arrives with every byte that is not UTF-8 replaced by U+FFFD:
 * there is no telling what the bytes were, so it is refused here rather
 * than failing at every run. */
static int
blackbox_check(const json_t *exec, const json_t *code, char *err, size_t n)
{
	const char *image = json_string_value(json_object_get(exec, "image")), *text = json_string_value(code);
	size_t len = json_string_length(code);

	if (image && !image_is_skeleton(image))
		return snprintf(err, n,
		                "The image '%s' cannot run here: this host runs no container images, only "
		                "its own runtimes (see GET /). Give the code with a kind instead, or an executable (a "
		                "zip holding 'exec') as --native does.",
		                image),
		       -EINVAL;
	if (text && !json_is_true(json_object_get(exec, "binary")) && !code_is_binary(text) && len >= 4 &&
	    memcmp(text, "\177ELF", 4) == 0 && memmem(text, len, "\xef\xbf\xbd", 3))
		return snprintf(
		               err, n,
		               "The executable arrived damaged: it was sent as JSON text, in which each byte "
		               "that is not UTF-8 became U+FFFD, so its bytes cannot be told (wsk sends a file that is "
		               "not named .zip that way). Zip it as 'exec' and send the zip: zip exec.zip exec; wsk "
		               "action create NAME --native exec.zip."),
		       -EINVAL;
	return 0;
}

/* The exec to store: checked, the kind as given (FAMILY:default resolved), binary derived. */
static int
action_exec(ApiReq *ar, const Qname *q, json_t *exec, json_t **out, char *err, size_t n)
{
	const char *kind = json_string_value(json_object_get(exec, "kind")), *keep;
	json_t *code = json_object_get(exec, "code"), *main = json_object_get(exec, "main");
	int rc;

	if (!json_is_object(exec) || !kind)
		return snprintf(err, n, "The action needs \"exec\" with a \"kind\"."), -EINVAL;
	if (!(keep = kind_accept(kind))) {
		char kinds[512];
		runtimes_names(kinds, sizeof kinds);
		return snprintf(err, n, "The kind '%s' is not one this host runs (%s).", kind, kinds), -EINVAL;
	}
	if (strcmp(keep, "sequence") == 0)
		return sequence_exec(ar, q, exec, out, err, n);
	if (strcmp(kind_canonical(keep), "native") == 0 && (rc = blackbox_check(exec, code, err, n)))
		return rc;
	if (!json_is_string(code) || !json_string_length(code))
		return snprintf(err, n, "The action's \"exec\" needs its \"code\": no code to execute."), -EINVAL;
	if (main && (!json_is_string(main) || !json_string_length(main)))
		return snprintf(err, n, "\"main\" must be a non-empty string."), -EINVAL;
	*out = json_pack("{s:s, s:O, s:b}", "kind", keep, "code", code, "binary",
	                 code_is_binary(json_string_value(code)));
	if (main)
		json_object_set(*out, "main", main);
	if (strcmp(kind_canonical(keep), "native") == 0 && json_is_string(json_object_get(exec, "image")))
		json_object_set(*out, "image", json_object_get(exec, "image"));
	return 0;
}

/* A sequence's parameters without "_actions" (see above). */
static void
drop_actions_param(json_t *doc)
{
	json_t *ps = json_object_get(doc, "parameters");

	if (!sequence_is(doc))
		return;
	for (size_t i = json_array_size(ps); i-- > 0;)
		if (strcmp(jstr(json_object_get(json_array_get(ps, i), "key")), "_actions") == 0)
			json_array_remove(ps, i);
}

/* Build the action entity from the PUT body over the old one. */
static int
action_build(ApiReq *ar, const Qname *q, json_t *body, json_t *old, json_t **out, char *err, size_t n)
{
	json_t *exec = NULL, *limits, *ann, *doc, *bexec = json_object_get(body, "exec");
	char nsfield[2 * NAME_MAX_LEN + 2];
	int rc;

	if (bexec && (rc = action_exec(ar, q, bexec, &exec, err, n)))
		return rc;
	if (!exec && !(exec = json_incref(json_object_get(old, "exec"))))
		return snprintf(err, n, "The action needs \"exec\" with a \"kind\" and \"code\"."), -EINVAL;
	if ((rc = limits_merge(json_object_get(old, "limits"), json_object_get(body, "limits"), &limits, err, n))) {
		json_decref(exec);
		return rc;
	}
	snprintf(nsfield, sizeof nsfield, "%s%s%s", q->ns, q->pkg[0] ? "/" : "", q->pkg);
	doc = entity_doc(nsfield, q->name, old, body);
	ann = params_union(json_object_get(old, "annotations"), json_object_get(body, "annotations"),
	                   json_object_get(body, "delAnnotations"));
	params_set(ann, "exec", json_string(jstr(json_object_get(exec, "kind"))));
	if (!old && !params_get(ann, "provide-api-key"))
		params_set(ann, "provide-api-key", json_false());
	json_object_set_new(doc, "annotations", ann);
	json_object_set_new(doc, "exec", exec);
	drop_actions_param(doc);
	json_object_set_new(doc, "limits", limits);
	*out = doc;
	return 0;
}

/* Refuse to create in a package that does not exist or is a binding. */
static int
package_writable(ApiReq *ar, const char *pkg)
{
	json_t *p;

	if (!pkg[0])
		return 1;
	if (!(p = entity_get_or_404(ar, "packages", pkg)))
		return 0;
	if (json_object_size(json_object_get(p, "binding"))) {
		json_decref(p);
		api_error(ar->req, 400, "Operation not permitted on package binding.");
		return 0;
	}
	json_decref(p);
	return 1;
}

static void
action_put(ApiReq *ar, const Qname *q)
{
	char key[2 * NAME_MAX_LEN + 2], err[1024];
	json_t *body, *old, *doc, *sets = NULL;

	qname_key(q, key, sizeof key);
	if (!package_writable(ar, q->pkg) || entity_put_begin(ar, "actions", key, &body, &old))
		return;
	if (secrets_take(body, &sets, err, sizeof err) || action_build(ar, q, body, old, &doc, err, sizeof err)) {
		api_error(ar->req, 400, "%s", err);
	} else {
		secrets_pending(ar->b->st, ar->who.ns, "actions", key, doc, sets);
		char path[PATH_MAX_LEN + 1];
		qname_path(q, path, sizeof path);
		if (old)
			sched_forget(ar->b->sched, path);
		if (query_bool(ar->req, "validate", 0) && !sequence_is(doc)) {
			action_validate(ar, q, doc);
		} else {
			if (!old) /* an update's first run may come as late; editors save often */
				action_expect(ar->b, doc);
			entity_put_end(ar, "actions", key, q->pkg, doc);
		}
	}
	json_decref(sets);
	json_decref(body);
	json_decref(old);
}

static void
trim_code(json_t *doc)
{
	json_object_del(json_object_get(doc, "exec"), "code");
	drop_actions_param(doc);
}

static void
action_delete(ApiReq *ar, const Qname *q)
{
	char key[2 * NAME_MAX_LEN + 2], path[PATH_MAX_LEN + 1];
	json_t *doc;

	qname_key(q, key, sizeof key);
	qname_path(q, path, sizeof path);
	if (!package_writable(ar, q->pkg) || !(doc = entity_get_or_404(ar, "actions", key)))
		return;
	sched_forget(ar->b->sched, path);
	entity_delete(ar, "actions", key, doc);
}

static void
action_get(ApiReq *ar, const Qname *q)
{
	Resolved r;
	char err[512];
	int status;

	json_t *doc;

	if (action_resolve(ar->b, &ar->who, q, &r, &status, err, sizeof err)) {
		api_error(ar->req, status, "%s", err);
		return;
	}
	doc = json_deep_copy(r.action);
	drop_actions_param(doc);
	if (!query_bool(ar->req, "code", 1))
		trim_code(doc);
	api_reply(ar->req, 200, doc, NULL);
	resolved_free(&r);
}

/* The actions of a package (a binding's: of the package it binds). */
static void
package_actions(ApiReq *ar, const char *pkg)
{
	json_t *p = entity_get_or_404(ar, "packages", pkg), *bind;

	if (!p)
		return;
	bind = json_object_get(p, "binding");
	if (json_object_size(bind) && strcmp(jstr(json_object_get(bind, "namespace")), ar->who.ns)) {
		json_decref(p);
		api_error(ar->req, 400, "List the actions of a binding to another namespace through its package.");
		return;
	}
	entity_list(ar, "actions", json_object_size(bind) ? jstr(json_object_get(bind, "name")) : pkg, trim_code);
	json_decref(p);
}

/* .../actions/[PKG/]NAME/secrets/KEY (secrets.c): 3 or 4 segments after
 * actions/, which were 404 before. */
static void
action_secrets(ApiReq *ar)
{
	char key[2 * NAME_MAX_LEN + 2];
	Qname q;

	ar->nseg -= 2;
	if (action_qname(ar, &q))
		return;
	qname_key(&q, key, sizeof key);
	if (package_writable(ar, q.pkg))
		api_secrets(ar, "actions", key, q.pkg, ar->seg[ar->nseg + 1]);
}

void
api_actions(ApiReq *ar)
{
	const char *m = ar->req->method;
	Qname q;

	if (ar->nseg == 0) {
		if (strcmp(m, "GET")) {
			api_error(ar->req, 405, "Method not allowed.");
			return;
		}
		/* code=true (ours): whole documents, as faasfs sync diffs them */
		entity_list(ar, "actions", NULL, query_bool(ar->req, "code", 0) ? drop_actions_param : trim_code);
		return;
	}
	if (ar->nseg == 1 && strcmp(m, "GET") == 0 && ar->req->path[strlen(ar->req->path) - 1] == '/') {
		package_actions(ar, ar->seg[0]); /* wsk action list PKG: GET .../actions/PKG/ */
		return;
	}
	if ((ar->nseg == 3 || ar->nseg == 4) && strcmp(ar->seg[ar->nseg - 2], "secrets") == 0) {
		action_secrets(ar);
		return;
	}
	if (ar->nseg > 2) {
		api_error(ar->req, 404, "The requested resource does not exist.");
		return;
	}
	if (action_qname(ar, &q))
		return;
	if (strcmp(m, "PUT") == 0)
		action_put(ar, &q);
	else if (strcmp(m, "GET") == 0)
		action_get(ar, &q);
	else if (strcmp(m, "DELETE") == 0)
		action_delete(ar, &q);
	else if (strcmp(m, "POST") == 0)
		invoke_http(ar, &q);
	else
		api_error(ar->req, 405, "Method not allowed.");
}
