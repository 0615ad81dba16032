/* auth.c — the container's secret: taken from FAASFS_PROXY_TOKEN, asked of every request.
 *
 * Containers on one host share its network, so a function could connect to
 * another container's proxy on 127.0.0.1 and run or init it. The backend
 * therefore gives each proxy a random token in FAASFS_PROXY_TOKEN and sends
 * it as "Authorization: Bearer TOKEN" with every request; a request without
 * it gets 401 before it is routed, so it learns nothing and changes nothing.
 *
 * No function may see the token. The proxy reads it first thing in main,
 * before any function process exists, and removes it from environ. That is
 * not enough: /proc/PID/environ shows the strings exec left on the stack,
 * whatever environ says now, so those bytes are blanked too. The proxy then
 * makes itself non-dumpable, so a function running as the same user cannot
 * read the proxy's memory (/proc/PID/mem, ptrace) for the copy it keeps;
 * execve makes the functions dumpable again.
 *
 * Without the variable (Knative, standalone use) nothing is asked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include "dat.h"
#include "fns.h"

#define TOKEN_VAR "FAASFS_PROXY_TOKEN"

extern char **environ;

static const char UNAUTHORIZED[] = "{\"error\":\"Unauthorized: this proxy takes requests only with its token.\"}";

/* Blank every TOKEN_VAR=... exec gave us, then drop it from environ. */
static void
scrub_env(void)
{
	size_t n = sizeof TOKEN_VAR; /* the name and its '=' */
	char **e;

	for (e = environ; *e; e++)
		if (strncmp(*e, TOKEN_VAR "=", n) == 0)
			explicit_bzero(*e + n, strlen(*e + n));
	unsetenv(TOKEN_VAR);
}

int
auth_init(Proxy *px)
{
	const char *v = getenv(TOKEN_VAR);

	if (v == NULL)
		return 0;
	if (*v)
		px->token = estrdup(v);
	px->tokenlen = px->token ? strlen(px->token) : 0;
	scrub_env();
	if (px->token && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* a == the token, in time that depends on the token's length only. */
static int
token_equal(const Proxy *px, const char *a)
{
	size_t alen = strlen(a), i;
	unsigned char diff = alen != px->tokenlen;

	for (i = 0; i < px->tokenlen; i++)
		diff |= (unsigned char)(i < alen ? a[i] : 0) ^ (unsigned char)px->token[i];
	return diff == 0;
}

int
auth_check(Proxy *px, HttpReq *req)
{
	const char *h;

	if (px->token == NULL)
		return 1;
	h = http_header_get(req, "Authorization");
	if (h && strncasecmp(h, "Bearer ", 7) == 0) {
		for (h += 7; *h == ' '; h++)
			;
		if (token_equal(px, h))
			return 1;
	}
	http_respond(req, 401, "application/json", "WWW-Authenticate: Bearer\r\n", UNAUTHORIZED,
	             sizeof UNAUTHORIZED - 1);
	return 0;
}
