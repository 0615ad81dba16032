/* cron.c — cron expressions, and when one is next due in a time zone.
 *
 * Five fields, MIN HOUR DOM MON DOW, as cron(5) reads them, or six with
 * SEC first, as OpenWhisk's alarms take them. A field is a list of `*`,
 * N, N-M, each optionally /STEP (N/STEP runs to the field's end); months
 * and days of the week may be named (jan, mon), and 7 is Sunday too. When
 * both DOM and DOW are restricted, a day matching either is due (cron's
 * rule). @yearly, @annually, @monthly, @weekly, @daily, @midnight and
 * @hourly stand for their five fields.
 *
 * cron_next finds the next due second after a time by walking the
 * calendar in the zone's local time (TZ set for mktime; UTC uses timegm
 * and no zone): a field that does not match moves its unit on and zeroes
 * the smaller ones. A local time skipped by a DST change is due at the
 * first moment after it; one that happens twice is due once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cron.h"

static const struct {
	int lo, hi;
	const char *what;
} field[5 + 1] = {
	{ 0, 59, "seconds" },           { 0, 59, "minutes" }, { 0, 23, "hours" },
	{ 1, 31, "days of the month" }, { 1, 12, "months" },  { 0, 7, "days of the week" },
};

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul",
	                              "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL };

static int
number(const char **p, int f, int *out)
{
	const char *const *names = f == 4 ? months : f == 5 ? days : NULL;
	char *end;
	long v;

	for (int i = 0; names && names[i]; i++)
		if (strncasecmp(*p, names[i], 3) == 0) {
			*out = i + (f == 4);
			*p += 3;
			return 0;
		}
	if (**p < '0' || **p > '9')
		return -EINVAL;
	v = strtol(*p, &end, 10);
	if (v < field[f].lo || v > field[f].hi)
		return -ERANGE;
	*out = (int)v;
	*p = end;
	return 0;
}

/* One field's text into a bit set. */
static int
parse_field(const char *text, int f, uint64_t *bits, char *err, size_t n)
{
	const char *p = text;
	int lo, hi, step, rc;

	*bits = 0;
	for (;;) {
		step = 1;
		if (*p == '*') {
			lo = field[f].lo, hi = field[f].hi, p++;
		} else {
			if ((rc = number(&p, f, &lo)))
				goto bad;
			hi = lo;
			if (*p == '-' && (p++, (rc = number(&p, f, &hi)) || hi < lo))
				goto bad;
		}
		if (*p == '/') {
			char *end;
			p++;
			step = (int)strtol(p, &end, 10);
			if (end == p || step < 1 || step > field[f].hi)
				goto bad;
			p = end;
			if (hi == lo)
				hi = field[f].hi;
		}
		for (int v = lo; v <= hi; v += step)
			*bits |= 1ull << (f == 5 && v == 7 ? 0 : v);
		if (*p == 0)
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	snprintf(err, n, "The %s field '%s' is not valid: use *, N, N-M, lists with commas and /STEP, within %d-%d.",
	         field[f].what, text, field[f].lo, field[f].hi);
	return -EINVAL;
}

static const struct {
	const char *name, *fields;
} macros[] = {
	{ "@yearly", "0 0 1 1 *" },  { "@annually", "0 0 1 1 *" },
	{ "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
	{ "@daily", "0 0 * * *" },   { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },  { NULL, NULL },
};

int
cron_parse(const char *text, CronSpec *c, char *err, size_t n)
{
	char buf[256], *part[7], *save = NULL, *p;
	int k = 0, rc;

	for (int i = 0; macros[i].name; i++)
		if (strcmp(text, macros[i].name) == 0)
			text = macros[i].fields;
	if (strlen(text) >= sizeof buf)
		return snprintf(err, n, "The cron text is longer than %zu characters.", sizeof buf - 1), -EINVAL;
	snprintf(buf, sizeof buf, "%s", text);
	for (p = strtok_r(buf, " \t", &save); p && k < 7; p = strtok_r(NULL, " \t", &save))
		part[k++] = p;
	if (k != 5 && k != 6)
		return snprintf(err, n,
		                "The cron text '%s' has %d fields: it needs 5 (minute hour day-of-month month "
		                "day-of-week) or 6 (seconds first).",
		                text, k),
		       -EINVAL;
	memset(c, 0, sizeof *c);
	c->sec = 1; /* second 0, with five fields */
	for (int i = 0; i < k; i++) {
		int f = i + (k == 5);
		uint64_t bits;
		if ((rc = parse_field(part[i], f, &bits, err, n)))
			return rc;
		switch (f) {
		case 0: c->sec = bits; break;
		case 1: c->min = bits; break;
		case 2: c->hour = (uint32_t)bits; break;
		case 3: c->dom = (uint32_t)bits, c->dom_any = part[i][0] == '*'; break;
		case 4: c->mon = (uint16_t)bits; break;
		case 5: c->dow = (uint8_t)bits, c->dow_any = part[i][0] == '*'; break;
		}
	}
	return 0;
}

static int
day_matches(const CronSpec *c, const struct tm *tm)
{
	int dom = (c->dom >> tm->tm_mday) & 1, dow = (c->dow >> tm->tm_wday) & 1;

	if (c->dom_any || c->dow_any)
		return dom && dow;
	return dom || dow;
}

static time_t
to_time(struct tm *tm, int utc)
{
	tm->tm_isdst = -1;
	return utc ? timegm(tm) : mktime(tm);
}

static void
from_time(time_t t, struct tm *tm, int utc)
{
	if (utc)
		gmtime_r(&t, tm);
	else
		localtime_r(&t, tm);
}

/* Make tz the zone of localtime and mktime; NULL or "" is UTC (no zone). */
static int
zone_use(const char *tz)
{
	static char current[128];

	if (!tz || !*tz || strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0)
		return 1;
	if (strcmp(current, tz)) {
		snprintf(current, sizeof current, "%s", tz);
		setenv("TZ", tz, 1);
		tzset();
	}
	return 0;
}

/* The first due second after `after` (seconds since the epoch), or -1 if none within eight years. */
int64_t
cron_next(const CronSpec *c, const char *tz, int64_t after)
{
	int utc = zone_use(tz);
	time_t t = (time_t)after + 1, limit = t + 8 * 366 * 86400LL, back;
	struct tm tm;

	from_time(t, &tm, utc);
	while (t < limit) {
		int want = -1; /* the local hour asked for, when stepping hours */

		if (!((c->mon >> (tm.tm_mon + 1)) & 1)) {
			tm.tm_mon++, tm.tm_mday = 1, tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		} else if (!day_matches(c, &tm)) {
			tm.tm_mday++, tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		} else if (!((c->hour >> tm.tm_hour) & 1)) {
			want = ++tm.tm_hour, tm.tm_min = tm.tm_sec = 0;
		} else if (!((c->min >> tm.tm_min) & 1)) {
			tm.tm_min++, tm.tm_sec = 0;
		} else if (!((c->sec >> tm.tm_sec) & 1)) {
			tm.tm_sec++;
		} else {
			return t;
		}
		back = t;
		t = to_time(&tm, utc);
		if (t <= back) /* a DST change took the local time back: go on from after it */
			t = back + 1;
		from_time(t, &tm, utc);
		/* a DST change skipped the hour asked for: what was due in it is due now */
		if (want >= 0 && want < 24 && tm.tm_hour != want && ((c->hour >> want) & 1))
			return t;
	}
	return -1;
}

/* Whether tz names a zone of the system's database ("" and "UTC" do). */
int
zone_known(const char *tz)
{
	char path[256];
	FILE *f;

	if (!tz[0] || strcmp(tz, "UTC") == 0)
		return 1;
	if (tz[0] == '/' || tz[0] == ':' || strstr(tz, "..") || strlen(tz) > 100)
		return 0;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	if (!(f = fopen(path, "rb")))
		return 0;
	char magic[4] = { 0 };
	size_t got = fread(magic, 1, 4, f);
	fclose(f);
	return got == 4 && memcmp(magic, "TZif", 4) == 0;
}
