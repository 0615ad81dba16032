/* notify.c — telling the kernel that names and attributes changed behind its back.
 *
 * When the event stream says an action was made, changed or deleted by
 * another client, the kernel's cached dentries and attributes must go, so
 * that the change shows at once (a cached positive entry would otherwise
 * live for ENTRY_TIMEOUT). fuse_lowlevel_notify_inval_entry() does that, but
 * it takes the parent directory's lock in the kernel: if a request of ours
 * that holds that lock is still waiting for its answer (an unlink waiting
 * for the backend's DELETE), calling it from the loop's thread would block
 * the only thread that could answer — a deadlock (fuse_lowlevel.h warns of
 * it). So notifications are queued here and sent by a thread of their own,
 * which may block without harm.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include "dat.h"
#include "fns.h"

typedef struct Note {
	STAILQ_ENTRY(Note) link; /* on notes */
	fuse_ino_t parent;       /* inval_entry(parent, name) when name is set */
	fuse_ino_t ino;          /* inval_inode(ino) otherwise */
	char name[];
} Note;

static uv_thread_t thread;
static uv_mutex_t lock;
static uv_cond_t cond;
static STAILQ_HEAD(, Note) notes = STAILQ_HEAD_INITIALIZER(notes);
static int stopping, running, finished;

static void
notifier(void *arg)
{
	Note *n;

	(void)arg;
	uv_mutex_lock(&lock);
	for (;;) {
		while (STAILQ_EMPTY(&notes) && !stopping)
			uv_cond_wait(&cond, &lock);
		if (STAILQ_EMPTY(&notes))
			break;
		if (stopping) {
			/* drop the rest: nobody serves the kernel any more */
			while ((n = STAILQ_FIRST(&notes)) != NULL) {
				STAILQ_REMOVE_HEAD(&notes, link);
				free(n);
			}
			break;
		}
		n = STAILQ_FIRST(&notes);
		STAILQ_REMOVE_HEAD(&notes, link);
		uv_mutex_unlock(&lock);
		if (n->name[0])
			fuse_lowlevel_notify_inval_entry(fs.se, n->parent, n->name, strlen(n->name));
		else
			fuse_lowlevel_notify_inval_inode(fs.se, n->ino, 0, 0);
		free(n);
		uv_mutex_lock(&lock);
	}
	finished = 1;
	uv_cond_signal(&cond);
	uv_mutex_unlock(&lock);
}

int
notify_start(void)
{
	int rc;

	if ((rc = uv_mutex_init(&lock)) < 0 || (rc = uv_cond_init(&cond)) < 0)
		return rc;
	if ((rc = uv_thread_create(&thread, notifier, NULL)) < 0)
		return rc;
	running = 1;
	return 0;
}

/*
 * Stop the notifier. It may be stuck in the kernel behind a request that
 * will never be answered now; then give up after a second and say so
 * (-EBUSY): the session must not be destroyed under it.
 */
int
notify_stop(void)
{
	int rc = 0;

	if (!running)
		return 0;
	uv_mutex_lock(&lock);
	stopping = 1;
	uv_cond_signal(&cond);
	while (!finished && rc == 0)
		rc = uv_cond_timedwait(&cond, &lock, 1000000000ULL);
	uv_mutex_unlock(&lock);
	if (!finished)
		return -EBUSY;
	uv_thread_join(&thread);
	running = 0;
	return 0;
}

static void
queue(fuse_ino_t parent, fuse_ino_t ino, const char *name)
{
	Note *n;

	if (!running)
		return;
	n = emalloc(sizeof *n + strlen(name) + 1);
	n->parent = parent;
	n->ino = ino;
	strcpy(n->name, name);
	uv_mutex_lock(&lock);
	STAILQ_INSERT_TAIL(&notes, n, link);
	uv_cond_signal(&cond);
	uv_mutex_unlock(&lock);
}

/* The name dir/name changed: drop the kernel's entry, if it has the dir. */
void
notify_entry(const char *dir, const char *name)
{
	Node *d = node_bypath(dir);

	if (d != NULL)
		queue(node_ino(d), 0, name);
}

/* The node at path changed: drop its cached attributes. */
void
notify_inode(const char *path)
{
	Node *n = node_bypath(path);

	if (n != NULL)
		queue(0, node_ino(n), "");
}

/* The directory an entity's entry lives in, and its last name part. */
static void
entdir(Ent *e, char *dir, size_t len, const char **base)
{
	static const char *coll[Nekind] = { "actions", "packages", "triggers", "rules", "apis" };
	const char *slash = strchr(e->name, '/');

	if (e->kind == Eaction && slash) {
		snprintf(dir, len, "packages/%.*s/actions", (int)(slash - e->name), e->name);
		*base = slash + 1;
	} else {
		snprintf(dir, len, "%s", coll[e->kind]);
		*base = e->name;
	}
}

static void
entnames(Ent *e)
{
	char dir[512], alias[512];
	const char *base, *ext;
	size_t i;

	entdir(e, dir, sizeof dir, &base);
	notify_entry(dir, base);
	for (i = 0; e->kind == Eaction && (ext = action_ext(i)) != NULL; i++) {
		snprintf(alias, sizeof alias, "%s%s", base, ext);
		notify_entry(dir, alias);
	}
}

void
notify_new(Ent *e)
{
	entnames(e);
}

void
notify_gone(Ent *e)
{
	entnames(e);
}

/* An entity changed: its node, and the files made from its document (the
 * rows of its directory marked Fnotify, files.c). */
void
notify_changed(Ent *e)
{
	char dir[512], path[1024];
	const char *base, *ext;
	const int *q;
	size_t i;

	entdir(e, dir, sizeof dir, &base);
	snprintf(path, sizeof path, "%s/%s", dir, base);
	notify_inode(path);
	if (e->kind != Eaction && e->kind != Epackage)
		return;
	for (q = file_of(e->kind == Eaction ? Qaction : Qpackage)->kids; *q; q++) {
		if (!(file_of(*q)->flags & Fnotify))
			continue;
		snprintf(path, sizeof path, "%s/%s/%s", dir, base, file_of(*q)->name);
		notify_inode(path);
	}
	for (i = 0; e->kind == Eaction && (ext = action_ext(i)) != NULL; i++) {
		snprintf(path, sizeof path, "%s/%s%s", dir, base, ext);
		notify_inode(path);
	}
}
