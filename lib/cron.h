/* cron.h — cron expressions, and when one is next due in a time zone (the backend's alarms, the tree's crontab). */
#ifndef FAAS_CRON_H
#define FAAS_CRON_H

#include <stddef.h>
#include <stdint.h>

/* A parsed cron expression: a bit a value. */
typedef struct CronSpec {
	uint64_t sec, min;
	uint32_t hour, dom;
	uint16_t mon;
	uint8_t dow;
	int dom_any, dow_any; /* the field was '*'... */
} CronSpec;

int cron_parse(const char *text, CronSpec *c, char *err, size_t n);
int64_t cron_next(const CronSpec *c, const char *tz, int64_t after);
int zone_known(const char *tz);

#endif
