/* test-ksvc.c — Knative Service names, manifests and readiness (backend/ksvc.c). */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/ksvc.h"

/* DNS-1035: a letter first, then letters, digits and '-', not ending in '-'. */
static int
dns1035(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 63 || !islower((unsigned char)s[0]) || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static void
test_names(void **state)
{
	char a[KSVC_NAME_SIZE], b[KSVC_NAME_SIZE], longp[400];
	const char *paths[] = { "guest/hello", "Guest/Pkg/Hello_World", "9lives/x", "a/b.c@d", "x/--y--", "ns/ünïcode",
		                NULL };
	(void)state;
	for (int i = 0; paths[i]; i++) {
		ksvc_name(paths[i], "0.0.1", a);
		assert_true(dns1035(a));
		assert_true(strlen(a) <= 57); /* NAME-00001 stays within 63 */
	}
	memset(longp, 'x', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	ksvc_name(longp, "123.456.789", a);
	assert_true(dns1035(a) && strlen(a) <= 57);
	ksvc_name("guest/hello", "0.0.1", a);
	assert_string_equal(strncmp(a, "f-guest-hello-0-0-1-", 20) == 0 ? "ok" : a, "ok");
	/* names that fold alike stay apart; versions too */
	ksvc_name("guest/a_b", "0.0.1", a);
	ksvc_name("guest/a.b", "0.0.1", b);
	assert_string_not_equal(a, b);
	ksvc_name("guest/a", "0.0.1", a);
	ksvc_name("guest/a", "0.0.2", b);
	assert_string_not_equal(a, b);
	/* the names running clusters hold stay what they were (lib's str_hash32) */
	ksvc_name("guest/pkg/Hello_World", "0.0.12", a);
	assert_string_equal(a, "f-guest-pkg-hello-world-0-0-12-f23e23f9");
	ksvc_action_label("guest/pkg/Hello_World", a);
	assert_string_equal(a, "guest-pkg-hello-world-4c345cae");
}

static void
test_manifest(void **state)
{
	json_t *init = json_pack("{s:s,s:s}", "code", "def main(a): return a", "kind", "python:3");
	KsvcSpec sp = { .name = "f-guest-x-0-0-1-12345678",
		        .path = "guest/x",
		        .version = "0.0.1",
		        .kind = "python:3",
		        .image = "localhost/faasfs/python:latest",
		        .init = init,
		        .memory_mb = 512,
		        .timeout_ms = 60001,
		        .concurrency = 4,
		        .min_scale = 1,
		        .max_scale = 0 };
	json_t *m = ksvc_manifest(&sp), *tmpl = json_object_get(json_object_get(m, "spec"), "template");
	json_t *ts = json_object_get(tmpl, "spec"), *c = json_array_get(json_object_get(ts, "containers"), 0);
	json_t *ann = json_object_get(json_object_get(tmpl, "metadata"), "annotations");
	(void)state;
	assert_int_equal(json_integer_value(json_object_get(ts, "timeoutSeconds")), 61); /* rounded up */
	assert_int_equal(json_integer_value(json_object_get(ts, "containerConcurrency")), 4);
	assert_string_equal(json_string_value(json_object_get(
	                            json_object_get(json_object_get(c, "resources"), "limits"), "memory")),
	                    "512Mi");
	assert_string_equal(json_string_value(json_object_get(ann, "autoscaling.knative.dev/min-scale")), "1");
	assert_null(json_object_get(ann, "autoscaling.knative.dev/max-scale"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(c, "env"), 3), "name")),
	                    "FAASFS_INIT");
	assert_null(json_object_get(ts, "nodeSelector")); /* the default pool: any node */
	assert_null(json_object_get(json_object_get(json_object_get(c, "resources"), "limits"), "cpu"));
	json_decref(m);
	sp.pool = "big";
	sp.cpu_millis = 2500;
	m = ksvc_manifest(&sp);
	ts = json_object_get(json_object_get(json_object_get(m, "spec"), "template"), "spec");
	c = json_array_get(json_object_get(ts, "containers"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ts, "nodeSelector"), "faasfs.dev/pool")),
	                    "big");
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(json_object_get(c, "resources"), "limits"), "cpu")),
	        "2500m");
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(json_object_get(c, "resources"), "requests"), "cpu")),
	        "2500m");
	assert_string_equal(ksvc_family("nodejs:20"), "nodejs");
	assert_string_equal(ksvc_family("python:3.11"), "python");
	assert_string_equal(ksvc_family("bash"), "native");
	json_decref(m);
	json_decref(init);
}

static json_t *
svc(int gen, int observed, const char *ready, const char *reason)
{
	return json_pack("{s:{s:i},s:{s:i,s:s,s:{s:s},s:[{s:s,s:s,s:s,s:s}]}}", "metadata", "generation", gen, "status",
	                 "observedGeneration", observed, "url", "http://x.ns.example.com", "address", "url",
	                 "http://x.ns.svc.cluster.local", "conditions", "type", "Ready", "status", ready, "reason",
	                 reason, "message", "why");
}

static void
test_ready(void **state)
{
	char url[128], why[128];
	json_t *s;
	(void)state;
	s = svc(2, 1, "True", ""); /* the status has not caught up */
	assert_int_equal(ksvc_ready(s, url, sizeof url, why, sizeof why, 0), 0);
	json_decref(s);
	s = svc(2, 2, "Unknown", "RevisionMissing");
	assert_int_equal(ksvc_ready(s, url, sizeof url, why, sizeof why, 0), 0);
	json_decref(s);
	s = svc(2, 2, "True", "");
	assert_int_equal(ksvc_ready(s, url, sizeof url, why, sizeof why, 0), 1);
	assert_string_equal(url, "http://x.ns.example.com");
	assert_int_equal(ksvc_ready(s, url, sizeof url, why, sizeof why, 1), 1);
	assert_string_equal(url, "http://x.ns.svc.cluster.local");
	json_decref(s);
	s = svc(3, 3, "False", "RevisionFailed");
	assert_int_equal(ksvc_ready(s, url, sizeof url, why, sizeof why, 0), -1);
	assert_string_equal(why, "RevisionFailed: why");
	json_decref(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_ready),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
