/* test-record.c — backend/record.c writes a record byte for byte as the jansson tree it used to build did:
 * the same members in the same order, running, finished, failed at a restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/fns.h"

/* The annotations a warm action's record has, as a tree. */
static json_t *
annotations(const json_t *limits, int finished)
{
	json_t *a = json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:O}, {s:s, s:s}]", "key", "path", "value",
	                      "guest/p/echo", "key", "kind", "value", "python:3", "key", "limits", "value", limits,
	                      "key", "causedBy", "value", "sequence");
	json_t *more;

	if (finished) {
		/* json_array_extend copies: the packed array is ours to free (LeakSanitizer) */
		more = json_pack("[{s:s, s:b}, {s:s, s:i}, {s:s, s:i}, {s:s, s:s}]", "key", "timeout", "value", 0,
		                 "key", "waitTime", "value", 3, "key", "initTime", "value", 41, "key", "startup",
		                 "value", "cold");
		json_array_extend(a, more);
		json_decref(more);
	}
	return a;
}

static void
assert_text(const Record *r, json_t *want)
{
	char *got = record_text(r), *text = json_dumps(want, JSON_COMPACT);

	assert_non_null(got);
	assert_string_equal(got, text);
	free(got);
	free(text);
	json_decref(want);
}

/* A record as skeleton() makes one. */
static void
skeleton(Record *r, const json_t *limits)
{
	record_init(r, "guest", "echo", "0.0.2", "0123456789abcdef0123456789abcdef",
	            "fedcba9876543210fedcba9876543210");
	r->start = 1700000000000;
	record_annot_str(r, "path", "guest/p/echo");
	record_annot_str(r, "kind", "python:3");
	record_annot(r, "limits", limits);
	record_annot_str(r, "causedBy", "sequence");
}

static json_t *
head(const json_t *limits, int64_t start, const json_t *logs, int finished)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:I, s:O, s:o, s:s}", "namespace", "guest", "name", "echo",
	                 "version", "0.0.2", "subject", "guest", "publish", 0, "activationId",
	                 "0123456789abcdef0123456789abcdef", "start", (json_int_t)start, "logs", logs, "annotations",
	                 annotations(limits, finished), "cause", "fedcba9876543210fedcba9876543210");
}

static void
test_running(void **state)
{
	json_t *limits =
	               json_pack("{s:i, s:i, s:i, s:i}", "timeout", 60000, "memory", 256, "logs", 10, "concurrency", 1),
	       *none = json_array();
	Record r;
	(void)state;
	skeleton(&r, limits);
	assert_text(&r, head(limits, 1700000000000, none, 0));
	record_clear(&r);
	json_decref(limits);
	json_decref(none);
}

static void
test_finished(void **state)
{
	json_t *limits = json_pack("{s:i}", "timeout", 5000), *logs = json_pack("[s, s]", "out \"q\"", "line\n2");
	json_t *result = json_pack("{s:i, s:[f, n]}", "n", 1, "x", 2.5), *want;
	RunResult res = { .status = RUN_APP_ERROR,
		          .result = result,
		          .logs = logs,
		          .start = "cold",
		          .start_ms = 1700000000100,
		          .end_ms = 1700000000142,
		          .wait_ms = 3,
		          .init_ms = 41 };
	Record r;
	(void)state;
	skeleton(&r, limits);
	record_finish(&r, &res);
	want = head(limits, 1700000000100, logs, 1);
	json_object_set_new(want, "end", json_integer(1700000000142));
	json_object_set_new(want, "duration", json_integer(42));
	json_object_set_new(want, "response",
	                    json_pack("{s:s, s:i, s:b, s:O}", "status", "application error", "statusCode", 1, "success",
	                              0, "result", result));
	assert_text(&r, want);
	record_clear(&r);
	json_decref(limits);
	json_decref(logs);
	json_decref(result);
}

/* A trigger's record: a response, and no end. */
static void
test_response_only(void **state)
{
	Record r;
	(void)state;
	record_init(&r, "guest", "tr", NULL, "0123456789abcdef0123456789abcdef", NULL);
	r.start = 5;
	record_annot_str(&r, "path", "guest/tr");
	record_log(&r, json_string("{\"statusCode\":0}"));
	record_set_response(&r, RUN_SUCCESS, json_pack("{s:s}", "tp", "v"));
	assert_text(&r,
	            json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:i, s:[s], s:[{s:s, s:s}], s:{s:s, s:i, s:b, s:{s:s}}}",
	                      "namespace", "guest", "name", "tr", "version", "0.0.1", "subject", "guest", "publish", 0,
	                      "activationId", "0123456789abcdef0123456789abcdef", "start", 5, "logs",
	                      "{\"statusCode\":0}", "annotations", "key", "path", "value", "guest/tr", "response",
	                      "status", "success", "statusCode", 0, "success", 1, "result", "tp", "v"));
	record_clear(&r);
}

/* A running record from the store, failed at a restart: what record_fail
 * did to the tree (times and a response added at the end). */
static void
test_fail(void **state)
{
	json_t *limits = json_pack("{s:i}", "timeout", 5000), *none = json_array(), *doc;
	char *running, *got, *want;
	Record r;
	(void)state;
	skeleton(&r, limits);
	running = record_text(&r);
	doc = json_loads(running, 0, NULL);
	got = record_fail(doc, RUN_WHISK_ERROR, "backend restarted", 1700000009000);
	json_decref(doc);
	doc = head(limits, 1700000000000, none, 0);
	json_object_set_new(doc, "end", json_integer(1700000009000));
	json_object_set_new(doc, "duration", json_integer(9000));
	json_object_set_new(doc, "response",
	                    json_pack("{s:s, s:i, s:b, s:{s:s}}", "status", "whisk internal error", "statusCode", 3,
	                              "success", 0, "result", "error", "backend restarted"));
	want = json_dumps(doc, JSON_COMPACT);
	assert_string_equal(got, want);
	free(running);
	free(got);
	free(want);
	json_decref(doc);
	record_clear(&r);
	json_decref(limits);
	json_decref(none);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_running),
		cmocka_unit_test(test_finished),
		cmocka_unit_test(test_response_only),
		cmocka_unit_test(test_fail),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
