/* files.c — /whisk.system/files/changes: a directory of the backend's host watched with inotify.
 *
 * Parameters: path (a directory under one of the roots the operator gave
 * with --watch-root; none by default, so nothing can be watched), recursive
 * (its subdirectories too, those made later included), pattern (a glob
 * the file's name must match, fnmatch(3)), events (a list, or a text with
 * commas, of create, modify, delete, move; all by default). Each change
 * fires the trigger with {"path", "event", "size", "mtime"} (size and
 * mtime, ISO 8601, as the file is then; null once it is gone); a move has
 * "from" (or "to" when it leaves the watched tree).
 *
 * modify is a close after a write (IN_CLOSE_WRITE), so a burst of writes
 * to one open file is one event; a file made and written is one create, at
 * its close (a file made and never closed within a second is a create
 * then; so is one found in a new directory of a recursive watch, made
 * before the directory's own watch was). One inotify descriptor serves the backend, polled on its loop;
 * a directory two triggers watch is one inotify watch, counted.
 *
 * A watched directory that goes away (removed, moved, or missing at a
 * restart) puts an error on the trigger: a trigger record whose result is
 * {"error"}, and READ's status.error; the watch ends.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

#include "fns.h"
#include "log.h"

enum { EV_CREATE = 1, EV_MODIFY = 2, EV_DELETE = 4, EV_MOVE = 8, EV_ALL = 15 };
enum { CREATE_WAIT_MS = 1000 };

static const char *const ev_names[] = { "create", "modify", "delete", "move", NULL };

typedef struct Watch {
	LIST_ENTRY(Watch) link; /* on f->watches */
	char ns[NAME_MAX_LEN + 1];
	char trigger[NAME_MAX_LEN + 1];
	char root[PATH_MAX];
	char pattern[256];
	int recursive, events;
} Watch;

typedef struct Wdir {          /* one inotify watch */
	LIST_ENTRY(Wdir) link; /* on f->dirs */
	int wd, refs;
	char path[PATH_MAX];
} Wdir;

typedef struct Created {          /* a file made, waiting for its first close */
	LIST_ENTRY(Created) link; /* on f->created */
	int wd;
	int64_t when;
	char name[NAME_MAX + 1];
} Created;

struct Files {
	Backend *b;
	int fd;
	uv_poll_t poll;
	uv_timer_t timer;
	LIST_HEAD(, Watch) watches;
	LIST_HEAD(, Wdir) dirs;
	LIST_HEAD(, Created) created;
	int handles_closed; /* of poll and timer: freed when both are */
};

/* The roots the operator allowed; -EPERM with err otherwise. */
static int
under_roots(Backend *b, const char *real, char *err, size_t n)
{
	size_t len;

	for (int i = 0; i < b->opt.nwatch_roots; i++) {
		len = strlen(b->opt.watch_roots[i]);
		if (strncmp(real, b->opt.watch_roots[i], len) == 0 && (real[len] == '/' || real[len] == 0 || len == 1))
			return 0;
	}
	if (!b->opt.nwatch_roots)
		return snprintf(err, n, "No directory may be watched: the backend was started without --watch-root."),
		       -EPERM;
	return snprintf(err, n, "The path %s is outside the directories the backend may watch (--watch-root %s%s).",
	                real, b->opt.watch_roots[0], b->opt.nwatch_roots > 1 ? " ..." : ""),
	       -EPERM;
}

static int
parse_events(const json_t *v, int *out, char *err, size_t n)
{
	char buf[256], *tok, *save = NULL;
	json_t *x;
	size_t i;

	*out = v ? 0 : EV_ALL;
	if (json_is_string(v)) {
		snprintf(buf, sizeof buf, "%s", json_string_value(v));
		for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			int k = 0;
			while (ev_names[k] && strcmp(ev_names[k], tok))
				k++;
			if (!ev_names[k])
				goto bad;
			*out |= 1 << k;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			int k = 0;
			while (ev_names[k] && (!json_is_string(x) || strcmp(ev_names[k], json_string_value(x))))
				k++;
			if (!ev_names[k])
				goto bad;
			*out |= 1 << k;
		}
	} else if (v) {
		goto bad;
	}
	if (*out)
		return 0;
