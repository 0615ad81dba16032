/* wskprops.c — the backend's address and key, as the options, the environment and wsk name them, and the client made for them: for the mount and the verbs alike. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

static const char *sockpath; /* the backend's Unix socket, or NULL for TCP */

/* Read APIHOST and AUTH from ~/.wskprops (or $WSK_CONFIG_FILE), those not known yet. */
static void
wskprops(char **host, char **auth)
{
	char path[1024], line[1024];
	const char *f = getenv("WSK_CONFIG_FILE"), *home = getenv("HOME");
	FILE *fp;

	if (f == NULL)
		snprintf(path, sizeof path, "%s/.wskprops", home ? home : "");
	else
		snprintf(path, sizeof path, "%s", f);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "APIHOST=", 8) == 0 && *host == NULL)
			*host = estrdup(line + 8);
		else if (strncmp(line, "AUTH=", 5) == 0 && *auth == NULL)
			*auth = estrdup(line + 5);
	}
	fclose(fp);
}

/*
 * The key in a file: its AUTH= line (a .wskprops), else its first line.
 * 0, or -1 with why said.
 */
static int
authfile(const char *path, char **auth)
{
	char line[1024], first[1024] = "";
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		log_error("cannot read the key: %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "AUTH=", 5) == 0) {
			snprintf(first, sizeof first, "%s", line + 5);
			break;
		}
		if (first[0] == '\0')
			snprintf(first, sizeof first, "%s", line);
	}
	fclose(fp);
	if (first[0] == '\0') {
		log_error("cannot read the key: %s is empty", path);
		return -1;
	}
	free(*auth);
	*auth = estrdup(first);
	return 0;
}

/* One option that names the backend, the mount's or a verb's, by its getopt
 * letter: b or H the address, k or u the key, K the key's file, s the
 * socket, C the CAs. 1 if c is one of them, else 0. A key given on the
 * command line is blanked, so ps shows it no longer. */
int
backendopt(Backendopt *bo, int c, char *arg)
{
	char **slot;

	switch (c) {
	case 'b':
	case 'H': slot = &bo->host; break;
	case 'k':
	case 'u': slot = &bo->auth; break;
	case 'K': slot = &bo->authfile; break;
	case 's': slot = &bo->socket; break;
	case 'C': slot = &bo->cafile; break;
	default: return 0;
	}
	free(*slot);
	*slot = estrdup(arg);
	if (slot == &bo->auth)
		memset(arg, '*', strlen(arg));
	return 1;
}

/* What the options left open: the key from the key's file, else
 * $FAASFS_AUTH; the socket from $FAASFS_SOCKET; the address and the key
 * from wsk's ~/.wskprops. 0, or -1 with why said. */
int
backendopt_finish(Backendopt *bo)
{
	if (bo->authfile && bo->auth == NULL && authfile(bo->authfile, &bo->auth) < 0)
		return -1;
	if (bo->auth == NULL && getenv("FAASFS_AUTH"))
		bo->auth = estrdup(getenv("FAASFS_AUTH"));
	if (bo->socket == NULL && getenv("FAASFS_SOCKET") && *getenv("FAASFS_SOCKET"))
		bo->socket = estrdup(getenv("FAASFS_SOCKET"));
	wskprops(&bo->host, &bo->auth);
	return 0;
}

/* fuse_daemonize changes to /: a relative socket path is made absolute first. */
static int
setsocket(const char *path)
{
	char cwd[4096];
	Buf b = { 0 };

	if (path == NULL || path[0] == '/') {
		sockpath = path;
		return 0;
	}
	if (getcwd(cwd, sizeof cwd) == NULL)
		return -errno;
	buf_printf(&b, "%s/%s", cwd, path);
	sockpath = b.p;
	return 0;
}

static int
setbackend(char *host, char *auth)
{
	Buf b = { 0 };

	if (host == NULL)
		host = estrdup("http://127.0.0.1:3233");
	if (strstr(host, "://") == NULL) {
		buf_printf(&b, "http://%s", host);
		free(host);
		host = b.p;
		b = (Buf){ 0 };
	}
	while (host[0] && host[strlen(host) - 1] == '/')
		host[strlen(host) - 1] = '\0';
	fs.base = host;
	fs.auth = auth ? auth : estrdup("");
	buf_str(&b, "Authorization: Basic ");
	base64_encode(fs.auth, strlen(fs.auth), &b);
	fs.authhdr = b.p;
	return 0;
}

/* The backend bo names (its host and key are taken; no host: the
 * default), over its socket if given, trusting its CAs if given: the loop
 * and the HTTP client made, nothing asked yet. */
int
backend_set(Backendopt *bo)
{
	static uv_loop_t loop;
	int rc;

	if ((rc = setbackend(bo->host, bo->auth)) < 0 || (rc = setsocket(bo->socket)) < 0 ||
	    (rc = uv_loop_init(&loop)) < 0)
		return rc;
	bo->host = bo->auth = NULL;
	fs.loop = &loop;
	if ((rc = mem_curl()) < 0 || (rc = curluv_init(fs.loop, &fs.cu)) < 0)
		return rc;
	curluv_unix_socket(fs.cu, sockpath);
	curluv_cafile(fs.cu, bo->cafile);
	return 0;
}
