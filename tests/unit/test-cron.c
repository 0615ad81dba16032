/* test-cron.c — cron expressions and their next due time, in UTC and across DST (backend/cron.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "cron.h"

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s };
	return timegm(&tm);
}

static int64_t
next(const char *text, const char *tz, int64_t after)
{
	char err[256];
	CronSpec c;

	assert_int_equal(cron_parse(text, &c, err, sizeof err), 0);
	return cron_next(&c, tz, after);
}

static void
test_fields(void **state)
{
	int64_t t = utc(2030, 1, 1, 0, 0, 0); /* a Tuesday */
	(void)state;
	assert_int_equal(next("* * * * *", NULL, t), t + 60);
	assert_int_equal(next("* * * * * *", NULL, t), t + 1);
	assert_int_equal(next("*/15 * * * *", NULL, t + 1), t + 900);
	assert_int_equal(next("30 8 * * *", NULL, t), utc(2030, 1, 1, 8, 30, 0));
	assert_int_equal(next("0 9 * * mon-fri", NULL, utc(2030, 1, 4, 10, 0, 0)), utc(2030, 1, 7, 9, 0, 0));
	assert_int_equal(next("0 0 1 jun *", NULL, t), utc(2030, 6, 1, 0, 0, 0));
	assert_int_equal(next("0 0 29 2 *", NULL, t), utc(2032, 2, 29, 0, 0, 0));
	assert_int_equal(next("0 0 * * 7", NULL, t), utc(2030, 1, 6, 0, 0, 0)); /* 7 is Sunday */
	/* both day fields restricted: either matches */
	assert_int_equal(next("0 0 13 * fri", NULL, t), utc(2030, 1, 4, 0, 0, 0));
	assert_int_equal(next("5,10-12/2 * * * *", NULL, t + 300), t + 600);
	assert_int_equal(next("@hourly", NULL, t), t + 3600);
	assert_int_equal(next("0 0 31 2 *", NULL, t), -1);
}

static void
test_zones(void **state)
{
	(void)state;
	/* midnight in Paris is 23:00 UTC in winter, 22:00 in summer */
	assert_int_equal(next("0 0 * * *", "Europe/Paris", utc(2030, 1, 1, 12, 0, 0)), utc(2030, 1, 1, 23, 0, 0));
	assert_int_equal(next("0 0 * * *", "Europe/Paris", utc(2030, 7, 1, 12, 0, 0)), utc(2030, 7, 1, 22, 0, 0));
	/* 02:30 does not exist on 2030-03-31 in Paris: due at the first moment after, 03:00 CEST */
	assert_int_equal(next("30 2 * * *", "Europe/Paris", utc(2030, 3, 30, 12, 0, 0)), utc(2030, 3, 31, 1, 0, 0));
	/* 02:30 happens twice on 2030-10-27: due once */
	int64_t first = next("30 2 * * *", "Europe/Paris", utc(2030, 10, 26, 12, 0, 0));
	assert_int_equal(first, utc(2030, 10, 27, 0, 30, 0));
	assert_int_equal(next("30 2 * * *", "Europe/Paris", first), utc(2030, 10, 28, 1, 30, 0));
	assert_true(zone_known("Europe/Paris"));
	assert_true(zone_known("UTC"));
	assert_false(zone_known("Mars/Olympus"));
	assert_false(zone_known("../../etc/passwd"));
}

static void
test_bad(void **state)
{
	const char *bad[] = { "",           "* * * *",   "* * * * * * *", "60 * * * *",  "* 24 * * *", "* * 0 * *",
		              "* * * 13 *", "* * * * 8", "*/0 * * * *",   "5-1 * * * *", "a * * * *",  "1,,2 * * * *",
		              NULL };
	char err[256];
	CronSpec c;
	(void)state;
	for (int i = 0; bad[i]; i++) {
		err[0] = 0;
		assert_int_equal(cron_parse(bad[i], &c, err, sizeof err), -EINVAL);
		assert_true(err[0]);
	}
	cron_parse("* 25 * * *", &c, err, sizeof err);
	assert_non_null(strstr(err, "hours field '25'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_bad),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
