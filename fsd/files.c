/* files.c — the file table: every kind of file in the tree, one row each, with what is particular to it.
 *
 * As acme keeps each of its files' behaviour in one place, a row says what
 * a file is called, its mode, how it is filled, checked as it is written,
 * committed, read, written, looked up and listed, made and removed; the
 * FUSE operations (fsops.c, fileops.c, change.c) and the tree (tree.c) ask
 * the row and do the default where it names no function. "What writing
 * limits does" is the row of Qlimits; a new file is a new row.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "dat.h"
#include "fns.h"

#define DIR (S_IFDIR | 0755)
#define RW (S_IFREG | 0644)
#define RO (S_IFREG | 0444)

/* The fixed names of each directory, in the order they are listed. */
static const int rootkids[] = { Qctl,     Qstatus,   Qerr,      Qmanifest, Qcrontab, Qwatches,     Qsubs,
	                        Qactions, Qpackages, Qtriggers, Qrules,    Qapis,    Qactivations, 0 };
static const int actionkids[] = { Qcode, Qkind,   Qmain, Qparams, Qannot, Qlimits, Qversion, Qinvoke,  Qresult,
	                          Qlogs, Qobjerr, Qurl,  Qweb,    Qdebug, Qacts,   Qsrc,     Qsecrets, 0 };
static const int packagekids[] = { Qparams, Qannot, Qbinding, Qobjerr, Qactions, Qsecrets, 0 };
static const int activkids[] = { Qactlog, Qactstream, 0 };
static const int recordkids[] = {
	Qarecord, Qastatus, Qaresult, Qalogs, Qaname, Qastart, Qaend, Qaduration, Qacause, 0
};

/* The rows shared by several files: a document file of an entity, a file of a kept activation. */
#define DOC(nm, fl) .name = nm, .mode = RW, .flags = Fdoc | Fcache | Fstage | (fl), .ent = ent_of
#define ACT(nm) .name = nm, .exists = act_exists, .attr = act_attr, .wait = wait_act
#define ACTF(nm) ACT(nm), .mode = RO
#define FEEDTAB(nm)                                                                                  \
	.name = nm, .mode = RW, .flags = Fstage | Fapply, .exists = exists_always, .wait = wait_all, \
	.fill = feedtab_fill, .check = feedtab_check, .commit = feedtab_commit
#define COLL(nm, fl, ek, mq)                                                                                        \
	.name = nm, .mode = DIR, .flags = fl, .coll = ek, .member = mq, .exists = exists_always, .kid = kid_entity, \
	.list = list_entities

