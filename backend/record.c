/* record.c — activation records in OpenWhisk's shape (WhiskActivation.scala).
 *
 * A record starts as a skeleton when the activation is accepted (namespace,
 * name, version, id, cause, the path/kind/limits annotations) and is
 * completed from the scheduler's run_result: times, response, logs, and the
 * annotations that explain the time it took: waitTime, initTime, timeout and
 * our own `startup` (cold, stemcell or warm).
 *
 * While it is built, a record is a struct, not a JSON tree: its text is
 * written once, by record_text, when it is committed (the journal, the
 * answer and the event stream all use that text). Making a tree of some
 * forty nodes, looking annotations up in it, writing it out and freeing it
 * cost some 47,000 of the loop's 129,000 instructions per warm invocation
 * (bench/api-callgrind).
 * Annotations are only ever added, in order, so they are kept as the text
 * of their array. Members come out in this order (that of the tree the
 * records were made as before; clients see it):
 *
 *   namespace name version subject publish activationId start logs
 *   annotations [cause] [end duration] [response]
 *
 * The rest of the file reads records that come back from the store, parsed.
 */
#include <string.h>

#include "fns.h"

static const char *const status_text[] = {
	"success",
	"application error",
	"action developer error",
	"whisk internal error",
};

const char *
record_status_text(int status)
{
	return status >= 0 && status <= 3 ? status_text[status] : "whisk internal error";
}

/* The strings are borrowed: they must outlive the record. */
void
record_init(Record *r, const char *ns, const char *name, const char *version, const char *id, const char *cause)
{
	memset(r, 0, sizeof *r);
	r->ns = ns;
	r->name = name;
	r->version = version ? version : "0.0.1";
	r->id = id;
	r->cause = cause;
	r->start = now_ms();
	r->end = -1;
	r->duration = -1;
	r->status = -1;
}

void
record_clear(Record *r)
{
	json_decref(r->result);
	json_decref(r->logs);
	buf_free(&r->ann);
	r->result = r->logs = NULL;
}

/* ,{"key":KEY,"value": — the value follows. */
static void
annot_head(Record *r, const char *key)
{
	buf_str(&r->ann, r->ann.n ? ",{\"key\":" : "{\"key\":");
	js_append_string(&r->ann, key);
	buf_str(&r->ann, ",\"value\":");
}

/* Add an annotation; a NULL value adds none. */
void
record_annot(Record *r, const char *key, const json_t *value)
{
	if (!value)
		return;
	annot_head(r, key);
	js_append(&r->ann, value);
	buf_add(&r->ann, "}", 1);
}

void
record_annot_str(Record *r, const char *key, const char *value)
{
	annot_head(r, key);
	js_append_string(&r->ann, value);
	buf_add(&r->ann, "}", 1);
}

void
record_annot_int(Record *r, const char *key, int64_t value)
{
	annot_head(r, key);
	js_append_int(&r->ann, value);
	buf_add(&r->ann, "}", 1);
}

/* Append a line (stolen) to the record's logs. */
void
record_log(Record *r, json_t *line)
{
	if (!r->logs)
		r->logs = json_array();
	json_array_append_new(r->logs, line);
}

void
record_set_times(Record *r, int64_t start, int64_t end)
{
	r->start = start;
	r->end = end;
}

/* OpenWhisk's optional "size" is left out: it would cost a serialisation
 * of every result only to count it. record_set_response takes the
 * reference to result. */
void
record_set_response(Record *r, int status, json_t *result)
{
	json_decref(r->result);
	r->status = status;
	r->result = result ? result : json_null();
}

/* Complete a record from what the scheduler reports. */
void
record_finish(Record *r, const RunResult *res)
{
	record_set_times(r, res->start_ms, res->end_ms);
	record_set_response(r, res->status, res->result ? json_incref(res->result) : json_object());
	json_decref(r->logs);
	r->logs = json_incref(res->logs);
	record_annot(r, "timeout", json_boolean(res->timed_out));
	record_annot_int(r, "waitTime", res->wait_ms);
	if (res->init_ms)
		record_annot_int(r, "initTime", res->init_ms);
	if (res->start)
		record_annot_str(r, "startup", res->start);
	if (res->domain)
		record_annot_str(r, "domain", res->domain);
}

/* The put_* functions append a member, key being the text before its value
 * (punctuation and all). */
