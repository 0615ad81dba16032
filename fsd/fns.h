/* fns.h — the file server's functions, by file. */
#ifndef FSD_FNS_H
#define FSD_FNS_H

#include <fcntl.h>
#include <sys/stat.h>
#include "base64.h"
#include "mem.h"

/* activ.c */
Act *act_get(const char *id);
void act_add(const char *p, size_t n);
json_t *act_rec(Act *a);
uint64_t act_seq(void);
int act_wait(const char *id, void (*fn)(void *arg, int err), void *arg);
int act_fetch(const char *id, void (*fn)(void *arg, int err), void *arg);
void act_latest(void (*done)(void));
int act_of(const char *id, const char *name);
void act_list(const char *name, void (*fn)(const char *name, mode_t mode, void *arg), void *arg);
int act_live(Node *n);
int act_exists(Node *n);
int wait_act(Node *n, Ent *e, void (*fn)(void *arg, int err), void *arg);
int act_attr(Node *n, uid_t uid, Ent *e, struct stat *st);
int afill_record(Node *n, Ent *e, Buf *b);
int afill_status(Node *n, Ent *e, Buf *b);
int afill_result(Node *n, Ent *e, Buf *b);
int afill_logs(Node *n, Ent *e, Buf *b);
int afill_name(Node *n, Ent *e, Buf *b);
int afill_int(Node *n, Ent *e, Buf *b);
int afill_cause(Node *n, Ent *e, Buf *b);
void alogs_read(Open *o, fuse_req_t req, size_t size, off_t off);
void logs_read(Open *o, fuse_req_t req, size_t size, off_t off);
int attr_logs(Node *n, uid_t uid, Ent *e, struct stat *st);
const Buf *action_logs(Ent *e);
const Buf *act_logs(Ent *e);
int act_log_attr(Node *n, uid_t uid, Ent *e, struct stat *st);
void act_log_read(Open *o, fuse_req_t req, size_t size, off_t off);
void stream_open(Open *o);
void stream_close(Open *o);
void stream_read(Open *o, fuse_req_t req, size_t size, off_t off);
int stream_ready(Open *o);
void stream_reply(Open *o, fuse_req_t req, size_t size);
void stream_shutdown(void);

/* archive.c */
int is_archive(const char *p, size_t n);
const char *kind_of_archive(const char *p, size_t n, char *err, size_t errlen);

/* backend.c */
int status_errno(long status);
char *bk_path(int kind, const char *name, const char *query);
int bk_request(const char *method, const char *path, const char *ctype, const char *body, size_t len, long timeout_ms,
               bk_cb cb, void *arg);
int bk_json(const char *method, const char *path, json_t *body, bk_cb cb, void *arg);
json_t *resp_json(Resp *r);

/* buf.c (the Buf itself is lib/buf.h) */
int buf_json(Buf *b, json_t *v);
int64_t now_ms(void);

/* cache.c */
Ent *ent_get(int kind, const char *name);
void ent_setlast(Ent *e, const char *p, size_t n);
Ent *action_ent(const char *name);
Ent *ent_make(int kind, const char *name);
void ent_drop(Ent *e);
void cache_deleted(int kind, const char *name);
void ent_unhold(Ent *e);
void ent_update(Ent *e, json_t *doc, int whole);
int ent_load(Ent *e, void (*fn)(void *arg, int err), void *arg);
void ent_seterr(Ent *e, const char *text);
void cache_each(int kind, void (*fn)(Ent *e, void *arg), void *arg);
size_t cache_count(int kind);
int cache_prime(void (*done)(int err));
int cache_prime_whole(void (*done)(int err));
void cache_event(json_t *ev);
void cache_stale(int kind);
int cache_all_fresh(void);
int cache_load_all(void (*fn)(void *arg, int err), void *arg);
void cache_put_whole(int kind, json_t *doc);