bad:
	return snprintf(err, n, "The events must be a list of create, modify, delete and move."), -EINVAL;
}

static int
flag(const json_t *v)
{
	const char *s = json_string_value(v);
	return json_is_true(v) || (s && strcmp(s, "true") == 0);
}

/* config into w (ns and trigger aside). */
static int
watch_parse(Backend *b, const json_t *config, Watch *w, char *err, size_t n)
{
	const char *path = json_string_value(json_object_get(config, "path"));
	const json_t *pat = json_object_get(config, "pattern");
	char real[PATH_MAX];
	struct stat st;
	int rc;

	memset(w, 0, sizeof *w);
	if (!path || path[0] != '/')
		return snprintf(err, n, "The path parameter is required: the absolute path of the directory to watch."),
		       -EINVAL;
	if (!realpath(path, real) || stat(real, &st))
		return snprintf(err, n, "The path %s cannot be watched: %s.", path, strerror(errno)), -EINVAL;
	if (!S_ISDIR(st.st_mode))
		return snprintf(err, n, "The path %s is not a directory.", path), -EINVAL;
	if ((rc = under_roots(b, real, err, n)))
		return rc;
	if (pat && (!json_is_string(pat) || json_string_length(pat) >= sizeof w->pattern))
		return snprintf(err, n, "The pattern must be a glob as *.csv."), -EINVAL;
	if ((rc = parse_events(json_object_get(config, "events"), &w->events, err, n)))
		return rc;
	snprintf(w->root, sizeof w->root, "%s", real);
	snprintf(w->pattern, sizeof w->pattern, "%s", pat ? json_string_value(pat) : "*");
	w->recursive = flag(json_object_get(config, "recursive"));
	return 0;
}

static int
files_check(Backend *b, json_t *config, char *err, size_t n)
{
	Watch w;
	int rc = watch_parse(b, config, &w, err, n);
	return rc == -EPERM ? -EINVAL : rc;
}

static Wdir *
dir_by_wd(Files *f, int wd)
{
	Wdir *d;

	LIST_FOREACH(d, &f->dirs, link)
		if (d->wd == wd)
			return d;
	return NULL;
}

static int
covers(const Watch *w, const char *dir)
{
	size_t len = strlen(w->root);

	if (strcmp(w->root, dir) == 0)
		return 1;
	return w->recursive && strncmp(dir, w->root, len) == 0 && dir[len] == '/';
}

static void
dir_drop(Files *f, Wdir *d, int rm)
{
	LIST_REMOVE(d, link);
	if (rm)
		inotify_rm_watch(f->fd, d->wd);
	free(d);
}

/* Watch dir (and, when recursive, every directory under it) once more. */
static void
dir_add(Files *f, const char *path, int recursive)
{
	int wd = inotify_add_watch(f->fd, path,
	                           IN_CREATE | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
	                                   IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK);
	Wdir *d;
	DIR *dp;
	struct dirent *de;

	if (wd < 0) {
		log_warn("files: cannot watch %s: %s", path, strerror(errno));
		return;
	}
	if (!(d = dir_by_wd(f, wd))) {
		d = ecalloc(1, sizeof *d);
		d->wd = wd;
		snprintf(d->path, sizeof d->path, "%s", path);
		LIST_INSERT_HEAD(&f->dirs, d, link);
	}
	d->refs++;
	if (!recursive || !(dp = opendir(path)))
		return;
	while ((de = readdir(dp))) {
		char sub[PATH_MAX];
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) < (int)sizeof sub)
			dir_add(f, sub, 1);
	}
	closedir(dp);
}