static void
put_member(Buf *b, const char *key, const char *value)
{
	buf_str(b, key);
	js_append_string(b, value);
}

static void
put_int_member(Buf *b, const char *key, int64_t value)
{
	buf_str(b, key);
	js_append_int(b, value);
}

/* duration < 0: end - start. */
static void
put_times(Buf *b, int64_t start, int64_t end, int64_t duration)
{
	int64_t d = duration >= 0 ? duration : end > start ? end - start : 0;

	put_int_member(b, ",\"end\":", end);
	put_int_member(b, ",\"duration\":", d);
}

/* Nonzero when result cannot be written (js_append). */
static int
put_response(Buf *b, int status, const json_t *result)
{
	put_member(b, ",\"response\":{\"status\":", record_status_text(status));
	put_int_member(b, ",\"statusCode\":", status);
	buf_str(b, status == RUN_SUCCESS ? ",\"success\":true,\"result\":" : ",\"success\":false,\"result\":");
	if (js_append(b, result))
		return -EINVAL;
	buf_add(b, "}", 1);
	return 0;
}

/* The record's JSON text, malloc'd, or NULL when its logs or result
 * cannot be written (js_append). */
char *
record_text(const Record *r)
{
	Buf b = { 0 };
	int failed;

	buf_reserve(&b, 1024); /* most records fit */
	put_member(&b, "{\"namespace\":", r->ns);
	put_member(&b, ",\"name\":", r->name);
	put_member(&b, ",\"version\":", r->version);
	put_member(&b, ",\"subject\":", r->ns);
	put_member(&b, ",\"publish\":false,\"activationId\":", r->id);
	put_int_member(&b, ",\"start\":", r->start);
	buf_str(&b, ",\"logs\":");
	failed = r->logs ? js_append(&b, r->logs) : (buf_str(&b, "[]"), 0);
	buf_str(&b, ",\"annotations\":[");
	buf_add(&b, r->ann.p, r->ann.n);
	buf_add(&b, "]", 1);
	if (r->cause)
		put_member(&b, ",\"cause\":", r->cause);
	if (r->end >= 0)
		put_times(&b, r->start, r->end, r->duration);
	if (r->status >= 0 && put_response(&b, r->status, r->result))
		failed = 1;
	buf_add(&b, "}", 1);
	if (failed) {
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

/* The text of a record left running (doc, parsed from the store), ended at
 * now with an error: as record_text would have written it, since a running
 * record is its finished text without the times and response at its end. */
char *
record_fail(json_t *doc, int status, const char *msg, int64_t now)
{
	int64_t start = json_integer_value(json_object_get(doc, "start"));
	json_t *result = json_pack("{s:s}", "error", msg);
	Buf b = { 0 };
	int rc;

	if (!start)
		json_object_set_new(doc, "start", json_integer(start = now));
	rc = js_append(&b, doc);
	if (!rc)
		b.n--; /* the closing brace */
	if (!rc) {
		put_times(&b, start, now, -1);
		rc = put_response(&b, status, result);
		buf_add(&b, "}", 1);
	}
	json_decref(result);
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

/* The short form a list gives without docs=true. */
json_t *
record_summary(const json_t *r)
{
	json_t *s = json_object(), *v;
	static const char *const keep[] = { "namespace", "name", "version",  "publish", "annotations", "activationId",
		                            "start",     "end",  "duration", "cause",   NULL };

	for (int i = 0; keep[i]; i++)
		if ((v = json_object_get(r, keep[i])))
			json_object_set(s, keep[i], v);
	v = json_object_get(json_object_get(r, "response"), "statusCode");
	json_object_set_new(s, "statusCode", json_integer(json_integer_value(v)));
	return s;
}

/* The path of a record's action or trigger ("ns/pkg/name"), or NULL. */
const char *
record_path(const json_t *r)
{
	return json_string_value(params_get(json_object_get(r, "annotations"), "path"));
}

/* The name a record is listed and filtered by: the path of its action or
 * trigger inside the namespace that holds it, "pkg/name" or "name". */
const char *
record_list_name(const json_t *r)
{
	const char *path = record_path(r);
	const char *slash = path ? strchr(path, '/') : NULL;

	return slash ? slash + 1 : jstr(json_object_get(r, "name"));
}
