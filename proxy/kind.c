/* kind.c — the kinds of action: their names, how each starts, where its entry is.
 *
 * A table in the SQLite manner: one row per kind, with what tells the kinds
 * apart (action loop or a process per activation, an ack at start, many
 * activations at once) and two functions, one building the command line and
 * one finding the entry point in an unpacked archive. Everything else in the
 * proxy asks the row and never the kind's name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "dat.h"
#include "fns.h"

static char launcher[3][4096];

static const char *
launcher_path(const Proxy *px, int i, const char *file)
{
	snprintf(launcher[i], sizeof launcher[i], "%s/%s", px->opt.launchers, file);
	return launcher[i];
}

static void
argv_python(const Proxy *px, const Action *a, const char **argv)
{
	argv[0] = px->opt.python;
	argv[1] = "-u";
	argv[2] = launcher_path(px, 0, "launcher.py");
	argv[3] = a ? a->entry : NULL; /* no action: a stem cell */
	argv[4] = a ? a->main : NULL;
	argv[5] = NULL;
}

static void
argv_node(const Proxy *px, const Action *a, const char **argv)
{
	argv[0] = px->opt.node;
	argv[1] = launcher_path(px, 1, "launcher.js");
	argv[2] = a ? a->entry : NULL; /* no action: a stem cell */
	argv[3] = a ? a->main : NULL;
	argv[4] = NULL;
}

static void
argv_bash(const Proxy *px, const Action *a, const char **argv)
{
	argv[0] = px->opt.bash;
	argv[1] = a->entry;
	argv[2] = NULL;
}

static void
argv_exec(const Proxy *px, const Action *a, const char **argv)
{
	(void)px;
	argv[0] = a->entry;
	argv[1] = NULL;
}

static int
exists(const char *dir, const char *name, char **path)
{
	struct stat st;
	char *p;

	p = easprintf("%s/%s", dir, name);
	if (stat(p, &st) < 0) {
		free(p);
		return -ENOENT;
	}
	*path = p;
	return 0;
}

static int
entry_exec(const char *dir, char **path)
{
	return exists(dir, "exec", path);
}

static int
entry_python(const char *dir, char **path)
{
	return exists(dir, "__main__.py", path);
}

/* A node archive: the folder itself, when package.json or index.js says how
 * to load it (node's own resolution then picks package.json "main"). */
static int
entry_node(const char *dir, char **path)
{
	char *p;

	if (exists(dir, "package.json", &p) < 0 && exists(dir, "index.js", &p) < 0 && exists(dir, "index.mjs", &p) < 0)
		return -ENOENT;
	free(p);
	*path = estrdup(dir);
	return 0;
}

static const Kind kinds[] = {
	{ "python", KIND_LOOP, 1, 1, 1, argv_python, entry_python, "__main__.py" },
	{ "nodejs", KIND_LOOP, 1, 1, 1, argv_node, entry_node, "index.js" },
	{ "bash", KIND_ONCE, 0, 1, 0, argv_bash, entry_exec, "exec" },
	{ "native", KIND_ONCE, 0, 1, 0, argv_exec, entry_exec, "exec" },
	{ "actionloop", KIND_LOOP, 0, 1, 0, argv_exec, entry_exec, "exec" },
};

/* "python:3", "nodejs:default", "blackbox", ... to a row; NULL if unknown. */
const Kind *
kind_lookup(const char *name)
{
	static const struct {
		const char *alias, *kind;
	} aliases[] = {
		{ "python", "python" },         { "python3", "python" },  { "node", "nodejs" },
		{ "nodejs", "nodejs" },         { "bash", "bash" },       { "sh", "bash" },
		{ "native", "native" },         { "blackbox", "native" }, { "exec", "native" },
		{ "actionloop", "actionloop" }, { "go", "actionloop" },
	};
	size_t i, n = strcspn(name, ":");

	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strlen(aliases[i].alias) == n && strncmp(name, aliases[i].alias, n) == 0)
			return kind_named(aliases[i].kind);
	return NULL;
}

const Kind *
kind_named(const char *canonical)
{
	size_t i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].name, canonical) == 0)
			return &kinds[i];
	return NULL;
}

/* An executable: ELF or a #! script. */
int
is_executable(const char *p, size_t len)
{
	return (len >= 4 && memcmp(p, "\177ELF", 4) == 0) || (len >= 2 && memcmp(p, "#!", 2) == 0);
}

/* The kind of plain code (not an archive) when init names none. */
const Kind *
kind_detect_code(const char *p, size_t len)
{
	return is_executable(p, len) ? kind_named("native") : NULL;
}

/* The kind of an unpacked archive when init names none: by what it holds. */
const Kind *
kind_detect_dir(const char *dir)
{
	static const char *order[] = { "native", "python", "nodejs" };
	char *path;
	size_t i;

	for (i = 0; i < sizeof order / sizeof order[0]; i++)
		if (kind_named(order[i])->entry(dir, &path) == 0) {
			free(path);
			return kind_named(order[i]);
		}
	return NULL;
}