/* change.c */
int stage_action(Node *dir, const char *name, Kid *k, char *buf, size_t len);
int create_scratch(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi);
int create_action(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi);
int create_staged(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi);
int create_trigger(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi);
int create_src(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi);
int create_secret(fuse_req_t req, Node *dir, const char *name, mode_t mode, struct fuse_file_info *fi);
int mkdir_action(fuse_req_t req, Node *dir, const char *name);
int mkdir_src(fuse_req_t req, Node *dir, const char *name);
int mkdir_srcent(fuse_req_t req, Node *dir, const char *name);
int mkdir_package(fuse_req_t req, Node *dir, const char *name);
int unlink_secret(fuse_req_t req, Node *dir, const char *name, Kid *k);
int unlink_scratch(fuse_req_t req, Node *dir, const char *name, Kid *k);
int unlink_src(fuse_req_t req, Node *dir, const char *name, Kid *k);
int unlink_entity(fuse_req_t req, Node *dir, const char *name, Kid *k);
int unlink_dir(fuse_req_t req, Node *dir, const char *name, Kid *k);
int rmdir_entity(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len);
int rmdir_actions(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len);
int rmdir_src(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len);
int rmdir_none(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len);
int rmdir_hold(fuse_req_t req, Node *dir, const char *name, Kid *k, char *text, size_t len);
void fs_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi);
void fs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void fs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname,
               unsigned int flags);

/* src.c */
int src_scratch_name(const char *name);
const char *src_rel(Node *n);
void src_free(Src *s);
int src_of(Ent *e, Src **out);
int src_exists(Node *n);
int src_there(Node *n);
int src_opening(Pend *p, Node *n, Buf *b);
int src_kid(Node *dir, const char *name, Kid *k, char *buf, size_t len);
mode_t src_mode(Node *n);
int src_attr(Node *n, uid_t uid, Ent *e, struct stat *st);
void src_list(Node *dir, void (*fn)(const char *name, mode_t mode, void *arg), void *arg);
void src_changed(Src *s, fuse_req_t req);
int src_settle(Ent *e, void (*fn)(void *arg, int err, const char *text), void *arg);
void src_open(Open *o);
void src_read(Open *o, fuse_req_t req, size_t size, off_t off);
void src_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off);
void src_release(Open *o);
void src_truncate(Node *n, Open *o, off_t size);
void src_chmod(Node *n, mode_t mode);
void src_fsync(Open *o, fuse_req_t req);
int src_make(fuse_req_t req, Node *dir, const char *name, mode_t mode, Kid *k);
int src_start(Ent *e);
int src_remove(fuse_req_t req, Node *parent, const char *name, int dir);
int is_src(Node *n);
int src_rename(fuse_req_t req, Node *sdir, const char *name, Node *dir, const char *newname, unsigned flags);
void src_err(Src *s, const char *path, int err, const char *text);

/* secret.c */
int secret_kid(Node *dir, const char *name, Kid *k, char *buf, size_t len);
int secret_exists(Node *n);
void secret_list(Node *dir, void (*fn)(const char *name, mode_t mode, void *arg), void *arg);
int secret_create(Node *dir, const char *name, Kid *k);
void secret_forget(Node *n);
int secret_opening(Pend *p, Node *n, Buf *b);
void secret_close(Open *o);
int secret_put(Node *n, const char *data, size_t len, commit_cb cb, void *arg);

/* hold.c */
int hold_fetch(Node *n, Ent *e, void (*fn)(void *arg, int err), void *arg);
int hold_kid(Node *dir, const char *name, Kid *k, char *buf, size_t len);
int hold_exists(Node *n);
mode_t hold_mode(Node *n);
int hold_attr(Node *n, uid_t uid, Ent *e, struct stat *st);
int hold_fill(Node *n, Ent *e, Buf *b);
void hold_list(Node *dir, list_fn fn, void *arg);
void hold_released(const char *id);

/* commit.c */
int stage_check(Open *o, char *err, size_t len);
int commit(Node *n, const char *data, size_t len, commit_cb cb, void *arg);
int commit_manifest(Node *n, const char *data, size_t len, commit_cb cb, void *arg);
int check_object(Node *n, const char *p, size_t len, char *err, size_t errlen);
int check_limits(Node *n, const char *p, size_t len, char *err, size_t errlen);
int check_web(Node *n, const char *p, size_t len, char *err, size_t errlen);
int check_debug(Node *n, const char *p, size_t len, char *err, size_t errlen);
int check_rule(Node *n, const char *p, size_t len, char *err, size_t errlen);
int check_exec_word(Node *n, const char *p, size_t len, char *err, size_t errlen);
int check_binding(Node *n, const char *p, size_t len, char *err, size_t errlen);
json_t *body_code(Cm *c, Ent *e);
json_t *body_exec(Cm *c, Ent *e);
json_t *body_params(Cm *c, Ent *e);
json_t *body_annot(Cm *c, Ent *e);
json_t *body_limits(Cm *c, Ent *e);
json_t *body_binding(Cm *c, Ent *e);
json_t *body_api(Cm *c, Ent *e);
json_t *body_web(Cm *c, Ent *e);
json_t *body_debug(Cm *c, Ent *e);
json_t *body_rule(Cm *c, Ent *e);

