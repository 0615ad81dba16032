/* dat.h — types of the file server: nodes, entities, opens, parked requests. */
#ifndef FSD_DAT_H
#define FSD_DAT_H

#define FUSE_USE_VERSION 34
#include <fuse_lowlevel.h>
#include <jansson.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <uv.h>

#include "buf.h"
#include "js.h"
#include "map.h"
#include "curluv.h"

/*
 * What a node is. A node is a path in the tree; its kind (Q) and the name of
 * the entity it belongs to (ename) say everything else.
 */
enum {
	Qroot = 1,
	Qctl,
	Qstatus,
	Qerr,
	Qmanifest,
	Qcrontab,
	Qwatches,
	Qsubs,    /* the triggers of a built-in feed, a line each (feedtab.c) */
	Qactions, /* a collection of actions; ename "" or "PKG" */
	Qaction,  /* an action's directory; ename "NAME" or "PKG/NAME" */
	Qalias,   /* actions/NAME.EXT: the action's code under its file name */
	Qcode,
	Qkind,
	Qmain,
	Qparams,
	Qannot,
	Qlimits,
	Qversion,
	Qinvoke,
	Qresult,
	Qlogs,
	Qobjerr,
	Qurl,
	Qweb,     /* an action's web URL, and whether it is a web action */
	Qdebug,   /* whether its failed activations' containers are held (annotation debug) */
	Qacts,    /* an action's activations/ */
	Qactlink, /* a symbolic link in it to activations/ID */
	Qpackages,
	Qpackage,
	Qbinding,
	Qtriggers,
	Qtrigger,
	Qrules,
	Qrule,
	Qapis,
	Qapi, /* the gateway's APIs, one OpenAPI document each */
	Qactivations,
	Qactlog,
	Qactstream,
	Qactivation,
	Qarecord,
	Qastatus,
	Qaresult,
	Qalogs,
	Qaname,
	Qastart,
	Qaend,
	Qaduration,
	Qacause,
	Qscratch, /* an editor's scratch file, kept in memory only */
	Qsrc,     /* an action's src/: its code as a tree (src.c) */
	Qsrcent,  /* a file or folder below it */
	Qsecrets, /* an action's or package's secrets/ (secret.c) */
	Qsecret,  /* one of them: written, never read */
	Qhold,    /* activations/ID/debug/: its held container's working directory (hold.c) */
	Qholdent, /* a file or folder below it */
	Nq,
};

/* Entity kinds, as in the REST API's collections. */
enum { Eaction, Epackage, Etrigger, Erule, Eapi, Nekind };

typedef struct Ent Ent;
typedef struct Node Node;
typedef struct Open Open;
typedef struct Park Park;
typedef struct Parkq Parkq;
typedef struct Wait Wait;
typedef struct Call Call;
typedef struct Act Act;
typedef struct Scratch Scratch;
typedef struct Src Src;

/* A queue of parked FUSE requests (park.c). */
TAILQ_HEAD(Parkq, Park);

/* Something waiting for one thing: an entity's document, an action's
 * latest result, an activation, a held container's listing (wait.c). */
struct Wait {
	SLIST_ENTRY(Wait) link;
	void (*fn)(void *arg, int err);
	void *arg;
};
typedef SLIST_HEAD(Waitq, Wait) Waitq;

