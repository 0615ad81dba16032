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

/* The fields shared by several rows. F: any file's name, mode and flags; DOC: a document file of an
 * entity; ACT, ACTF: a kept activation and a file in it; FEEDTAB: a feed table at the root; COLL: a
 * collection of entities; ENTDIR: an entity's directory (an action's, a package's); LOCAL: a file of
 * the mount itself; LIVE: a live file of an action. */
#define F(nm, md, fl) .name = nm, .mode = md, .flags = fl
#define DOC(nm, fl) F(nm, RW, Fdoc | Fcache | Fstage | (fl)), .ent = ent_of
#define ACT(nm) .name = nm, .exists = act_exists, .attr = act_attr, .wait = wait_act
#define ACTF(nm) ACT(nm), .mode = RO
#define FEEDTAB(nm)                                                                                  \
	F(nm, RW, Fstage | Fapply), .exists = exists_always, .wait = wait_all, .fill = feedtab_fill, \
	                            .check = feedtab_check, .commit = feedtab_commit
#define COLL(nm, fl, ek, mq) \
	F(nm, DIR, fl), .coll = ek, .member = mq, .exists = exists_always, .kid = kid_entity, .list = list_entities
#define ENTDIR(k)                                                                                         \
	F(NULL, DIR, Frmfiles), .kids = k, .ent = ent_of, .create = create_scratch, .unlink = unlink_dir, \
	                        .rmdir = rmdir_entity
#define LOCAL(nm, md, fl) F(nm, md, Flocal | (fl)), .exists = exists_always
#define LIVE(nm) F(nm, RO, Flive), .ent = ent_of
/* src/ and what is in it (src.c); a held container's directory and what is in it (hold.c) */
#define SRC                                                                                                         \
	.modeof = src_mode, .ent = ent_of, .exists = src_there, .attr = src_attr, .kid = src_kid, .list = src_list, \
	.create = create_src, .mkdir = mkdir_srcent
#define HOLD                                                                                               \
	.flags = Frmfiles, .modeof = hold_mode, .exists = hold_exists, .attr = hold_attr, .kid = hold_kid, \
	.list = hold_list, .wait = hold_fetch

