/* secrets.c — an init's secrets as files: one a name, mode 0400, in a folder of the action's own.
 *
 * The init's "secrets" is an object NAME: value in base64 (the backend's
 * secrets.c). Each becomes the file DIR/NAME, DIR being workdir/secrets-N
 * (mode 0500 once written), owned by the proxy's uid, which is the
 * function's and no other's in a sandbox; the function finds DIR in
 * FAASFS_SECRETS. Nothing else of a secret is kept: not in the
 * environment, the logs or any answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"

static int
write_secret(int dfd, const char *name, const char *b64, size_t n)
{
	Buf v = { 0 };
	int fd, rc = 0;

	if (!name[0] || name[0] == '.' || strchr(name, '/'))
		return -EINVAL;
	if ((rc = base64_decode(b64, n, &v)) < 0)
		return rc;
	if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0400)) < 0)
		rc = -errno;
	else {
		if (v.n && write(fd, v.p, v.n) != (ssize_t)v.n)
			rc = -EIO;
		if (close(fd) < 0 && !rc)
			rc = -errno;
	}
	if (v.p)
		explicit_bzero(v.p, v.n);
	buf_free(&v);
	return rc;
}

/* Write the secrets; set a->secdir and FAASFS_SECRETS in a->env. */
int
secrets_place(Proxy *px, Action *a, json_t *secrets, char *err, size_t errlen)
{
	const char *name;
	json_t *v;
	int dfd, rc = 0;

	if (!json_object_size(secrets))
		return 0;
	if (!json_is_object(secrets))
		return snprintf(err, errlen, "the init's secrets must be an object"), -EINVAL;
	a->secdir = easprintf("%s/secrets-%lu", px->workdir, px->seq);
	if (mkdir(a->secdir, 0700) < 0 || (dfd = open(a->secdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot make the folder for secrets under %s: %s", px->workdir, strerror(errno));
		return -errno;
	}
	json_object_foreach(secrets, name, v)
	{
		if (!json_is_string(v) ||
		    (rc = write_secret(dfd, name, json_string_value(v), json_string_length(v))) < 0) {
			snprintf(err, errlen, "cannot write the secret %s: %s", name,
			         json_is_string(v) ? strerror(-rc) : "not base64 text");
			rc = rc < 0 ? rc : -EINVAL;
			break;
		}
	}
	if (!rc && fchmod(dfd, 0500) < 0)
		rc = -errno;
	close(dfd);
	if (!rc)
		env_set(&a->env, "FAASFS_SECRETS", a->secdir);
	return rc;
}
