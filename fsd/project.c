/* project.c — a wskdeploy project directory read as one manifest: its files inlined, deployment.yaml laid over it, $VARs and the whisk-managed annotation.
 *
 * A project is a directory with manifest.yaml (or .yml) and maybe
 * deployment.yaml (or .yml), as wskdeploy reads them (apache/openwhisk-
 * wskdeploy: cmd/root.go, parsers/, deployers/). Reading one gives the
 * manifest that manifest.c plans, as if it were written into the tree's
 * manifest.yaml: every action's `function:` (a file, or a directory zipped
 * here with libarchive) becomes its inline `code:` (base64 with `binary:
 * true` for an archive), its `runtime:` told from the file when not given.
 *
 * deployment.yaml's `project: packages: P: inputs:` (and its actions' and
 * triggers' inputs) replace the manifest's inputs of the same names. Every
 * string but inline code is read as wskdeploy's wskenv reads it: one that
 * starts with `$` or holds `${` has each $NAME and ${NAME} replaced by the
 * environment's value (empty when unset), and $${NAME} stands for ${NAME}.
 *
 * A managed deployment (deploy --managed, sync) marks every package,
 * action, sequence, trigger and rule with the annotation wskdeploy writes
 * (utils/managedannotations.go): whisk-managed = {projectName, projectHash,
 * file, projectDeps: []}, where file is the manifest's absolute path and
 * projectHash is SHA1("OpenWhisk" + the UTF-8 of the character whose number
 * is the file's size + "golang\0" + its text), in hexadecimal. So a
 * namespace deployed by one tool is synced and undeployed by the other.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dat.h"
#include "fns.h"

/* The whole of a file, or -errno. */
static int
file_read(const char *path, Buf *b)
{
	FILE *fp = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (fp == NULL)
		return -errno;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(b, chunk, n);
	n = ferror(fp);
	fclose(fp);
	return n ? -EIO : 0;
}

/* Go's filepath.Abs: dir joined to the working directory ($PWD when it is
 * that directory, as os.Getwd takes it), then cleaned. */
