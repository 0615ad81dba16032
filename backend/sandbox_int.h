/* sandbox_int.h — what sandbox.c and sandbox_cgroup.c share: the host's state, the limits. */
#ifndef FAAS_SANDBOX_INT_H
#define FAAS_SANDBOX_INT_H

#include <linux/filter.h>
#include <sys/types.h>

#include "limit.h"
#include "sandbox.h"

enum {
	UID_FIRST = 61000, /* container uids: no passwd entries here */
	UID_BLOCK = 4096,  /* uids per backend process */
	UID_BLOCKS = 64,
	PIDS_MAX = 256,                 /* processes and threads in one container */
	NOFILE_MAX = 16384,             /* a connection per activation in flight: 10,000 */
	FSIZE_MB = 1024,                /* largest file a function may write */
	DATA_MAX_MB = LIMIT_MEMORY_MAX, /* the largest memory limit (lib/limit.h) */
	USERNS_ID = 1000,               /* our uid and gid inside a user namespace */
	MAX_HIDE = 24,
	HIDE_INODES = 16384, /* files in each tmpfs a container writes */
	WORK_INODES = 16384, /* files in its working directory */
	STACK_SIZE = 64 * 1024,
	EXEC_TRIES = 40,        /* 25 ms apart: a binary rebuilt in place */
	CPU_PERIOD_US = 100000, /* the CFS period of a container's CPU quota */
	NET_STOCK = 2,          /* networks kept made ahead (sandbox_net.c) */
	SHELL_STOCK = 2,        /* shells of each kind kept made ahead (sandbox_shell.c) */
	SHELL_MAX = 8,          /* of all kinds */
	SHELL_MEMORY_MB = 256,  /* a shell's memory limit until it is taken */
};

enum { SB_PLAIN, SB_ROOT, SB_USERNS };

typedef struct Zygote Zygote;

/* What the child needs, computed before clone so it only makes syscalls. */
typedef struct ChildArgs {
	const SandboxHost *h;
	const Sandbox *sb;
	const SandboxSpec *sp;
	char proxy_dir[512];
	char procs[3][600];            /* cgroup.procs files to move itself into, or "" */
	char uid_map[32], gid_map[32]; /* SB_USERNS: "1000 <our uid> 1" */
	int err_fd;                    /* write: {step, errno} on failure */
	int ctl_fd;                    /* a shell's: its program comes on it (else -1) */
	int memory_mb;
} ChildArgs;

/* The steps of the child, for the parent's message (step_names in sandbox.c). */
enum {
	ST_CGROUP,
	ST_PRIVATE,
	ST_PROC,
	ST_HIDE,
	ST_BIND,
	ST_CHDIR,
	ST_RLIMIT,
	ST_DROP,
	ST_STDIO,
	ST_EXEC,
	ST_SETSID,
	ST_USERNS,
	ST_DETACH,
	ST_DEV,
	ST_NET,
	ST_SECCOMP,
	ST_LAUNCHER,
	ST_SHELL
};

/* The host's devices a container gets in its /dev (NULL-terminated). */
extern const char *const sandbox_dev_nodes[];
/* The tmpfs options of a hidden directory: "1777,size=256m" for the
 * places everyone writes (/tmp...), "0755,size=1m" for the others. */
const char *sandbox_hide_opts(const char *dir);

struct SandboxHost {
	int mode;           /* SB_PLAIN, SB_ROOT (uids, cgroups) or SB_USERNS (not root) */
	int v2;             /* cgroup v2 (one directory for both controllers) */
	char mem_base[512]; /* "" when no memory cgroup */
	char pids_base[512];
	char cpu_base[512]; /* "" when no cpu cgroup (on v2, mem_base) */
	int cpu_millis;     /* a container's CPU quota in thousandths of a core; 0: none */
	char run_dir[512];
	char *hide[MAX_HIDE];
	int nhide;
	int uid_base;
	int block_fd;   /* holds the lock on our block of uids */
	int block;      /* its number, or -1 */
	int self_pidfd; /* the backend's own pidfd, or -1: see child_tie */
	unsigned char used[UID_BLOCK];
	char describe[128];
	/* the network (sandbox_net.c) */
	int net_mode;      /* SB_NET_* */
	int host_net_fd;   /* the host's namespace, to come back to; -1: containers share it */
	const char *slirp; /* slirp4netns, or NULL: no outbound network */
	int api_port;      /* the API's port, served in each container's namespace; 0: none */
	void *(*api_open)(void *arg, int fd);
	void (*api_close)(void *srv);
	void *api_arg;
	Sandbox stock[NET_STOCK]; /* networks made ahead: only their net fields */
	int nstock;
	struct shell {
		Sandbox sb;
		char kind[16];
	} shells[SHELL_MAX]; /* made ahead, the oldest first (sandbox_shell.c) */
	int nshells;
	struct sock_fprog filter; /* seccomp (sandbox_seccomp.c); len 0: none */
	Zygote *zygote;           /* python's (sandbox_zygote.c), or NULL */
};

