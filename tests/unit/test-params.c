/* test-params.c — parameter layers, init parameters, annotation merge, invocation bodies (backend/params.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/fns.h"

static json_t *
J(const char *text)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
	assert_non_null(v);
	return v;
}

static void
assert_json(json_t *got, const char *want)
{
	json_t *w = J(want);
	if (!json_equal(got, w)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		print_error("got %s, want %s\n", g, want);
		free(g);
		fail();
	}
	json_decref(w);
}

static void
test_layers(void **state)
{
	json_t *pkg = J("[{\"key\":\"a\",\"value\":\"pkg\"},{\"key\":\"p\",\"value\":1}]");
	json_t *bind = J("[{\"key\":\"p\",\"value\":2}]");
	json_t *act =
	        J("[{\"key\":\"a\",\"value\":\"action\"},{\"key\":\"s\",\"value\":{\"x\":1},\"init\":true},"
	          "{\"key\":\"n\",\"value\":null,\"init\":true},{\"key\":\"t\",\"value\":\"text\",\"init\":true}]");
	json_t *payload = J("{\"a\":\"invoke\",\"s\":\"given\"}");
	json_t *params = json_object(), *env = json_object();
	(void)state;
	params_layer(params, env, pkg);
	params_layer(params, env, bind);
	params_layer(params, env, act);
	params_payload(params, payload);
	assert_json(params, "{\"a\":\"invoke\",\"p\":2,\"s\":\"given\"}");
	assert_json(env, "{\"s\":\"{\\\"x\\\":1}\",\"n\":\"\",\"t\":\"text\"}");
	json_decref(pkg), json_decref(bind), json_decref(act), json_decref(payload);
	json_decref(params), json_decref(env);
}

static void
test_check(void **state)
{
	char err[256];
	json_t *v;
	(void)state;
	assert_int_equal(params_check(v = J("[{\"key\":\"k\",\"value\":1}]"), "parameters", err, sizeof err), 0);
	json_decref(v);
	assert_int_equal(params_check(v = J("{\"k\":1}"), "parameters", err, sizeof err), -EINVAL);
	json_decref(v);
	assert_int_equal(params_check(v = J("[{\"key\":\"\",\"value\":1}]"), "parameters", err, sizeof err), -EINVAL);
	json_decref(v);
	assert_int_equal(params_check(v = J("[{\"key\":\"k\"}]"), "annotations", err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "annotations entry 'k'"));
	json_decref(v);
}

static void
test_union(void **state)
{
	json_t *old = J("[{\"key\":\"a\",\"value\":1},{\"key\":\"b\",\"value\":2},{\"key\":\"c\",\"value\":3}]");
	json_t *add = J("[{\"key\":\"b\",\"value\":20},{\"key\":\"d\",\"value\":4}]");
	json_t *del = J("[\"c\"]");
	json_t *u = params_union(old, add, del);
	(void)state;
	assert_json(u, "[{\"key\":\"a\",\"value\":1},{\"key\":\"b\",\"value\":20},{\"key\":\"d\",\"value\":4}]");
	assert_json(params_get(u, "d"), "4");
	assert_null(params_get(u, "c"));
	json_decref(old), json_decref(add), json_decref(del), json_decref(u);
}

static void
test_bodies(void **state)
{
	char err[256];
	json_t *out;
	(void)state;
	assert_int_equal(body_params("application/json", "{\"a\":1}", 7, &out, err, sizeof err), 0);
	assert_json(out, "{\"a\":1}");
	json_decref(out);
	assert_int_equal(body_params(NULL, "", 0, &out, err, sizeof err), 0);
	assert_json(out, "{}");
	json_decref(out);
	assert_int_equal(body_params("application/json; charset=utf-8", "{\"a\":", 5, &out, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "malformed"));
	assert_int_equal(body_params("application/json", "[1]", 3, &out, err, sizeof err), -EINVAL);
	assert_int_equal(body_params("text/csv", "a,b\n1,2\n", 8, &out, err, sizeof err), 0);
	assert_json(out, "{\"__ow_body\":\"a,b\\n1,2\\n\",\"__ow_headers\":{\"content-type\":\"text/csv\"},"
	                 "\"__ow_method\":\"post\",\"__ow_path\":\"\"}");
	json_decref(out);
	assert_int_equal(body_params(NULL, "plain words", 11, &out, err, sizeof err), 0);
	assert_json(json_object_get(out, "__ow_body"), "\"plain words\"");
	json_decref(out);
	assert_int_equal(body_params("application/octet-stream", "\x00\x01\xff", 3, &out, err, sizeof err), 0);
	assert_json(json_object_get(out, "__ow_body"), "\"AAH/\"");
	json_decref(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_union),
		cmocka_unit_test(test_bodies),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