/* The watch w lets go of its directories. */
static void
dirs_release(Files *f, const Watch *w)
{
	Wdir *d, *next;

	for (d = LIST_FIRST(&f->dirs); d; d = next) {
		next = LIST_NEXT(d, link);
		if (covers(w, d->path) && --d->refs <= 0)
			dir_drop(f, d, 1);
	}
}

static void
watch_error(Files *f, Watch *w, const char *why)
{
	char msg[PATH_MAX + 128];

	snprintf(msg, sizeof msg, "The watched directory %s %s: the watch has ended.", w->root, why);
	feed_error(f->b, w->ns, w->trigger, msg);
}

static void
fire_change(Files *f, Watch *w, const char *path, int ev, const char *other)
{
	struct stat st;
	Caller who = { 0 };
	json_t *payload, *annot;
	int gone = ev == EV_DELETE || (ev == EV_MOVE && other && other[0] == 0) || stat(path, &st);

	payload = json_pack("{s:s, s:s}", "path", path, "event", ev_names[__builtin_ctz(ev)]);
	json_object_set_new(payload, "size", gone ? json_null() : json_integer(st.st_size));
	json_object_set_new(payload, "mtime",
	                    gone ? json_null()
	                         : feed_iso((int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000));
	if (ev == EV_MOVE && other)
		json_object_set_new(payload, other[0] ? "from" : "to", other[0] ? json_string(other) : json_null());
	snprintf(who.ns, sizeof who.ns, "%s", w->ns);
	annot = json_pack("{s:s}", "feed", "/" CATALOG_NS "/files/changes");
	if (trigger_fire(f->b, &who, w->trigger, NULL, payload, annot, feed_fired, NULL, NULL) == 429) {
		log_warn("files: %s/%s: %s", w->ns, w->trigger, quota_refusal());
		trigger_error(f->b, w->ns, w->trigger, quota_refusal(), annot); /* where a person looks */
	}
	json_decref(annot);
	json_decref(payload);
}

/* Tell every watch that covers dir d of a change to name. */
static void
dispatch(Files *f, Wdir *d, const char *name, int ev, const char *other)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof path, "%s/%s", d->path, name) >= (int)sizeof path)
		return;
	Watch *w;

	LIST_FOREACH(w, &f->watches, link)
		if ((w->events & ev) && covers(w, d->path) && fnmatch(w->pattern, name, 0) == 0)
			fire_change(f, w, path, ev, other);
}

static void
created_flush(Files *f, int64_t before)
{
	Created *c, *next;
	Wdir *d;

	for (c = LIST_FIRST(&f->created); c; c = next) {
		next = LIST_NEXT(c, link);
		if (c->when > before)
			continue;
		LIST_REMOVE(c, link);
		if ((d = dir_by_wd(f, c->wd)))
			dispatch(f, d, c->name, EV_CREATE, NULL);
		free(c);
	}
}

/* A close after a write: the create it ends, or a modify. */
static int
created_take(Files *f, int wd, const char *name)
{
	Created *c;

	LIST_FOREACH(c, &f->created, link)
		if (c->wd == wd && strcmp(c->name, name) == 0) {
			LIST_REMOVE(c, link);
			free(c);
			return 1;
		}
	return 0;
}

static void
root_gone(Files *f, Wdir *d, const char *why)
{
	Watch *w, *next;

	for (w = LIST_FIRST(&f->watches); w; w = next) {
		next = LIST_NEXT(w, link);
		if (strcmp(w->root, d->path) != 0)
			continue;
		LIST_REMOVE(w, link);
		watch_error(f, w, why);
		dirs_release(f, w);
		free(w);
	}
}

static void
created_cb(uv_timer_t *t)
{
	Files *f = t->data;

	created_flush(f, now_ms() - CREATE_WAIT_MS + 1);
	if (!LIST_EMPTY(&f->created))
		uv_timer_start(&f->timer, created_cb, CREATE_WAIT_MS, 0);
}

