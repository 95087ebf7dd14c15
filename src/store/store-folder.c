/* store-folder.c: folders, items and the change log of the SQLite store (store-folder.h).
 *
 * Schema: migration 2 in store-schema.c. Every write takes its modseq from users.modseq
 * inside its transaction (BEGIN IMMEDIATE serialises writers, so modseqs are unique per user
 * and increase in commit order) and runs in store_tx_begin/store_tx_end, so that it joins
 * the caller's transaction and a failure undoes exactly its own statements. */
#include "store/store-folder.h"
#include "store/store-sqlite-private.h"
#include "lib/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define FOLDER_COLUMNS STORE_FOLDER_COLUMNS("")
/* The last parameter of every statement that reads items says whether to read data. */
#define ITEM_COLUMNS(with_data_param) STORE_ITEM_COLUMNS("", with_data_param)

/* Takes ?2 modseqs of user ?1 and returns the highest (the caller uses top-?2+1 .. top). */
static const char SQL_MODSEQ_TAKE[] =
	"UPDATE users SET modseq = modseq + ?2 WHERE id = ?1 RETURNING modseq";
/* One modseq and one folder number. */
static const char SQL_FOLDER_SEQ_TAKE[] =
	"UPDATE users SET modseq = modseq + ?2, folder_seq = folder_seq + ?2 WHERE id = ?1"
	" RETURNING modseq, folder_seq";
static const char SQL_USER_MODSEQ[] = "SELECT modseq FROM users WHERE id = ?";
static const char SQL_HIERARCHY_MODSEQ[] =
	"SELECT (SELECT COALESCE(MAX(f.modseq), 0) FROM folders f WHERE f.user_id = u.id)"
	" FROM users u WHERE u.id = ?";

static const char SQL_FOLDER_INSERT[] =
	"INSERT INTO folders (user_id, server_id, parent_server_id, name, type, is_default,"
	" modseq, origin_device) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_FOLDER_GET[] =
	"SELECT " FOLDER_COLUMNS " FROM folders WHERE user_id = ? AND server_id = ? AND deleted = 0";
static const char SQL_FOLDER_GET_BY_ID[] =
	"SELECT " FOLDER_COLUMNS " FROM folders WHERE user_id = ? AND id = ?";
static const char SQL_FOLDER_GET_DEFAULT[] =
	"SELECT " FOLDER_COLUMNS " FROM folders WHERE user_id = ? AND type = ? AND is_default = 1"
	" AND deleted = 0";
static const char SQL_FOLDER_LIST_LIVE[] =
	"SELECT " FOLDER_COLUMNS " FROM folders WHERE user_id = ? AND deleted = 0 ORDER BY modseq";
static const char SQL_FOLDER_LIST_SINCE[] =
	"SELECT " FOLDER_COLUMNS " FROM folders WHERE user_id = ? AND modseq > ? ORDER BY modseq";
static const char SQL_FOLDER_ITEMS_MODSEQ[] = "SELECT items_modseq FROM folders WHERE id = ?";
static const char SQL_FOLDER_ITEM_COUNT[] = "SELECT item_count FROM folders WHERE id = ?";
/* 1 when folder ?3 is ?2 or one of its ancestors (UNION ends a cycle, should one exist). */
static const char SQL_FOLDER_IS_ANCESTOR[] =
	"WITH RECURSIVE anc (sid) AS (SELECT ?2 UNION"
	" SELECT f.parent_server_id FROM folders f JOIN anc ON f.user_id = ?1"
	" AND f.server_id = anc.sid AND f.deleted = 0)"
	" SELECT 1 FROM anc WHERE sid = ?3";
static const char SQL_FOLDER_UPDATE[] =
	"UPDATE folders SET parent_server_id = ?, name = ?, modseq = ?, origin_device = ?"
	" WHERE id = ?";
/* The live subtree of folder ?2, deepest first. */
static const char SQL_FOLDER_SUBTREE[] =
	"WITH RECURSIVE sub (id, sid, depth) AS (SELECT id, server_id, 0 FROM folders"
	" WHERE id = ?2 UNION ALL SELECT f.id, f.server_id, sub.depth + 1 FROM folders f"
	" JOIN sub ON f.user_id = ?1 AND f.parent_server_id = sub.sid AND f.deleted = 0)"
	" SELECT id FROM sub ORDER BY depth DESC, id";
static const char SQL_FOLDER_TOMBSTONE[] =
	"UPDATE folders SET deleted = 1, modseq = ?2, origin_device = ?3, item_count = 0,"
	" items_modseq = CASE WHEN ?4 > items_modseq THEN ?4 ELSE items_modseq END WHERE id = ?1";
static const char SQL_FOLDER_LIVE_ITEMS[] =
	"SELECT COUNT(*) FROM items WHERE folder_id = ? AND deleted = 0";
/* Tombstones for every live item of folder ?1, modseqs ?2+1, ?2+2, ... in id order. */
static const char SQL_ITEMS_TOMBSTONE_FOLDER[] =
	"UPDATE items SET deleted = 1, data = NULL, origin_device = ?3, modseq = ?2 + r.rn"
	" FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM items"
	"  WHERE folder_id = ?1 AND deleted = 0) r WHERE items.id = r.id";

