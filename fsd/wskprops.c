/* wskprops.c — the backend's address and key, as wsk finds them, and the client made for them: for the mount and the verbs alike. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"

static const char *sockpath; /* the backend's Unix socket, or NULL for TCP */

/* Read APIHOST and AUTH from ~/.wskprops (or $WSK_CONFIG_FILE), those not known yet. */
void
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

/* The backend at host (taken; NULL: the default) with key auth (taken),
 * over socket if given, trusting cafile's CAs if given: the loop and the
 * HTTP client made, nothing asked yet. */
int
backend_set(char *host, char *auth, const char *socket, const char *cafile)
{
	static uv_loop_t loop;
	int rc;

	if ((rc = setbackend(host, auth)) < 0 || (rc = setsocket(socket)) < 0 || (rc = uv_loop_init(&loop)) < 0)
		return rc;
	fs.loop = &loop;
	if ((rc = mem_curl()) < 0 || (rc = curluv_init(fs.loop, &fs.cu)) < 0)
		return rc;
	curluv_unix_socket(fs.cu, sockpath);
	curluv_cafile(fs.cu, cafile);
	return 0;
}
