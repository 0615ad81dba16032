/* fns.h — faasfs-proxy's functions, by file. */
#ifndef PROXY_FNS_H
#define PROXY_FNS_H

#include "base64.h"
#include "mem.h"

#define CONCURRENT_MAX 1000 /* "__OW_ALLOW_CONCURRENT=true" without a number */
#define ERRMAX 4096

enum { W_LINE = 1, W_CLOSE = 2 };

/* util.c */
uint64_t now_ms(void);
char *env_pair(const char *name, const char *value);
int env_count(char **env);
void env_set(char ***envp, const char *name, const char *value);
char **env_copy(char **env);
void env_free(char **env);
void env_add_run(char ***envp, json_t *run);
int rmtree(const char *dir);

/* secrets.c */
int secrets_place(Proxy *px, Action *a, json_t *secrets, char *err, size_t errlen);
int write_all(int fd, const char *p, size_t len);

/* The longest answer a function may give: room for any body we take. */
#define answer_max(px) (4 * (px)->opt.max_body + 65536)

/* logs.c */
void log_write(Proxy *px, int to, const char *p, size_t len);
void log_sentinels(Proxy *px);

/* capture.c */
void capture_out(Proxy *px, int to, const char *p, size_t len);
void capture_begin(Proxy *px, Act *a, HttpReq *req);
char *capture_end(Proxy *px, Act *a, const char *body, size_t blen, size_t *len);
int stream_read(Stream *s);
void stream_tail(Stream *s, char *buf, size_t size, int lines);

/* child.c */
int child_spawn(Proxy *px, Child *c, const char **argv, char **env, const char *cwd, int ctl);
int child_adopt(Proxy *px, Child *c, int pid, const int *fds);
int child_write(Child *c, const char *p, size_t len, int flags);
void child_close_stdin(Child *c);
void child_deadline(Child *c, uint64_t at);
void child_kill(Child *c);
void child_drain(Child *c);
void child_spin(Child *c, const int *busy, uint64_t budget_ns);
void child_close(Child *c);
void child_exit_text(Child *c, char *buf, size_t size);

/* kind.c */
const Kind *kind_lookup(const char *name);
const Kind *kind_named(const char *canonical);
const Kind *kind_detect_code(const char *p, size_t len);
const Kind *kind_detect_dir(const char *dir);
int is_executable(const char *p, size_t len);

/* unpack.c */
int is_archive(const char *p, size_t len);
int unpack_archive(const char *p, size_t len, const char *dir, char *err, size_t errlen);
int unpack_file(const char *p, size_t len, const char *dir, const char *name, char *err, size_t errlen);

/* action.c */
int action_new(Proxy *px, json_t *value, const char *code, size_t len, Action **out, char *err, size_t errlen);
int action_place_archive(Action *a, const char *code, size_t len, char *err, size_t errlen);
int action_place_file(Action *a, const char *code, size_t len, char *err, size_t errlen);
int action_same(Proxy *px, json_t *value, const char *code, size_t len);
void action_free(Action *a);

/* init.c */
void init_request(Proxy *px, HttpReq *req, json_t *value, json_t *run);
int init_from_env(Proxy *px);
void init_ready(Proxy *px);
void init_failed(Proxy *px, const char *msg);

/* act.c */
void act_submit(Proxy *px, HttpReq *req, json_t *run, const char *text, size_t len);
json_t *act_run(Act *a);
void act_dispatch(Proxy *px);
void act_result(Act *a, const char *line, size_t len);
void act_fail(Act *a, int status, const char *msg);
void act_fail_queued(Proxy *px, int status, const char *msg);
void act_timeout_text(Act *a, char *buf, size_t size);
int result_valid(const char *line, size_t len);

/* inflight.c */
Act *idtab_get(Idtab *t, const char *id, size_t len);
void idtab_add(Idtab *t, Act *a);
void idtab_del(Idtab *t, Act *a);
void idtab_free(Idtab *t);

/* proc.c */
int proc_start(Proxy *px, char *err, size_t errlen);
int proc_prelaunch(Proxy *px, char *err, size_t errlen);
void proc_send(Proc *p, Act *a);
void proc_stop(Proxy *px);

/* once.c */
void once_start(Proxy *px, Act *a);
void once_stop(Proxy *px);

/* auth.c */
int auth_init(Proxy *px);
int auth_check(Proxy *px, HttpReq *req);

/* serve.c */
void serve_request(HttpReq *req, void *arg);
void serve_check(HttpReq *req, void *arg);
void reply_error(HttpReq *req, int status, const char *msg);

#endif