/* Bumps the item counter of a live folder: its ServerId and new item number. */
static const char SQL_FOLDER_ITEM_SEQ_TAKE[] =
	"UPDATE folders SET item_seq = item_seq + 1, items_modseq = ?3, item_count = item_count + 1"
	" WHERE user_id = ?1 AND server_id = ?2 AND deleted = 0 RETURNING id, server_id, item_seq";
static const char SQL_FOLDER_ITEM_CHANGED[] =
	"UPDATE folders SET items_modseq = ?2, item_count = item_count + ?3 WHERE id = ?1";
static const char SQL_ITEM_INSERT[] =
	"INSERT INTO items (user_id, folder_id, server_id, modseq, deleted, origin_device, uid,"
	" filter_start, filter_end, flags, data) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)";
static const char SQL_ITEM_UPDATE[] =
	"UPDATE items SET modseq = ?3, origin_device = ?4, uid = ?5, filter_start = ?6,"
	" filter_end = ?7, flags = ?8, data = ?9"
	" WHERE user_id = ?1 AND server_id = ?2 AND deleted = 0 RETURNING id, folder_id";
static const char SQL_ITEM_DELETE[] =
	"UPDATE items SET modseq = ?3, origin_device = ?4, deleted = 1, data = NULL"
	" WHERE user_id = ?1 AND server_id = ?2 AND deleted = 0 RETURNING id, folder_id";
static const char SQL_ITEM_GET[] =
	"SELECT " ITEM_COLUMNS("?3") " FROM items WHERE user_id = ?1 AND server_id = ?2"
	" AND deleted = 0";
static const char SQL_ITEM_FIND_UID[] =
	"SELECT " ITEM_COLUMNS("1") " FROM items WHERE folder_id = ?2 AND uid = ?3"
	" AND deleted = 0 AND user_id = ?1 ORDER BY id LIMIT 1";
static const char SQL_ITEMS_CHANGED[] =
	"SELECT " ITEM_COLUMNS("?4") " FROM items WHERE folder_id = ?1 AND modseq > ?2"
	" ORDER BY modseq LIMIT ?3";
static const char SQL_ITEMS_LIST[] =
	"SELECT " ITEM_COLUMNS("?4") " FROM items WHERE folder_id = ?1 AND deleted = 0"
	" AND id > ?2 ORDER BY id LIMIT ?3";

/* The default folders, in ServerId order (schema migration 2 has the same list). */
static const struct {
	const char *name;
	int type;
} default_folders[] = {
	{ "Inbox", STORE_FOLDER_INBOX },
	{ "Drafts", STORE_FOLDER_DRAFTS },
	{ "Deleted Items", STORE_FOLDER_DELETED },
	{ "Sent Items", STORE_FOLDER_SENT },
	{ "Outbox", STORE_FOLDER_OUTBOX },
	{ "Junk E-mail", STORE_FOLDER_USER_MAIL },
	{ "Calendar", STORE_FOLDER_CALENDAR },
	{ "Contacts", STORE_FOLDER_CONTACTS },
	{ "Tasks", STORE_FOLDER_TASKS },
	{ "Notes", STORE_FOLDER_NOTES },
};
#define DEFAULT_FOLDER_COUNT (sizeof(default_folders) / sizeof(default_folders[0]))

/* ---- Counters ---- */

/* Takes count modseqs of the user: *top_r is the highest, the caller owns
 * top - count + 1 .. top. STORE_NOT_FOUND for an unknown user. */
static enum store_result modseq_take(struct store *store, int64_t user_id, int64_t count,
				     int64_t *top_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_MODSEQ_TAKE);
	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, count);
	enum store_result ret = store_stmt_int64(store, stmt, "taking a modseq", top_r);
	if (ret == STORE_NOT_FOUND)
		store_set_error(store, "no user with id %" PRId64, user_id);
	return ret;
}

/* Takes count modseqs and count folder numbers of the user (the highest of each). */
static enum store_result folder_seq_take(struct store *store, int64_t user_id, int64_t count,
					 int64_t *modseq_r, int64_t *folder_seq_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_SEQ_TAKE);
	enum store_result ret = STORE_OK;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, count);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		*modseq_r = sqlite3_column_int64(stmt, 0);
		*folder_seq_r = sqlite3_column_int64(stmt, 1);
	} else if (rc == SQLITE_DONE) {
		store_set_error(store, "no user with id %" PRId64, user_id);
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "numbering a folder");
	}
	store_stmt_done(stmt);
	return ret;
}

/* Runs a one-integer query bound to one id; STORE_NOT_FOUND with "no <what> with id". */
static enum store_result id_lookup(struct store *store, const char *sql, int64_t id,
				   const char *what, int64_t *value_r)
{
	sqlite3_stmt *stmt = store_stmt(store, sql);
	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, id);
	enum store_result ret = store_stmt_int64(store, stmt, what, value_r);
	if (ret == STORE_NOT_FOUND)
		store_set_error(store, "%s: no such id %" PRId64, what, id);
	return ret;
}

