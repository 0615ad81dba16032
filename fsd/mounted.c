/* mounted.c — watch this namespace's mount table: our mount gone is an unmount, whoever made it.
 *
 * A umount or fusermount3 -u ends the FUSE connection only when the last
 * copy of the mount goes. A process that made a mount namespace while we
 * were mounted (a container, unshare -m) holds a copy, and the connection
 * lives on with it: the kernel says nothing to us, and faasfs would go on
 * serving a tree nobody here can reach (and a later SIGTERM failed to
 * unmount it: EINVAL). So the mount table of our namespace is watched
 * (/proc/self/mountinfo signals a change with POLLPRI) for our mount's id;
 * when it is gone, faasfs ends as if the connection had, and closing
 * /dev/fuse then ends the copies too.
 *
 * After a kill -9 only fusermount3's auto_unmount helper takes the mount
 * away, and it (libfuse 3.14, and upstream still) unmounts only when its
 * open() of the mount point fails with ENOTCONN. The kernel closes a dying
 * process's files one by one: when the helper's socket goes before
 * /dev/fuse, the helper wakes, its open() is already waiting on the
 * connection when the connection is aborted, it fails with ECONNABORTED,
 * and the helper leaves the mount behind, dead (ENOTCONN to every
 * reader), until someone runs fusermount3 -u. Under load that happened 4
 * times in 25 (t0700). So a guard process of ours waits for our end and
 * then does what the helper meant to: our mount still in the table and its
 * connection dead, it detaches the mount. A live mount on the same path
 * (a faasfs mounted since) answers the guard's open() and is left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

static uv_poll_t watch;
static int fd = -1;
static long mountid = -1;
static void (*gone)(void);

/* A mount point as mountinfo writes it: space, tab, newline and \ as \ooo. */
static void
unescape(char *s)
{
	char *d = s;

	for (; *s; s++, d++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*d = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else
			*d = *s;
	}
	*d = '\0';
}

/*
 * The id of the newest fuse mount on path in the table (the one on top),
 * or -1; with want >= 0, whether that id is still there (1 or 0).
 */
static long
scan(const char *path, long want)
{
	char *text = NULL, *line, *save = NULL, mp[4096], type[64];
	size_t len = 0;
	long id, found = -1;
	FILE *f;

	if (lseek(fd, 0, SEEK_SET) < 0 || (f = fdopen(dup(fd), "r")) == NULL)
		return want >= 0 ? 1 : -1;
	while (getdelim(&text, &len, '\0', f) > 0)
		;
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *dash = strstr(line, " - ");
		if (sscanf(line, "%ld %*d %*s %*s %4095s", &id, mp) != 2)
			continue;
		if (want >= 0 && id == want) {
			free(text);
			return 1;
		}
		unescape(mp);
		if (path && dash && sscanf(dash + 3, "%63s", type) == 1 && strncmp(type, "fuse", 4) == 0 &&
		    strcmp(mp, path) == 0 && id > found)
			found = id;
	}
	free(text);
	return want >= 0 ? 0 : found;
}

static void
changed(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	if (scan(NULL, mountid) != 0)
		return;
	log_info("%s was unmounted", fs.mnt);
	uv_poll_stop(p);
	gone();
}

/*
 * Call fn once the mount on path (absolute) leaves this namespace. Called
 * by the process that serves it (after fuse_daemonize): /proc/self is the
 * opener's.
 */
int
mounted_watch(const char *path, void (*fn)(void))
{
	int rc;

	if ((fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((mountid = scan(path, -1)) < 0)
		return 0;
	gone = fn;
	if ((rc = uv_poll_init(fs.loop, &watch, fd)) < 0)
		return rc;
	return uv_poll_start(&watch, UV_PRIORITIZED, changed);
}

/* Is the watched mount still in this namespace's table? */
int
mounted_still(void)
{
	return fd < 0 || mountid < 0 || scan(NULL, mountid) != 0;
}

/* Is the mount on path a dead connection? An open() that was waiting as
 * the connection was aborted fails with ECONNABORTED; the next gets ENOTCONN. */
static int
dead(const char *path)
{
	int f, tries;

	for (tries = 0; tries < 100; tries++) {
		if ((f = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			close(f);
			return 0;
		}
		if (errno == ENOTCONN)
			return 1;
		if (errno != ECONNABORTED && errno != EINTR)
			return 0;
	}
	return 0;
}

/* The guard: wait for the server's end (the pipe's EOF), then take a mount it left dead away. */
static void
guard(int r, const char *path)
{
	char c;

	while (read(r, &c, 1) < 0 && errno == EINTR)
		;
	if (!mounted_still() || !dead(path))
		_exit(0);
	if (umount2(path, MNT_DETACH) == 0) {
		log_info("%s: faasfs ended without unmounting; its dead mount was detached", path);
		_exit(0);
	}
	if (errno == EPERM)
		execlp("fusermount3", "fusermount3", "-u", "-z", "-q", "--", path, (char *)NULL);
	log_error("%s: faasfs ended without unmounting; cannot detach its mount: %s", path, strerror(errno));
	_exit(1);
}

/* Close every descriptor above stderr but a and b (the guard must not hold
 * /dev/fuse, nor the auto_unmount helper's socket, or neither would end). */
static void
close_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	close_range(3, lo - 1, 0);
	close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0U, 0);
}

/*
 * Start the guard of the mount on path (after mounted_watch). title is
 * the memory of our argv, len bytes: the guard writes its own name there
 * ("faasfs-guard MOUNTPOINT"), so that ps and pgrep -f do not take it for
 * the server.
 */
int
mounted_guard(const char *path, char *title, size_t len)
{
	int p[2];
	pid_t pid;

	if (fd < 0 || mountid < 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close_but(p[0], fd);
		setsid();
		memset(title, 0, len);
		snprintf(title, len, "faasfs-guard %s", path);
		prctl(PR_SET_NAME, "faasfs-guard");
		guard(p[0], path);
	}
	close(p[0]);
	return 0;
}
