/* src_int.h — the insides of an action's src/ tree, shared by src.c, src_zip.c and src_commit.c only (others use fns.h). */
#ifndef FAAS_FSD_SRC_INT_H
#define FAAS_FSD_SRC_INT_H

#include <sys/queue.h>
#include "dat.h"

enum { QUIET_MS = 300, SRC_MAX = 64 << 20 };

/* One file or folder of a tree. */
typedef struct Srcent {
	Buf data;
	mode_t mode; /* S_IFREG or S_IFDIR, and permissions */
	int64_t mtime;
} Srcent;

/* A commit's waiter: an fsync or an invocation. */
typedef struct Srcwait {
	SLIST_ENTRY(Srcwait) link;
	void (*fn)(void *arg, int err, const char *text);
	void *arg;
} Srcwait;

struct Src {
	Map ents;        /* relative path ("lib/util.py", "lib") -> Srcent */
	char docver[24]; /* the version unpacked, "" for a tree made here */
	char *ename;     /* the action */
	int dirty;       /* changed since unpacked or last committed */
	unsigned gen;    /* bumped by every change */
	int writers;     /* opens for writing of its files */
	int committing;
	uv_timer_t *quiet;
	SLIST_HEAD(, Srcwait) waits;
	uid_t uid; /* who changed it last, for err */
	pid_t pid;
};

/* src.c */
Srcent *srcent_add(Src *s, const char *path, mode_t mode);
void srcent_parents(Src *s, const char *path);
void srcents_clear(Src *s);

/* src_zip.c */
int src_unpack(Src *s, Ent *e);
int src_pack(Src *s, Ent *e, Buf *out);

/* src_commit.c */
void src_quiet(Src *s);

#endif
