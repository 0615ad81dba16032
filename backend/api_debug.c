/* api_debug.c — /namespaces/NS/activations/ID/debug[/PATH]: a held container's working directory.
 *
 *   GET    .../activations/ID/debug         {"activationId","until","files":[{"path","type","size"}]}
 *   GET    .../activations/ID/debug/PATH    the file's bytes (application/octet-stream)
 *   DELETE .../activations/ID/debug         release it: the container stops
 *
 * while the scheduler holds the container of failed activation ID
 * (sched_hold.c: its action's annotation debug); 404 otherwise, and for an
 * activation the caller's namespace has no record of. The folder is the
 * function's: what it made there may be anything, links included, and we
 * read it as root. So nothing is followed: the listing stats without
 * following, a file is opened with openat2 beneath the folder with no link
 * resolved at any step, and only a regular file is read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fns.h"

enum { FILES_MAX = 2000, DEPTH_MAX = 8, FILE_MAX = 16 << 20 };

static const char *
type_of(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "link" : S_ISSOCK(m) ? "socket" : "other";
}

/* Add dir's entries (fd, its path prefix) to files, into its folders too. */
static void
list_dir(int fd, const char *prefix, int depth, json_t *files)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	struct stat st;
	char path[4096];
	int sub;

	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) && json_array_size(files) < FILES_MAX) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		snprintf(path, sizeof path, "%s%s", prefix, de->d_name);
		json_array_append_new(files, json_pack("{s:s, s:s, s:I}", "path", path, "type", type_of(st.st_mode),
		                                       "size", (json_int_t)st.st_size));
		if (S_ISDIR(st.st_mode) && depth < DEPTH_MAX &&
		    (sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			strncat(path, "/", sizeof path - strlen(path) - 1);
			list_dir(sub, path, depth + 1, files);
		}
	}
	closedir(d);
}

static void
debug_list(ApiReq *ar, const char *dir, int64_t until)
{
	json_t *files = json_array();
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		list_dir(fd, "", 0, files);
	api_reply(ar->req, 200,
	          json_pack("{s:s, s:I, s:o}", "activationId", ar->seg[0], "until", (json_int_t)until, "files", files),
	          NULL);
}

/* seg[2..] as one relative path, each step a plain name; -EINVAL otherwise. */
static int
rel_path(ApiReq *ar, char *out, size_t n)
{
	size_t len = 0;

	out[0] = 0;
	for (int i = 2; i < ar->nseg; i++) {
		const char *s = ar->seg[i];
		if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || strchr(s, '/'))
			return -EINVAL;
		len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s", i > 2 ? "/" : "", s);
	}
	return len < n ? 0 : -ENAMETOOLONG;
}

static void
debug_file(ApiReq *ar, const char *dir)
{
	struct open_how how = { .flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC,
		                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	char rel[4096], *buf = NULL;
	struct stat st;
	int dfd, fd = -1;
	ssize_t got = 0, r;

	if (rel_path(ar, rel, sizeof rel)) {
		api_error(ar->req, 400, "A path in the working directory is plain names, without . or ..");
		return;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
		fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof how);
	if (dfd >= 0)
		close(dfd);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		api_error(ar->req, fd < 0 && errno == ENOENT ? 404 : 403, "%s: %s", rel,
		          fd < 0 && errno == ENOENT ? "no such file in the working directory"
		                                    : "not a regular file (links are not followed)");
		if (fd >= 0)
			close(fd);
		return;
	}
	if (st.st_size > FILE_MAX) {
		api_error(ar->req, 413, "%s: larger than %d bytes", rel, FILE_MAX);
		close(fd);
		return;
	}
	buf = emalloc((size_t)st.st_size + 1);
	while (got < st.st_size && (r = read(fd, buf + got, (size_t)(st.st_size - got))) > 0)
		got += r;
	close(fd);
	http_respond(ar->req, 200, "application/octet-stream", NULL, buf, (size_t)got);
	free(buf);
}

void
api_debug(ApiReq *ar)
{
	char dir[1024];
	int64_t until = 0;
	json_t *doc = NULL;
	int del = strcmp(ar->req->method, "DELETE") == 0;

	if (strcmp(ar->req->method, "GET") && !(del && ar->nseg == 2)) {
		api_error(ar->req, 405, "Method not allowed.");
		return;
	}
	if (store_act_get(ar->b->st, ar->who.ns, ar->seg[0], &doc) ||
	    sched_held(ar->b->sched, ar->seg[0], dir, sizeof dir, &until)) {
		json_decref(doc);
		api_error(ar->req, 404,
		          "No container is held for activation %s: it succeeded, its action has no debug annotation, "
		          "or it was released or its hold is over.",
		          ar->seg[0]);
		return;
	}
	json_decref(doc);
	if (del) {
		sched_unhold(ar->b->sched, ar->seg[0]);
		api_reply(ar->req, 200, json_pack("{s:s}", "released", ar->seg[0]), NULL);
	} else if (ar->nseg == 2) {
		debug_list(ar, dir, until);
	} else {
		debug_file(ar, dir);
	}
}
