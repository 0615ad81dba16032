/* container_logs.h — collect a container's stdout and stderr into per-activation log lines. */
#ifndef FAAS_CONTAINER_LOGS_H
#define FAAS_CONTAINER_LOGS_H

#include <jansson.h>
#include <stddef.h>
#include <sys/queue.h>
#include <uv.h>

#define LOG_SENTINEL "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"

typedef struct Clogs Clogs;
typedef struct Logsink Logsink;
typedef void (*logsink_cb)(Logsink *k, void *arg);

/* One activation's logs. ended[0], ended[1]: its sentinel came on stdout,
 * stderr (or that stream closed). */
struct Logsink {
	json_t *lines; /* "2026-11-27T10:00:00.123456Z stdout: text" */
	size_t bytes;
	size_t limit; /* bytes of text kept; then a truncation line */
	int truncated;
	int ended[2];
	logsink_cb cb; /* when both have ended, if it was still waiting */
	void *arg;
	void (*line_cb)(const json_t *line, void *arg); /* each line as it is kept, or NULL */
	TAILQ_ENTRY(Logsink) link;                      /* in its clogs' queue */
	int queued;
};

/* Make the two pipes; *out_fd and *err_fd are the child's ends, to close
 * once the child has them. 0 or -errno. */
int clogs_open(uv_loop_t *loop, Clogs **out, int *out_fd, int *err_fd);
/* Close the pipes; sinks still waiting end (cb runs); frees itself. */
void clogs_close(Clogs *l);
/* Start collecting for an activation (FIFO order). Lines that came while no
 * activation was collecting (at init, between runs) go to it first. */
void logsink_init(Logsink *k, size_t limit, logsink_cb cb, void *arg);
void clogs_add(Clogs *l, Logsink *k);
/* Stop waiting for k's sentinels (its lines so far stay in k). */
void clogs_remove(Clogs *l, Logsink *k);
/* Sentinels name no activation, so with many in flight a pair may end the
 * sink of one still running while the activation it belonged to has
 * answered: done (ended, not in the queue) takes k's place in the queue
 * and what k still waited for, and k is done. Lines collected so far stay
 * where they are; done's cb runs again when its new place ends. */
void clogs_swap(Clogs *l, Logsink *done, Logsink *k);
/* Add a line of our own (e.g. "There was an issue while collecting ..."). */
void logsink_note(Logsink *k, const char *stream, const char *text);
int logsink_done(const Logsink *k);

#endif
