/* export.c — faasfs export: a managed project's entities written back as a project directory.
 *
 * `faasfs export --projectname P DIR` writes DIR/manifest.yaml (the tree's
 * manifest.yaml of the packages, actions, sequences, triggers and rules
 * whose whisk-managed annotation names P, under `project: name: P`, with
 * the gateway's routes to those actions as apis:) and,
 * beside it, each action's code as a file: NAME.EXT by its kind (PKG/ for
 * a package's), a zip for binary code, named by the action's `function:`.
 * The whisk-managed annotations are left out: deploying the directory
 * writes them anew. So `faasfs deploy --managed DIR` (or sync) into another
 * namespace gives the same entities.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"

static const char *exported;

static int
keep(Ent *e)
{
	const char *by = managed_by(e);

	return by && strcmp(by, exported) == 0;
}

/* The file extension of code of a kind. */
static const char *
kind_ext(const char *kind, int binary)
{
	static const char *const exts[][2] = { { "nodejs", ".js" },  { "python", ".py" }, { "bash", ".sh" },
		                               { "php", ".php" },    { "ruby", ".rb" },   { "go", ".go" },
		                               { "swift", ".swift" } };
	size_t i;

	if (binary)
		return ".zip";
	for (i = 0; i < sizeof exts / sizeof exts[0]; i++)
		if (strncmp(kind, exts[i][0], strlen(exts[i][0])) == 0)
			return exts[i][1];
	return "";
}

static int
file_write(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	int rc = 0;

	if (fp == NULL)
		return -errno;
	if ((n && fwrite(p, 1, n, fp) != n) || fflush(fp) != 0)
		rc = -errno;
	if (fclose(fp) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* Action a of package pkg: its code into a file of dir, named by function:. */
static int
code_out(const char *dir, const char *pkg, const char *name, json_t *a, char *err, size_t n)
{
	const char *code = jstr(json_object_get(a, "code")), *kind = jstr(json_object_get(a, "runtime"));
	int binary = json_is_true(json_object_get(a, "binary")), rc;
	char rel[1024], path[4096];
	Buf b = { 0 };

	snprintf(rel, sizeof rel, "%s%s%s%s", strcmp(pkg, "default") ? pkg : "", strcmp(pkg, "default") ? "/" : "",
	         name, kind_ext(kind, binary));
	snprintf(path, sizeof path, "%s/%s", dir, pkg);
	if (strcmp(pkg, "default") != 0 && mkdir(path, 0777) < 0 && errno != EEXIST) {
		snprintf(err, n, "%s: %s", path, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	if (binary)
		base64_decode(code, strlen(code), &b);
	rc = binary ? file_write(path, b.p, b.n) : file_write(path, code, strlen(code));
	buf_free(&b);
	if (rc < 0) {
		snprintf(err, n, "%s: %s", path, strerror(-rc));
		return rc;
	}
	json_object_del(a, "code");
	json_object_del(a, "binary");
	json_object_set_new(a, "function", json_string(rel));
	return 0;
}

/* x without its whisk-managed annotation. */
static void
unmanage(json_t *x)
{
	json_t *an = json_object_get(x, "annotations");

	json_object_del(an, "whisk-managed");
	if (an && json_object_size(an) == 0)
		json_object_del(x, "annotations");
}

static int
package_export(const char *dir, const char *pkg, json_t *d, char *err, size_t n)
{
	static const char *const sections[] = { "actions", "sequences", "triggers", "rules" };
	json_t *x;
	const char *k;
	size_t i;
	int rc;

	unmanage(d);
	for (i = 0; i < sizeof sections / sizeof sections[0]; i++)
		json_object_foreach(json_object_get(d, sections[i]), k, x)
		{
			unmanage(x);
			if (i == 0 && (rc = code_out(dir, pkg, k, x, err, n)) < 0)
				return rc;
		}
	return 0;
}

/* Write the project name manages into dir; 0 or -errno with err. */
int
export_project(const char *name, const char *dir, char *err, size_t n)
{
	json_t *pkgs, *d, *m;
	const char *k;
	char path[4096];
	Buf b = { 0 };
	int rc = 0;

	if ((rc = verb_load_all()) < 0) {
		snprintf(err, n, "reading the namespace: %s", strerror(-rc));
		return rc;
	}
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		snprintf(err, n, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	exported = name;
	pkgs = manifest_packages(keep);
	json_object_foreach(pkgs, k, d) if (rc == 0) rc = package_export(dir, k, d, err, n);
	m = json_pack("{s:{s:s,s:o}}", "project", "name", name, "packages", pkgs);
	snprintf(path, sizeof path, "%s/manifest.yaml", dir);
	if (rc == 0 && (rc = json_to_yaml(m, &b)) == 0 && (rc = file_write(path, b.p, b.n)) < 0)
		snprintf(err, n, "%s: %s", path, strerror(-rc));
	json_decref(m);
	buf_free(&b);
	if (rc == 0)
		printf("export: project %s written to %s\n", name, dir);
	return rc;
}