const File filetab[Nq] = {
	[Qroot] = { LOCAL("", DIR, 0), .kids = rootkids },
	[Qctl] = { LOCAL("ctl", RW, Flive), .attr = attr_none, .read = ctl_read, .write = ctl_write },
	[Qstatus] = { LOCAL("status", RO, 0), .fill = status_fill },
	[Qerr] = { LOCAL("err", RW, 0), .attr = err_attr, .opening = err_open, .write = err_write },
	[Qmanifest] = { F("manifest.yaml", RW, Fstage), .exists = exists_always, .wait = wait_all,
	                .fill = fill_manifest, .commit = commit_manifest },
	[Qcrontab] = { FEEDTAB("crontab") },
	[Qwatches] = { FEEDTAB("watches") },
	[Qsubs] = { FEEDTAB("subscriptions") },

	/* actions */
	[Qactions] = { F("actions", DIR, Fscratch), .coll = Eaction, .ent = ent_pkgdir, .exists = actions_exist,
	               .kid = kid_action, .list = list_actions, .create = create_action, .mkdir = mkdir_action,
	               .unlink = unlink_dir, .rmdir = rmdir_actions },
	[Qaction] = { ENTDIR(actionkids), .mkdir = mkdir_src },
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
	[Qversion] = { F("version", RO, Fcache | Fnotify), .ent = ent_of, .fill = fill_version },
	[Qinvoke] = { F("invoke", S_IFREG | 0666, Fcache | Flive | Fnoflush | Fnotify), .ent = ent_of,
	              .attr = attr_none, .read = invoke_read, .write = invoke_write, .flush = invoke_flush,
	              .ready = invoke_ready, .close = invoke_close, .release = invoke_release },
	[Qresult] = { LIVE("result"), .attr = attr_result, .wait = wait_result, .read = result_read },
	[Qlogs] = { LIVE("logs"), .attr = attr_logs, .fill = fill_logs, .read = logs_read },
	[Qobjerr] = { F("err", RO, 0), .ent = ent_of, .fill = fill_objerr },
	[Qurl] = { F("url", RO, Fcache), .ent = ent_of, .fill = fill_url },
	[Qweb] = { DOC("web", Fnotify), .fill = fill_web, .check = check_web, .body = body_web },
	[Qdebug] = { DOC("debug", 0), .fill = fill_debug, .check = check_debug, .body = body_debug },
	[Qacts] = { F("activations", DIR, Frmfiles), .ent = ent_of, .kid = kid_actlink, .list = list_acts,
	            .rmdir = rmdir_none },
	[Qactlink] = { .mode = S_IFLNK | 0777, .ent = ent_of, .exists = actlink_exists, .attr = attr_link },
	[Qsrc] = { SRC, .name = "src", .flags = Fvalidate, .listed = src_exists, .body = body_code,
	           .rmdir = rmdir_none },
	[Qsrcent] = { SRC, .flags = Flive, .opening = src_opening, .open = src_open, .close = src_release,
	              .read = src_read, .write = src_write, .fsync = src_fsync, .truncate = src_truncate,
	              .chmod = src_chmod, .unlink = unlink_src, .rmdir = rmdir_src },
	[Qsecrets] = { F("secrets", DIR, 0), .ent = ent_of, .exists = secret_exists, .listed = secret_exists,
	               .kid = secret_kid, .list = secret_list, .create = create_secret, .rmdir = rmdir_none },
	[Qsecret] = { F(NULL, S_IFREG | 0200, Fstage | Flive), .ent = ent_of, .exists = secret_exists,
	              .attr = attr_none, .commit = secret_put, .opening = secret_opening, .close = secret_close,
	              .unlink = unlink_secret },

	/* packages, triggers, rules, APIs */
	[Qpackages] = { COLL("packages", 0, Epackage, Qpackage), .mkdir = mkdir_package },
	[Qpackage] = { ENTDIR(packagekids) },
	[Qbinding] = { DOC("binding", Fnotify), .fill = fill_binding, .check = check_binding, .body = body_binding },
	[Qtriggers] = { COLL("triggers", Fscratch, Etrigger, Qtrigger), .create = create_trigger },
	[Qtrigger] = { F(NULL, RW, Fdoc | Fcache), .ent = ent_of, .fill = fill_trigger, .write = fire_write,
	               .flush = fire_flush, .unlink = unlink_entity },
	[Qrules] = { COLL("rules", Fscratch, Erule, Qrule), .create = create_staged },
	[Qrule] = { DOC(NULL, 0), .fill = fill_rule, .check = check_rule, .body = body_rule, .unlink = unlink_entity },
	[Qapis] = { COLL("apis", Fscratch, Eapi, Qapi), .create = create_staged },
	[Qapi] = { DOC(NULL, 0), .fill = fill_api, .check = check_object, .body = body_api, .unlink = unlink_entity },

	/* activations */
	[Qactivations] = { LOCAL("activations", DIR, 0), .kids = activkids, .kid = kid_activation,
	                   .list = list_activations },
	[Qactlog] = { LOCAL("log", RO, Flive), .attr = act_log_attr, .read = act_log_read },
	[Qactstream] = { LOCAL("stream", RO, Flive), .open = stream_open, .close = stream_close, .read = stream_read,
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
	[Qscratch] = { F(NULL, 0, Flocal | Flive), .modeof = scratch_mode, .exists = scratch_exists,
	               .attr = scratch_attr, .fill = scratch_fill, .open = scratch_open, .read = scratch_read,
	               .write = scratch_write, .truncate = scratch_truncate, .chmod = scratch_chmod,
	               .unlink = unlink_scratch },

	/* a failed activation's held container: activations/ID/debug/ and what is in it (hold.c) */
	[Qhold] = { HOLD, .rmdir = rmdir_hold },
	[Qholdent] = { HOLD, .fill = hold_fill, .rmdir = rmdir_none },
};