enum store_result store_user_modseq(struct store *store, int64_t user_id, int64_t *modseq_r,
				    const char **error_r)
{
	enum store_result ret = id_lookup(store, SQL_USER_MODSEQ, user_id,
					  "reading a user's modseq", modseq_r);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_hierarchy_modseq(struct store *store, int64_t user_id,
					 int64_t *modseq_r, const char **error_r)
{
	enum store_result ret = id_lookup(store, SQL_HIERARCHY_MODSEQ, user_id,
					  "reading a user's hierarchy modseq", modseq_r);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* ---- Folders ---- */

void store_folder_read(sqlite3_stmt *stmt, int col, pool *p, struct store_folder *f)
{
	f->id = sqlite3_column_int64(stmt, col);
	f->user_id = sqlite3_column_int64(stmt, col + 1);
	f->server_id = store_col_text(stmt, col + 2, p);
	f->parent_server_id = store_col_text(stmt, col + 3, p);
	f->name = store_col_text(stmt, col + 4, p);
	f->type = sqlite3_column_int(stmt, col + 5);
	f->modseq = sqlite3_column_int64(stmt, col + 6);
	f->items_modseq = sqlite3_column_int64(stmt, col + 7);
	f->deleted = sqlite3_column_int(stmt, col + 8) != 0;
	f->is_default = sqlite3_column_int(stmt, col + 9) != 0;
}

/* Steps a bound folder query and reads its one row; STORE_NOT_FOUND without a message. */
static enum store_result folder_row(struct store *store, sqlite3_stmt *stmt, pool *p,
				    struct store_folder *folder_r)
{
	enum store_result ret = STORE_OK;
	int rc = store_step(store, stmt);

	if (rc == SQLITE_ROW)
		store_folder_read(stmt, 0, p, folder_r);
	else if (rc == SQLITE_DONE)
		ret = STORE_NOT_FOUND;
	else
		ret = store_result_from_rc(store, rc, "looking up a folder");
	store_stmt_done(stmt);
	return ret;
}

/* The user's live folder server_id; STORE_NOT_FOUND with a message. */
static enum store_result folder_find(struct store *store, pool *p, int64_t user_id,
				     const char *server_id, struct store_folder *folder_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_GET);
	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, user_id);
	store_bind_text(stmt, 2, server_id);
	enum store_result ret = folder_row(store, stmt, p, folder_r);
	if (ret == STORE_NOT_FOUND)
		store_set_error(store, "no folder '%.64s'", server_id);
	return ret;
}

/* Steps a bound folder query and reads every row into *folders_r. */
static enum store_result folder_rows(struct store *store, sqlite3_stmt *stmt, pool *p,
				     struct store_folder **folders_r, size_t *count_r)
{
	struct store_folder *list = NULL;
	size_t count = 0, cap = 0;
	int rc;

