/* fns.h — the backend's functions, by file. */
#ifndef FAAS_BACKEND_FNS_H
#define FAAS_BACKEND_FNS_H

#include <stdlib.h>

#include "base64.h"
#include "mem.h"
#include "curluv.h"
#include "cron.h"
#include "num.h"
#include "dat.h"

typedef void (*store_event_cb)(void *arg, int64_t seq, const char *ns, const char *kind, const char *op,
                               const char *name, const char *version, const char *activation);

/* names.c */
int name_check(const char *s, char *err, size_t n);
int qname_parse(const char *path, const char *own_ns, Qname *q, char *err, size_t n);
void qname_path(const Qname *q, char *out, size_t n);
void qname_key(const Qname *q, char *out, size_t n);
const char *kind_canonical(const char *kind);
int code_is_binary(const char *code);

/* runtimes.c */
void runtimes_probe(void);
const char *kind_accept(const char *given);
void runtimes_names(char *out, size_t n);
json_t *runtimes_json(void);

/* limits.c */
json_t *limits_default(void);
int limits_merge(const json_t *old, json_t *in, json_t **out, char *err, size_t n);
void limits_to_run(const json_t *lim, RunLimits *rl);

/* quota.c */
enum { Q_CONCURRENT, Q_INVOKES, Q_FIRES, NQUOTA };
int quota_invoke(Backend *b, const char *ns, char *err, size_t n);
void quota_release(Backend *b, const char *ns);
int quota_fire(Backend *b, const char *ns, char *err, size_t n);
json_t *quota_limits(Backend *b, const char *ns);
int quota_option(const char *name, const char *arg, int *limits);
int quota_set(Store *st, const char *ns, const int *limits, char *err, size_t n);
void quota_free(Backend *b);
const char *quota_refusal(void); /* fire.c */

/* params.c */
int params_check(const json_t *arr, const char *what, char *err, size_t n);
void params_layer(json_t *into, json_t *env, const json_t *arr);
void params_payload(json_t *into, const json_t *payload);
json_t *params_from_object(const json_t *obj);
json_t *params_get(const json_t *arr, const char *key);
void params_set(json_t *arr, const char *key, json_t *value);
json_t *params_union(const json_t *old, const json_t *add, const json_t *del);
int body_params(const char *ctype, const char *body, size_t len, json_t **out, char *err, size_t n);
json_t *params_raw(const char *ctype, const char *body, size_t len);
int text_is_utf8(const void *p, size_t n);
int ctype_is_json(const char *ctype);

/* cloudevents.c */
int request_events(const HttpReq *req, int batch_ok, json_t **out, char *err, size_t n);

/* store_mem.c */
int store_mem(void);

/* util.c */
int64_t now_ms(void);
int random_bytes(void *buf, size_t n);
void random_hex(char *out, size_t nhex);
void id_new(char out[33]);
char *strecpy(char *to, char *e, const char *from);

/* store.c */
int store_open(uv_loop_t *loop, const char *path, int sync_full, Store **out);
void store_close(Store *st);
void store_on_event(Store *st, store_event_cb cb, void *arg);
int store_begin(Store *st);
int store_commit(Store *st);
void store_rollback(Store *st);
void store_flush(Store *st);
void store_act_queue(Store *st, const ActRow *r, store_commit_cb cb, void *arg);
int store_act_barrier(Store *st, store_commit_cb cb, void *arg);
void store_stats(Store *st, int64_t *commits, int64_t *rows);

/* store_secret.c */
int store_secret_list(Store *st, const char *ns, const char *coll, const char *name, json_t *info, json_t *values);

/* store_entity.c */
int store_entity_peek(Store *st, const char *ns, const char *coll, const char *name, json_t **doc);
int store_entity_get(Store *st, const char *ns, const char *coll, const char *name, json_t **doc);
int store_entity_put(Store *st, const char *ns, const char *coll, const char *name, const char *ref, json_t *doc);
int store_entity_put_secrets(Store *st, const char *ns, const char *coll, const char *name, const char *ref,
                             json_t *doc, const Secretset *sets, int nsets);
