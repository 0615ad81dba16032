/* mountopt.c — mount(8)'s calling convention: the source and the -o options that are ours.
 *
 * mount(8) and systemd start a file system of type fuse.faasfs through
 * mount.fuse3 as `faasfs SOURCE MOUNTPOINT -o OPTIONS`. SOURCE names the
 * backend: a URL (http://HOST:PORT, https://...), the path of its Unix
 * socket (an absolute path), or a word such as `faasfs` for the defaults.
 * OPTIONS mix ours (backend=, socket=, auth_file=, cafile=), those only
 * mount(8) and systemd read (defaults, x-systemd.*, _netdev, ...), which we
 * drop, and the kernel's and libfuse's (allow_other, nosuid, ro, ...),
 * which go on to fuse_session_new. Our own option names say what the long
 * options say, so an fstab line and a command line read alike.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"
#include "log.h"

/* Options mount(8), systemd and fstab read, which mean nothing to the kernel. */
static int
mount_only(const char *o)
{
	static const char *const words[] = { "defaults", "auto",  "noauto", "_netdev", "nofail", "user",
		                             "nouser",   "users", "owner",  "group",   "comment" };
	size_t i;

	if (strncmp(o, "x-", 2) == 0 || strncmp(o, "comment=", 8) == 0)
		return 1;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(o, words[i]) == 0)
			return 1;
	return 0;
}

/* One option of ours into mo; 0 when it is not ours. */
static int
own_option(Mountopt *mo, const char *o)
{
	static const struct {
		const char *name;
		size_t off;
	} own[] = {
		{ "backend=", offsetof(Mountopt, be.host) },
		{ "socket=", offsetof(Mountopt, be.socket) },
		{ "auth_file=", offsetof(Mountopt, be.authfile) },
		{ "cafile=", offsetof(Mountopt, be.cafile) },
	};
	size_t i, n;

	for (i = 0; i < sizeof own / sizeof own[0]; i++) {
		n = strlen(own[i].name);
		if (strncmp(o, own[i].name, n) == 0) {
			char **slot = (char **)((char *)mo + own[i].off);

			free(*slot);
			*slot = estrdup(o + n);
			return 1;
		}
	}
	return 0;
}

/* Split -o text: ours into mo, mount(8)'s dropped, the rest appended to mo->fuse. */
void
mountopt_parse(Mountopt *mo, const char *opts)
{
	char *copy = estrdup(opts), *save = NULL, *o;

	for (o = strtok_r(copy, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save)) {
		if (*o == '\0' || own_option(mo, o) || mount_only(o))
			continue;
		buf_printf(&mo->fuse, "%s%s", mo->fuse.n ? "," : "", o);
	}
	free(copy);
}

/* SOURCE as mount(8) gives it: a URL, a socket's path, or a name
 * standing for the defaults; an option naming the same thing wins. */
void
mountopt_source(Mountopt *mo, const char *src)
{
	mo->fsname = src;
	if (strstr(src, "://") != NULL && mo->be.host == NULL)
		mo->be.host = estrdup(src);
	else if (src[0] == '/' && mo->be.socket == NULL)
		mo->be.socket = estrdup(src);
}
