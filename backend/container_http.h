/* container_http.h — a small keep-alive HTTP/1.1 client for talking to one container's proxy.
 *
 * One chttp per container endpoint (a Unix socket, or 127.0.0.1:PORT). Each call takes an idle
 * connection or opens a new one, so calls in flight at once use one
 * connection each; a finished connection goes back to the idle list when
 * the server keeps it alive. done_cb runs exactly once per call, always from
 * a loop callback, never from inside chttp_post.
 */
#ifndef FAAS_CONTAINER_HTTP_H
#define FAAS_CONTAINER_HTTP_H

#include <stddef.h>
#include <uv.h>

typedef struct Chttp Chttp;

/* err: 0, or -errno (-ECONNREFUSED, -ECONNRESET, -EFBIG when the answer is
 * over max_body, -ECANCELED when the endpoint was closed). body is the
 * NUL-terminated answer, owned by the client: copy what you keep. */
typedef void (*chttp_done_cb)(int err, int status, const char *body, size_t len, void *arg);

/* A client for 127.0.0.1:port, or for the Unix socket at path (-ENAMETOOLONG
 * if it does not fit a socket address). Nothing connects until the first
 * call or probe. 0 or -errno. */
int chttp_new(uv_loop_t *loop, int port, size_t max_body, Chttp **out);
int chttp_new_unix(uv_loop_t *loop, const char *path, size_t max_body, Chttp **out);
/* Send "Authorization: Bearer token" with every request from now on (the
 * proxy's FAASFS_PROXY_TOKEN). 0, or -ENAMETOOLONG for a token over 70 bytes. */
int chttp_token(Chttp *h, const char *token);
/* Close every connection; calls in flight end with -ECANCELED; frees itself
 * when the last handle has closed. */
void chttp_close(Chttp *h);
/* POST body to path (a string that outlives the call, e.g. a literal); the
 * client takes ownership of the malloc'd body. 0 or -errno. */
int chttp_post(Chttp *h, const char *path, char *body, size_t len, chttp_done_cb cb, void *arg);
/* Open one connection ahead of use; cb(err, 0, NULL, 0, arg) tells whether
 * the server accepts connections yet (the connection is then kept idle). */
int chttp_probe(Chttp *h, chttp_done_cb cb, void *arg);

#endif