/* A backend entity as the cache knows it (cache.c). */
struct Ent {
	int kind;
	char *name; /* "hello", "pkg/hello" */
	char version[24];
	int64_t updated;   /* ms since the epoch */
	int staged;        /* created here, not stored in the backend yet */
	int reborn;        /* a delete event came: the next version may be lower */
	char *stagekind;   /* a staged action's kind, from its file name */
	json_t *doc;       /* the whole entity as last fetched, or NULL */
	char docver[24];   /* the version doc belongs to */
	Waitq waiters;     /* waiting for doc */
	int loading;       /* its document is being fetched */
	int holds;         /* other requests in flight that use it */
	int fetching;      /* result: the latest activation is being fetched */
	char *err;         /* the last error about this entity */
	char *last;        /* action: its latest result, compact JSON text, or NULL */
	int lastknown;     /* action: last is the latest (or there is none) */
	Waitq lastwait;    /* action: waiting for lastknown */
	int inflight;      /* action: invocations from this mount in flight */
	Parkq resultq;     /* action: reads of result waiting for them */
	int64_t size;      /* action: code size once known, else -1 */
	int gone;          /* deleted, kept while something still uses it */
	char *bindto;      /* package: the package of this namespace it binds */
	unsigned mark;     /* the listing that last saw it */
	char lastfire[40]; /* trigger: the activation of its last firing here */
	Buf logs;          /* action: its logs file, as far as built (activ.c) */
	uint64_t logupto;  /* action: the last activation sequence looked at for it */
	uint64_t logfirst; /* action: the sequence of the first one in logs, or 0 */
	int64_t loadedat;  /* when doc was fetched (a fed trigger's feed status changes on its own) */
	Src *src;          /* action: the working copy of its src/ tree (src.c), or NULL */
	json_t *secnew;    /* action, package: names of secrets made here, not set yet (secret.c) */
};

/* A node: one path in the tree; ino is its address (root is 1). */
struct Node {
	uint64_t ino; /* its path's hash when made; kept through a rename */
	uint64_t gen;
	uint64_t nlookup;
	int q;
	int ekind;        /* entity kind for entity files */
	char *ename;      /* entity name or activation id */
	char *path;       /* "actions/hello/code": key in the node table */
	Scratch *scratch; /* Qscratch */
};

/* An in-memory scratch file (editors' temporaries). */
struct Scratch {
	Buf data;
	int64_t mtime;
	mode_t mode;
	int refs; /* the node and opens */
	int gone; /* unlinked or renamed away */
};

/* Per-open state: the fh of every open file. */
struct Open {
	Node *node;
	int flags;
	Buf out;                    /* what reads return (snapshot or stream) */
	Buf stage;                  /* what writes put, committed at flush */
	int dirty;                  /* stage changed since the last commit */
	int wrote;                  /* anything was ever written */
	Buf part;                   /* invoke/trigger: the unparsed rest of writes */
	Parkq reads;                /* parked reads */
	STAILQ_HEAD(, Call) calls;  /* invoke: calls in order */
	int invoked;                /* invoke: one was ever started; result: out holds it */
	uint64_t cursor;            /* stream: next activation sequence to return */
	size_t outoff;              /* stream/invoke: bytes of out already returned */
	LIST_ENTRY(Open) slink;     /* in the list of open streams */
	int streaming;              /* it is on that list */
	int bad;                    /* a write was refused: flush will not commit */
	struct fuse_pollhandle *ph; /* a poll waiting for data */
	int created;                /* this open made a staged entity */
	int srcw;                   /* a file of a tree, open for writing (src.c) */
	Scratch *scratch;
};

/* One invocation made through an invoke file (invoke.c). */
struct Call {
	STAILQ_ENTRY(Call) link;
	Open *o; /* NULL once the open is released */
	Ent *ent;
	char *ename;
	int done;
	char *line; /* the result line, with its newline */
	char actid[40];
	Buf msg; /* its message, while the action's tree is committed first */
	int json;
};

/* A finished activation (activ.c). */
struct Act {
	char id[40];
	uint64_t seq;
	json_t *rec; /* parsed from text on first use (act_rec) */
	char *text;  /* the record as the event stream gave it, or NULL */
	size_t len;
};

/* A parked read (park.c). */
struct Park {
	TAILQ_ENTRY(Park) link;
	Parkq *q;
	fuse_req_t req;
	size_t size;
	off_t off;
	Open *o;
};

/* What a name in a directory is (tree.c). */
typedef struct Kid {
	int q;
	int ekind;
	const char *ename;
	Scratch *scratch;
} Kid;

/* A rule as text: "trigger T", "action A", "status S" (text.c). */
typedef struct Ruletext {
	char trigger[256];
	char action[256];
	char status[16];
} Ruletext;

