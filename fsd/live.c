/* live.c — running activations' log lines as they come, so tail -f shows them before the end.
 *
 * The event stream, asked with logs=true, brings each running activation's
 * start and each of its log lines (backend/events.c); they are kept here by
 * activation id, in the order activations started, until its "done" event
 * puts its record in the ring (act_add calls live_done), from where its
 * files are served as before. So activations/ID/ is there from the start,
 * its logs grows line by line, and an action's logs ends with the lines of
 * its activations still running (in the order they started; one that ends
 * takes its place among the finished ones, in the order they finish). When
 * the backend is away nothing ends here: the entries go when it comes back
 * (live_reset), as the ring is then filled anew. At most LiveMax are kept,
 * the oldest dropped first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include "dat.h"
#include "fns.h"

enum { LiveMax = 4096 };

typedef struct Live {
	char id[40];
	char name[512];         /* the action, as named in this namespace ("pkg/hello") */
	Buf text;               /* its lines so far, each with its newline */
	TAILQ_ENTRY(Live) link; /* on lives, oldest first */
} Live;

static Map byid;
static TAILQ_HEAD(, Live) lives = TAILQ_HEAD_INITIALIZER(lives);
static int count;

static void
live_free(Live *l)
{
	map_del(&byid, l->id);
	TAILQ_REMOVE(&lives, l, link);
	buf_free(&l->text);
	free(l);
	count--;
}

static Live *
live_new(const char *id, const char *path)
{
	const char *slash = strchr(path, '/'); /* "ns/pkg/name" */
	Live *l;

	if (count >= LiveMax)
		live_free(TAILQ_FIRST(&lives));
	l = ecalloc(1, sizeof *l);
	snprintf(l->id, sizeof l->id, "%s", id);
	snprintf(l->name, sizeof l->name, "%s", slash ? slash + 1 : path);
	map_put(&byid, l->id, l);
	TAILQ_INSERT_TAIL(&lives, l, link);
	count++;
	return l;
}

/* {"kind":"logs","op":"start"|"line","name":PATH,"id":ID[,"line":TEXT]} from the event stream. */
void
live_event(json_t *ev)
{
	const char *id = json_string_value(json_object_get(ev, "id"));
	const char *path = json_string_value(json_object_get(ev, "name"));
	json_t *line = json_object_get(ev, "line");
	Live *l;

	if (id == NULL || path == NULL || !is_actid(id) || act_get(id) != NULL)
		return;
	if ((l = map_get(&byid, id)) == NULL)
		l = live_new(id, path);
	if (json_is_string(line))
		buf_printf(&l->text, "%s\n", json_string_value(line));
}

/* Activation id is done: its record serves it from now on. */
void
live_done(const char *id)
{
	Live *l = map_get(&byid, id);

	if (l != NULL)
		live_free(l);
}

/* The backend came back: what ran meanwhile is in the ring, or lost. */
void
live_reset(void)
{
	while (!TAILQ_EMPTY(&lives))
		live_free(TAILQ_FIRST(&lives));
}

/* The lines so far of running activation id, or NULL when it is not running. */
const Buf *
live_text(const char *id)
{
	Live *l = map_get(&byid, id);

	return l ? &l->text : NULL;
}

/* Append the lines of the running activations of action name, in the order they started. */
void
live_action(const char *name, Buf *b)
{
	Live *l;

	TAILQ_FOREACH(l, &lives, link)
		if (strcmp(l->name, name) == 0)
			buf_add(b, l->text.p, l->text.n);
}
