/* src_zip.c — an action's tree to and from its code: unpacked from a zip, a tar or the one file, packed back as the one file or a zip.
 *
 * A single-file action's code is its one file in the tree, under the name
 * its runtime gives it (entry_name); any other code is an archive, whose
 * members are taken with their paths made safe. Packing gives the one
 * file back only when the action is a single file and the tree is that
 * file, else a zip (src.c says why).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"
#include "src_int.h"

/* The name a single-file action's code has in its tree. */
static const char *
entry_name(const char *kind)
{
	if (kind && strncmp(kind, "python", 6) == 0)
		return "__main__.py";
	if (kind && strncmp(kind, "nodejs", 6) == 0)
		return "index.js";
	return "exec";
}

/* A member's path made relative and checked: no absolute paths, no "..". */
static int
clean_path(const char *in, char *out, size_t n)
{
	const char *p = in;
	size_t len;

	while (strncmp(p, "./", 2) == 0)
		p += 2;
	len = strlen(p);
	while (len > 0 && p[len - 1] == '/')
		len--;
	if (len == 0 || len >= n || p[0] == '/' || strstr(p, "../") == p || strstr(p, "/../") ||
	    (len >= 3 && strncmp(p + len - 3, "/..", 3) == 0) || (len == 2 && strncmp(p, "..", 2) == 0))
		return -EINVAL;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int
unpack_archive(Src *s, const char *p, size_t n)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	char path[4096];
	Srcent *x;
	int r, rc = 0;

	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK) {
		archive_read_free(a);
		return -EINVAL;
	}
	while (rc == 0 && ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
		mode_t type = archive_entry_filetype(ae), perm = archive_entry_perm(ae) & 0777;
		la_ssize_t got;
		char chunk[16384];

		if ((type != AE_IFREG && type != AE_IFDIR) || clean_path(archive_entry_pathname(ae), path, sizeof path))
			continue;
		srcent_parents(s, path);
		x = srcent_add(s, path, (type == AE_IFDIR ? S_IFDIR : S_IFREG) | (perm ? perm : 0644));
		if (type == AE_IFDIR)
			x->mode = S_IFDIR | 0755;
		if (archive_entry_mtime_is_set(ae))
			x->mtime = (int64_t)archive_entry_mtime(ae) * 1000;
		buf_reset(&x->data);
		while (type == AE_IFREG && (got = archive_read_data(a, chunk, sizeof chunk)) > 0)
			buf_add(&x->data, chunk, (size_t)got);
	}
	archive_read_free(a);
	return rc;
}

/* Unpack the action's code (its document's) into s. */
int
src_unpack(Src *s, Ent *e)
{
	json_t *exec = json_object_get(e->doc, "exec");
	const char *kind = json_string_value(json_object_get(exec, "kind"));
	Buf code = { 0 };
	Srcent *x;
	int rc;

	srcents_clear(s);
	if ((rc = code_bytes(e, &code)) < 0) {
		buf_free(&code);
		return rc;
	}
	if (is_archive(code.p ? code.p : "", code.n))
		rc = unpack_archive(s, code.p, code.n);
	else {
		x = srcent_add(s, entry_name(kind), S_IFREG | 0644);
		if (strcmp(entry_name(kind), "exec") == 0)
			x->mode = S_IFREG | 0755;
		x->mtime = e->updated;
		x->data = code;
		code = (Buf){ 0 };
	}
	buf_free(&code);
	snprintf(s->docver, sizeof s->docver, "%s", e->docver);
	return rc;
}

typedef struct Zbuf {
	Buf *b;
} Zbuf;

static la_ssize_t
zwrite(struct archive *a, void *arg, const void *p, size_t n)
{
	(void)a;
	buf_add(((Zbuf *)arg)->b, p, n);
	return (la_ssize_t)n;
}

typedef struct Zctx {
	struct archive *a;
	int rc;
	int files;
	const char *only; /* the one file's path */
} Zctx;

static void
zadd(const char *key, void *val, void *arg)
{
	Zctx *z = arg;
	Srcent *x = val;
	struct archive_entry *ae;

	if (z->rc < 0)
		return;
	if ((ae = archive_entry_new()) == NULL)
		oom(0);
	archive_entry_set_pathname(ae, key);
	archive_entry_set_filetype(ae, S_ISDIR(x->mode) ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(ae, x->mode & 0777);
	archive_entry_set_mtime(ae, x->mtime / 1000, 0);
	archive_entry_set_size(ae, S_ISREG(x->mode) ? (la_int64_t)x->data.n : 0);
	if (archive_write_header(z->a, ae) != ARCHIVE_OK ||
	    (S_ISREG(x->mode) && x->data.n && archive_write_data(z->a, x->data.p, x->data.n) < 0))
		z->rc = -EIO;
	archive_entry_free(ae);
	if (S_ISREG(x->mode) && z->files++ == 0)
		z->only = key;
}

/* The tree as the code to send: its one file's bytes when the action is
 * a single file and the tree is that file, else a zip. */
int
src_pack(Src *s, Ent *e, Buf *out)
{
	struct archive *a = archive_write_new();
	Buf zip = { 0 };
	Zbuf zb = { &zip };
	Zctx z = { a, 0, 0, NULL };
	const char *kind = json_string_value(json_object_get(json_object_get(e->doc, "exec"), "kind"));
	Buf code = { 0 };
	Srcent *x;

	archive_write_set_format_zip(a);
	if (archive_write_open2(a, &zb, NULL, zwrite, NULL, NULL) != ARCHIVE_OK) {
		archive_write_free(a);
		return -EIO;
	}
	map_each(&s->ents, zadd, &z);
	if (archive_write_close(a) != ARCHIVE_OK && z.rc == 0)
		z.rc = -EIO;
	archive_write_free(a);
	if (z.rc == 0 && z.files == 0)
		z.rc = -ENOENT;
	if (z.rc == 0 && z.files == 1 && !e->staged && strcmp(z.only, entry_name(kind)) == 0 &&
	    code_bytes(e, &code) == 0 && !is_archive(code.p ? code.p : "", code.n) &&
	    (x = map_get(&s->ents, z.only)) != NULL) {
		buf_free(&zip);
		buf_add(&zip, x->data.p ? x->data.p : "", x->data.n);
	}
	buf_free(&code);
	if (z.rc < 0)
		buf_free(&zip);
	*out = zip;
	return z.rc;
}