/* content.c */
json_t *kv_object(json_t *arr);
const char *web_of(json_t *doc);
void url_escape(Buf *b, const char *s);
json_t *kv_array(json_t *obj);
int code_bytes(Ent *e, Buf *b);
off_t code_size(Ent *e);
const char *localname(const char *q);
void rule_of_doc(json_t *doc, Ruletext *r);
int ent_docfresh(Ent *e);
int node_fill(Node *n, Buf *b);
int fill_manifest(Node *n, Ent *e, Buf *b);
int fill_code(Node *n, Ent *e, Buf *b);
int fill_exec(Node *n, Ent *e, Buf *b);
int fill_kv(Node *n, Ent *e, Buf *b);
int fill_limits(Node *n, Ent *e, Buf *b);
int fill_version(Node *n, Ent *e, Buf *b);
int fill_objerr(Node *n, Ent *e, Buf *b);
int fill_logs(Node *n, Ent *e, Buf *b);
int fill_url(Node *n, Ent *e, Buf *b);
int fill_web(Node *n, Ent *e, Buf *b);
int fill_debug(Node *n, Ent *e, Buf *b);
int fill_binding(Node *n, Ent *e, Buf *b);
int fill_trigger(Node *n, Ent *e, Buf *b);
int fill_rule(Node *n, Ent *e, Buf *b);
int fill_api(Node *n, Ent *e, Buf *b);

/* files.c: the table, and its row of file kind q; inline, as every
 * FUSE operation asks it several times (a listing once an entry) */
extern const File filetab[Nq];
static inline const File *
file_of(int q)
{
	return &filetab[q > 0 && q < Nq ? q : 0];
}
/* Does n's row say flag? */
static inline int
node_is(Node *n, int flag)
{
	return (filetab[n->q].flags & flag) != 0;
}

/* events.c */
int events_start(void (*first)(void));
void events_stop(void);

/* fileops.c */
Open *open_new(Node *n, int flags);
void open_free(Open *o);
void file_open(Pend *p);
void reply_slice(fuse_req_t req, const Buf *b, size_t size, off_t off);
void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void fs_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off, struct fuse_file_info *fi);
void fs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi);
void fs_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct fuse_pollhandle *ph);
void fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);

/* fsops.c */
Pend *pend_new(int op, fuse_req_t req, fuse_ino_t ino, const char *name, struct fuse_file_info *fi);
void pend_free(Pend *p);
int pend_wait(Pend *p, Node *n);
int wait_all(Node *n, Ent *e, void (*fn)(void *arg, int err), void *arg);
double attr_timeout(Node *n);
int reply_entry(fuse_req_t req, Node *dir, const char *name, const Kid *k, struct fuse_file_info *fi);
int gate(Node *n);
void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_readlink(fuse_req_t req, fuse_ino_t ino);
void fs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void fs_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f);
void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi);
void fs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void fs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void fs_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);

/* fire.c */
void fire_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off);
void fire_flush(Open *o, fuse_req_t req);

/* invoke.c */
void invoke_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off);
void invoke_read(Open *o, fuse_req_t req, size_t size, off_t off);
int invoke_ready(Open *o);
void invoke_flush(Open *o, fuse_req_t req);
void invoke_release(Open *o, fuse_req_t req);
void invoke_close(Open *o);
void result_read(Open *o, fuse_req_t req, size_t size, off_t off);
int result_load(Ent *e, void (*fn)(void *arg, int err), void *arg);
int result_size(Ent *e, off_t *size);
int attr_result(Node *n, uid_t uid, Ent *e, struct stat *st);
int wait_result(Node *n, Ent *e, void (*fn)(void *arg, int err), void *arg);

/* manifest.c */
json_t *manifest_packages(int (*keep)(Ent *e));
int manifest_fill(Buf *b);
int manifest_plan(json_t *m, json_t *steps, char *err, size_t errlen);
int manifest_apply(const char *text, size_t len, commit_cb cb, void *arg, char *err, size_t errlen);

/* manifest_apis.c */
void manifest_apis_out(json_t *pkgs, int (*keep)(Ent *e));
int manifest_apis_in(const char *pkg, json_t *apis, json_t *steps, char *err, size_t n);