	while ((rc = store_step(store, stmt)) == SQLITE_ROW) {
		list = store_array_grow(p, list, count, &cap, sizeof(*list));
		store_folder_read(stmt, 0, p, &list[count++]);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return store_result_from_rc(store, rc, "listing folders");
	*folders_r = list != NULL ? list : pool_calloc(p, 1, sizeof(*list));
	*count_r = count;
	return STORE_OK;
}

enum store_result store_folders_create_defaults(struct store *store, int64_t user_id,
						const char **error_r)
{
	int64_t modseq, folder_seq;
	enum store_result ret = store_tx_begin(store);

	if (ret != STORE_OK)
		goto out;
	ret = folder_seq_take(store, user_id, DEFAULT_FOLDER_COUNT, &modseq, &folder_seq);
	for (size_t i = 0; i < DEFAULT_FOLDER_COUNT && ret == STORE_OK; i++) {
		int64_t back = (int64_t)(DEFAULT_FOLDER_COUNT - 1 - i);
		char sid[24];
		snprintf(sid, sizeof(sid), "%" PRId64, folder_seq - back);
		sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_INSERT);
		if (stmt != NULL) {
			sqlite3_bind_int64(stmt, 1, user_id);
			store_bind_text(stmt, 2, sid);
			store_bind_text(stmt, 3, "0");
			store_bind_text(stmt, 4, default_folders[i].name);
			sqlite3_bind_int(stmt, 5, default_folders[i].type);
			sqlite3_bind_int(stmt, 6, 1);
			sqlite3_bind_int64(stmt, 7, modseq - back);
			sqlite3_bind_int64(stmt, 8, 0);
		}
		ret = store_stmt_run(store, stmt, "creating the default folders");
		if (ret == STORE_EXISTS)
			store_set_error(store, "user %" PRId64 " has the default folders already",
					user_id);
	}
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_folder_list(struct store *store, pool *p, int64_t user_id,
				    int64_t since_modseq, struct store_folder **folders_r,
				    size_t *count_r, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, since_modseq == 0 ? SQL_FOLDER_LIST_LIVE :
								   SQL_FOLDER_LIST_SINCE);
	enum store_result ret = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, user_id);
		if (since_modseq != 0)
			sqlite3_bind_int64(stmt, 2, since_modseq);
		ret = folder_rows(store, stmt, p, folders_r, count_r);
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_folder_get(struct store *store, pool *p, int64_t user_id,
				   const char *server_id, struct store_folder *folder_r,
				   const char **error_r)
{
	enum store_result ret = folder_find(store, p, user_id, server_id, folder_r);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_folder_get_default(struct store *store, pool *p, int64_t user_id,
					   int type, struct store_folder *folder_r,
					   const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_GET_DEFAULT);
	enum store_result ret = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, user_id);
		sqlite3_bind_int(stmt, 2, type);
		ret = folder_row(store, stmt, p, folder_r);
		if (ret == STORE_NOT_FOUND)
			store_set_error(store, "no default folder of type %d", type);
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_folder_get_by_id(struct store *store, pool *p, int64_t user_id,
					 int64_t folder_id, struct store_folder *folder_r,
					 const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_GET_BY_ID);
	enum store_result ret = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, user_id);
		sqlite3_bind_int64(stmt, 2, folder_id);
		ret = folder_row(store, stmt, p, folder_r);
		if (ret == STORE_NOT_FOUND)
			store_set_error(store, "no folder with id %" PRId64, folder_id);
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_folder_items_modseq(struct store *store, int64_t folder_id,
					    int64_t *modseq_r, const char **error_r)
{
	enum store_result ret = id_lookup(store, SQL_FOLDER_ITEMS_MODSEQ, folder_id,
					  "reading a folder's modseq", modseq_r);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_folder_item_count(struct store *store, int64_t folder_id,
					  uint64_t *count_r, const char **error_r)
{
	int64_t count;
	enum store_result ret = id_lookup(store, SQL_FOLDER_ITEM_COUNT, folder_id,
					  "counting a folder's items", &count);
	if (ret != STORE_OK) {
		store_error_to(store, error_r);
		return ret;
	}
	*count_r = count < 0 ? 0 : (uint64_t)count;
	return STORE_OK;
}

/* Checks that parent_server_id names the top ("0") or a live folder of the user. */
static enum store_result parent_check(struct store *store, pool *p, int64_t user_id,
				      const char *parent_server_id)
{
	struct store_folder parent;

	if (strcmp(parent_server_id, "0") == 0)
		return STORE_OK;
	enum store_result ret = folder_find(store, p, user_id, parent_server_id, &parent);
	if (ret == STORE_NOT_FOUND)
		store_set_error(store, "no parent folder '%.64s'", parent_server_id);
	return ret;
}

enum store_result store_folder_create(struct store *store, pool *p, int64_t user_id,
				      const char *parent_server_id, const char *name, int type,
				      int64_t origin_device, struct store_folder *folder_r,
				      const char **error_r)
{
	int64_t modseq, folder_seq;
	const char *why;
	char sid[24];
	enum store_result ret;

	if (parent_server_id == NULL || name == NULL || !store_folder_name_valid(name, &why)) {
		store_set_error(store, "invalid folder name: %s",
				name == NULL || parent_server_id == NULL ? "none given" : why);
		ret = STORE_INVALID;
		goto out;
	}
	if (type != STORE_FOLDER_GENERIC &&
	    (type < STORE_FOLDER_USER_MAIL || type > STORE_FOLDER_USER_NOTES)) {
		store_set_error(store, "folders of type %d cannot be created", type);
		ret = STORE_INVALID;
		goto out;
	}
	if (origin_device < 0) {
		store_set_error(store, "invalid origin device %" PRId64, origin_device);
		ret = STORE_INVALID;
		goto out;
	}
	if ((ret = store_tx_begin(store)) != STORE_OK)
		goto out;
	ret = parent_check(store, p, user_id, parent_server_id);
	if (ret == STORE_OK)
		ret = folder_seq_take(store, user_id, 1, &modseq, &folder_seq);
	if (ret == STORE_OK) {
		snprintf(sid, sizeof(sid), "%" PRId64, folder_seq);
		sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_INSERT);
		if (stmt != NULL) {
			sqlite3_bind_int64(stmt, 1, user_id);
			store_bind_text(stmt, 2, sid);
			store_bind_text(stmt, 3, parent_server_id);
			store_bind_text(stmt, 4, name);
			sqlite3_bind_int(stmt, 5, type);
			sqlite3_bind_int(stmt, 6, 0);
			sqlite3_bind_int64(stmt, 7, modseq);
			sqlite3_bind_int64(stmt, 8, origin_device);
		}
		ret = store_stmt_run(store, stmt, "creating a folder");
		if (ret == STORE_EXISTS)
			store_set_error(store, "a folder '%s' exists there already", name);
	}
	if (ret == STORE_OK) {
		folder_r->id = sqlite3_last_insert_rowid(store->db);
		folder_r->user_id = user_id;
		folder_r->server_id = pool_strdup(p, sid);
		folder_r->parent_server_id = pool_strdup(p, parent_server_id);
		folder_r->name = pool_strdup(p, name);
		folder_r->type = type;
		folder_r->modseq = modseq;
		folder_r->items_modseq = 0;
		folder_r->deleted = false;
		folder_r->is_default = false;
	}
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* STORE_INVALID when new_parent is the folder server_id itself or below it. */
static enum store_result move_check(struct store *store, int64_t user_id, const char *server_id,
				    const char *new_parent)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_IS_ANCESTOR);
	int64_t one;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, user_id);
	store_bind_text(stmt, 2, new_parent);
	store_bind_text(stmt, 3, server_id);
	enum store_result ret = store_stmt_int64(store, stmt, "checking a folder move", &one);
	if (ret == STORE_NOT_FOUND)
		return STORE_OK;
	if (ret == STORE_OK) {
		store_set_error(store, "folder '%.64s' cannot move below itself", server_id);
		ret = STORE_INVALID;
	}
	return ret;
}

