/* dat.h — the backend's types: the daemon, the store, a caller, an activation. */
#ifndef FAAS_BACKEND_DAT_H
#define FAAS_BACKEND_DAT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uv.h>

#include "http.h"
#include "js.h"
#include "sched.h"

enum {
	NAME_MAX_LEN = 256,
	PATH_MAX_LEN = 3 * NAME_MAX_LEN + 4, /* ns/pkg/name */
	ACTID_LEN = 32,
	LIST_DEFAULT = 30,
	LIST_MAX = 200,
	WAIT_MAX_MS = 60000, /* longest a blocking invoke waits before 202 */
	SEQUENCE_MAX = 50,   /* atomic actions in one sequence */
};

typedef struct Store Store;
typedef struct Events Events;
typedef struct Metrics Metrics;
typedef struct Alarms Alarms;
typedef struct Files Files;

/* What the daemon was started with. */
typedef struct Options {
	const char *listen_host;
	int listen_port;
	char data_dir[1024];
	char run_dir[1024];
	char proxy_path[1024];
	int sandbox;
	int no_zygote; /* --no-zygote */
	int idle_s;
	int stemcells;
	int max_containers;
	int max_memory_mb;
	int queue_max;
	int keep_count;            /* activations kept, newest first */
	int keep_days;             /* activations older than this are pruned */
	int prune_s;               /* how often the pruner runs */
	size_t max_payload;        /* invoke and fire bodies */
	int sync_full;             /* PRAGMA synchronous=FULL: survive power loss */
	char watch_roots[8][1024]; /* --watch-root: where files/changes may watch */
	int nwatch_roots;
	int metrics;           /* METRICS_*: who may read /metrics */
	int cpu_millis;        /* --cpu-limit: each container's CPU, thousandths of a core */
	int network;           /* --network: SB_NET_* */
	int quota[3];          /* the system's quotas of a namespace, Q_* (quota.c) */
	int max_starts;        /* --max-starts: containers starting at once */
	int short_run_ms;      /* --short-run: runs quicker than this are short */
	char pools[1024];      /* --pool: compute pools, space-separated */
	char schedulers[1024]; /* --scheduler: [NS=]NAME, space-separated */
} Options;

/* --metrics: a key on TCP (each namespace sees its own actions), anyone, or the Unix socket only. */
enum { METRICS_KEY, METRICS_OPEN, METRICS_SOCKET };

typedef struct Backend {
	uv_loop_t *loop;
	Options opt;
	char api_host[128]; /* "http://127.0.0.1:3233", given to functions */
	HttpServer *http;
	Sched *sched;
	Store *st;
	Events *ev;
	Metrics *met;
	uv_timer_t prune_timer;
	int64_t inflight;  /* activations started and not yet recorded */
	struct auth_seen { /* credentials already checked (auth.c) */
		char header[320];
		char ns[NAME_MAX_LEN + 1];
		char auth[256]; /* the decoded "uuid:key", as caller.auth */
	} auth_seen[16];
	int auth_next;
	json_t *gw_apis;                      /* namespace -> its APIs, as the gateway serves them (gateway.c) */
	json_t *gw_hosts;                     /* custom domain -> {namespace, basePath} (gateway.c) */
	uint64_t gw_gen;                      /* bumped by every change of an API */
	struct JwtSeen *jwt_seen;             /* bearer tokens already verified (gateway_policy.c) */
	json_t *jwks;                         /* key sets by file or URL (jwks.c) */
	LIST_HEAD(, jwks_parked) jwks_parked; /* requests waiting for a key set */
	struct Curluv *cu;                    /* libcurl on the loop, made when first needed (jwks.c) */
	struct Ratelimits *ratelimits;        /* the gateway's token buckets (ratelimit.c) */
	struct Activation *spare;             /* freed activations kept for reuse (invoke.c) */
	unsigned char feed_secret[32];        /* keys of users' feed actions and of functions derive from it (auth.c) */
	struct Quotas *quotas;                /* each namespace's counts (quota.c) */
	json_t *running; /* activation id -> the activation, from its start to its record (live.c) */
	Alarms *alarms;
	Files *files;
	struct FsmCache *fsms; /* Composer compositions compiled, by action entity (composer_fsm.c) */
	int nspare;
} Backend;

