/* unpack.c — an action's code onto disk: zip and tar.gz archives, executables.
 *
 * libarchive is loaded at the first archive (dlopen), not linked: with what
 * it brings (libxml2, ICU, libstdc++, five compressors: 14 libraries) it
 * cost every proxy's exec 1.7 ms of CPU in the dynamic loader, and most
 * actions are not archives. */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"

#define ARCHIVE_SO "libarchive.so.13" /* its soname since libarchive 3.0 */

/* The libarchive functions we call, as la.NAME (a pointer of NAME's type). */
#define LA_FNS(X)                           \
	X(archive_entry_hardlink)           \
	X(archive_entry_pathname)           \
	X(archive_entry_set_hardlink)       \
	X(archive_entry_set_pathname)       \
	X(archive_error_string)             \
	X(archive_read_data_block)          \
	X(archive_read_free)                \
	X(archive_read_new)                 \
	X(archive_read_next_header)         \
	X(archive_read_open_memory)         \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_format_tar)  \
	X(archive_read_support_format_zip)  \
	X(archive_write_data_block)         \
	X(archive_write_disk_new)           \
	X(archive_write_disk_set_options)   \
	X(archive_write_finish_entry)       \
	X(archive_write_free)               \
	X(archive_write_header)
#define LA_PTR(f) __typeof__(f) *f;
static struct {
	LA_FNS(LA_PTR)
} la;

/* Load libarchive once: 0, or -ENOENT with err said. */
static int
la_load(char *err, size_t errlen)
{
	static void *h;
	const char *why;
	void *sym;

	if (h)
		return 0;
	if (!(h = dlopen(ARCHIVE_SO, RTLD_NOW | RTLD_LOCAL)))
		goto fail;
#define LA_SYM(f)                  \
	if (!(sym = dlsym(h, #f))) \
		goto fail;         \
	memcpy(&la.f, &sym, sizeof sym);
	LA_FNS(LA_SYM)
	return 0;
fail:
	why = dlerror();
	snprintf(err, errlen, "cannot unpack the archive: %s", why ? why : ARCHIVE_SO);
	if (h)
		dlclose(h);
	h = NULL;
	return -ENOENT;
}

int
is_archive(const char *p, size_t len)
{
	return (len >= 4 && memcmp(p, "PK\003\004", 4) == 0) || (len >= 3 && memcmp(p, "\037\213\010", 3) == 0);
}

/* A path inside the archive that stays inside the folder. */
static int
safe_path(const char *path)
{
	const char *p = path;

	if (*path == '/' || *path == '\0')
		return 0;
	while (p) {
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return 0;
		if ((p = strchr(p, '/')))
			p++;
	}
	return 1;
}

static int
extract_entry(struct archive *in, struct archive *out, struct archive_entry *e, const char *dir, char *err,
              size_t errlen)
{
	const char *name = la.archive_entry_pathname(e), *hard = la.archive_entry_hardlink(e);
	char path[4096];
	const void *blk;
	size_t size;
	la_int64_t off;
	int rc;

	if (!safe_path(name) || (hard && !safe_path(hard))) {
		snprintf(err, errlen, "the archive holds an unsafe path: %s", name);
		return -EINVAL;
	}
	snprintf(path, sizeof path, "%s/%s", dir, name);
	la.archive_entry_set_pathname(e, path);
	if (hard) {
		snprintf(path, sizeof path, "%s/%s", dir, hard);
		la.archive_entry_set_hardlink(e, path);
	}
	if (la.archive_write_header(out, e) != ARCHIVE_OK)
		goto fail;
	while ((rc = la.archive_read_data_block(in, &blk, &size, &off)) == ARCHIVE_OK)
		if (la.archive_write_data_block(out, blk, size, off) != ARCHIVE_OK)
			goto fail;
	if (rc != ARCHIVE_EOF) {
		snprintf(err, errlen, "cannot unpack the archive: %s", la.archive_error_string(in));
		return -EINVAL;
	}
	return la.archive_write_finish_entry(out) == ARCHIVE_OK ? 0 : -EIO;
fail:
	snprintf(err, errlen, "cannot unpack %s: %s", name, la.archive_error_string(out));
	return -EIO;
}

/* Unpack a zip or tar.gz held in memory into dir. */
int
unpack_archive(const char *p, size_t len, const char *dir, char *err, size_t errlen)
{
	struct archive *in, *out;
	struct archive_entry *e;
	int rc, r;

	if ((rc = la_load(err, errlen)) < 0)
		return rc;
	in = la.archive_read_new();
	out = la.archive_write_disk_new();
	la.archive_read_support_format_zip(in);
	la.archive_read_support_format_tar(in);
	la.archive_read_support_filter_gzip(in);
	la.archive_write_disk_set_options(out, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	                                               ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (la.archive_read_open_memory(in, p, len) != ARCHIVE_OK) {
		snprintf(err, errlen, "cannot read the archive: %s", la.archive_error_string(in));
		rc = -EINVAL;
	}
	while (rc == 0 && (r = la.archive_read_next_header(in, &e)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			snprintf(err, errlen, "cannot read the archive: %s", la.archive_error_string(in));
			rc = -EINVAL;
			break;
		}
		rc = extract_entry(in, out, e, dir, err, errlen);
	}
	la.archive_read_free(in);
	la.archive_write_free(out);
	return rc;
}

/* Write plain code (text or an executable) as dir/name. */
int
unpack_file(const char *p, size_t len, const char *dir, const char *name, char *err, size_t errlen)
{
	char path[4096];
	int fd, rc;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
		return rc;
	}
	rc = write_all(fd, p, len);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	return rc;
}
