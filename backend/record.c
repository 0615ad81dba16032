/* record.c — activation records in OpenWhisk's shape (WhiskActivation.scala).
 *
 * A record starts as a skeleton when the activation is accepted (namespace,
 * name, version, id, cause, the path/kind/limits annotations) and is
 * completed from the scheduler's run_result: times, response, logs, and the
 * annotations that explain the time it took: waitTime, initTime, timeout and
 * our own `startup` (cold, stemcell or warm).
 */
#include <stdio.h>
#include <string.h>

#include "fns.h"

static const char *const status_text[] = {
	"success", "application error", "action developer error", "whisk internal error",
};

const char *record_status_text(int status)
{
	return status >= 0 && status <= 3 ? status_text[status] : "whisk internal error";
}

void annot_set(json_t *arr, const char *key, json_t *value)
{
	size_t i;
	json_t *p;

	if (!value)
		return;
	json_array_foreach(arr, i, p)
		if (strcmp(jstr(json_object_get(p, "key")), key) == 0) {
			json_object_set_new(p, "value", value);
			return;
		}
	p = json_object();
	json_object_set_new(p, "key", json_string(key));
	json_object_set_new(p, "value", value);
	json_array_append_new(arr, p);
}

json_t *record_new(const char *ns, const char *name, const char *version, const char *id, const char *cause)
{
	json_t *r = json_object();

	/* built by hand, not json_pack: a record is made per activation, and
	 * parsing a format string cost more than the building */
	json_object_set_new(r, "namespace", json_string(ns));
	json_object_set_new(r, "name", json_string(name));
	json_object_set_new(r, "version", json_string(version ? version : "0.0.1"));
	json_object_set_new(r, "subject", json_string(ns));
	json_object_set_new(r, "publish", json_false());
	json_object_set_new(r, "activationId", json_string(id));
	json_object_set_new(r, "start", json_integer(now_ms()));
	json_object_set_new(r, "logs", json_array());
	json_object_set_new(r, "annotations", json_array());
	if (cause)
		json_object_set_new(r, "cause", json_string(cause));
	return r;
}

/* OpenWhisk's optional "size" is left out: it would cost a serialisation
 * of every result only to count it. */
void record_set_response(json_t *r, int status, json_t *result)
{
	json_t *resp = json_object();

	json_object_set_new(resp, "status", json_string(record_status_text(status)));
	json_object_set_new(resp, "statusCode", json_integer(status));
	json_object_set_new(resp, "success", json_boolean(status == RUN_SUCCESS));
	json_object_set_new(resp, "result", result ? result : json_null());
	json_object_set_new(r, "response", resp);
}

void record_set_times(json_t *r, int64_t start, int64_t end)
{
	json_object_set_new(r, "start", json_integer(start));
	json_object_set_new(r, "end", json_integer(end));
	json_object_set_new(r, "duration", json_integer(end > start ? end - start : 0));
}

/* record_set_response takes the reference to result. */

/* Complete a record from what the scheduler reports. */
void record_finish(json_t *r, const run_result *res)
{
	json_t *ann = json_object_get(r, "annotations");

	record_set_times(r, res->start_ms, res->end_ms);
	record_set_response(r, res->status, res->result ? json_incref(res->result) : json_object());
	json_object_set(r, "logs", res->logs ? res->logs : json_array());
	annot_set(ann, "timeout", json_boolean(res->timed_out));
	annot_set(ann, "waitTime", json_integer(res->wait_ms));
	if (res->init_ms)
		annot_set(ann, "initTime", json_integer(res->init_ms));
	if (res->start)
		annot_set(ann, "startup", json_string(res->start));
}

/* Complete a record with an error that no run produced. */
void record_fail(json_t *r, int status, const char *msg, int64_t now)
{
	int64_t start = json_integer_value(json_object_get(r, "start"));

	record_set_times(r, start ? start : now, now);
	record_set_response(r, status, json_pack("{s:s}", "error", msg));
}

/* The short form a list gives without docs=true. */
json_t *record_summary(const json_t *r)
{
	json_t *s = json_object(), *v;
	static const char *const keep[] = {"namespace", "name", "version", "publish", "annotations",
	                                   "activationId", "start", "end", "duration", "cause", NULL};

	for (int i = 0; keep[i]; i++)
		if ((v = json_object_get(r, keep[i])))
			json_object_set(s, keep[i], v);
	v = json_object_get(json_object_get(r, "response"), "statusCode");
	json_object_set_new(s, "statusCode", json_integer(json_integer_value(v)));
	return s;
}

/* The name a record is listed and filtered by: the path of its action or
 * trigger inside the namespace that holds it, "pkg/name" or "name". */
const char *record_list_name(const json_t *r)
{
	const char *path = json_string_value(params_get(json_object_get(r, "annotations"), "path"));
	const char *slash = path ? strchr(path, '/') : NULL;

	return slash ? slash + 1 : jstr(json_object_get(r, "name"));
}

int record_status(const json_t *r)
{
	return (int)json_integer_value(json_object_get(json_object_get(r, "response"), "statusCode"));
}
