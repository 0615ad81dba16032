/* sandbox.h — start a program as an unprivileged, namespaced, resource-limited child. */
#ifndef FAAS_SANDBOX_H
#define FAAS_SANDBOX_H

#include <sys/types.h>

typedef struct sandbox_host sandbox_host;

/* One sandboxed child. */
typedef struct sandbox {
	pid_t pid;
	int pidfd;              /* readable when the child has exited */
	int report_fd;          /* the child's report of a failed step */
	int uid;                /* the child's own uid, -1 when it has none (plain, user namespace) */
	int pidns;              /* pid 1 of its own pid namespace */
	int memory_mb;
	int slot;
	char workdir[512];      /* its private working directory */
	char cg_mem[512];       /* its memory cgroup, "" when none */
	char cg_pids[512];      /* its pids cgroup (same as cg_mem on v2), "" when none */
} sandbox;

typedef struct sandbox_spec {
	const char *exe;        /* absolute path of the program */
	char *const *argv;
	char *const *envp;
	int out_fd, err_fd;     /* become the child's stdout and stderr */
} sandbox_spec;

/* Host-wide state: cgroup parents, the uid range, what to hide (with the
 * folder of socket_path, the API's socket, when not NULL). enabled = 0
 * makes plain children (own process group and working directory only).
 * Without root the sandbox is had with user namespaces (no uids of their
 * own, no cgroups): warn then says so (it stays "" otherwise). 0 or -errno. */
int sandbox_host_new(const char *run_dir, const char *socket_path, int enabled, sandbox_host **out,
                     char *warn, size_t wlen);
void sandbox_host_free(sandbox_host *h);
/* A one-line description for logs and metrics: "uid+pidns+mntns+ipcns+cgroup-v1". */
const char *sandbox_host_describe(sandbox_host *h);
/* The block of uids this backend holds alone on the host (0..63), or -1;
 * other per-backend ranges (ports) can be cut by it. */
int sandbox_host_block(sandbox_host *h);

/* Make a sandbox ready: its uid, working directory and cgroups (with that
 * memory limit). The error text goes to err. 0 or -errno. */
int sandbox_prepare(sandbox_host *h, sandbox *sb, int memory_mb, char *err, size_t elen);
/* Start the child in a prepared sandbox (without waiting for its exec: see
 * sandbox_failure); on failure the sandbox is released. 0 or -errno. */
int sandbox_spawn(sandbox_host *h, sandbox *sb, const sandbox_spec *sp, char *err, size_t elen);
/* Change the memory limit of a running child. 0 or -errno. */
int sandbox_set_memory(sandbox_host *h, sandbox *sb, int memory_mb);
/* SIGKILL the child and everything it started. */
void sandbox_kill(sandbox *sb);
/* Collect the exit status once pidfd is readable: 1 exited (status set), 0 not yet. */
int sandbox_reap(sandbox *sb, int *status);
/* After the child is gone: remove its cgroups and working directory, free its uid. */
void sandbox_release(sandbox_host *h, sandbox *sb);
/* For shutdown: kill the child, wait for it and remove its files now (the
 * sandbox still needs sandbox_release). */
void sandbox_kill_wait(sandbox *sb);
/* For shutdown, once every child is gone: remove the run directory and our
 * cgroup parents if they are empty. */
void sandbox_host_shutdown(sandbox_host *h);
/* After the child ended: 1 and the text in buf if it failed before its
 * exec, else 0. */
int sandbox_failure(sandbox *sb, char *buf, size_t len);
/* Did the memory cgroup hit its limit (an OOM kill is then the likely end)? */
int sandbox_oom(sandbox *sb);

#endif
