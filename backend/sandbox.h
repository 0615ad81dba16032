/* sandbox.h — start a program as an unprivileged, namespaced, resource-limited child. */
#ifndef FAAS_SANDBOX_H
#define FAAS_SANDBOX_H

#include <sys/types.h>

typedef struct SandboxHost SandboxHost;

/* One sandboxed child. */
typedef struct Sandbox {
	pid_t pid;
	int pidfd;     /* readable when the child has exited */
	int report_fd; /* the child's report of a failed step */
	int uid;       /* the child's own uid, -1 when it has none (plain, user namespace) */
	int pidns;     /* pid 1 of its own pid namespace */
	int memory_mb;
	int slot;
	char workdir[512]; /* its private working directory */
	char cg_mem[512];  /* its memory cgroup, "" when none */
	char cg_pids[512]; /* its pids cgroup (same as cg_mem on v2), "" when none */
	char cg_cpu[512];  /* its cpu cgroup (same as cg_mem on v2), "" when none */
	int workfs;        /* its working directory is a tmpfs of its own (mounted by us) */
	int net_fd;        /* its network namespace, or -1 (the host's) */
	int ready_fd;      /* readable once slirp4netns has its network up, or -1 */
	int slirp_exit_fd; /* closing it ends slirp4netns */
	pid_t slirp_pid;
	void *api_srv; /* the API served in its namespace (api_open's) */
	int ctl_fd;    /* a shell's: its program goes there (sandbox_spawn); else -1 */
} Sandbox;

typedef struct SandboxSpec {
	const char *exe; /* absolute path of the program */
	char *const *argv;
	char *const *envp;
	int out_fd, err_fd; /* become the child's stdout and stderr */
	/* A kind with a zygote ("python"): the child is forked from it when it
	 * is ready, with its launcher (the proxy gets --adopt); else NULL. */
	const char *zygote;
	/* A shell of a kind without one: its launcher's argv and envp, started
	 * ahead by the child (sandbox_shell.c); else NULL. */
	char *const *launcher, *const *launcher_env;
} SandboxSpec;

/* Host-wide state: cgroup parents, the uid range, what to hide (with the
 * folder of socket_path, the API's socket, when not NULL). enabled = 0
 * makes plain children (own process group and working directory only).
 * Without root the sandbox is had with user namespaces (no uids of their
 * own, no cgroups): warn then says so (it stays "" otherwise). 0 or -errno. */
int sandbox_host_new(const char *run_dir, const char *socket_path, int enabled, SandboxHost **out, char *warn,
                     size_t wlen);
void sandbox_host_free(SandboxHost *h);
/* As root, before any thread starts: a mount namespace of our own, a
 * slave of the host's, so the tmpfs of containers' working directories
 * are ours alone and go when we do, however we end. 0 or -errno. */
int sandbox_own_mounts(void);
/* Each container's CPU quota in thousandths of a core (0: none). */
void sandbox_host_cpu(SandboxHost *h, int millis);

/* Containers' networks: SB_NET_OUTBOUND (the default: a namespace of its
 * own, outbound through slirp4netns when installed), SB_NET_ISOLATED (its
 * own, loopback only), SB_NET_HOST (the host's). With a namespace of its
 * own, the API is served inside it on 127.0.0.1:api_port: api_open(arg,
 * fd) is given the listening socket and returns what api_close later
 * closes (NULL on failure). Call before the first container. */
enum { SB_NET_OUTBOUND, SB_NET_ISOLATED, SB_NET_HOST };
/* A prepared sandbox whose child is to share the host's network after all
 * (its proxy listens on a port of the host's loopback). */
void sandbox_net_off(SandboxHost *h, Sandbox *sb);
void sandbox_host_net(SandboxHost *h, int mode, int api_port, void *(*api_open)(void *arg, int fd),
                      void (*api_close)(void *srv), void *arg);
/* Make networks ahead for the containers to come (a few; call it after a
 * start, while the container is on its way: it takes the loop a
 * millisecond or so each). */
void sandbox_net_fill(SandboxHost *h);
/* A one-line description for logs and metrics: "uid+pidns+mntns+ipcns+cgroup-v1". */
const char *sandbox_host_describe(SandboxHost *h);
/* The block of uids this backend holds alone on the host (0..63), or -1;
 * other per-backend ranges (ports) can be cut by it. */
int sandbox_host_block(SandboxHost *h);

/* Keep a zygote of kind: python running script (zygote.py) with so (its
 * C half) and envp, the environment of a stem cell's launcher. 0 or -errno
 * (-ENOENT: a file is missing). */
int sandbox_zygote_open(SandboxHost *h, const char *kind, const char *python, const char *script, const char *so,
                        char *const *envp);
/* Containers forked from the zygote so far. */
unsigned long sandbox_zygote_forks(SandboxHost *h);

/* Shells: sandboxes made ahead with their launcher already started in
 * them, waiting for their proxy (sandbox_shell.c). Keep SHELL_STOCK of
 * kind, whose proxy is exe: forked from its zygote when it is ready
 * (launcher NULL), else with launcher (argv) and env started anew. Call it
 * after a start, while the container is on its way: it takes the loop a
 * millisecond or so. */
void sandbox_shell_fill(SandboxHost *h, const char *kind, const char *exe, char *const *launcher, char *const *env);
/* Take a shell of kind instead of sandbox_prepare, with that memory limit,
 * for sandbox_spawn: 0, or -EAGAIN (none). */
int sandbox_shell_take(SandboxHost *h, Sandbox *sb, const char *kind, int memory_mb);
/* A taken shell that is not to be used after all: it goes. */
void sandbox_shell_discard(SandboxHost *h, Sandbox *sb);

/* Make a sandbox ready: its uid, working directory and cgroups (with that
 * memory limit). The error text goes to err. 0 or -errno. */
int sandbox_prepare(SandboxHost *h, Sandbox *sb, int memory_mb, char *err, size_t elen);
/* Start the child in a prepared sandbox (without waiting for its exec: see
 * sandbox_failure), or in a shell its program; on failure the sandbox is
 * released. 0 or -errno. */
int sandbox_spawn(SandboxHost *h, Sandbox *sb, const SandboxSpec *sp, char *err, size_t elen);
/* Change the memory limit of a running child. 0 or -errno. */
int sandbox_set_memory(SandboxHost *h, Sandbox *sb, int memory_mb);
/* Change the CPU quota of a prepared sandbox: thousandths of a core per
 * period, 0 for none. 0 or -errno (-EOPNOTSUPP without a cpu cgroup). */
int sandbox_set_cpu(SandboxHost *h, Sandbox *sb, int millis);
/* SIGKILL the child and everything it started. */
void sandbox_kill(Sandbox *sb);
/* Collect the exit status once pidfd is readable: 1 exited (status set), 0 not yet. */
int sandbox_reap(Sandbox *sb, int *status);
/* After the child is gone: remove its cgroups and working directory, free its uid. */
void sandbox_release(SandboxHost *h, Sandbox *sb);
/* For shutdown: kill the child, wait for it and remove its files now (the
 * sandbox still needs sandbox_release). */
void sandbox_kill_wait(Sandbox *sb);
/* For shutdown, once every child is gone: remove the run directory and our
 * cgroup parents if they are empty. */
void sandbox_host_shutdown(SandboxHost *h);
/* After the child ended: 1 and the text in buf if it failed before its
 * exec, else 0. */
int sandbox_failure(Sandbox *sb, char *buf, size_t len);
/* Did the memory cgroup hit its limit (an OOM kill is then the likely end)? */
int sandbox_oom(Sandbox *sb);

#endif