/* sandbox_net.c */
void sandbox_net_init(SandboxHost *h);
int sandbox_net_make(SandboxHost *h, Sandbox *sb, char *err, size_t elen);
void sandbox_net_release(SandboxHost *h, Sandbox *sb);
void sandbox_net_drain(SandboxHost *h);
/* The nice value of sb's slirp4netns (19: made ahead; 0: a container's). */
void sandbox_net_nice(Sandbox *sb, int nice);

/* sandbox_seccomp.c */
int sandbox_seccomp_build(struct sock_fprog *prog);

/* snprintf for paths: -ENAMETOOLONG instead of a cut name. */
int sandbox_pathf(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* sandbox.c: a new size for the working directory's tmpfs. */
int sandbox_workfs_resize(Sandbox *sb, int memory_mb);

/* sandbox_child.c: the child's side of clone(): every step of the sandbox
 * (enter: it is then the container's, with stdio set, seccomp loaded, and
 * nothing of ours open but what a holds), then the exec of the proxy. */
int sandbox_child_main(void *arg);
void sandbox_child_enter(const ChildArgs *a);
void sandbox_child_exec(const ChildArgs *a) __attribute__((noreturn));
/* The launcher forked before the proxy (the zygote's containers, shells):
 * its four pipes (stdin, stdout, stderr, fd 3) and the fork (forkf). In the
 * launcher 0, its ends as fds 0-3 and nothing else open, in a session of
 * its own; in C1 its pid, our ends in ours (kept across the exec). */
pid_t sandbox_child_fork_launcher(const ChildArgs *a, pid_t (*forkf)(void), int *ours);
/* C1 of a shell: wait on a->ctl_fd for the proxy's argv and envp (into
 * arrays of ZREQ_ARGS + 3 and + 1) with its stdout and stderr, made fds 1
 * and 2; the backend closing ctl_fd discards it. Returns argv's length. */
int sandbox_child_shell_wait(const ChildArgs *a, char **argv, char **envp);
/* Append --adopt PID,IN,OUT,ERR,CTL to the proxy's argv (nargv long). */
void sandbox_child_adopt(char **argv, int nargv, pid_t pid, const int *ours);
/* A shell of a kind without a zygote: the backend's clone enters here. */
int sandbox_child_shell_main(void *arg);
/* Take n strings from *p (before end) into out, NULL-terminated. 0 or -EINVAL. */
int sandbox_child_strings(const char **p, const char *end, char **out, int n);
/* Report {step, errno} on a->err_fd and exit 127. */
void sandbox_child_fail(const ChildArgs *a, int step) __attribute__((noreturn));

/* sandbox_zygote.c: clone the child from the zygote of kind: 0 (sb->pid
 * and sb->pidfd set), -EAGAIN (none ready: clone it yourself), or -errno. */
int sandbox_zygote_clone(SandboxHost *h, const char *kind, Sandbox *sb, const ChildArgs *a, int flags);
void sandbox_zygote_close(SandboxHost *h);
/* Is there a zygote of kind; is it ready (without waiting for it)? */
int sandbox_zygote_of(SandboxHost *h, const char *kind);
int sandbox_zygote_ready(SandboxHost *h, const char *kind);

/* sandbox.c: start the child of sb as sp says; with ctl (the child's end
 * of a socket; else -1) a shell: the zygote's for its kind, else ours with
 * sp->launcher. 0 or -errno. */
int sandbox_child_spawn(SandboxHost *h, Sandbox *sb, const SandboxSpec *sp, int ctl, char *err, size_t elen);

/* sandbox_shell.c: send a shell its program (sp's argv, envp, stdout and
 * stderr); 0 or -errno. Discard every shell. */
int sandbox_shell_go(Sandbox *sb, const SandboxSpec *sp);
void sandbox_shell_drain(SandboxHost *h);

/* sandbox_cgroup.c */
void sandbox_cgroups_init(SandboxHost *h);
int sandbox_cgroups_make(SandboxHost *h, Sandbox *sb, int memory_mb);
int sandbox_data_limit(pid_t pid, int memory_mb);

#endif
