/* rename.c — mv of an action, its directory or its NAME.EXT: the action under its new name with all it has.
 *
 * The REST API has no rename. So the action is made anew under the new
 * name (PUT, no overwrite) with the old one's exec (code, binary, main),
 * parameters (init flags and all), annotations, limits and publish; the
 * rules that name it are pointed at the new name, and so are the sequences
 * that have it as a component; then the old one is deleted (steps.c).
 * Its activations keep the name they ran under. The target must not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dat.h"
#include "fns.h"

typedef struct Mv {
	fuse_req_t req;
	char *from, *to; /* entity names: "a", "pkg/a" */
	char *path;      /* the old path, for err */
	char *topath;    /* the new path */
	json_t *steps;
} Mv;

static void
mv_free(Mv *m)
{
	free(m->from);
	free(m->to);
	free(m->path);
	free(m->topath);
	json_decref(m->steps);
	free(m);
}

static void
moved(void *arg, int err, const char *text)
{
	Mv *m = arg;

	if (err < 0)
		err_note(m->req, "rename", m->path, NULL, err, text);
	else /* the kernel moves its dentry, with its inode, to the new name */
		node_rename(m->path, m->topath, m->from, m->to);
	fuse_reply_err(m->req, -err);
	mv_free(m);
}

/* The rules naming the old action, pointed at the new one. */
static void
rule1(Ent *e, void *arg)
{
	Mv *m = arg;
	Ruletext r;
	char t[600], a[600];

	if (e->doc == NULL || e->staged)
		return;
	rule_of_doc(e->doc, &r);
	if (strcmp(r.action, m->from) != 0)
		return;
	snprintf(t, sizeof t, r.trigger[0] == '/' ? "%s" : "/%s/%s", r.trigger[0] == '/' ? r.trigger : fs.ns,
	         r.trigger);
	snprintf(a, sizeof a, "/%s/%s", fs.ns, m->to);
	step_add(m->steps, "PUT", Erule, e->name, "overwrite=true", json_pack("{s:s,s:s}", "trigger", t, "action", a));
}

/* The sequences with the old action as a component, given the new one. */
static void
sequence1(Ent *e, void *arg)
{
	Mv *m = arg;
	json_t *exec = json_object_get(e->doc, "exec"), *comps, *c;
	char old[600], new[600];
	size_t i;
	int hit = 0;

	if (e->doc == NULL || strcmp(jstr(json_object_get(exec, "kind")), "sequence") != 0)
		return;
	snprintf(old, sizeof old, "/%s/%s", fs.ns, m->from);
	snprintf(new, sizeof new, "/%s/%s", fs.ns, m->to);
	comps = json_deep_copy(json_object_get(exec, "components"));
	json_array_foreach(comps, i, c) if (strcmp(jstr(c), old) == 0)
	{
		json_array_set_new(comps, i, json_string(new));
		hit = 1;
	}
	if (!hit || strcmp(e->name, m->from) == 0) {
		json_decref(comps);
		return;
	}
	step_add(m->steps, "PUT", Eaction, e->name, "overwrite=true",
	         json_pack("{s:{s:s,s:o}}", "exec", "kind", "sequence", "components", comps));
}

/* The new action's body: all the old one has, its secrets too (the
 * backend copies them: no client can read them). */
static json_t *
copy_of(json_t *doc, const char *from)
{
	json_t *body = json_object(), *exec = json_object_get(doc, "exec"), *a;
	static const char *const keys[] = { "exec", "parameters", "annotations", "limits", "publish" };
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (json_object_get(doc, keys[i]) != NULL)
			json_object_set(body, keys[i], json_object_get(doc, keys[i]));
	if (strcmp(jstr(json_object_get(exec, "kind")), "sequence") == 0)
		json_object_del(body, "parameters"); /* the backend's own */
	json_array_foreach(json_object_get(doc, "annotations"), i,
	                   a) if (strcmp(jstr(json_object_get(a, "key")), "secrets") == 0 &&
	                          json_array_size(json_object_get(a, "value")))
	        json_object_set_new(body, "secretsFrom", json_string(from));
	return body;
}

static void
loaded(void *arg, int err)
{
	Mv *m = arg;
	Ent *e = action_ent(m->from);

	if (err == 0 && (e == NULL || e->doc == NULL))
		err = -ENOENT;
	if (err < 0) {
		moved(m, err, "cannot fetch the action");
		return;
	}
	step_add(m->steps, "PUT", Eaction, m->to, NULL, copy_of(e->doc, m->from));
	cache_each(Erule, rule1, m);
	cache_each(Eaction, sequence1, m);
	step_add(m->steps, "DELETE", Eaction, m->from, NULL, NULL);
	steps_run(m->steps, "", moved, m);
	m->steps = NULL;
}

/*
 * rename(2) of sname in sdir to name in dir, if it is a move of an action:
 * 0 when it is under way (answered when done), -errno (not answered), or
 * 1 when it is no such move.
 */
int
action_move(fuse_req_t req, Node *sdir, const char *sname, Node *dir, const char *name)
{
	char buf[1024], to[1024];
	size_t base = strlen(name);
	Ent *p;
	Mv *m;
	Kid k;
	int rc;

	if (kid_of(sdir, sname, &k, buf, sizeof buf) < 0 || (k.q != Qaction && k.q != Qalias) || dir->q != Qactions)
		return 1;
	if (k.q == Qalias && kind_of_name(name, &base) == NULL)
		return 1;
	if (dir->ename[0] && ((p = ent_get(Epackage, dir->ename)) == NULL || p->bindto != NULL))
		return -EPERM;
	snprintf(to, sizeof to, "%s%s%.*s", dir->ename, dir->ename[0] ? "/" : "", (int)base, name);
	if (strcmp(to, k.ename) == 0 || is_scratch_name(name) || base == 0)
		return 1;
	if (action_ent(to) != NULL)
		return -EEXIST;
	m = ecalloc(1, sizeof *m);
	m->req = req;
	m->from = estrdup(k.ename);
	m->to = estrdup(to);
	m->path = path_join(sdir->path, sname);
	m->topath = path_join(dir->path, name);
	m->steps = json_array();
	if ((rc = cache_load_all(loaded, m)) < 0)
		mv_free(m);
	return rc;
}