static char *
abspath(const char *dir)
{
	const char *pwd = getenv("PWD");
	char cwd[4096], *s, *w, *out, *seg;
	struct stat a, b;
	Buf p = { 0 };

	if (dir[0] != '/') {
		if (pwd && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			snprintf(cwd, sizeof cwd, "%s", pwd);
		else if (getcwd(cwd, sizeof cwd) == NULL)
			snprintf(cwd, sizeof cwd, "/");
		buf_printf(&p, "%s/", cwd);
	}
	buf_printf(&p, "%s", dir);
	out = ecalloc(1, p.n + 2);
	for (s = p.p; (seg = strsep(&s, "/")) != NULL;) {
		if (seg[0] == '\0' || strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			if ((w = strrchr(out, '/')) != NULL)
				*w = '\0';
			continue;
		}
		strcat(out, "/");
		strcat(out, seg);
	}
	if (out[0] == '\0')
		strcpy(out, "/");
	buf_free(&p);
	return out;
}

/* wskdeploy's project hash of a manifest's text (see the top). */
static void
project_hash(const char *text, size_t n, char hex[41])
{
	unsigned char md[EVP_MAX_MD_SIZE], u[4];
	unsigned long c = n;
	unsigned int mdlen = 0, i;
	size_t ul;
	EVP_MD_CTX *sh = EVP_MD_CTX_new();

	if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		c = 0xFFFD; /* Go's string(rune(n)) of no character */
	if (c < 0x80)
		u[0] = c, ul = 1;
	else if (c < 0x800)
		u[0] = 0xC0 | c >> 6, u[1] = 0x80 | (c & 63), ul = 2;
	else if (c < 0x10000)
		u[0] = 0xE0 | c >> 12, u[1] = 0x80 | (c >> 6 & 63), u[2] = 0x80 | (c & 63), ul = 3;
	else
		u[0] = 0xF0 | c >> 18, u[1] = 0x80 | (c >> 12 & 63), u[2] = 0x80 | (c >> 6 & 63),
		u[3] = 0x80 | (c & 63), ul = 4;
	EVP_DigestInit_ex(sh, EVP_sha1(), NULL);
	EVP_DigestUpdate(sh, "OpenWhisk", 9);
	EVP_DigestUpdate(sh, u, ul);
	EVP_DigestUpdate(sh, "golang", 7); /* with its NUL */
	EVP_DigestUpdate(sh, text, n);
	EVP_DigestFinal_ex(sh, md, &mdlen);
	EVP_MD_CTX_free(sh);
	for (i = 0; i < mdlen && i < 20; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

/* ---- $VARs ---- */

static size_t
varlen(const char *s)
{
	size_t n = 0;

	while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') ||
	       s[n] == '_')
		n++;
	return n;
}

/* s with its $NAME and ${NAME} from the environment, as wskenv does; NULL if s has none. */
static char *
envsub(const char *s)
{
	char name[256];
	const char *v;
	size_t n;
	Buf b = { 0 };

	if (s[0] != '$' && strstr(s, "${") == NULL)
		return NULL;
	while (*s) {
		if (strncmp(s, "$${", 3) == 0) {
			buf_str(&b, "${");
			s += 3;
			continue;
		}
		n = s[0] == '$' ? varlen(s + 1 + (s[1] == '{')) : 0;
		if (n == 0 || n >= sizeof name || (s[1] == '{' && s[2 + n] != '}')) {
			buf_add(&b, s++, 1);
			continue;
		}
		snprintf(name, sizeof name, "%.*s", (int)n, s + 1 + (s[1] == '{'));
		if ((v = getenv(name)) != NULL)
			buf_str(&b, v);
		s += 1 + n + (s[1] == '{' ? 2 : 0);
	}
	buf_add(&b, "", 1);
	return b.p;
}

/* Every string of v but inline code, and every key, from the environment; a new value. */
static json_t *
env_all(json_t *v)
{
	json_t *o, *x;
	const char *k;
	char *s;
	size_t i;

	if (json_is_string(v) && (s = envsub(json_string_value(v))) != NULL) {
		o = json_string(s);
		free(s);
		return o ? o : json_incref(v);
	}
	if (json_is_array(v)) {
		o = json_array();
		json_array_foreach(v, i, x) json_array_append_new(o, env_all(x));
		return o;
	}
	if (!json_is_object(v))
		return json_incref(v);
	o = json_object();
	json_object_foreach(v, k, x)
	{
		s = envsub(k);
		json_object_set_new(o, s ? s : k, strcmp(k, "code") ? env_all(x) : json_incref(x));
		free(s);
	}
	return o;
}

/* ---- function: files and directories ---- */

static int
zip_add(struct archive *a, const char *root, const char *rel)
{
	char path[4096], sub[4096];
	struct archive_entry *e;
	struct dirent *d;
	struct stat st;
	DIR *dp;
	Buf b = { 0 };
	int rc = 0;

	snprintf(path, sizeof path, "%s%s%s", root, rel[0] ? "/" : "", rel);
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		if ((dp = opendir(path)) == NULL)
			return -errno;
		while (rc == 0 && (d = readdir(dp)) != NULL)
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
				snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", d->d_name);
				rc = zip_add(a, root, sub);
			}
		closedir(dp);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || (rc = file_read(path, &b)) < 0)
		return rc;
	e = archive_entry_new();
	archive_entry_set_pathname(e, rel);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, st.st_mode & 0777);
	archive_entry_set_size(e, b.n);
	archive_entry_set_mtime(e, 0, 0); /* the same tree zips to the same bytes */
	if (archive_write_header(a, e) != ARCHIVE_OK || (b.n && archive_write_data(a, b.p, b.n) < 0))
		rc = -EIO;
	archive_entry_free(e);
	buf_free(&b);
	return rc;
}

static la_ssize_t
zip_write(struct archive *a, void *arg, const void *p, size_t n)
{
	(void)a;
	buf_add(arg, p, n);
	return (la_ssize_t)n;
}

/* A directory as a zip, as wskdeploy zips one for its action. */
static int
zip_dir(const char *dir, Buf *out)
{
	struct archive *a = archive_write_new();
	int rc;

	archive_write_set_format_zip(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open(a, out, NULL, zip_write, NULL) != ARCHIVE_OK) {
		archive_write_free(a);
		return -EIO;
	}
	rc = zip_add(a, dir, "");
	if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
		rc = -EIO;
	archive_write_free(a);
	return rc;
}

