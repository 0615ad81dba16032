/* curluv.h — libcurl's multi interface driven by a libuv loop.
 *
 * One curluv per loop. A request is an easy handle the caller configured
 * (or one made by curluv_request); when it finishes, done_cb runs on the
 * loop with the curl result, the HTTP status and, for curluv_request, the
 * whole response body. The easy handle is cleaned up after done_cb returns.
 * Requests may be started from anywhere, even from inside a libcurl write
 * callback (they then start on the next turn of the loop). curluv uses
 * CURLOPT_PRIVATE of every easy handle it runs. curluv_cancel must not be
 * called from inside a libcurl callback.
 */
#ifndef FAAS_CURLUV_H
#define FAAS_CURLUV_H

#include <stddef.h>
#include <curl/curl.h>
#include <uv.h>

typedef struct Curluv Curluv;

typedef struct CurluvResp {
	CURLcode rc; /* CURLE_OK or the transfer error */
	long status; /* HTTP status, 0 when no answer came */
	char *body;  /* response body, NUL-terminated (curluv_request) */
	size_t len;
	const char *error; /* curl's error text when rc != CURLE_OK */
	CURL *easy;
} CurluvResp;

typedef void (*curluv_done_cb)(CurluvResp *resp, void *arg);

int curluv_init(uv_loop_t *loop, Curluv **out);
void curluv_free(Curluv *cu);

/* Every transfer started from now on connects to the Unix-domain socket at
 * path instead of the URL's host and port (which still make the Host header
 * and the request line); NULL goes back to TCP. */
void curluv_unix_socket(Curluv *cu, const char *path);

/* Every transfer started from now on trusts only the CAs in the PEM file at
 * path for TLS peers, instead of the system's store (libcurl's default);
 * NULL goes back to that store. */
void curluv_cafile(Curluv *cu, const char *path);

/* Run an easy handle the caller set up; the caller's write callback gets the
 * data (resp->body is NULL). Returns 0 or -errno; done_cb is not called when
 * it fails. */
int curluv_add(Curluv *cu, CURL *easy, curluv_done_cb cb, void *arg);

/* Make and run a request: method, url, extra headers (NULL-terminated array of
 * "Name: value", or NULL), body (may be NULL), timeout in ms (0 = none). The
 * response body is collected. Returns 0 or -errno. */
int curluv_request(Curluv *cu, const char *method, const char *url, const char *const *headers, const char *body,
                   size_t len, long timeout_ms, curluv_done_cb cb, void *arg);

/* Cancel a transfer started here; its done_cb runs with CURLE_ABORTED_BY_CALLBACK. */
void curluv_cancel(Curluv *cu, CURL *easy);

#endif