static const File files[Nq] = {
	[Qroot] = { .name = "", .mode = DIR, .flags = Flocal, .kids = rootkids, .exists = exists_always },
	[Qctl] = { .name = "ctl",
	           .mode = RW,
	           .flags = Flocal | Flive,
	           .exists = exists_always,
	           .attr = attr_none,
	           .read = ctl_read,
	           .write = ctl_write },
	[Qstatus] = { .name = "status", .mode = RO, .flags = Flocal, .exists = exists_always, .fill = status_fill },
	[Qerr] = { .name = "err",
	           .mode = RW,
	           .flags = Flocal,
	           .exists = exists_always,
	           .attr = err_attr,
	           .opening = err_open,
	           .write = err_write },
	[Qmanifest] = { .name = "manifest.yaml",
	                .mode = RW,
	                .flags = Fstage,
	                .exists = exists_always,
	                .wait = wait_all,
	                .fill = fill_manifest,
	                .commit = commit_manifest },
	[Qcrontab] = { FEEDTAB("crontab") },
	[Qwatches] = { FEEDTAB("watches") },
	[Qsubs] = { FEEDTAB("subscriptions") },

	/* actions */
	[Qactions] = { .name = "actions",
	               .mode = DIR,
	               .flags = Fscratch,
	               .coll = Eaction,
	               .ent = ent_pkgdir,
	               .exists = actions_exist,
	               .kid = kid_action,
	               .list = list_actions,
	               .create = create_action,
	               .mkdir = mkdir_action,
	               .unlink = unlink_dir,
	               .rmdir = rmdir_actions },
	[Qaction] = { .mode = DIR,
	              .flags = Frmfiles,
	              .kids = actionkids,
	              .ent = ent_of,
	              .create = create_scratch,
	              .mkdir = mkdir_src,
	              .unlink = unlink_dir,
	              .rmdir = rmdir_entity },
	[Qalias] = { DOC(NULL, Fvalidate), .attr = attr_code, .fill = fill_code, .body = body_code,
	             .unlink = unlink_entity },
	[Qcode] = { DOC("code", Fvalidate | Fnotify), .attr = attr_code, .fill = fill_code, .body = body_code },
	[Qkind] = { DOC("kind", Fvalidate | Fnotify), .arg = "kind", .fill = fill_exec, .check = check_exec_word,
	            .body = body_exec },
	[Qmain] = { DOC("main", Fvalidate | Fnotify), .arg = "main", .fill = fill_exec, .check = check_exec_word,
	            .body = body_exec },
	[Qparams] = { DOC("params", Fnotify), .arg = "parameters", .fill = fill_kv, .check = check_object,
	              .body = body_params },
	[Qannot] = { DOC("annotations", Fnotify), .arg = "annotations", .fill = fill_kv, .check = check_object,
	             .body = body_annot },
	[Qlimits] = { DOC("limits", Fnotify), .fill = fill_limits, .check = check_limits, .body = body_limits },
	[Qversion] = { .name = "version", .mode = RO, .flags = Fcache | Fnotify, .ent = ent_of, .fill = fill_version },
	[Qinvoke] = { .name = "invoke",
	              .mode = S_IFREG | 0666,
	              .flags = Fcache | Flive | Fnoflush | Fnotify,
	              .ent = ent_of,
	              .attr = attr_none,
	              .read = invoke_read,
	              .write = invoke_write,
	              .flush = invoke_flush,
	              .ready = invoke_ready,
	              .close = invoke_close,
	              .release = invoke_release },
	[Qresult] = { .name = "result",
	              .mode = RO,
	              .flags = Flive,
	              .ent = ent_of,
	              .attr = attr_result,
	              .wait = wait_result,
	              .read = result_read },
	[Qlogs] = { .name = "logs",
	            .mode = RO,
	            .flags = Flive,
	            .ent = ent_of,
	            .attr = attr_logs,
	            .fill = fill_logs,
	            .read = logs_read },
	[Qobjerr] = { .name = "err", .mode = RO, .ent = ent_of, .fill = fill_objerr },
	[Qurl] = { .name = "url", .mode = RO, .flags = Fcache, .ent = ent_of, .fill = fill_url },
	[Qweb] = { DOC("web", Fnotify), .fill = fill_web, .check = check_web, .body = body_web },
	[Qdebug] = { DOC("debug", 0), .fill = fill_debug, .check = check_debug, .body = body_debug },
	[Qacts] = { .name = "activations",
	            .mode = DIR,
	            .flags = Frmfiles,
	            .ent = ent_of,
	            .kid = kid_actlink,
	            .list = list_acts,
	            .rmdir = rmdir_none },
	[Qactlink] = { .mode = S_IFLNK | 0777, .ent = ent_of, .exists = actlink_exists, .attr = attr_link },
	[Qsrc] = { .name = "src",
	           .flags = Fvalidate,
	           .modeof = src_mode,
	           .ent = ent_of,
	           .exists = src_there,
	           .listed = src_exists,
	           .attr = src_attr,
	           .kid = src_kid,
	           .list = src_list,
	           .body = body_code,
	           .create = create_src,
	           .mkdir = mkdir_srcent,
	           .rmdir = rmdir_none },
	[Qsrcent] = { .flags = Flive,
	              .modeof = src_mode,
	              .ent = ent_of,
	              .exists = src_there,
	              .attr = src_attr,
	              .kid = src_kid,
	              .list = src_list,
	              .opening = src_opening,
	              .open = src_open,
	              .close = src_release,
	              .read = src_read,
	              .write = src_write,
	              .fsync = src_fsync,
	              .truncate = src_truncate,
	              .chmod = src_chmod,
	              .create = create_src,
	              .mkdir = mkdir_srcent,
	              .unlink = unlink_src,
	              .rmdir = rmdir_src },
	[Qsecrets] = { .name = "secrets",
	               .mode = DIR,
	               .ent = ent_of,
	               .exists = secret_exists,
	               .listed = secret_exists,
	               .kid = secret_kid,
	               .list = secret_list,
	               .create = create_secret,
	               .rmdir = rmdir_none },
	[Qsecret] = { .mode = S_IFREG | 0200,
	              .flags = Fstage | Flive,
	              .ent = ent_of,
	              .exists = secret_exists,
	              .attr = attr_none,
	              .commit = secret_put,
	              .opening = secret_opening,
	              .close = secret_close,
	              .unlink = unlink_secret },

	/* packages, triggers, rules, APIs */
	[Qpackages] = { COLL("packages", 0, Epackage, Qpackage), .mkdir = mkdir_package },
	[Qpackage] = { .mode = DIR,
	               .flags = Frmfiles,
	               .kids = packagekids,
	               .ent = ent_of,
	               .create = create_scratch,
	               .unlink = unlink_dir,
	               .rmdir = rmdir_entity },
	[Qbinding] = { DOC("binding", Fnotify), .fill = fill_binding, .check = check_binding, .body = body_binding },
	[Qtriggers] = { COLL("triggers", Fscratch, Etrigger, Qtrigger), .create = create_trigger },
	[Qtrigger] = { .mode = RW,
	               .flags = Fdoc | Fcache,
	               .ent = ent_of,
	               .fill = fill_trigger,
	               .write = fire_write,
	               .flush = fire_flush,
	               .unlink = unlink_entity },
	[Qrules] = { COLL("rules", Fscratch, Erule, Qrule), .create = create_staged },
	[Qrule] = { DOC(NULL, 0), .fill = fill_rule, .check = check_rule, .body = body_rule, .unlink = unlink_entity },
	[Qapis] = { COLL("apis", Fscratch, Eapi, Qapi), .create = create_staged },
	[Qapi] = { DOC(NULL, 0), .fill = fill_api, .check = check_object, .body = body_api, .unlink = unlink_entity },

	/* activations */
	[Qactivations] = { .name = "activations",
	                   .mode = DIR,
	                   .flags = Flocal,
	                   .kids = activkids,
	                   .exists = exists_always,
	                   .kid = kid_activation,
	                   .list = list_activations },
	[Qactlog] = { .name = "log",
	              .mode = RO,
	              .flags = Flocal | Flive,
	              .exists = exists_always,
	              .attr = act_log_attr,
	              .read = act_log_read },
	[Qactstream] = { .name = "stream",
	                 .mode = RO,
	                 .flags = Flocal | Flive,
	                 .exists = exists_always,
	                 .open = stream_open,
	                 .close = stream_close,
	                 .read = stream_read,
	                 .ready = stream_ready },
	[Qactivation] = { ACT(NULL), .mode = DIR, .kids = recordkids, .kid = hold_kid, .list = hold_list,
	                  .unlink = unlink_dir },
	[Qarecord] = { ACTF("record"), .fill = afill_record },
	[Qastatus] = { ACTF("status"), .fill = afill_status },
	[Qaresult] = { ACTF("result"), .fill = afill_result },
	[Qalogs] = { ACTF("logs"), .flags = Flive, .fill = afill_logs, .read = alogs_read },
	[Qaname] = { ACTF("name"), .fill = afill_name },
	[Qastart] = { ACTF("start"), .arg = "start", .fill = afill_int },
	[Qaend] = { ACTF("end"), .arg = "end", .fill = afill_int },
	[Qaduration] = { ACTF("duration"), .arg = "duration", .fill = afill_int },
	[Qacause] = { ACTF("cause"), .fill = afill_cause },

	/* an editor's scratch file, in memory only */
	[Qscratch] = { .flags = Flocal | Flive,
	               .modeof = scratch_mode,
	               .exists = scratch_exists,
	               .attr = scratch_attr,
	               .fill = scratch_fill,
	               .open = scratch_open,
	               .read = scratch_read,
	               .write = scratch_write,
	               .truncate = scratch_truncate,
	               .chmod = scratch_chmod,
	               .unlink = unlink_scratch },

	/* a failed activation's held container: activations/ID/debug/ and what is in it (hold.c) */
	[Qhold] = { .flags = Frmfiles,
	            .modeof = hold_mode,
	            .exists = hold_exists,
	            .attr = hold_attr,
	            .kid = hold_kid,
	            .list = hold_list,
	            .wait = hold_fetch,
	            .rmdir = rmdir_hold },
	[Qholdent] = { .flags = Frmfiles,
	               .modeof = hold_mode,
	               .exists = hold_exists,
	               .attr = hold_attr,
	               .kid = hold_kid,
	               .list = hold_list,
	               .wait = hold_fetch,
	               .fill = hold_fill,
	               .rmdir = rmdir_none },
};

/* The row of file kind q. */
const File *
file_of(int q)
{
	return &files[q > 0 && q < Nq ? q : 0];
}

/* Does n's row say flag? */
int
node_is(Node *n, int flag)
{
	return (files[n->q].flags & flag) != 0;
}