int store_entity_del(Store *st, const char *ns, const char *coll, const char *name, const char *version);
int store_entity_list(Store *st, const char *ns, const char *coll, const char *ref, int limit, int skip, json_t **out);
int store_entity_count(Store *st, const char *ns, const char *coll, const char *ref);
int64_t store_rules_gen(Store *st);
int store_ns_add(Store *st, const char *name, const char *uuid, const char *keyhash, int64_t now);
int store_ns_set_key(Store *st, const char *name, const char *uuid, const char *keyhash);
int store_ns_by_uuid(Store *st, const char *uuid, char *name, size_t nlen, char *hash, size_t hlen);
int store_ns_exists(Store *st, const char *name);
int store_ns_limits(Store *st, const char *name, json_t **out);
int store_ns_set_limits(Store *st, const char *name, const json_t *limits);
int store_events_since(Store *st, const char *ns, int64_t seq, int limit, store_event_cb cb, void *arg);

/* store_act.c */
int store_act_get(Store *st, const char *ns, const char *id, json_t **doc);
int store_act_list(Store *st, const char *ns, const char *name, int64_t since, int64_t upto, int limit, int skip,
                   json_t **out);
int store_act_count(Store *st, const char *ns, const char *name, int64_t since, int64_t upto, int64_t *n);
int store_act_recover(Store *st, int64_t now);
int store_prune(Store *st, int64_t before, int64_t keep, int64_t keep_events, int batch);
void store_prune_request(Store *st, int64_t before, int64_t keep, int64_t keep_events, int batch);
int64_t store_last_seq(Store *st);

/* auth.c */
void key_hash(const char *key, char out[65]);
int auth_check(Backend *b, const char *header, Caller *who);
int ns_create(Store *st, const char *name, const char *cred, char *out, size_t n);
int ns_guest_setup(Backend *b);
void uuid_new(char out[37]);
void feed_key(Backend *b, const char *uuid, char *out, size_t n);
void feed_key_hex(Backend *b, const char *uuid, char out[65]);
int feed_secret_load(Backend *b);

/* api_debug.c */
void api_debug(ApiReq *ar);

/* live.c */
void live_register(Activation *a);
void live_unregister(Activation *a);
Activation *live_find(Backend *b, const char *id);
void live_line(const json_t *line, void *arg);
void live_end(Activation *a);
void live_follow(ApiReq *ar, const char *id);

/* fnkey.c */
void fnkey_make(Activation *a, const json_t *ann);
void fnkey_drop(Activation *a);
int fnkey_verify(Backend *b, const char *uuid, const char *key, Caller *who);
int fnkey_allows(ApiReq *ar, char **seg, int n, char *why, size_t len);

/* record.c */
const char *record_status_text(int status);
void record_init(Record *r, const char *ns, const char *name, const char *version, const char *id, const char *cause);
void record_clear(Record *r);
void record_annot(Record *r, const char *key, const json_t *value);
void record_annot_str(Record *r, const char *key, const char *value);
void record_annot_int(Record *r, const char *key, int64_t value);
void record_log(Record *r, json_t *line);
void record_set_times(Record *r, int64_t start, int64_t end);
void record_set_response(Record *r, int status, json_t *result);
void record_finish(Record *r, const RunResult *res);
char *record_text(const Record *r);
char *record_fail(json_t *doc, int status, const char *msg, int64_t now);
json_t *record_summary(const json_t *r);
const char *record_path(const json_t *r);
const char *record_list_name(const json_t *r);

/* resolve.c */
int action_resolve(Backend *b, const Caller *who, const Qname *q, Resolved *r, int *status, char *err, size_t n);
void resolved_free(Resolved *r);

/* invoke.c */
void action_spec(RunSpec *sp, Backend *b, const json_t *action, const char *ns, const char *path, json_t *init_env,
                 const char *id);
void action_expect(Backend *b, const json_t *action);
int activation_start(Backend *b, const ActReq *rq, act_done_cb done, void *arg, Activation **out, int *status,
                     char *err, size_t n);
int activation_ack(Activation *a, store_commit_cb cb, void *arg);
void activation_spares_free(Backend *b);
void activation_record(Activation *a, const char *startup);

