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
int qname_parse(const char *path, const char *own_ns, qname *q, char *err, size_t n);
void qname_path(const qname *q, char *out, size_t n);
void qname_key(const qname *q, char *out, size_t n);
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
void limits_to_run(const json_t *lim, run_limits *rl);

/* quota.c */
enum { Q_CONCURRENT, Q_INVOKES, Q_FIRES, NQUOTA };
int quota_invoke(backend *b, const char *ns, char *err, size_t n);
void quota_release(backend *b, const char *ns);
int quota_fire(backend *b, const char *ns, char *err, size_t n);
json_t *quota_limits(backend *b, const char *ns);
int quota_option(const char *name, const char *arg, int *limits);
int quota_set(store *st, const char *ns, const int *limits, char *err, size_t n);
void quota_free(backend *b);
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
int request_events(const http_req *req, int batch_ok, json_t **out, char *err, size_t n);

/* store_mem.c */
int store_mem(void);

/* util.c */
int64_t now_ms(void);
int random_bytes(void *buf, size_t n);
void random_hex(char *out, size_t nhex);
void id_new(char out[33]);
char *strecpy(char *to, char *e, const char *from);

/* store.c */
int store_open(uv_loop_t *loop, const char *path, int sync_full, store **out);
void store_close(store *st);
void store_on_event(store *st, store_event_cb cb, void *arg);
int store_begin(store *st);
int store_commit(store *st);
void store_rollback(store *st);
void store_flush(store *st);
void store_act_queue(store *st, const act_row *r, store_commit_cb cb, void *arg);
int store_act_barrier(store *st, store_commit_cb cb, void *arg);
void store_stats(store *st, int64_t *commits, int64_t *rows);

/* store_secret.c */
int store_secret_list(store *st, const char *ns, const char *coll, const char *name, json_t *info, json_t *values);

/* store_entity.c */
int store_entity_peek(store *st, const char *ns, const char *coll, const char *name, json_t **doc);
int store_entity_get(store *st, const char *ns, const char *coll, const char *name, json_t **doc);
int store_entity_put(store *st, const char *ns, const char *coll, const char *name, const char *ref, json_t *doc);
int store_entity_put_secrets(store *st, const char *ns, const char *coll, const char *name, const char *ref,
                             json_t *doc, const Secretset *sets, int nsets);
int store_entity_del(store *st, const char *ns, const char *coll, const char *name, const char *version);
int store_entity_list(store *st, const char *ns, const char *coll, const char *ref, int limit, int skip, json_t **out);
int store_entity_count(store *st, const char *ns, const char *coll, const char *ref);
int64_t store_rules_gen(store *st);
int store_ns_add(store *st, const char *name, const char *uuid, const char *keyhash, int64_t now);
int store_ns_set_key(store *st, const char *name, const char *uuid, const char *keyhash);
int store_ns_by_uuid(store *st, const char *uuid, char *name, size_t nlen, char *hash, size_t hlen);
int store_ns_exists(store *st, const char *name);
int store_ns_limits(store *st, const char *name, json_t **out);
int store_ns_set_limits(store *st, const char *name, const json_t *limits);
int store_events_since(store *st, const char *ns, int64_t seq, int limit, store_event_cb cb, void *arg);

/* store_act.c */
int store_act_get(store *st, const char *ns, const char *id, json_t **doc);
int store_act_list(store *st, const char *ns, const char *name, int64_t since, int64_t upto, int limit, int skip,
                   json_t **out);
int store_act_count(store *st, const char *ns, const char *name, int64_t since, int64_t upto, int64_t *n);
int store_act_recover(store *st, int64_t now);
int store_prune(store *st, int64_t before, int64_t keep, int64_t keep_events, int batch);
void store_prune_request(store *st, int64_t before, int64_t keep, int64_t keep_events, int batch);
int64_t store_last_seq(store *st);

/* auth.c */
void key_hash(const char *key, char out[65]);
int auth_check(backend *b, const char *header, caller *who);
int ns_create(store *st, const char *name, const char *cred, char *out, size_t n);
int ns_guest_setup(backend *b);
void uuid_new(char out[37]);
void feed_key(backend *b, const char *uuid, char *out, size_t n);
void feed_key_hex(backend *b, const char *uuid, char out[65]);
int feed_secret_load(backend *b);

/* api_debug.c */
void api_debug(api_req *ar);