enum store_result store_folder_update(struct store *store, pool *p, int64_t user_id,
				      const char *server_id, const char *new_parent_server_id,
				      const char *new_name, int64_t origin_device,
				      struct store_folder *folder_r, const char **error_r)
{
	struct store_folder f = { 0 };
	int64_t modseq;
	const char *why;
	enum store_result ret;

	if (new_name != NULL && !store_folder_name_valid(new_name, &why)) {
		store_set_error(store, "invalid folder name: %s", why);
		ret = STORE_INVALID;
		goto out;
	}
	if (server_id == NULL || origin_device < 0) {
		store_set_error(store, "invalid folder update");
		ret = STORE_INVALID;
		goto out;
	}
	if ((ret = store_tx_begin(store)) != STORE_OK)
		goto out;
	ret = folder_find(store, p, user_id, server_id, &f);
	if (ret == STORE_OK && f.is_default) {
		store_set_error(store, "folder '%s' (%s) is a default folder", f.server_id, f.name);
		ret = STORE_FORBIDDEN;
	}
	const char *parent = new_parent_server_id != NULL ? new_parent_server_id :
							      f.parent_server_id;
	const char *name = new_name != NULL ? new_name : f.name;
	if (ret == STORE_OK && new_parent_server_id != NULL) {
		ret = parent_check(store, p, user_id, parent);
		if (ret == STORE_OK)
			ret = move_check(store, user_id, server_id, parent);
	}
	if (ret == STORE_OK)
		ret = modseq_take(store, user_id, 1, &modseq);
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_UPDATE);
		if (stmt != NULL) {
			store_bind_text(stmt, 1, parent);
			store_bind_text(stmt, 2, name);
			sqlite3_bind_int64(stmt, 3, modseq);
			sqlite3_bind_int64(stmt, 4, origin_device);
			sqlite3_bind_int64(stmt, 5, f.id);
		}
		ret = store_stmt_run(store, stmt, "changing a folder");
		if (ret == STORE_EXISTS)
			store_set_error(store, "a folder '%s' exists there already", name);
	}
	if (ret == STORE_OK) {
		*folder_r = f;
		folder_r->parent_server_id = pool_strdup(p, parent);
		folder_r->name = pool_strdup(p, name);
		folder_r->modseq = modseq;
	}
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* Turns folder_id and its live items into tombstones, each with its own modseq. */
static enum store_result folder_tombstone(struct store *store, int64_t user_id, int64_t folder_id,
					  int64_t origin_device)
{
	int64_t live, top = 0, modseq;
	enum store_result ret = id_lookup(store, SQL_FOLDER_LIVE_ITEMS, folder_id,
					  "counting a folder's items", &live);

	if (ret == STORE_OK && live > 0) {
		ret = modseq_take(store, user_id, live, &top);
		sqlite3_stmt *stmt = ret == STORE_OK ? store_stmt(store, SQL_ITEMS_TOMBSTONE_FOLDER) :
							 NULL;
		if (stmt != NULL) {
			sqlite3_bind_int64(stmt, 1, folder_id);
			sqlite3_bind_int64(stmt, 2, top - live);
			sqlite3_bind_int64(stmt, 3, origin_device);
		}
		if (ret == STORE_OK)
			ret = store_stmt_run(store, stmt, "deleting a folder's items");
	}
	if (ret == STORE_OK)
		ret = modseq_take(store, user_id, 1, &modseq);
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_TOMBSTONE);
		if (stmt != NULL) {
			sqlite3_bind_int64(stmt, 1, folder_id);
			sqlite3_bind_int64(stmt, 2, modseq);
			sqlite3_bind_int64(stmt, 3, origin_device);
			sqlite3_bind_int64(stmt, 4, top);
		}
		ret = store_stmt_run(store, stmt, "deleting a folder");
	}
	return ret;
}

/* The ids of the live subtree of folder_id, deepest first, into *ids_r (from p). */
static enum store_result folder_subtree(struct store *store, pool *p, int64_t user_id,
					int64_t folder_id, int64_t **ids_r, size_t *count_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_SUBTREE);
	int64_t *ids = NULL;
	size_t count = 0, cap = 0;
	int rc;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, user_id);
	sqlite3_bind_int64(stmt, 2, folder_id);
	while ((rc = store_step(store, stmt)) == SQLITE_ROW) {
		ids = store_array_grow(p, ids, count, &cap, sizeof(*ids));
		ids[count++] = sqlite3_column_int64(stmt, 0);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return store_result_from_rc(store, rc, "walking a folder's subfolders");
	*ids_r = ids;
	*count_r = count;
	return STORE_OK;
}