/* feedtab.c */
int feedtab_fill(Node *n, Ent *e, Buf *b);
int feedtab_check(Node *n, const char *text, size_t len, char *err, size_t errlen);
int feedtab_apply(int q, const char *text, size_t len, commit_cb cb, void *arg, char *err, size_t errlen);
int feedtab_commit(Node *n, const char *text, size_t len, commit_cb cb, void *arg);

/* wskprops.c */
int backendopt(Backendopt *bo, int c, char *arg);
int backendopt_finish(Backendopt *bo);
int backend_set(Backendopt *bo);

/* project.c */
int project_load(Project *p, const char *dir, const char *name, int managed, char *err, size_t n);
json_t *project_managed(Project *p);
void project_free(Project *p);

/* verb.c */
int verb_is(const char *arg);
int verb_main(int argc, char **argv);
int verb_call(const char *method, const char *path, json_t *body, json_t **out, char *err, size_t n);
int verb_step(json_t *step, char *err, size_t n);
int verb_steps(json_t *steps, size_t from, size_t to, int *rcs, char *err, size_t n);
int verb_load(json_t *ents);
int verb_load_all(void);
const char *managed_by(Ent *e);

/* deploy.c */
int deploy(Project *p, int sync, char *err, size_t n);
int undeploy(Project *p, const char *name, char *err, size_t n);

/* export.c */
int export_project(const char *name, const char *dir, char *err, size_t n);

/* mounted.c */
int mounted_watch(const char *path, void (*fn)(void));
int mounted_still(void);
int mounted_guard(const char *path, char *title, size_t len);

/* msg.c */
const char *msg_ctype(const char *p, size_t n, int json);
int msg_split(Buf *part, const char *data, size_t n, int final, msg_cb cb, void *arg, char *err, size_t errlen);

/* node.c */
fuse_ino_t node_ino(Node *n);
fuse_ino_t path_ino(const char *path);
Node *node_of(fuse_ino_t ino);
void node_unpath(const char *path);
Node *node_bypath(const char *path);
char *path_join(const char *dir, const char *name);
Node *node_make(Node *parent, const char *name, const Kid *kid);
void node_forget(Node *n, uint64_t nlookup);
void node_rename(const char *from, const char *to, const char *oldename, const char *newename);
size_t node_count(void);

/* notify.c */
int notify_start(void);
int notify_stop(void);
void notify_entry(const char *dir, const char *name);
void notify_inode(const char *path);
void notify_new(Ent *e);
void notify_gone(Ent *e);
void notify_changed(Ent *e);

/* park.c */
void park_init(Parkq *q);
/* wait.c */
void wait_add(Waitq *q, void (*fn)(void *arg, int err), void *arg);
void wait_wake(Waitq *q, int err);
int park(Parkq *q, fuse_req_t req, size_t size, off_t off, Open *o);
int park_read(Parkq *q, fuse_req_t req, size_t size, off_t off, Open *o);
Park *unpark(Parkq *q);
void park_poll(Open *o, fuse_req_t req, struct fuse_pollhandle *ph, int ready);
void poll_wake(Open *o);
void park_drain(Parkq *q, int err);

/* live.c */
void live_event(json_t *ev);
void live_done(const char *id);
void live_reset(void);
const Buf *live_text(const char *id);
void live_action(const char *name, Buf *b);

/* mountopt.c */
void mountopt_parse(Mountopt *mo, const char *opts);
void mountopt_source(Mountopt *mo, const char *src);

/* rename.c */
int action_move(fuse_req_t req, Node *sdir, const char *sname, Node *dir, const char *name);

/* root.c */
void err_note(fuse_req_t req, const char *op, const char *path, Ent *e, int err, const char *text);
void err_note_as(uid_t uid, pid_t pid, const char *op, const char *path, Ent *e, int err, const char *text);
void fail_req(fuse_req_t req, const char *op, const char *dir, const char *name, int err, const char *text);
void *later(fuse_req_t req, const char *op, const char *path);
void later_reply(void *arg, int err, const char *text);
int err_fill(uid_t uid, Buf *b);
void err_clear(uid_t uid);
int status_fill(Node *n, Ent *e, Buf *b);
int err_open(Pend *p, Node *n, Buf *b);
int err_attr(Node *n, uid_t uid, Ent *e, struct stat *st);
void err_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off);
void fs_down(const char *why);
void fs_up(void);
void ctl_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off);
void ctl_read(Open *o, fuse_req_t req, size_t size, off_t off);

