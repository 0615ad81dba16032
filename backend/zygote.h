/* zygote.h — what the backend sends python's zygote to fork a container, and its answer. */
#ifndef FAAS_ZYGOTE_H
#define FAAS_ZYGOTE_H

#include <linux/filter.h>

enum {
	ZREQ_MAGIC = 0x7a796731,
	ZREQ_STRINGS = 24576, /* hidden folders, argv and envp, each ending in NUL */
	ZREQ_FILTER = 1024,   /* seccomp instructions */
	ZREQ_ARGS = 64,       /* argv and envp entries */
};

/* The descriptors that go with a request (SCM_RIGHTS), in this order; fdmask
 * says which were sent. */
enum { ZFD_REPORT, ZFD_OUT, ZFD_ERR, ZFD_NET, ZFD_READY, ZFD_SELF, ZFD_CTL, ZFD_N };

/* A request: child_args flattened (see sandbox_int.h). With ZFD_CTL it asks
 * for a shell: no argv, envp, stdout nor stderr yet; they come later on
 * ZFD_CTL as a Zgo. */
typedef struct Zreq {
	unsigned magic, size; /* ZREQ_MAGIC, sizeof(Zreq): a zygote of another build refuses */
	int flags;            /* clone flags: the namespaces */
	int mode, uid, memory_mb;
	int nhide, nargv, nenv, fdmask;
	unsigned flen;
	char workdir[512], proxy_dir[512], exe[512];
	char procs[3][600], uid_map[32], gid_map[32];
	struct sock_filter filter[ZREQ_FILTER];
	char str[ZREQ_STRINGS];
} Zreq;

/* A shell's program: argv and envp (each ending in NUL), with its stdout
 * and stderr as SCM_RIGHTS. */
enum { ZGO_MAGIC = 0x7a796732, ZGO_STRINGS = 8192 };
typedef struct Zgo {
	unsigned magic, size;
	int nargv, nenv;
	char str[ZGO_STRINGS];
} Zgo;

/* The answer: the container's pid (the backend's child, by CLONE_PARENT) or
 * err (-errno); its pidfd goes with it. The zygote's first message, when it
 * is ready, is an answer with pid 0. */
typedef struct Zrep {
	int pid;
	int err;
} Zrep;

#endif