/* A message split out of writes (msg.c): p, n, and whether it is JSON. */
typedef void (*msg_cb)(const char *p, size_t n, int json, void *arg);

/* An answer from the backend (backend.c). */
typedef struct Resp {
	int err;     /* 0 or -errno */
	long status; /* HTTP status, 0 if none came */
	const char *body;
	size_t len;
	json_t *json; /* the body parsed by resp_json, on first use */
	int parsed;
	char text[512]; /* why it failed, for err files */
} Resp;

typedef void (*bk_cb)(Resp *r, void *arg);

/* A FUSE request kept while something it needs is fetched (fsops.c). */
typedef struct Pend {
	int op;
	int tries;
	fuse_req_t req;
	fuse_ino_t ino;
	char *name;
	struct fuse_file_info fi;
	int has_fi;
} Pend;

/* A directory's lister: fn(name, mode, arg) for each name. */
typedef void (*list_fn)(const char *name, mode_t mode, void *arg);
typedef void (*commit_cb)(void *arg, int err, const char *text);
/* A feed's READ for a trigger: {config, status}, or NULL (undo.c). */
typedef json_t *(*feedread_cb)(const char *trigger, const char *feed);
typedef struct Cm Cm; /* a commit under way (commit.c) */

/* What a kind of file is and does (files.c) */
enum {
	Fdoc = 1 << 0,      /* made from its entity's document: fetched before it is read */
	Fcache = 1 << 1,    /* attributes cached for DOC_ATTR_TIMEOUT (notify_changed invalidates them) */
	Fstage = 1 << 2,    /* writes are staged in the open and committed at flush */
	Flive = 1 << 3,     /* read as it is at each read, not as a snapshot taken at open */
	Fapply = 1 << 4,    /* its stage is applied at each line written */
	Fvalidate = 1 << 5, /* a commit has the backend try the code first */
	Flocal = 1 << 6,    /* served while the backend is away */
	Fscratch = 1 << 7,  /* a directory where an editor's scratch names may be made */
	Frmfiles = 1 << 8,  /* a directory whose own files an unlink "removes" (rm -r reaches its rmdir) */
	Fnoflush = 1 << 9,  /* an open that reads needs no FLUSH (invoke reports at its reads) */
	Fnotify = 1 << 10,  /* invalidated with its entity when another client changes it */
};

/*
 * One row of the file table: a kind of file (a Q constant) and everything
 * that is particular to it. A NULL function does what its caller says is
 * the default (most files are plain).
 */