/* live.c */
void live_register(activation *a);
void live_unregister(activation *a);
activation *live_find(backend *b, const char *id);
void live_line(const json_t *line, void *arg);
void live_end(activation *a);
void live_follow(api_req *ar, const char *id);

/* fnkey.c */
void fnkey_make(activation *a, const json_t *ann);
void fnkey_drop(activation *a);
int fnkey_verify(backend *b, const char *uuid, const char *key, caller *who);
int fnkey_allows(api_req *ar, char **seg, int n, char *why, size_t len);

/* record.c */
const char *record_status_text(int status);
void record_init(record *r, const char *ns, const char *name, const char *version, const char *id, const char *cause);
void record_clear(record *r);
void record_annot(record *r, const char *key, const json_t *value);
void record_annot_str(record *r, const char *key, const char *value);
void record_annot_int(record *r, const char *key, int64_t value);
void record_log(record *r, json_t *line);
void record_set_times(record *r, int64_t start, int64_t end);
void record_set_response(record *r, int status, json_t *result);
void record_finish(record *r, const run_result *res);
char *record_text(const record *r);
char *record_fail(json_t *doc, int status, const char *msg, int64_t now);
json_t *record_summary(const json_t *r);
const char *record_path(const json_t *r);
const char *record_list_name(const json_t *r);

/* resolve.c */
int action_resolve(backend *b, const caller *who, const qname *q, resolved *r, int *status, char *err, size_t n);
void resolved_free(resolved *r);

/* invoke.c */
void action_spec(run_spec *sp, backend *b, const json_t *action, const char *ns, const char *path, json_t *init_env,
                 const char *id);
void action_expect(backend *b, const json_t *action);
int activation_start(backend *b, const act_req *rq, act_done_cb done, void *arg, activation **out, int *status,
                     char *err, size_t n);
int activation_ack(activation *a, store_commit_cb cb, void *arg);
void activation_spares_free(backend *b);
void activation_record(activation *a, const char *startup);

/* sequence.c */
int sequence_is(const json_t *action);
int sequence_is_exec(const json_t *exec);
int sequence_start(activation *a, json_t *params);
int conductor_is(const json_t *action);
int conductor_start(activation *a, json_t *params, comp_count *count);