typedef struct Follower Follower;

/* The authenticated namespace a request acts as. */
typedef struct Caller {
	char ns[NAME_MAX_LEN + 1];
	char auth[256];               /* "uuid:key" as presented, for __OW_API_KEY */
	char scope[NAME_MAX_LEN + 1]; /* a feed's key: the one trigger it may fire and read; "" for all */
	char fn[ACTID_LEN + 1];       /* a function's key: the running activation's id (fnkey.c); "" for none */
} Caller;

/* A trigger fed by a feed, as the store keeps it (store_feed.c). */
typedef struct FeedRow {
	char ns[NAME_MAX_LEN + 1];
	char trigger[NAME_MAX_LEN + 1];
	char feed[PATH_MAX_LEN + 1]; /* "whisk.system/alarms/alarm", or a user's action "ns/pkg/name" */
	json_t *config;              /* the parameters it was set up with (owned) */
	int paused;
	int64_t next_due, last_due; /* ms since epoch, 0 for none */
	char uuid[40];              /* of the key a user's feed action holds, or "" */
	int64_t changed;            /* ms since epoch of the last CREATE, UPDATE, PAUSE or UNPAUSE */
	char error[1024];           /* why the service stopped, or "" */
} FeedRow;

/* A request to the REST API, after routing and authentication. */
typedef struct ApiReq {
	struct Backend *b;
	HttpReq *req;
	Caller who;
	const char *ns; /* the namespace the path names: the caller's, or another's published package */
	char **seg;     /* the path after the collection, decoded; valid only in the handler */
	int nseg;
} ApiReq;

/* One change to an entity's secrets (secrets.c): val NULL deletes key. */
typedef struct Secretset {
	const char *key;
	const char *val;
	size_t len;
} Secretset;

/* A fully qualified entity name split into its parts. */
typedef struct Qname {
	char ns[NAME_MAX_LEN + 1];
	char pkg[NAME_MAX_LEN + 1]; /* "" when not in a package */
	char name[NAME_MAX_LEN + 1];
} Qname;

/* An activation record while it is built (record.c writes its text). */
typedef struct Record {
	const char *ns, *name, *version, *id;
	const char *cause;  /* parent activation id, or NULL */
	int64_t start, end; /* ms since epoch; end < 0 until the record has times */
	int64_t duration;   /* ms; < 0: end - start (a composition's is its steps' sum) */
	int status;         /* run_status; < 0 until it has a response */
	json_t *result;     /* the response's result (owned) */
	json_t *logs;       /* array of strings (owned), NULL for none */
	Buf ann;            /* the annotations array's text, without brackets */
} Record;

/* One finished (or started) activation to record. */
typedef struct ActRow {
	const char *id;
	const char *ns;      /* the namespace that owns the record */
	const char *name;    /* the action's or trigger's simple name */
	int64_t start, end;  /* ms since epoch; end 0 while running */
	int status;          /* run_status, or -1 while running */
	const char *path;    /* the event's name: "ns/pkg/name" (record_path) */
	const char *version; /* the record's */
	char *doc;           /* the record's text, malloc'd: store_act_queue takes it */
} ActRow;

/* doc: the record's JSON text as committed (NULL for a barrier or on error). */
typedef void (*store_commit_cb)(int err, const char *doc, void *arg);

/* What one asks of activation_start(): an action to run with parameters. */
typedef struct ActReq {
	const Caller *who;
	Qname target;            /* the action as named by the caller (may go through a binding) */
	json_t *params;          /* object: the payload (borrowed) */
	const char *cause;       /* parent activation id, or NULL */
	const char *caused_by;   /* "sequence", "trigger", or NULL */
	struct Resolved *res;    /* the target already resolved, taken over (zeroed), or NULL */
	int record_running;      /* commit a 'running' record before anything is acknowledged */
	int depth;               /* nesting of sequences */
	int plain;               /* run a conductor action as itself, not its composition */
	struct CompCount *count; /* the enclosing composition's, when a component of one */
} ActReq;

