/* archive.c — the kind of an action given as a zip or tar.gz, told from what is at its top, as the proxy finds its entry. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

/* The files at an archive's top that make it one kind or another, first found first. */
static const struct {
	const char *file;
	const char *kind;
} tops[] = {
	{ "__main__.py", "python:3" },
	{ "package.json", "nodejs:default" },
	{ "index.js", "nodejs:default" },
	{ "index.mjs", "nodejs:default" },
	{ "exec", "native" },
};

/* Is p..p+n a zip or a gzip'd tar, by its first bytes? */
int
is_archive(const char *p, size_t n)
{
	return (n >= 4 && memcmp(p, "PK\3\4", 4) == 0) || (n >= 2 && memcmp(p, "\37\213", 2) == 0);
}

/*
 * The kind of the zip or tar.gz p..p+n, or NULL with why in err: the first
 * of tops at its top ("./exec" counts, as tar writes it).
 */
const char *
kind_of_archive(const char *p, size_t n, char *err, size_t errlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	const char *name, *kind = NULL;
	size_t best = sizeof tops / sizeof tops[0], i;
	int r;

	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK) {
		snprintf(err, errlen, "not a zip or tar.gz archive: %s", archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		name = archive_entry_pathname(e);
		if (strncmp(name, "./", 2) == 0)
			name += 2;
		for (i = 0; i < best; i++)
			if (strcmp(name, tops[i].file) == 0)
				best = i;
	}
	if (r != ARCHIVE_EOF)
		snprintf(err, errlen, "cannot read the archive: %s", archive_error_string(a));
	else if (best < sizeof tops / sizeof tops[0])
		kind = tops[best].kind;
	else
		snprintf(err, errlen,
		         "cannot tell the kind of the archive: it has none of __main__.py (python:3), "
		         "package.json or index.js (nodejs), exec (native) at its top");
	archive_read_free(a);
	return kind;
}