enum store_result store_folder_delete(struct store *store, int64_t user_id, const char *server_id,
				      int64_t origin_device, const char **error_r)
{
	pool *p = pool_new(1024);
	struct store_folder f;
	int64_t *ids = NULL;
	size_t count = 0;
	enum store_result ret;

	if (server_id == NULL || origin_device < 0) {
		store_set_error(store, "invalid folder deletion");
		ret = STORE_INVALID;
		goto out;
	}
	if ((ret = store_tx_begin(store)) != STORE_OK)
		goto out;
	ret = folder_find(store, p, user_id, server_id, &f);
	if (ret == STORE_OK && f.is_default) {
		store_set_error(store, "folder '%s' (%s) is a default folder", f.server_id, f.name);
		ret = STORE_FORBIDDEN;
	}
	if (ret == STORE_OK)
		ret = folder_subtree(store, p, user_id, f.id, &ids, &count);
	for (size_t i = 0; i < count && ret == STORE_OK; i++)
		ret = folder_tombstone(store, user_id, ids[i], origin_device);
	ret = store_tx_end(store, ret);
out:
	pool_free(&p);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* ---- Items ---- */

void store_item_read(sqlite3_stmt *stmt, int col, pool *p, struct store_item *item)
{
	item->id = sqlite3_column_int64(stmt, col);
	item->user_id = sqlite3_column_int64(stmt, col + 1);
	item->folder_id = sqlite3_column_int64(stmt, col + 2);
	item->server_id = store_col_text(stmt, col + 3, p);
	item->modseq = sqlite3_column_int64(stmt, col + 4);
	item->deleted = sqlite3_column_int(stmt, col + 5) != 0;
	item->origin_device = sqlite3_column_int64(stmt, col + 6);
	item->uid = store_col_text_or_null(stmt, col + 7, p);
	item->filter_start = sqlite3_column_int64(stmt, col + 8);
	item->filter_end = sqlite3_column_int64(stmt, col + 9);
	item->flags = (uint32_t)sqlite3_column_int64(stmt, col + 10);
	item->data = store_col_blob(stmt, col + 11, p, &item->data_len);
}

/* Steps a bound item query and reads every row into *items_r. */
static enum store_result item_rows(struct store *store, sqlite3_stmt *stmt, pool *p,
				   struct store_item **items_r, size_t *count_r)
{
	struct store_item *list = NULL;
	size_t count = 0, cap = 0;
	int rc;

	while ((rc = store_step(store, stmt)) == SQLITE_ROW) {
		list = store_array_grow(p, list, count, &cap, sizeof(*list));
		store_item_read(stmt, 0, p, &list[count++]);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return store_result_from_rc(store, rc, "listing items");
	*items_r = list != NULL ? list : pool_calloc(p, 1, sizeof(*list));
	*count_r = count;
	return STORE_OK;
}

/* Checks the caller's fields of an item (see store_item_add); false with the error set. */
static bool item_input_valid(struct store *store, const struct store_item *in,
			     int64_t origin_device)
{
	if (in->data == NULL && in->data_len > 0) {
		store_set_error(store, "item data missing");
		return false;
	}
	if (in->data_len > STORE_ITEM_DATA_MAX) {
		store_set_error(store, "item data of %zu bytes is larger than %u", in->data_len,
				STORE_ITEM_DATA_MAX);
		return false;
	}
	if (in->uid != NULL && (strlen(in->uid) > STORE_ITEM_UID_MAX ||
				!utf8_valid(in->uid, strlen(in->uid), NULL))) {
		store_set_error(store, "item uid is not UTF-8 of at most %d bytes",
				STORE_ITEM_UID_MAX);
		return false;
	}
	if (in->filter_start > in->filter_end) {
		store_set_error(store, "item filter window ends before it starts");
		return false;
	}
	if (origin_device < 0) {
		store_set_error(store, "invalid origin device %" PRId64, origin_device);
		return false;
	}
	return true;
}

/* Binds the caller's fields of an item at uid_idx .. uid_idx + 4 (uid, filter_start,
 * filter_end, flags, data). */
static void bind_item_fields(sqlite3_stmt *stmt, int uid_idx, const struct store_item *in)
{
	static const unsigned char empty[1];
	store_bind_text(stmt, uid_idx, in->uid);
	sqlite3_bind_int64(stmt, uid_idx + 1, in->filter_start);
	sqlite3_bind_int64(stmt, uid_idx + 2, in->filter_end);
	sqlite3_bind_int64(stmt, uid_idx + 3, in->flags);
	/* A live item always has data (the schema's CHECK): none is an empty value. */
	store_bind_blob(stmt, uid_idx + 4, in->data != NULL ? in->data : empty, in->data_len);
}

/* *item_r = in with the stored identity, copied into p. */
static void item_result(pool *p, const struct store_item *in, int64_t id, int64_t user_id,
			int64_t folder_id, const char *server_id, int64_t modseq,
			int64_t origin_device, struct store_item *item_r)
{
	item_r->id = id;
	item_r->user_id = user_id;
	item_r->folder_id = folder_id;
	item_r->server_id = pool_strdup(p, server_id);
	item_r->modseq = modseq;
	item_r->deleted = false;
	item_r->origin_device = origin_device;
	item_r->uid = in->uid != NULL ? pool_strdup(p, in->uid) : NULL;
	item_r->filter_start = in->filter_start;
	item_r->filter_end = in->filter_end;
	item_r->flags = in->flags;
	item_r->data = (const unsigned char *)pool_strndup(
		p, in->data != NULL ? (const char *)in->data : "", in->data_len);
	item_r->data_len = in->data_len;
}

/* Numbers a new item of the user's live folder: its folder id and new ServerId. */
static enum store_result item_number(struct store *store, int64_t user_id,
				     const char *folder_server_id, int64_t modseq,
				     int64_t *folder_id_r, char *sid, size_t sid_size)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_FOLDER_ITEM_SEQ_TAKE);
	enum store_result ret = STORE_OK;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, user_id);
	store_bind_text(stmt, 2, folder_server_id);
	sqlite3_bind_int64(stmt, 3, modseq);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		const unsigned char *fsid = sqlite3_column_text(stmt, 1);
		*folder_id_r = sqlite3_column_int64(stmt, 0);
		snprintf(sid, sid_size, "%s:%" PRId64, fsid == NULL ? "" : (const char *)fsid,
			 (int64_t)sqlite3_column_int64(stmt, 2));
	} else if (rc == SQLITE_DONE) {
		store_set_error(store, "no folder '%.64s'", folder_server_id);
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "numbering an item");
	}
	store_stmt_done(stmt);
	return ret;
}

