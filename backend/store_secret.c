/* store_secret.c — the secrets table: values written, dropped with their entity, listed without or with them.
 *
 * A secret's value is never in an entity's document: the document has only
 * their names (the annotation "secrets", secrets.c). The values leave the
 * store only for an init (resolve.c), base64 so that any bytes pass.
 */
#include <errno.h>
#include <string.h>

#include "store_int.h"

/* Inside the caller's transaction. A set without a key copies every
 * secret of the action set->val names (secretsFrom). */
int
store_secret_write(Store *st, const char *ns, const char *coll, const char *name, const Secretset *set,
                   const char *version)
{
	sqlite3_stmt *s = store_stmt(st, set->key == NULL ? S_SEC_COPY : set->val ? S_SEC_PUT : S_SEC_DEL);

	if (set->key == NULL) {
		sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, coll, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, set->val, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, version ? version : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, now_ms());
		return store_exec_step(st, s);
	}
	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, coll, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, set->key, -1, SQLITE_STATIC);
	if (set->val) {
		sqlite3_bind_blob(s, 5, set->len ? set->val : "", (int)set->len, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, version ? version : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, now_ms());
	}
	return store_exec_step(st, s);
}

/* Inside the caller's transaction: the entity is deleted. */
int
store_secret_drop(Store *st, const char *ns, const char *coll, const char *name)
{
	sqlite3_stmt *s = store_stmt(st, S_SEC_DEL_ALL);

	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, coll, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	return store_exec_step(st, s);
}

/* An entity's secrets: into info (when not NULL) NAME: {size, version,
 * updated}; into values (when not NULL) NAME: the value in base64. */
int
store_secret_list(Store *st, const char *ns, const char *coll, const char *name, json_t *info, json_t *values)
{
	sqlite3_stmt *s = store_stmt(st, S_SEC_LIST);
	int rc;

	sqlite3_bind_text(s, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, coll, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(s, 0);
		const void *val = sqlite3_column_blob(s, 1);
		size_t len = (size_t)sqlite3_column_bytes(s, 1);
		Buf b = { 0 };

		if (info)
			json_object_set_new(info, key,
			                    json_pack("{s:I, s:s, s:I}", "size", (json_int_t)len, "version",
			                              (const char *)sqlite3_column_text(s, 2), "updated",
			                              (json_int_t)sqlite3_column_int64(s, 3)));
		if (values) {
			base64_encode(val ? val : "", len, &b);
			json_object_set_new(values, key, json_stringn(b.p ? b.p : "", b.n));
			explicit_bzero(b.p, b.n);
			buf_free(&b);
		}
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -EIO;
}