/* The outcome given to activation_start's callback: the committed record. */
typedef struct ActDone {
	int err;         /* 0, or -errno when nothing ran (then msg says why) */
	int http_status; /* for err: 400/404/429/..., to answer with */
	const char *msg;
	const char *id;   /* activation id */
	json_t *result;   /* the record's response result (borrowed), NULL on err */
	const char *text; /* the record as JSON text, as committed */
	int status;       /* run_status */
	int64_t duration; /* the record's, ms */
	int memory;       /* MB: the action's memory limit, a composition's largest */
	int running;      /* only acknowledged: not blocking, or the wait ran out (invoke_wait) */
} ActDone;

typedef void (*act_done_cb)(const ActDone *d, void *arg);

/* An action found through its name: the entity and everything bound to it. */
typedef struct Resolved {
	json_t *action;                 /* the action entity (shared with the store's cache: read-only) */
	json_t *params;                 /* object: package < binding < action parameters (owned) */
	json_t *init_env;               /* object: init parameters as strings (owned) */
	char path[PATH_MAX_LEN + 1];    /* where the action really lives: "ns/pkg/name" */
	char binding[PATH_MAX_LEN + 1]; /* "ns/binding" when reached through one, else "" */
	json_t *secrets;                /* object NAME: value in base64, or NULL when none (owned) */
	json_t *secinfo;                /* object NAME: the version that set it, or NULL (owned) */
	char sectag[32];                /* the version of the package whose secrets it has, or "" */
} Resolved;

/* What a composition has started so far, shared with compositions nested
 * in it: OpenWhisk's limits are n components and 2n+1 conductor runs. */
typedef struct CompCount {
	int components, conductors;
} CompCount;

/* A Composer composition compiled to conductor.js's states (composer_fsm.c). */
typedef struct Fsm Fsm;
typedef struct FsmCache FsmCache;

/* What stepping a Composer composition came to. */
enum { FSM_ACTION, FSM_HANDOFF, FSM_END };
typedef struct FsmOut {
	json_t *name;   /* FSM_ACTION: the component (owned) */
	json_t *params; /* FSM_ACTION: its parameters; FSM_HANDOFF: the conductor's (owned) */
	json_t *result; /* FSM_END (owned) */
	int status;     /* FSM_END: run_status */
} FsmOut;

/* One activation in flight, from activation_start to its done callback. */
typedef struct Activation {
	struct Backend *b;
	Caller who;
	char id[ACTID_LEN + 1];
	char cause[ACTID_LEN + 1];
	Resolved res;
	Record rec;                    /* the record being built */
	struct Activation *spare_next; /* in backend.spare while unused */
	act_done_cb done;
	void *arg;
	int depth;
	int acked;    /* a running record was queued */
	int recorded; /* the final record was queued */
	int counted;  /* in its namespace's invocations in flight (quota.c) */
	/* sequences */
	json_t *components; /* array of component paths (borrowed from res.action) */
	size_t next;
	int64_t start;
	/* compositions (conductor.c) */
	int conductor;    /* a composition: 1 while a component runs, 2 while its conductor does */
	json_t *state;    /* the conductor's last state (owned), or NULL */
	CompCount *count; /* &own, or the enclosing composition's */
	CompCount own;
	struct Fsm *fsm; /* a Composer composition the backend steps itself, or NULL (composer_fsm.c) */
	json_t *cs;      /* its $composer state while stepped here (owned); NULL while the real conductor has it */
	int64_t busy;    /* the steps' durations, summed */
	int memory;      /* MB, the largest of any step's */
	/* the key its function calls the platform with (fnkey.c) */
	char key[sizeof "fn-" + ACTID_LEN + 65];
	json_t *key_scope; /* the action's api-key-scope, or NULL for its namespace */
	/* its logs while it runs (live.c) */
	json_t *lines;                   /* the run's lines so far (references), or NULL */
	LIST_HEAD(, Follower) followers; /* requests streaming them */
} Activation;

#endif
