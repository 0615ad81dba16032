/* log.h — one-line log messages on stderr (or a file) with time and level. */
#ifndef FAAS_LOG_H
#define FAAS_LOG_H

enum { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_level;
extern const char *log_prog;
/* Where lines go: stderr unless log_open named a file. */
int log_open(const char *path);

void logf_(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) logf_(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) logf_(LOG_WARN, __VA_ARGS__)
#define log_info(...) logf_(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                 \
	do {                                           \
		if (log_level >= LOG_DEBUG)            \
			logf_(LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
