/* main.c — faasfs: options, mounting, the loop, signals; or a verb (verb.c). The backend's address and key are wskprops.c's.
 *
 * With --socket (or FAASFS_SOCKET) every request goes to a local backend
 * over its Unix-domain socket, where a round trip is cheaper than over
 * loopback TCP; the --backend URL still names the host and the paths.
 * mount(8) calls us as `faasfs SOURCE MOUNTPOINT -o OPTIONS` (mountopt.c). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

Fs fs;

static struct fuse_lowlevel_ops ops = {
	.lookup = fs_lookup,
	.forget = fs_forget,
	.forget_multi = fs_forget_multi,
	.getattr = fs_getattr,
	.readlink = fs_readlink,
	.setattr = fs_setattr,
	.mkdir = fs_mkdir,
	.unlink = fs_unlink,
	.rmdir = fs_rmdir,
	.rename = fs_rename,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.flush = fs_flush,
	.fsync = fs_fsync,
	.release = fs_release,
	.opendir = fs_opendir,
	.readdir = fs_readdir,
	.readdirplus = fs_readdirplus,
	.releasedir = fs_releasedir,
	.create = fs_create,
	.poll = fs_poll,
};

static uv_poll_t fusepoll;
static uv_signal_t sigs[3];
static uv_timer_t firsttimer, grace;
static int firstdone;
static struct fuse_buf fbuf;
static char *mntpath; /* the mount point, absolute */
static char *title;   /* our argv's memory, titlelen bytes (mounted_guard) */
static size_t titlelen;
static Mountopt mo;

static void
usage(void)
{
	fprintf(stderr, "usage: faasfs [-f] [-d] [-o OPTIONS] [--backend URL] [--socket PATH] [--cafile FILE] "
	                "[--auth-file FILE | --auth UUID:KEY] [SOURCE] MOUNTPOINT\n"
	                "       faasfs deploy|sync|undeploy|export ... (faasfs --help deploy)\n");
}

/*
 * One request per wakeup: the poll is level-triggered, so a queue of them
 * brings us back at once, and the common single request costs no extra
 * read that only says EAGAIN.
 */
static void
on_fuse(uv_poll_t *p, int status, int events)
{
	int n;

	(void)status;
	(void)events;
	do
		n = fuse_session_receive_buf(fs.se, &fbuf);
	while (n == -EINTR);
	if (n == -EAGAIN)
		return;
	if (n <= 0 || fuse_session_exited(fs.se)) {
		/* unmounted under us (umount, fusermount -u) */
		uv_poll_stop(p);
		uv_stop(fs.loop);
		return;
	}
	fuse_session_process_buf(fs.se, &fbuf);
}

/* Our mount left this namespace, though a copy elsewhere keeps the connection (mounted.c). */
static void
unmounted(void)
{
	uv_poll_stop(&fusepoll);
	uv_stop(fs.loop);
}

static void
shutdown_fs(void)
{
	if (fs.se == NULL || fuse_session_exited(fs.se))
		return;
	fs.shutting = 1;
	uv_poll_stop(&fusepoll);
	fuse_session_exit(fs.se);
	uv_stop(fs.loop);
}

static void
grace_over(uv_timer_t *t)
{
	(void)t;
	shutdown_fs();
}

/*
 * SIGTERM: readers parked on streams get EOF at once; their close (FLUSH,
 * RELEASE) is still answered for a short grace, then the session ends.
 */
static void
on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	if (fs.shutting)
		return;
	log_info("signal %d: unmounting %s", signum, fs.mnt);
	fs.shutting = 1;
	stream_shutdown();
	events_stop();
	uv_timer_init(fs.loop, &grace);
	uv_timer_start(&grace, grace_over, 300, 0);
}

static void
first(void)
{
	firstdone = 1;
}

static void
first_timeout(uv_timer_t *t)
{
	(void)t;
	firstdone = 1;
}

/* Follow the backend until the cache is filled (or it is found down, or 30 s pass). */
static int
start_backend(void)
{
	int rc;

	if ((rc = events_start(first)) < 0)
		return rc;
	uv_timer_init(fs.loop, &firsttimer);
	uv_timer_start(&firsttimer, first_timeout, 30000, 0);
	while (!firstdone)
		uv_run(fs.loop, UV_RUN_ONCE);
	uv_timer_stop(&firsttimer);
	uv_close((uv_handle_t *)&firsttimer, NULL);
	return 0;
}