/* sequence.c */
int sequence_is(const json_t *action);
int sequence_is_exec(const json_t *exec);
int sequence_start(Activation *a, json_t *params);
int conductor_is(const json_t *action);
int conductor_start(Activation *a, json_t *params, CompCount *count);
void conductor_clear(Activation *a);

/* composer_fsm.c */
Fsm *composer_fsm(Backend *b, const json_t *action);
void composer_release(Fsm *f);
void composer_cache_free(Backend *b);
void composer_numbers(json_t *v);
int composer_step(const Fsm *f, json_t *cs, json_t *params, int resuming, FsmOut *o);
json_t *composer_adopt(const json_t *state);

/* composer_fn.c */
int composer_fn(const json_t *fn, json_t *stack, json_t **params);

/* api.c */
void api_handle(HttpReq *req, void *arg);
void api_check(HttpReq *req, void *arg);
void api_reply(HttpReq *req, int status, json_t *body, const char *extra);
void api_reply_text(HttpReq *req, int status, const char *text, size_t len, const char *extra);
void api_error(HttpReq *req, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int query_bool(HttpReq *req, const char *name, int def);
int query_int(HttpReq *req, const char *name, int64_t def, int64_t *out);
int query_page(ApiReq *ar, int *limit, int *skip);
int api_body_object(ApiReq *ar, json_t **out);
int api_payload(ApiReq *ar, json_t **out);
int api_events(ApiReq *ar, json_t **out);

/* entity.c */
void version_bump(const char *old, char *out, size_t n);
int entity_put_begin(ApiReq *ar, const char *coll, const char *key, json_t **body, json_t **old);
json_t *entity_doc(const char *nsfield, const char *name, const json_t *old, const json_t *body);
void entity_put_end(ApiReq *ar, const char *coll, const char *key, const char *ref, json_t *doc);
json_t *entity_get_or_404(ApiReq *ar, const char *coll, const char *key);
void entity_delete(ApiReq *ar, const char *coll, const char *key, json_t *doc);
void entity_list(ApiReq *ar, const char *coll, const char *ref, void (*trim)(json_t *doc));
int entity_name_ok(ApiReq *ar, const char *name);
json_t *entity_route(ApiReq *ar, const char *coll, void (*put)(ApiReq *ar, const char *name), const char **name);

/* invoke_http.c */
typedef void (*invoke_answer_cb)(HttpReq *req, const ActDone *d, void *arg);
int invoke_wait(Backend *b, HttpReq *req, const ActReq *rq, int blocking, int64_t timeout_ms, invoke_answer_cb answer,
                void *arg, int *status, char *err, size_t n);

/* api_actions.c, invoke_http.c, api_packages.c, api_triggers.c, api_rules.c, api_activations.c */
void api_actions(ApiReq *ar);
void invoke_http(ApiReq *ar, const Qname *q);
void action_validate(ApiReq *ar, const Qname *q, json_t *doc);

/* secrets.c */
int secret_name_check(const char *k, char *err, size_t n);
int secrets_take(json_t *body, json_t **sets, char *err, size_t n);
int secrets_pending(Store *st, const char *ns, const char *coll, const char *key, json_t *doc, json_t *sets);
int secrets_store(Store *st, const char *ns, const char *coll, const char *key, const char *ref, json_t *doc);
int secrets_named(const json_t *doc);
int secrets_for_run(Store *st, const char *ns, const char *pkg, const json_t *pkgdoc, const char *key,
                    const json_t *action, json_t *values, json_t *info);
json_t *secrets_for_validate(Store *st, const char *ns, const char *pkg, const char *key, const json_t *doc);
void secrets_forget(ApiReq *ar, const char *coll, const char *key);
void api_secrets(ApiReq *ar, const char *coll, const char *key, const char *ref, const char *skey);
void api_packages(ApiReq *ar);
void api_triggers(ApiReq *ar);
void trigger_fire_http(Backend *b, HttpReq *req, const Caller *who, const char *name, const json_t *trig,
                       json_t *events, int batch, const json_t *annot);
void api_rules(ApiReq *ar);
void api_activations(ApiReq *ar);

/* web.c, web_reply.c */
typedef struct WebCall {
	Qname q;            /* the web action */
	const char *ext;    /* "http", "json", "html", "svg", "text" */
	const char *path;   /* __ow_path */
	json_t *extra;      /* more parameters (the gateway's path parameters), or NULL */
	const char *api_ns; /* for a gateway route: the API's namespace; NULL by the action's URL */
	int cors;           /* for a gateway route: add CORS headers */
} WebCall;
void web_handle(Backend *b, HttpReq *req);
void web_invoke(Backend *b, HttpReq *req, const WebCall *wc);
const char *web_ext_of(const char *url);
int web_method_allowed(const char *m);
void web_cors(HttpReq *req, Buf *h, const char *methods);
void web_error(HttpReq *req, int cors, const char *id, int status, const char *msg);
void web_error_h(HttpReq *req, int cors, const char *id, int status, const char *msg, const char *extra);
int web_action_exists(Backend *b, const Qname *q);
void media_type(const char *ctype, char *out, size_t n);
int media_is_json(const char *mt);
int media_is_binary(const char *mt);
void web_reply(HttpReq *req, const ActDone *d, const char *ext, int cors);

/* fire.c */
typedef void (*fire_cb)(int status, const char *id, void *arg);
int trigger_fire(Backend *b, const Caller *who, const char *name, const json_t *trig, const json_t *payload,
                 const json_t *annot, fire_cb cb, void *arg, char *id);
void trigger_error(Backend *b, const char *ns, const char *name, const char *msg, const json_t *annot);

/* feeds.c, catalog.c: the built-in feeds of /whisk.system and their services */
#define CATALOG_NS "whisk.system"
typedef struct FeedParam {
	const char *name, *description;
	int required;
} FeedParam;
typedef struct FeedService {
	const char *pkg, *name, *description;
	const FeedParam *params;                                       /* ends with a NULL name */
	int (*check)(Backend *b, json_t *config, char *err, size_t n); /* 0 or -EINVAL, err says which and why */
	int (*start)(Backend *b, FeedRow *r, char *err, size_t n);     /* serve r; sets r->next_due */
	void (*stop)(Backend *b, const char *ns, const char *trigger);
	json_t *(*info)(Backend *b, const FeedRow *r);           /* what CREATE and READ tell besides, or NULL */
	int (*probe)(const json_t *config, char *err, size_t n); /* CREATE, UPDATE: in a worker thread, or NULL */
} FeedService;
void feed_builtin_invoke(ApiReq *ar, const FeedService *svc);
void feed_user_params(Backend *b, const Caller *who, const Qname *q, json_t *params);
void feeds_forget(Backend *b, const char *ns, const char *name);
json_t *feed_iso(int64_t ms);
void feed_error(Backend *b, const char *ns, const char *trigger, const char *msg);
json_t *feed_describe(Backend *b, const char *ns, const char *trigger);
void feed_fired(int status, const char *id, void *arg);
const FeedService *feed_service_of(const char *feed);
void catalog_route(ApiReq *ar, char **seg, int n);

/* alarms.c */
extern const FeedService alarms_alarm, alarms_once, alarms_interval;
int alarms_new(Backend *b);
void alarms_free(Backend *b);

/* files.c */
extern const FeedService files_changes;
int files_new(Backend *b);
void files_free(Backend *b);

/* mqtt.c */
extern const FeedService mqtt_subscribe;
int mqtt_new(Backend *b);
void mqtt_free(Backend *b);

/* mqtt_tls.c */
enum { MQTT_WHY_LEN = 256 };
struct ssl_ctx_st;
int mqtt_tls_ctx(const json_t *config, const char *host, char *why, struct ssl_ctx_st **out, char *err, size_t n);

/* webhooks.c */
extern const FeedService webhooks_webhook;
void webhook_handle(Backend *b, HttpReq *req, const char *id);

/* store_feed.c */
void feed_row_clear(FeedRow *r);
int store_feed_put(Store *st, const FeedRow *r);
int store_feed_get(Store *st, const char *ns, const char *trigger, FeedRow *r);
int store_feed_del(Store *st, const char *ns, const char *trigger);
int store_feed_due(Store *st, const char *ns, const char *trigger, int64_t next, int64_t last);
int store_feed_each(Store *st, const char *like, void (*fn)(FeedRow *r, void *arg), void *arg);

/* apimgmt.c, apidoc.c, apidoc3.c, gateway.c */
void apimgmt_handle(Backend *b, HttpReq *req);
void gateway_url(Backend *b, const char *ns, const char *basepath, char *out, size_t n);
int apidoc_is_method(const char *m);
void apidoc_operation_id(const char *method, const char *relpath, char *out, size_t n);
int apidoc_check(Backend *b, json_t *doc, char *err, size_t n);
json_t *apidoc_new(const char *basepath, const char *title);
void apidoc_add(json_t *doc, const char *relpath, const char *method, const Qname *a, const char *ext,
                const char *actions_url, json_t *params);
int apidoc_remove(json_t *doc, const char *relpath, const char *method, char *err, size_t n);
void apidoc_own(json_t *doc, const char *ns);
void apidoc_name(const char *base, char *out, size_t n);
void apimgmt_put(Backend *b, HttpReq *req, const char *ns, json_t *doc, int rest);
void apimgmt_remove(Backend *b, HttpReq *req, const char *ns, const json_t *old, int rest);
void api_apis(ApiReq *ar);
json_t *apidoc_v3(const json_t *doc, const char *url);
void gateway_forget(Backend *b, const char *ns);
void gateway_again(Backend *b, HttpReq *req);
int gateway_domain(Backend *b, HttpReq *req);
const json_t *gateway_domain_of(Backend *b, HttpReq *req);
int gateway_domains_load(Backend *b);
int gateway_domain_claim(Backend *b, const char *ns, const json_t *doc, const json_t *old, int *status, char *err,
                         size_t n);
void gateway_domain_commit(Backend *b, const char *ns, const json_t *old, const json_t *doc);

/* gateway_policy.c, ratelimit.c, jwt.c, jwks.c */
typedef struct GwCtx {
	const char *ns;     /* the API's namespace */
	const json_t *api;  /* its document */
	const char *tmpl;   /* the matched path template */
	const char *method; /* lower case */
	const json_t *op;   /* the operation */
	int cors;
} GwCtx;
int gateway_policy_check(json_t *doc, char *err, size_t n);
int gateway_policy(Backend *b, HttpReq *req, const GwCtx *g, json_t *extra);
void gateway_policy_free(Backend *b);
int ratelimit_take(Backend *b, const char *key, double rate, double period_ms, int64_t *retry_ms);
void ratelimit_free(Backend *b);
typedef struct JwtRules {
	const char *issuer, *audience; /* NULL: not checked */
	const char *secret;            /* HS256's, or NULL */
	const json_t *jwks;            /* {"keys": [...]} for RS256 and ES256, or NULL */
	const json_t *algorithms;      /* accepted, or NULL for all the keys allow */
	int require_exp;
} JwtRules;
int jwt_verify(const char *token, const JwtRules *r, json_t **claims, char *err, size_t n);
typedef void (*jwks_resume_cb)(Backend *b, HttpReq *req);
int jwks_get(Backend *b, const json_t *cfg, HttpReq *req, jwks_resume_cb resume, const json_t **out, char *err,
             size_t n);
void jwks_free(Backend *b);
void gateway_serve(Backend *b, HttpReq *req, const char *ns, const char *path, const char *only_base);
void gateway_handle(Backend *b, HttpReq *req);

/* events.c */
int events_new(Backend *b, Events **out);
void events_free(Events *ev);
void events_emit(void *arg, int64_t seq, const char *ns, const char *kind, const char *op, const char *name,
                 const char *version, const char *act);
void events_handle(ApiReq *ar);
void events_live(Events *ev, const char *ns, const char *name, const char *id, const json_t *line);
int events_subscribers(Events *ev);

/* metrics.c */
int metrics_new(Metrics **out);
void metrics_free(Metrics *m);
void metrics_activation(Metrics *m, const char *path, int status, int64_t ms, const char *start);
/* ns: only that namespace's actions; NULL: every namespace's. */
void metrics_handle(Backend *b, HttpReq *req, const char *ns);

#endif