enum store_result store_item_add(struct store *store, pool *p, int64_t user_id,
				 const char *folder_server_id, const struct store_item *in,
				 int64_t origin_device, struct store_item *item_r,
				 const char **error_r)
{
	int64_t modseq, folder_id = 0;
	char sid[64];
	enum store_result ret;

	if (folder_server_id == NULL) {
		store_set_error(store, "no folder given");
		ret = STORE_NOT_FOUND;
		goto out;
	}
	if (!item_input_valid(store, in, origin_device)) {
		ret = STORE_INVALID;
		goto out;
	}
	if ((ret = store_tx_begin(store)) != STORE_OK)
		goto out;
	ret = modseq_take(store, user_id, 1, &modseq);
	if (ret == STORE_OK)
		ret = item_number(store, user_id, folder_server_id, modseq, &folder_id, sid,
				  sizeof(sid));
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = store_stmt(store, SQL_ITEM_INSERT);
		if (stmt != NULL) {
			sqlite3_bind_int64(stmt, 1, user_id);
			sqlite3_bind_int64(stmt, 2, folder_id);
			store_bind_text(stmt, 3, sid);
			sqlite3_bind_int64(stmt, 4, modseq);
			sqlite3_bind_int64(stmt, 5, origin_device);
			bind_item_fields(stmt, 6, in);
		}
		ret = store_stmt_run(store, stmt, "adding an item");
	}
	if (ret == STORE_OK)
		item_result(p, in, sqlite3_last_insert_rowid(store->db), user_id, folder_id, sid,
			    modseq, origin_device, item_r);
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* Runs SQL_ITEM_UPDATE or SQL_ITEM_DELETE (bound up to ?4 here, the rest by the caller
 * before) on a live item: its id and folder id, then the folder's items_modseq and count. */
static enum store_result item_write(struct store *store, sqlite3_stmt *stmt, int64_t user_id,
				    const char *server_id, int64_t modseq, int64_t origin_device,
				    int64_t count_delta, int64_t *id_r, int64_t *folder_id_r)
{
	enum store_result ret = STORE_OK;

	sqlite3_bind_int64(stmt, 1, user_id);
	store_bind_text(stmt, 2, server_id);
	sqlite3_bind_int64(stmt, 3, modseq);
	sqlite3_bind_int64(stmt, 4, origin_device);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		*id_r = sqlite3_column_int64(stmt, 0);
		*folder_id_r = sqlite3_column_int64(stmt, 1);
	} else if (rc == SQLITE_DONE) {
		store_set_error(store, "no item '%.64s'", server_id);
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "writing an item");
	}
	store_stmt_done(stmt);
	if (ret != STORE_OK)
		return ret;
	stmt = store_stmt(store, SQL_FOLDER_ITEM_CHANGED);
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, *folder_id_r);
		sqlite3_bind_int64(stmt, 2, modseq);
		sqlite3_bind_int64(stmt, 3, count_delta);
	}
	return store_stmt_run(store, stmt, "recording a folder change");
}