static struct fuse_session *
mount_fs(int debug)
{
	char o[4096];
	const char *argv[5] = { "faasfs", "-o", o, debug ? "-d" : NULL, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(debug ? 4 : 3, (char **)argv);
	struct fuse_session *se;

	snprintf(o, sizeof o, "default_permissions,auto_unmount,fsname=%s,subtype=faasfs%s%s",
	         mo.fsname ? mo.fsname : "faasfs", mo.fuse.n ? "," : "", mo.fuse.n ? mo.fuse.p : "");
	se = fuse_session_new(&args, &ops, sizeof ops, NULL);
	fuse_opt_free_args(&args);
	if (se == NULL)
		return NULL;
	if (fuse_session_mount(se, fs.mnt) != 0) {
		fuse_session_destroy(se);
		return NULL;
	}
	return se;
}

static int
serve(void)
{
	int fd = fuse_session_fd(fs.se), rc, i;
	static const int signums[3] = { SIGTERM, SIGINT, SIGHUP };

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if ((rc = notify_start()) < 0 || (rc = uv_poll_init(fs.loop, &fusepoll, fd)) < 0 ||
	    (rc = uv_poll_start(&fusepoll, UV_READABLE, on_fuse)) < 0 || (rc = mounted_watch(mntpath, unmounted)) < 0 ||
	    (rc = mounted_guard(mntpath, title, titlelen)) < 0)
		return rc;
	for (i = 0; i < 3; i++) {
		uv_signal_init(fs.loop, &sigs[i]);
		uv_signal_start(&sigs[i], on_signal, signums[i]);
	}
	signal(SIGPIPE, SIG_IGN);
	uv_run(fs.loop, UV_RUN_DEFAULT);
	shutdown_fs();
	return 0;
}

static void
close_one(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* At exit: every handle closed, then the loop, which frees what it holds
 * (LeakSanitizer counted them as leaks). */
static void
loop_close(uv_loop_t *loop)
{
	uv_walk(loop, close_one, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	if (uv_loop_close(loop) < 0)
		log_warn("the loop did not close: a handle is still open");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "auth", required_argument, NULL, 'k' },
		{ "auth-file", required_argument, NULL, 'K' },
		{ "socket", required_argument, NULL, 's' },
		{ "cafile", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, fg = 0, debug = 0, rc;

	mem_init();
	log_prog = "faasfs";
	title = argv[0];
	titlelen = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
	if (argc > 1 && verb_is(argv[1]))
		return verb_main(argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "fdo:b:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': fg = 1; break;
		case 'd':
			debug = 1;
			fg = 1;
			log_level = LOG_DEBUG;
			break;
		case 'o': mountopt_parse(&mo, optarg); break;
		default:
			if (backendopt(&mo.be, c, optarg))
				break;
			usage();
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1 && optind != argc - 2) {
		usage();
		return 2;
	}
	if (optind == argc - 2)
		mountopt_source(&mo, argv[optind++]);
	if (backendopt_finish(&mo.be) < 0)
		return 1;
	fs.mnt = argv[optind];
	if ((mntpath = realpath(fs.mnt, NULL)) == NULL) {
		log_error("cannot mount %s: %s", fs.mnt, strerror(errno));
		return 1;
	}
	fs.uid = getuid();
	fs.gid = getgid();
	fs.started = now_ms();
	if ((rc = backend_set(&mo.be)) < 0 || (rc = start_backend()) < 0) {
		log_error("cannot start: %s", uv_strerror(rc));
		return 1;
	}
	if (fs.fatal) {
		log_error("cannot mount %s: %s", fs.mnt, fs.fatal);
		return 1;
	}
	if ((fs.se = mount_fs(debug)) == NULL) {
		log_error("cannot mount %s", fs.mnt);
		return 1;
	}
	if (fuse_daemonize(fg) != 0 || (!fg && uv_loop_fork(fs.loop) != 0)) {
		fuse_session_unmount(fs.se);
		return 1;
	}
	if ((rc = serve()) < 0)
		log_error("cannot serve %s: %s", fs.mnt, uv_strerror(rc));
	if (mounted_still())
		fuse_session_unmount(fs.se);
	if (notify_stop() == 0)
		fuse_session_destroy(fs.se);
	log_info("unmounted %s", fs.mnt);
	loop_close(fs.loop);
	return rc < 0;
}