/* An action's function: file or directory, made its inline code. */
static int
function_in(const char *base, const char *name, json_t *a, char *err, size_t n)
{
	const char *fn = json_string_value(json_object_get(a, "function")), *kind;
	char path[4096], why[512];
	struct stat st;
	size_t blen;
	Buf b = { 0 }, e = { 0 };
	int rc;

	snprintf(path, sizeof path, "%s%s%s", fn[0] == '/' ? "" : base, fn[0] == '/' ? "" : "/", fn);
	if (stat(path, &st) < 0) {
		snprintf(err, n, "action %s: function %s: %s", name, fn, strerror(errno));
		return -ENOENT;
	}
	rc = S_ISDIR(st.st_mode) ? zip_dir(path, &b) : file_read(path, &b);
	if (rc < 0) {
		snprintf(err, n, "action %s: function %s: %s", name, fn, strerror(-rc));
		buf_free(&b);
		return rc;
	}
	kind = kind_of_name(fn, &blen);
	if (is_archive(b.p, b.n)) {
		if (!json_is_string(json_object_get(a, "runtime")) &&
		    (kind = kind_of_archive(b.p, b.n, why, sizeof why)) == NULL) {
			snprintf(err, n, "action %s: function %s: %s", name, fn, why);
			buf_free(&b);
			return -EINVAL;
		}
		base64_encode(b.p, b.n, &e);
		buf_add(&e, "", 1);
		json_object_set_new(a, "code", json_string(e.p));
		json_object_set_new(a, "binary", json_true());
		buf_free(&e);
	} else {
		if (kind == NULL)
			kind = kind_of_code(b.p, b.n);
		json_object_set_new(a, "code", json_stringn(b.p ? b.p : "", b.n));
	}
	if (!json_is_string(json_object_get(a, "runtime")) && kind != NULL)
		json_object_set_new(a, "runtime", json_string(kind));
	json_object_del(a, "function");
	buf_free(&b);
	if (!json_is_string(json_object_get(a, "runtime"))) {
		snprintf(err, n, "action %s: function %s: give its runtime: the file's name does not tell it", name,
		         fn);
		return -EINVAL;
	}
	if (!json_is_string(json_object_get(a, "code"))) {
		snprintf(err, n, "action %s: function %s: not UTF-8 text (an archive or a program goes as a zip)", name,
		         fn);
		return -EINVAL;
	}
	return 0;
}

/* ---- deployment.yaml ---- */

/* Lay the inputs of from over those of to. */
static void
inputs_over(json_t *to, json_t *from)
{
	json_t *in = json_object_get(from, "inputs"), *t;

	if (!json_is_object(in) || !json_is_object(to))
		return;
	if (!json_is_object(t = json_object_get(to, "inputs")))
		json_object_set_new(to, "inputs", t = json_object());
	json_object_update(t, in);
}

static int
overlay(json_t *pkgs, json_t *dep, const char *name, char *err, size_t n)
{
	static const char *const sections[] = { "actions", "sequences", "triggers" };
	json_t *proj = json_object_get(dep, "project"), *dp, *p, *x;
	const char *dn = json_string_value(json_object_get(proj, "name")), *k, *e;
	size_t i;

	if (name && dn && strcmp(name, dn) != 0) {
		snprintf(err, n, "deployment.yaml names the project %s, manifest.yaml %s", dn, name);
		return -EINVAL;
	}
	json_object_foreach(json_object_get(proj ? proj : dep, "packages"), k, dp)
	{
		if ((p = json_object_get(pkgs, k)) == NULL)
			continue;
		inputs_over(p, dp);
		for (i = 0; i < sizeof sections / sizeof sections[0]; i++)
			json_object_foreach(json_object_get(dp, sections[i]), e, x)
			        inputs_over(json_object_get(json_object_get(p, sections[i]), e), x);
	}
	return 0;
}

/* ---- the project ---- */

/* Add the whisk-managed annotation to every entity that d names. */
static void
mark_package(const char *pkg, json_t *d, json_t *ma)
{
	static const char *const sections[] = { "actions", "sequences", "triggers", "rules" };
	json_t *x, *an;
	const char *k;
	size_t i;

	for (i = 0; i < sizeof sections / sizeof sections[0]; i++)
		json_object_foreach(json_object_get(d, sections[i]), k, x)
		{
			if (!json_is_object(x))
				continue;
			if (!json_is_object(an = json_object_get(x, "annotations")))
				json_object_set_new(x, "annotations", an = json_object());
			json_object_set(an, "whisk-managed", ma);
		}
	if (strcmp(pkg, "default") != 0) {
		if (!json_is_object(an = json_object_get(d, "annotations")))
			json_object_set_new(d, "annotations", an = json_object());
		json_object_set(an, "whisk-managed", ma);
	}
}