enum store_result store_item_update(struct store *store, pool *p, int64_t user_id,
				    const char *server_id, const struct store_item *in,
				    int64_t origin_device, struct store_item *item_r,
				    const char **error_r)
{
	int64_t modseq, id = 0, folder_id = 0;
	enum store_result ret;

	if (server_id == NULL) {
		store_set_error(store, "no item given");
		ret = STORE_NOT_FOUND;
		goto out;
	}
	if (!item_input_valid(store, in, origin_device)) {
		ret = STORE_INVALID;
		goto out;
	}
	if ((ret = store_tx_begin(store)) != STORE_OK)
		goto out;
	ret = modseq_take(store, user_id, 1, &modseq);
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = store_stmt(store, SQL_ITEM_UPDATE);
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			bind_item_fields(stmt, 5, in);
			ret = item_write(store, stmt, user_id, server_id, modseq, origin_device, 0,
					 &id, &folder_id);
		}
	}
	if (ret == STORE_OK)
		item_result(p, in, id, user_id, folder_id, server_id, modseq, origin_device,
			    item_r);
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_item_delete(struct store *store, int64_t user_id, const char *server_id,
				    int64_t origin_device, int64_t *modseq_r, const char **error_r)
{
	int64_t modseq, id = 0, folder_id = 0;
	enum store_result ret;

	if (server_id == NULL || origin_device < 0) {
		store_set_error(store, "invalid item deletion");
		ret = server_id == NULL ? STORE_NOT_FOUND : STORE_INVALID;
		goto out;
	}
	if ((ret = store_tx_begin(store)) != STORE_OK)
		goto out;
	ret = modseq_take(store, user_id, 1, &modseq);
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = store_stmt(store, SQL_ITEM_DELETE);
		ret = stmt == NULL ? STORE_ERROR :
				     item_write(store, stmt, user_id, server_id, modseq,
						origin_device, -1, &id, &folder_id);
	}
	ret = store_tx_end(store, ret);
	if (ret == STORE_OK && modseq_r != NULL)
		*modseq_r = modseq;
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* Steps a bound single-item query; STORE_NOT_FOUND with "no item <what>". */
static enum store_result item_row(struct store *store, sqlite3_stmt *stmt, pool *p,
				  const char *what, struct store_item *item_r)
{
	enum store_result ret = STORE_OK;
	int rc = store_step(store, stmt);

	if (rc == SQLITE_ROW) {
		store_item_read(stmt, 0, p, item_r);
	} else if (rc == SQLITE_DONE) {
		store_set_error(store, "no item %.80s", what);
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "looking up an item");
	}
	store_stmt_done(stmt);
	return ret;
}

enum store_result store_item_get(struct store *store, pool *p, int64_t user_id,
				 const char *server_id, bool with_data, struct store_item *item_r,
				 const char **error_r)
{
	sqlite3_stmt *stmt = server_id == NULL ? NULL : store_stmt(store, SQL_ITEM_GET);
	enum store_result ret = STORE_ERROR;

	if (server_id == NULL) {
		store_set_error(store, "no item given");
		ret = STORE_NOT_FOUND;
	} else if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, user_id);
		store_bind_text(stmt, 2, server_id);
		sqlite3_bind_int(stmt, 3, with_data ? 1 : 0);
		ret = item_row(store, stmt, p, server_id, item_r);
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_item_find_uid(struct store *store, pool *p, int64_t user_id,
				      int64_t folder_id, const char *uid, struct store_item *item_r,
				      const char **error_r)
{
	sqlite3_stmt *stmt = uid == NULL ? NULL : store_stmt(store, SQL_ITEM_FIND_UID);
	enum store_result ret = STORE_ERROR;

	if (uid == NULL) {
		store_set_error(store, "no uid given");
		ret = STORE_NOT_FOUND;
	} else if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, user_id);
		sqlite3_bind_int64(stmt, 2, folder_id);
		store_bind_text(stmt, 3, uid);
		ret = item_row(store, stmt, p, "with that uid", item_r);
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* Runs SQL_ITEMS_CHANGED or SQL_ITEMS_LIST: folder, position, limit, with_data. */
static enum store_result items_page(struct store *store, const char *sql, pool *p,
				    int64_t folder_id, int64_t after, size_t limit, bool with_data,
				    struct store_item **items_r, size_t *count_r,
				    const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, sql);
	enum store_result ret = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, folder_id);
		sqlite3_bind_int64(stmt, 2, after);
		/* LIMIT -1: none. */
		sqlite3_bind_int64(stmt, 3, limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit);
		sqlite3_bind_int(stmt, 4, with_data ? 1 : 0);
		ret = item_rows(store, stmt, p, items_r, count_r);
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_items_changed(struct store *store, pool *p, int64_t folder_id,
				      int64_t after_modseq, size_t limit, bool with_data,
				      struct store_item **items_r, size_t *count_r,
				      const char **error_r)
{
	return items_page(store, SQL_ITEMS_CHANGED, p, folder_id, after_modseq, limit, with_data,
			  items_r, count_r, error_r);
}

enum store_result store_items_list(struct store *store, pool *p, int64_t folder_id,
				   int64_t after_id, size_t limit, bool with_data,
				   struct store_item **items_r, size_t *count_r,
				   const char **error_r)
{
	return items_page(store, SQL_ITEMS_LIST, p, folder_id, after_id, limit, with_data,
			  items_r, count_r, error_r);
}