static void
file_created(Files *f, Wdir *d, const char *name)
{
	Created *c;

	LIST_FOREACH(c, &f->created, link)
		if (c->wd == d->wd && strcmp(c->name, name) == 0)
			return;
	c = ecalloc(1, sizeof *c);
	c->wd = d->wd;
	c->when = now_ms();
	snprintf(c->name, sizeof c->name, "%s", name);
	LIST_INSERT_HEAD(&f->created, c, link);
	if (!uv_is_active((uv_handle_t *)&f->timer))
		uv_timer_start(&f->timer, created_cb, CREATE_WAIT_MS, 0);
}

/* What a new directory held before it was watched: creates to come. */
static void
scan_new(Files *f, const char *path)
{
	DIR *dp = opendir(path);
	struct dirent *de;
	Wdir *d;

	LIST_FOREACH(d, &f->dirs, link)
		if (strcmp(d->path, path) == 0)
			break;
	while (d && dp && (de = readdir(dp))) {
		char sub[PATH_MAX];
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_DIR && snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) < (int)sizeof sub)
			scan_new(f, sub);
		else if (de->d_type != DT_DIR)
			file_created(f, d, de->d_name);
	}
	if (dp)
		closedir(dp);
}

static void
dir_created(Files *f, Wdir *d, const char *name)
{
	char sub[PATH_MAX];
	int added = 0;
	Watch *w;

	if (snprintf(sub, sizeof sub, "%s/%s", d->path, name) >= (int)sizeof sub)
		return;
	LIST_FOREACH(w, &f->watches, link)
		if (w->recursive && covers(w, d->path))
			dir_add(f, sub, 1), added = 1;
	dispatch(f, d, name, EV_CREATE, NULL);
	if (added) /* what was made in it before its watch */
		scan_new(f, sub);
}

/* A move out of a directory, kept until its move in (same cookie) shows. */
typedef struct Moved {
	uint32_t cookie;
	int wd;
	char name[NAME_MAX + 1];
} Moved;

static void
moved_out(Files *f, Moved *m)
{
	Wdir *d;

	if (m->cookie && (d = dir_by_wd(f, m->wd)))
		dispatch(f, d, m->name, EV_MOVE, "");
	m->cookie = 0;
}

static void
one_event(Files *f, const struct inotify_event *e, Moved *m)
{
	Wdir *d = dir_by_wd(f, e->wd), *from;
	char old[PATH_MAX];

	if (!(e->mask & IN_MOVED_TO) || e->cookie != m->cookie)
		moved_out(f, m);
	if (!d)
		return;
	if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
		root_gone(f, d, e->mask & IN_MOVE_SELF ? "was moved away" : "went away");
		if ((d = dir_by_wd(f, e->wd)) && (e->mask & IN_IGNORED))
			dir_drop(f, d, 0);
		return;
	}
	if (!e->len)
		return;
	if (e->mask & IN_CREATE)
		(e->mask & IN_ISDIR ? dir_created : file_created)(f, d, e->name);
	else if (e->mask & IN_CLOSE_WRITE)
		dispatch(f, d, e->name, created_take(f, e->wd, e->name) ? EV_CREATE : EV_MODIFY, NULL);
	else if (e->mask & IN_DELETE)
		created_take(f, e->wd, e->name), dispatch(f, d, e->name, EV_DELETE, NULL);
	else if (e->mask & IN_MOVED_FROM)
		*m = (Moved){ e->cookie, e->wd, "" }, snprintf(m->name, sizeof m->name, "%s", e->name);
	else if (e->mask & IN_MOVED_TO) {
		from = m->cookie == e->cookie ? dir_by_wd(f, m->wd) : NULL;
		if (from && snprintf(old, sizeof old, "%s/%s", from->path, m->name) >= (int)sizeof old)
			from = NULL;
		if (e->mask & IN_ISDIR)
			dir_created(f, d, e->name); /* watched now, if recursive; and a create */
		else
			dispatch(f, d, e->name, EV_MOVE, from ? old : NULL);
		m->cookie = 0;
	}
}