/* api.c */
void api_handle(http_req *req, void *arg);
void api_check(http_req *req, void *arg);
void api_reply(http_req *req, int status, json_t *body, const char *extra);
void api_reply_text(http_req *req, int status, const char *text, size_t len, const char *extra);
void api_error(http_req *req, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int query_bool(http_req *req, const char *name, int def);
int query_int(http_req *req, const char *name, int64_t def, int64_t *out);
int query_page(api_req *ar, int *limit, int *skip);
int api_body_object(api_req *ar, json_t **out);
int api_payload(api_req *ar, json_t **out);
int api_events(api_req *ar, json_t **out);

/* entity.c */
void version_bump(const char *old, char *out, size_t n);
int entity_put_begin(api_req *ar, const char *coll, const char *key, json_t **body, json_t **old);
json_t *entity_doc(const char *nsfield, const char *name, const json_t *old, const json_t *body);
void entity_put_end(api_req *ar, const char *coll, const char *key, const char *ref, json_t *doc);
json_t *entity_get_or_404(api_req *ar, const char *coll, const char *key);
void entity_delete(api_req *ar, const char *coll, const char *key, json_t *doc);
void entity_list(api_req *ar, const char *coll, const char *ref, void (*trim)(json_t *doc));
int entity_name_ok(api_req *ar, const char *name);
json_t *entity_route(api_req *ar, const char *coll, void (*put)(api_req *ar, const char *name), const char **name);

/* invoke_http.c */
typedef void (*invoke_answer_cb)(http_req *req, const act_done *d, void *arg);
int invoke_wait(backend *b, http_req *req, const act_req *rq, int blocking, int64_t timeout_ms, invoke_answer_cb answer,
                void *arg, int *status, char *err, size_t n);

/* api_actions.c, invoke_http.c, api_packages.c, api_triggers.c, api_rules.c, api_activations.c */
void api_actions(api_req *ar);
void invoke_http(api_req *ar, const qname *q);
void action_validate(api_req *ar, const qname *q, json_t *doc);

/* secrets.c */
int secret_name_check(const char *k, char *err, size_t n);
int secrets_take(json_t *body, json_t **sets, char *err, size_t n);
int secrets_pending(store *st, const char *ns, const char *coll, const char *key, json_t *doc, json_t *sets);
int secrets_store(store *st, const char *ns, const char *coll, const char *key, const char *ref, json_t *doc);
int secrets_named(const json_t *doc);
int secrets_for_run(store *st, const char *ns, const char *pkg, const json_t *pkgdoc, const char *key,
                    const json_t *action, json_t *values, json_t *info);
json_t *secrets_for_validate(store *st, const char *ns, const char *pkg, const char *key, const json_t *doc);
void secrets_forget(api_req *ar, const char *coll, const char *key);
void api_secrets(api_req *ar, const char *coll, const char *key, const char *ref, const char *skey);
void api_packages(api_req *ar);
void api_triggers(api_req *ar);
void trigger_fire_http(backend *b, http_req *req, const caller *who, const char *name, const json_t *trig,
                       json_t *events, int batch, const json_t *annot);
void api_rules(api_req *ar);
void api_activations(api_req *ar);

/* web.c, web_reply.c */
typedef struct web_call {
	qname q;            /* the web action */
	const char *ext;    /* "http", "json", "html", "svg", "text" */
	const char *path;   /* __ow_path */
	json_t *extra;      /* more parameters (the gateway's path parameters), or NULL */
	const char *api_ns; /* for a gateway route: the API's namespace; NULL by the action's URL */
	int cors;           /* for a gateway route: add CORS headers */
} web_call;
void web_handle(backend *b, http_req *req);
void web_invoke(backend *b, http_req *req, const web_call *wc);
const char *web_ext_of(const char *url);
int web_method_allowed(const char *m);
void web_cors(http_req *req, Buf *h, const char *methods);
void web_error(http_req *req, int cors, const char *id, int status, const char *msg);
void web_error_h(http_req *req, int cors, const char *id, int status, const char *msg, const char *extra);
int web_action_exists(backend *b, const qname *q);
void media_type(const char *ctype, char *out, size_t n);
int media_is_json(const char *mt);
int media_is_binary(const char *mt);
void web_reply(http_req *req, const act_done *d, const char *ext, int cors);

/* fire.c */
typedef void (*fire_cb)(int status, const char *id, void *arg);
int trigger_fire(backend *b, const caller *who, const char *name, const json_t *trig, const json_t *payload,
                 const json_t *annot, fire_cb cb, void *arg, char *id);
void trigger_error(backend *b, const char *ns, const char *name, const char *msg, const json_t *annot);

/* feeds.c, catalog.c: the built-in feeds of /whisk.system and their services */
#define CATALOG_NS "whisk.system"
typedef struct feed_param {
	const char *name, *description;
	int required;
} feed_param;
typedef struct feed_service {
	const char *pkg, *name, *description;
	const feed_param *params;                                      /* ends with a NULL name */
	int (*check)(backend *b, json_t *config, char *err, size_t n); /* 0 or -EINVAL, err says which and why */
	int (*start)(backend *b, feed_row *r, char *err, size_t n);    /* serve r; sets r->next_due */
	void (*stop)(backend *b, const char *ns, const char *trigger);
	json_t *(*info)(backend *b, const feed_row *r);          /* what CREATE and READ tell besides, or NULL */
	int (*probe)(const json_t *config, char *err, size_t n); /* CREATE, UPDATE: in a worker thread, or NULL */
} feed_service;
void feed_builtin_invoke(api_req *ar, const feed_service *svc);
void feed_user_params(backend *b, const caller *who, const qname *q, json_t *params);
void feeds_forget(backend *b, const char *ns, const char *name);
json_t *feed_iso(int64_t ms);
void feed_error(backend *b, const char *ns, const char *trigger, const char *msg);
json_t *feed_describe(backend *b, const char *ns, const char *trigger);
void feed_fired(int status, const char *id, void *arg);
const feed_service *feed_service_of(const char *feed);
void catalog_route(api_req *ar, char **seg, int n);

/* alarms.c */
extern const feed_service alarms_alarm, alarms_once, alarms_interval;
int alarms_new(backend *b);
void alarms_free(backend *b);

/* files.c */
extern const feed_service files_changes;
int files_new(backend *b);
void files_free(backend *b);

/* mqtt.c */
extern const feed_service mqtt_subscribe;
int mqtt_new(backend *b);
void mqtt_free(backend *b);

/* mqtt_tls.c */
enum { MQTT_WHY_LEN = 256 };
struct ssl_ctx_st;
int mqtt_tls_ctx(const json_t *config, const char *host, char *why, struct ssl_ctx_st **out, char *err, size_t n);

/* webhooks.c */
extern const feed_service webhooks_webhook;
void webhook_handle(backend *b, http_req *req, const char *id);

/* store_feed.c */
void feed_row_clear(feed_row *r);
int store_feed_put(store *st, const feed_row *r);
int store_feed_get(store *st, const char *ns, const char *trigger, feed_row *r);
int store_feed_del(store *st, const char *ns, const char *trigger);
int store_feed_due(store *st, const char *ns, const char *trigger, int64_t next, int64_t last);
int store_feed_each(store *st, const char *like, void (*fn)(feed_row *r, void *arg), void *arg);

/* apimgmt.c, apidoc.c, apidoc3.c, gateway.c */
void apimgmt_handle(backend *b, http_req *req);
void gateway_url(backend *b, const char *ns, const char *basepath, char *out, size_t n);
int apidoc_is_method(const char *m);
void apidoc_operation_id(const char *method, const char *relpath, char *out, size_t n);
int apidoc_check(backend *b, json_t *doc, char *err, size_t n);
json_t *apidoc_new(const char *basepath, const char *title);
void apidoc_add(json_t *doc, const char *relpath, const char *method, const qname *a, const char *ext,
                const char *actions_url, json_t *params);
int apidoc_remove(json_t *doc, const char *relpath, const char *method, char *err, size_t n);
void apidoc_own(json_t *doc, const char *ns);
void apidoc_name(const char *base, char *out, size_t n);
void apimgmt_put(backend *b, http_req *req, const char *ns, json_t *doc, int rest);
void apimgmt_remove(backend *b, http_req *req, const char *ns, const json_t *old, int rest);
void api_apis(api_req *ar);
json_t *apidoc_v3(const json_t *doc, const char *url);
void gateway_forget(backend *b, const char *ns);
void gateway_again(backend *b, http_req *req);
int gateway_domain(backend *b, http_req *req);
const json_t *gateway_domain_of(backend *b, http_req *req);
int gateway_domains_load(backend *b);
int gateway_domain_claim(backend *b, const char *ns, const json_t *doc, const json_t *old, int *status, char *err,
                         size_t n);
void gateway_domain_commit(backend *b, const char *ns, const json_t *old, const json_t *doc);

/* gateway_policy.c, ratelimit.c, jwt.c, jwks.c */
typedef struct gw_ctx {
	const char *ns;     /* the API's namespace */
	const json_t *api;  /* its document */
	const char *tmpl;   /* the matched path template */
	const char *method; /* lower case */
	const json_t *op;   /* the operation */
	int cors;
} gw_ctx;
int gateway_policy_check(json_t *doc, char *err, size_t n);
int gateway_policy(backend *b, http_req *req, const gw_ctx *g, json_t *extra);
void gateway_policy_free(backend *b);
int ratelimit_take(backend *b, const char *key, double rate, double period_ms, int64_t *retry_ms);
void ratelimit_free(backend *b);
typedef struct jwt_rules {
	const char *issuer, *audience; /* NULL: not checked */
	const char *secret;            /* HS256's, or NULL */
	const json_t *jwks;            /* {"keys": [...]} for RS256 and ES256, or NULL */
	const json_t *algorithms;      /* accepted, or NULL for all the keys allow */
	int require_exp;
} jwt_rules;
int jwt_verify(const char *token, const jwt_rules *r, json_t **claims, char *err, size_t n);
typedef void (*jwks_resume_cb)(backend *b, http_req *req);
int jwks_get(backend *b, const json_t *cfg, http_req *req, jwks_resume_cb resume, const json_t **out, char *err,
             size_t n);
void jwks_free(backend *b);
void gateway_serve(backend *b, http_req *req, const char *ns, const char *path, const char *only_base);
void gateway_handle(backend *b, http_req *req);

/* events.c */
int events_new(backend *b, events **out);
void events_free(events *ev);
void events_emit(void *arg, int64_t seq, const char *ns, const char *kind, const char *op, const char *name,
                 const char *version, const char *act);
void events_handle(api_req *ar);
void events_live(events *ev, const char *ns, const char *name, const char *id, const json_t *line);
int events_subscribers(events *ev);

/* metrics.c */
int metrics_new(metrics **out);
void metrics_free(metrics *m);
void metrics_activation(metrics *m, const char *path, int status, int64_t ms, const char *start);
/* ns: only that namespace's actions; NULL: every namespace's. */
void metrics_handle(backend *b, http_req *req, const char *ns);

#endif
