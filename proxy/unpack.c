/* unpack.c — an action's code onto disk: base64, zip and tar.gz archives, executables. */
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

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decode base64 (whitespace and padding allowed) into a new buffer. */
int
b64_decode(const char *s, size_t len, char **out, size_t *outlen)
{
	unsigned char *p = malloc(len / 4 * 3 + 3);
	unsigned acc = 0;
	size_t i, n = 0;
	int v, bits = 0;

	if (p == NULL)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		if (s[i] == '=' || s[i] == '\n' || s[i] == '\r' || s[i] == ' ' || s[i] == '\t')
			continue;
		if ((v = b64val((unsigned char)s[i])) < 0) {
			free(p);
			return -EINVAL;
		}
		acc = acc << 6 | (unsigned)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			p[n++] = (unsigned char)(acc >> bits);
		}
	}
	*out = (char *)p;
	*outlen = n;
	return 0;
}

/* Encode as base64 into a new NUL-terminated string. */
char *
b64_encode(const char *s, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *u = (const unsigned char *)s;
	char *o = malloc((len + 2) / 3 * 4 + 1), *q = o;
	size_t i;
	unsigned v;

	if (o == NULL)
		return NULL;
	for (i = 0; i < len; i += 3) {
		v = (unsigned)u[i] << 16 | (i + 1 < len ? (unsigned)u[i + 1] << 8 : 0) | (i + 2 < len ? u[i + 2] : 0);
		*q++ = tab[v >> 18 & 63];
		*q++ = tab[v >> 12 & 63];
		*q++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
		*q++ = i + 2 < len ? tab[v & 63] : '=';
	}
	*q = '\0';
	return o;
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
extract_entry(struct archive *in, struct archive *out, struct archive_entry *e, const char *dir,
              char *err, size_t errlen)
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