typedef struct File {
	const char *name; /* its name in its directory, for the fixed ones */
	mode_t mode;      /* S_IFDIR | 0755 ... */
	int flags;
	const char *arg; /* what a fill or a commit shared by several files works on: "kind", "parameters" */
	const int *kids; /* a directory's fixed names, 0-ended */
	int coll;        /* a collection: the kind of entity it holds (kid_entity, list_entities) */
	int member;      /* and the Q of one of them */
	/* the tree (tree.c); NULL is the default after the colon */
	mode_t (*modeof)(Node *n);                                /* : mode */
	Ent *(*ent)(Node *n);                                     /* the entity it belongs to: none */
	int (*exists)(Node *n);                                   /* : its entity is there */
	int (*listed)(Node *n);                                   /* a fixed name, in its directory's list: yes */
	int (*attr)(Node *n, uid_t uid, Ent *e, struct stat *st); /* size, time: a file's, what fill gives */
	int (*kid)(Node *dir, const char *name, Kid *k, char *buf, size_t len);  /* other names: none */
	void (*list)(Node *dir, list_fn fn, void *arg);                          /* and their list */
	int (*wait)(Node *n, Ent *e, void (*fn)(void *arg, int err), void *arg); /* after -EAGAIN: ent_load */
	/* content and commits (content.c, commit.c) */
	int (*fill)(Node *n, Ent *e, Buf *b);                                       /* what a read gives: nothing */
	int (*check)(Node *n, const char *p, size_t len, char *err, size_t errlen); /* a stage: no check */
	json_t *(*body)(Cm *c, Ent *e); /* the PUT that commits a stage: cannot be written */
	int (*commit)(Node *n, const char *data, size_t len, commit_cb cb, void *arg); /* : a PUT of body */
	/* opens (fileops.c) */
	int (*opening)(Pend *p, Node *n, Buf *b); /* checks and content at open: a snapshot (fill) */
	void (*open)(Open *o);                    /* : nothing */
	void (*close)(Open *o);                   /* : a staged entity the open made goes */
	void (*read)(Open *o, fuse_req_t req, size_t size, off_t off);                   /* : the snapshot */
	void (*write)(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off); /* : the stage, or EBADF */
	void (*flush)(Open *o, fuse_req_t req);                                          /* : commit the stage */
	void (*fsync)(Open *o, fuse_req_t req);                                          /* : nothing */
	int (*ready)(Open *o);                                                           /* poll: always */
	void (*release)(Open *o, fuse_req_t req);                                        /* : nothing */
	void (*truncate)(Node *n, Open *o, off_t size);                                  /* : the stage */
	void (*chmod)(Node *n, mode_t mode);                                             /* : ignored */
	/* names made in a directory (0: answered, or will be) and removed (0: the caller answers
	 * success, Answered: answered, or will be), or -errno (change.c) */
	int (*create)(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi); /* EACCES */
	int (*mkdir)(fuse_req_t req, Node *dir, const char *name);          /* : EPERM */
	int (*unlink)(fuse_req_t req, Node *dir, const char *name, Kid *k); /* : Frmfiles of dir, or EPERM */
	int (*rmdir)(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len); /* EPERM, ENOTDIR */
} File;

/* unlink and rmdir: the answer was given */
enum { Answered = 1 };

/* What the options say about the backend, the mount's and the verbs' alike (wskprops.c). */
typedef struct Backendopt {
	char *host;     /* URL */
	char *auth;     /* the key, UUID:KEY */
	char *authfile; /* the key's file */
	char *socket;   /* the backend's Unix socket */
	char *cafile;   /* the CAs a TLS backend's certificate must chain to */
} Backendopt;

/* What the command line and mount(8)'s -o say about the backend and the mount (mountopt.c). */
typedef struct Mountopt {
	Backendopt be;
	const char *fsname; /* mount(8)'s SOURCE, shown in the mount table */
	Buf fuse;           /* the options for libfuse and the kernel */
} Mountopt;

/* Everything the server knows, one per process. */
/* A wskdeploy project directory, read as one manifest (project.c). */
typedef struct Project {
	json_t *m;     /* {packages: ...}, every function: inlined as code: */
	char *name;    /* the project's name, or NULL */
	char *dir;     /* the directory, absolute */
	char *file;    /* its manifest.yaml, absolute, as wskdeploy names it */
	char hash[41]; /* wskdeploy's projectHash of the manifest */
} Project;

typedef struct Fs {
	uv_loop_t *loop;
	struct fuse_session *se;
	Curluv *cu;
	char *base;    /* "http://127.0.0.1:3233" */
	char *auth;    /* "uuid:key" */
	char *authhdr; /* "Authorization: Basic ..." */
	char *ns;      /* namespace name, e.g. "guest" */
	char *mnt;
	uid_t uid;
	gid_t gid;
	int up;     /* the backend answered the last time we asked */
	int primed; /* the listing cache was filled at least once */
	char *downwhy;
	int64_t downsince;
	char *fatal;    /* why the backend can never be used as given (a certificate refused), before mounting */
	uint64_t evseq; /* last event sequence seen */
	int inflight;   /* REST requests in flight */
	int64_t started;
	int shutting;
} Fs;

extern Fs fs;

/* Timeouts the kernel caches entries and attributes for (seconds). */
#define ENTRY_TIMEOUT 1.0
#define DIR_ATTR_TIMEOUT 1.0
#define DOC_ATTR_TIMEOUT 1.0
#define FEED_FRESH_MS 1000 /* a fed trigger's document is fetched again after this */

#endif
