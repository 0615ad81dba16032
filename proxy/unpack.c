/* unpack.c — an action's code onto disk: zip and tar.gz archives, executables. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"

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
	const char *name = archive_entry_pathname(e), *hard = archive_entry_hardlink(e);
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
	archive_entry_set_pathname(e, path);
	if (hard) {
		snprintf(path, sizeof path, "%s/%s", dir, hard);
		archive_entry_set_hardlink(e, path);
	}
	if (archive_write_header(out, e) != ARCHIVE_OK)
		goto fail;
	while ((rc = archive_read_data_block(in, &blk, &size, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(out, blk, size, off) != ARCHIVE_OK)
			goto fail;
	if (rc != ARCHIVE_EOF) {
		snprintf(err, errlen, "cannot unpack the archive: %s", archive_error_string(in));
		return -EINVAL;
	}
	return archive_write_finish_entry(out) == ARCHIVE_OK ? 0 : -EIO;
fail:
	snprintf(err, errlen, "cannot unpack %s: %s", name, archive_error_string(out));
	return -EIO;
}

/* Unpack a zip or tar.gz held in memory into dir. */
int
unpack_archive(const char *p, size_t len, const char *dir, char *err, size_t errlen)
{
	struct archive *in = archive_read_new(), *out = archive_write_disk_new();
	struct archive_entry *e;
	int rc = 0, r;

	archive_read_support_format_zip(in);
	archive_read_support_format_tar(in);
	archive_read_support_filter_gzip(in);
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	                                            ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (archive_read_open_memory(in, p, len) != ARCHIVE_OK) {
		snprintf(err, errlen, "cannot read the archive: %s", archive_error_string(in));
		rc = -EINVAL;
	}
	while (rc == 0 && (r = archive_read_next_header(in, &e)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			snprintf(err, errlen, "cannot read the archive: %s", archive_error_string(in));
			rc = -EINVAL;
			break;
		}
		rc = extract_entry(in, out, e, dir, err, errlen);
	}
	archive_read_free(in);
	archive_write_free(out);
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