static void
readable(uv_poll_t *h, int status, int events)
{
	Files *f = h->data;
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	Moved m = { 0 };
	ssize_t n;

	(void)status, (void)events;
	while ((n = read(f->fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			one_event(f, e, &m);
			p += sizeof *e + e->len;
		}
	}
	moved_out(f, &m);
}

static int
files_start(Backend *b, FeedRow *r, char *err, size_t n)
{
	Files *f = b->files;
	Watch *w = emalloc(sizeof *w);
	int rc;

	if ((rc = watch_parse(b, r->config, w, err, n))) {
		free(w);
		return rc == -EPERM ? -EINVAL : rc;
	}
	snprintf(w->ns, sizeof w->ns, "%s", r->ns);
	snprintf(w->trigger, sizeof w->trigger, "%s", r->trigger);
	LIST_INSERT_HEAD(&f->watches, w, link);
	dir_add(f, w->root, w->recursive);
	r->next_due = 0;
	return 0;
}

static void
files_stop(Backend *b, const char *ns, const char *trigger)
{
	Files *f = b->files;

	Watch *w;

	LIST_FOREACH(w, &f->watches, link)
		if (strcmp(w->trigger, trigger) == 0 && strcmp(w->ns, ns) == 0) {
			LIST_REMOVE(w, link);
			dirs_release(f, w);
			free(w);
			return;
		}
}

/* At start: every watch of the store; one whose directory is gone is an error. */
static void
load_one(FeedRow *r, void *arg)
{
	Backend *b = arg;
	char err[1024];

	if (r->paused || r->error[0] || feed_service_of(r->feed) != &files_changes)
		return;
	if (files_start(b, r, err, sizeof err))
		feed_error(b, r->ns, r->trigger, err);
}

int
files_new(Backend *b)
{
	Files *f = ecalloc(1, sizeof *f);

	f->b = b;
	b->files = f;
	if ((f->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		log_error("files: inotify: %s", strerror(errno));
		return -errno;
	}
	uv_poll_init(b->loop, &f->poll, f->fd);
	uv_timer_init(b->loop, &f->timer);
	f->poll.data = f->timer.data = f;
	uv_poll_start(&f->poll, UV_READABLE, readable);
	uv_unref((uv_handle_t *)&f->poll);
	uv_unref((uv_handle_t *)&f->timer);
	return store_feed_each(b->st, CATALOG_NS "/files/%", load_one, b);
}

static void
closed(uv_handle_t *h)
{
	Files *f = h->data;
	Watch *w;
	Wdir *d;
	Created *c;

	/* libuv calls close callbacks in no promised order: the last frees */
	if (++f->handles_closed < 2)
		return;
	while ((w = LIST_FIRST(&f->watches))) {
		LIST_REMOVE(w, link);
		free(w);
	}
	while ((d = LIST_FIRST(&f->dirs))) {
		LIST_REMOVE(d, link);
		free(d);
	}
	while ((c = LIST_FIRST(&f->created))) {
		LIST_REMOVE(c, link);
		free(c);
	}
	close(f->fd);
	free(f);
}

void
files_free(Backend *b)
{
	Files *f = b->files;

	if (!f)
		return;
	b->files = NULL;
	if (f->fd < 0) {
		free(f);
		return;
	}
	uv_close((uv_handle_t *)&f->poll, closed);
	uv_close((uv_handle_t *)&f->timer, closed);
}

static const FeedParam files_params[] = {
	{ "path", "the directory to watch, under one of the backend's --watch-root directories", 1 },
	{ "recursive", "its subdirectories too (false)", 0 },
	{ "pattern", "a glob the file's name must match, as *.csv (*)", 0 },
	{ "events", "among create, modify (a close after a write), delete, move (all)", 0 },
	{ NULL, NULL, 0 },
};

const FeedService files_changes = { .pkg = "files",
	                            .name = "changes",
	                            .description = "Fire the trigger when files change in a directory.",
	                            .params = files_params,
	                            .check = files_check,
	                            .start = files_start,
	                            .stop = files_stop };