/* scratch.c */
Scratch *scratch_get(const char *path);
Scratch *scratch_new(const char *path, mode_t mode);
void scratch_put(Scratch *s);
void scratch_unlink(const char *path);
int scratch_rename(const char *from, const char *to);
void scratch_each(const char *dir, void (*fn)(const char *name, void *arg), void *arg);
mode_t scratch_mode(Node *n);
int scratch_exists(Node *n);
int scratch_attr(Node *n, uid_t uid, Ent *e, struct stat *st);
int scratch_fill(Node *n, Ent *e, Buf *b);
void scratch_open(Open *o);
void scratch_read(Open *o, fuse_req_t req, size_t size, off_t off);
void scratch_write(Open *o, fuse_req_t req, const char *buf, size_t size, off_t off);
void scratch_truncate(Node *n, Open *o, off_t size);
void scratch_chmod(Node *n, mode_t mode);

/* steps.c */
json_t *step_new(const char *method, int kind, const char *name, const char *query, json_t *body);
void step_add(json_t *steps, const char *method, int kind, const char *name, const char *query, json_t *body);
void steps_run(json_t *steps, const char *what, commit_cb cb, void *arg);
json_t *feed_step(const char *name, const char *feed, const char *event, json_t *params);
void steps_run_undo(json_t *steps, json_t *undos, const char *what, commit_cb cb, void *arg);
int step_kind(json_t *s);
const char *step_name(json_t *s);
const char *step_method(json_t *s);

/* undo.c */
json_t *putback(Ent *e);
int binding_dropped(Ent *e, json_t *b);
const char *trigger_feed(Ent *t);
json_t *feed_state(Ent *t, const char *feed, feedread_cb read);
void undo_fit(json_t *steps);
json_t *undos_of(json_t *steps, feedread_cb read);

/* text.c */
int limits_parse_line(const char *line, json_t *lim, char *err, size_t errlen);
int limits_parse(const char *text, size_t len, json_t *lim, char *err, size_t errlen);
void limits_format(json_t *lim, Buf *b);
int rule_parse(const char *text, size_t len, Ruletext *r, char *err, size_t errlen);
void rule_format(const Ruletext *r, Buf *b);
const char *kind_of_name(const char *name, size_t *baselen);
const char *action_ext(size_t i);
void components_format(const json_t *comps, const char *ns, Buf *b);
int components_parse(const char *p, size_t len, json_t **out, char *err, size_t errlen);
const char *kind_of_code(const char *p, size_t n);
int is_scratch_name(const char *name);
int is_text(const char *s, size_t n);
json_t *web_annotations(const char *text, size_t len, char *err, size_t errlen);
json_t *debug_annotations(const char *text, size_t len, char *err, size_t errlen);

/* yaml.c */
#include "yamljson.h"
int json_to_yaml(json_t *v, Buf *b);

/* tree.c */
mode_t node_mode(Node *n);
int is_actid(const char *s);
int link_target(Node *n, char *buf, size_t len);
int kid_of(Node *dir, const char *name, Kid *k, char *buf, size_t len);
int kid_action(Node *dir, const char *name, Kid *k, char *buf, size_t len);
int kid_entity(Node *dir, const char *name, Kid *k, char *buf, size_t len);
int kid_actlink(Node *dir, const char *name, Kid *k, char *buf, size_t len);
int kid_activation(Node *dir, const char *name, Kid *k, char *buf, size_t len);
Ent *node_ent(Node *n);
Ent *ent_of(Node *n);
Ent *ent_pkgdir(Node *n);
int node_exists(Node *n);
int exists_always(Node *n);
int actions_exist(Node *n);
int actlink_exists(Node *n);
int node_attr(Node *n, uid_t uid, struct stat *st);
int attr_none(Node *n, uid_t uid, Ent *e, struct stat *st);
int attr_code(Node *n, uid_t uid, Ent *e, struct stat *st);
int attr_link(Node *n, uid_t uid, Ent *e, struct stat *st);
void dir_list(Node *dir, list_fn fn, void *arg);
void list_actions(Node *dir, list_fn fn, void *arg);
void list_entities(Node *dir, list_fn fn, void *arg);
void list_activations(Node *dir, list_fn fn, void *arg);
void list_acts(Node *dir, list_fn fn, void *arg);

#endif
