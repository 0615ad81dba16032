/* sandbox_int.h — what sandbox.c and sandbox_cgroup.c share: the host's state, the limits. */
#ifndef FAAS_SANDBOX_INT_H
#define FAAS_SANDBOX_INT_H

#include <sys/types.h>

#include "sandbox.h"

enum {
	UID_FIRST = 61000,      /* container uids: no passwd entries here */
	UID_BLOCK = 4096,       /* uids per backend process */
	UID_BLOCKS = 64,
	PIDS_MAX = 256,         /* processes and threads in one container */
	NOFILE_MAX = 4096,
	FSIZE_MB = 1024,        /* largest file a function may write */
	DATA_MAX_MB = 2048,     /* OpenWhisk's largest memory limit */
	USERNS_ID = 1000,       /* our uid and gid inside a user namespace */
	MAX_HIDE = 24,
	STACK_SIZE = 64 * 1024,
	EXEC_TRIES = 40,        /* 25 ms apart: a binary rebuilt in place */
};


enum { SB_PLAIN, SB_ROOT, SB_USERNS };

struct sandbox_host {
	int mode;               /* SB_PLAIN, SB_ROOT (uids, cgroups) or SB_USERNS (not root) */
	int v2;                 /* cgroup v2 (one directory for both controllers) */
	char mem_base[512];     /* "" when no memory cgroup */
	char pids_base[512];
	char run_dir[512];
	char *hide[MAX_HIDE];
	int nhide;
	int uid_base;
	int block_fd;           /* holds the lock on our block of uids */
	int block;              /* its number, or -1 */
	int self_pidfd;         /* the backend's own pidfd, or -1: see child_tie */
	unsigned char used[UID_BLOCK];
	char describe[128];
};

/* snprintf for paths: -ENAMETOOLONG instead of a cut name. */
int sandbox_pathf(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* sandbox_cgroup.c */
void sandbox_cgroups_init(sandbox_host *h);
int sandbox_cgroups_make(sandbox_host *h, sandbox *sb, int memory_mb);
int sandbox_data_limit(pid_t pid, int memory_mb);

#endif
