/* runtimes.c — the kinds this host runs, with their interpreters' versions: GET / lists them, a new action's kind must be one.
 *
 * At start the backend asks the interpreters faasfs-proxy runs by default
 * (/usr/bin/python3, /usr/bin/node, /bin/bash) for their versions, once,
 * and from them makes OpenWhisk's runtimes manifest: families, each with
 * its kinds, one the default. Here, with python 3.11 and node 20:
 *
 *   python      python:3 (default), python:3.11
 *   nodejs      nodejs:20 (default)
 *   bash        bash (default)
 *   native      native (default), blackbox (OpenWhisk's name for it)
 *   actionloop  actionloop (default)
 *
 * A kind given at create is kept as given when it is one of these (so
 * `wsk action get` shows the kind `wsk action create` sent); FAMILY:default
 * and a bare FAMILY are resolved to the family's default, as OpenWhisk
 * resolves them. An interpreter that is not there takes its family out.
 * What runs is decided by the family alone (kind_canonical in names.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fns.h"
#include "log.h"

extern char **environ;

enum { RT_MAX = 12 };

typedef struct Runtime {
	char family[16], kind[32], version[32];
	const char *interpreter; /* NULL: the executable itself */
	int is_default;
} Runtime;

static Runtime rts[RT_MAX];
static int nrts;

/* The first line an interpreter prints for --version, into out. */
static int
ask_version(const char *path, char *out, size_t n)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)path, "--version", NULL };
	int fd[2], status, rc;
	ssize_t got = 0, r;
	pid_t pid;

	if (access(path, X_OK) || pipe2(fd, O_CLOEXEC))
		return -ENOENT;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
	rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	while (rc == 0 && (size_t)got < n - 1) {
		if ((r = read(fd[0], out + got, n - 1 - got)) > 0)
			got += r;
		else if (r == 0 || errno != EINTR)
			break;
	}
	close(fd[0]);
	out[got] = 0;
	out[strcspn(out, "\n")] = 0;
	if (rc)
		return -rc;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && got > 0 ? 0 : -EIO;
}

/* The version number in a --version line: "Python 3.11.2" "v20.20.2"
 * "GNU bash, version 5.2.15(1)-release" give 3.11.2, 20.20.2, 5.2.15. */
static void
version_of(const char *line, char *out, size_t n)
{
	const char *p = line + strcspn(line, "0123456789");

	snprintf(out, n, "%.*s", (int)strspn(p, "0123456789."), p);
}

static void
add(const char *family, const char *kind, const char *version, const char *interp, int is_default)
{
	if (nrts == RT_MAX)
		return;
	snprintf(rts[nrts].family, sizeof rts[nrts].family, "%s", family);
	snprintf(rts[nrts].kind, sizeof rts[nrts].kind, "%s", kind);
	snprintf(rts[nrts].version, sizeof rts[nrts].version, "%s", version);
	rts[nrts].interpreter = interp;
	rts[nrts++].is_default = is_default;
}

/* Ask the interpreters; a family whose interpreter is missing or is not of
 * the version its default kind names is left out, and said in the log. */
void
runtimes_probe(void)
{
	static const char python[] = "/usr/bin/python3", node[] = "/usr/bin/node", bash[] = "/bin/bash";
	char line[256], v[32] = "", kind[32];

	nrts = 0;
	if (ask_version(python, line, sizeof line) == 0)
		version_of(line, v, sizeof v);
	if (strncmp(v, "3.", 2) == 0) {
		add("python", "python:3", v, python, 1);
		/* python:3.11: major and minor */
		snprintf(kind, sizeof kind, "python:%.*s", (int)(2 + strcspn(v + 2, ".")), v);
		add("python", kind, v, python, 0);
	} else {
		log_warn("runtimes: no python 3 at %s: python actions cannot be made", python);
	}
	if (ask_version(node, line, sizeof line) == 0) {
		version_of(line, v, sizeof v);
		snprintf(kind, sizeof kind, "nodejs:%.*s", (int)strcspn(v, "."), v);
		add("nodejs", kind, v, node, 1);
	} else {
		log_warn("runtimes: no node at %s: nodejs actions cannot be made", node);
	}
	if (ask_version(bash, line, sizeof line) == 0) {
		version_of(line, v, sizeof v);
		add("bash", "bash", v, bash, 1);
	}
	add("native", "native", "", NULL, 1);
	add("native", "blackbox", "", NULL, 0);
	add("actionloop", "actionloop", "", NULL, 1);
}

static const Runtime *
family_default(const char *family, size_t n)
{
	for (int i = 0; i < nrts; i++)
		if (strlen(rts[i].family) == n && strncmp(rts[i].family, family, n) == 0 && rts[i].is_default)
			return &rts[i];
	return NULL;
}

/* The kind to store for the kind a client gave: itself when this host
 * runs it, the family's default for FAMILY:default or FAMILY; NULL when
 * none (then runtimes_names says what there is). "sequence" is one. */
const char *
kind_accept(const char *given)
{
	size_t fam = strcspn(given, ":");
	const Runtime *d;

	if (strcmp(given, "sequence") == 0)
		return given;
	for (int i = 0; i < nrts; i++)
		if (strcmp(rts[i].kind, given) == 0)
			return rts[i].kind;
	if ((given[fam] == 0 || strcmp(given + fam, ":default") == 0) && (d = family_default(given, fam)))
		return d->kind;
	return NULL;
}

/* "python:3, python:3.11, nodejs:20, ..." into out. */
void
runtimes_names(char *out, size_t n)
{
	char *p = out, *e = out + n;

	*out = 0;
	for (int i = 0; i < nrts; i++)
		p = strecpy(strecpy(p, e, i ? ", " : ""), e, rts[i].kind);
	strecpy(p, e, nrts ? ", sequence" : "sequence");
}

/* OpenWhisk's runtimes manifest, {"FAMILY": [{"kind", "default",
 * "deprecated", "attached", "requireMain"}...]...}, each kind with what
 * runs it here: "interpreter" and its "version". */
json_t *
runtimes_json(void)
{
	json_t *o = json_object();

	for (int i = 0; i < nrts; i++) {
		json_t *fam = json_object_get(o, rts[i].family), *k;

		if (!fam)
			json_object_set_new(o, rts[i].family, fam = json_array());
		k = json_pack("{s:s, s:b, s:b, s:b, s:b}", "kind", rts[i].kind, "default", rts[i].is_default,
		              "deprecated", 0, "attached", 0, "requireMain", 0);
		if (rts[i].interpreter)
			json_object_set_new(k, "interpreter", json_string(rts[i].interpreter));
		if (rts[i].version[0])
			json_object_set_new(k, "version", json_string(rts[i].version));
		json_array_append_new(fam, k);
	}
	return o;
}