/* The whisk-managed annotation's value for this project. */
json_t *
project_managed(Project *p)
{
	return json_pack("{s:s,s:s,s:s,s:[]}", "projectName", p->name ? p->name : "", "projectHash", p->hash, "file",
	                 p->file, "projectDeps");
}

/* Find manifest.yaml or .yml (and the same of deployment) in dir. */
static int
project_files(Project *p, const char *dir, char *dep, size_t deplen)
{
	char path[4096];

	p->dir = abspath(dir);
	snprintf(path, sizeof path, "%s/manifest.yaml", p->dir);
	if (access(path, R_OK) < 0)
		snprintf(path, sizeof path, "%s/manifest.yml", p->dir);
	p->file = estrdup(path);
	snprintf(dep, deplen, "%s/deployment.yaml", p->dir);
	if (access(dep, R_OK) < 0)
		snprintf(dep, deplen, "%s/deployment.yml", p->dir);
	if (access(dep, R_OK) < 0)
		dep[0] = '\0';
	return access(p->file, R_OK) < 0 ? -errno : 0;
}

static json_t *
yaml_file(const char *path, Buf *b, char *err, size_t n)
{
	char why[512];
	json_t *v;
	int rc;

	if ((rc = file_read(path, b)) < 0) {
		snprintf(err, n, "%s: %s", path, strerror(-rc));
		return NULL;
	}
	if ((v = yaml_to_json(b->p ? b->p : "", b->n, why, sizeof why)) == NULL)
		snprintf(err, n, "%s: %s", path, why);
	else if (!json_is_object(v)) {
		snprintf(err, n, "%s: not a map of project: or packages:", path);
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* Every action's function: inlined; 0 or -errno with err. */
static int
functions_in(Project *p, json_t *pkgs, char *err, size_t n)
{
	json_t *d, *a;
	const char *k, *an;
	int rc;

	json_object_foreach(pkgs, k, d) json_object_foreach(json_object_get(d, "actions"), an, a)
	{
		if (json_is_string(json_object_get(a, "function")) && (rc = function_in(p->dir, an, a, err, n)) < 0)
			return rc;
	}
	return 0;
}

/*
 * Read the project in dir: p->m is a manifest manifest_plan takes. name,
 * if given, is the project's name (wskdeploy's --projectname); managed
 * marks every entity. 0, or -errno with why in err.
 */
int
project_load(Project *p, const char *dir, const char *name, int managed, char *err, size_t n)
{
	char dep[4096];
	json_t *m, *d = NULL, *proj, *pkgs, *x, *ma;
	const char *k;
	Buf b = { 0 }, db = { 0 };
	int rc = -EINVAL;

	memset(p, 0, sizeof *p);
	if (project_files(p, dir, dep, sizeof dep) < 0) {
		snprintf(err, n, "%s: no manifest.yaml or manifest.yml", p->dir);
		return -ENOENT;
	}
	if ((m = yaml_file(p->file, &b, err, n)) == NULL || (dep[0] && (d = yaml_file(dep, &db, err, n)) == NULL))
		goto out;
	project_hash(b.p, b.n, p->hash);
	proj = json_is_object(json_object_get(m, "project")) ? json_object_get(m, "project") : m;
	if (name == NULL)
		name = json_string_value(json_object_get(proj, "name"));
	p->name = name ? estrdup(name) : NULL;
	if (!json_is_object(pkgs = json_object_get(proj, "packages"))) {
		snprintf(err, n, "%s: no packages: map", p->file);
		goto out;
	}
	if (managed && p->name == NULL) {
		snprintf(err, n, "%s: a managed deployment needs the project's name (project: name:)", p->file);
		goto out;
	}
	if (d && overlay(pkgs, d, json_string_value(json_object_get(proj, "name")), err, n) < 0)
		goto out;
	p->m = json_pack("{s:o}", "packages", env_all(pkgs));
	if ((rc = functions_in(p, json_object_get(p->m, "packages"), err, n)) < 0)
		goto out;
	if (managed) {
		ma = project_managed(p);
		json_object_foreach(json_object_get(p->m, "packages"), k, x) if (json_is_object(x))
		        mark_package(k, x, ma);
		json_decref(ma);
	}
	rc = 0;
out:
	json_decref(m);
	json_decref(d);
	buf_free(&b);
	buf_free(&db);
	return rc;
}

void
project_free(Project *p)
{
	json_decref(p->m);
	free(p->name);
	free(p->file);
	free(p->dir);
	memset(p, 0, sizeof *p);
}
