/* store-sync.c: collection sync states, the device's view, the ClientId memory and the
 * cached request of the SQLite store (store-sync.h). Tables: migrations 3 and 5 in
 * store-schema.c.
 *
 * Costs: every function is a bounded number of primary-key or index look-ups, except
 * store_sync_state_reset (drops the old view: O(its size), once per SyncKey 0),
 * confirm/discard, which touch only the view rows that carry a pending value, found through
 * the partial index sync_view_pending, and the aged-item queries, which walk the folder's
 * items of one filter_end range through items_folder_filter_end. */
#include "store/store-sync.h"
#include "store/store-sqlite-private.h"

#include <string.h>

#define STATE_COLUMNS \
	"id, device_id, folder_id, synckey, pending_key, modseq, pending_modseq, options," \
	" supported, created, window_checked, pending_window_checked"

static const char SQL_STATE_GET[] =
	"SELECT " STATE_COLUMNS " FROM sync_states WHERE device_id = ? AND folder_id = ?";
static const char SQL_STATE_DELETE[] =
	"DELETE FROM sync_states WHERE device_id = ? AND folder_id = ?";
static const char SQL_STATE_INSERT[] =
	"INSERT INTO sync_states (device_id, folder_id, synckey, pending_key, modseq,"
	" pending_modseq, options, supported, created) VALUES (?, ?, 1, 0, 0, 0, ?, ?, ?)";
static const char SQL_STATE_SAVE[] =
	"UPDATE sync_states SET synckey = ?, pending_key = ?, modseq = ?, pending_modseq = ?,"
	" window_checked = ?, pending_window_checked = ? WHERE id = ?";
static const char SQL_STATE_SET_OPTIONS[] = "UPDATE sync_states SET options = ? WHERE id = ?";
static const char SQL_STATE_SET_SUPPORTED[] =
	"UPDATE sync_states SET supported = ? WHERE id = ?";
static const char SQL_STATES_DELETE_DEVICE[] = "DELETE FROM sync_states WHERE device_id = ?";

/* Confirm: rows the pending response removed go, the others take their pending modseq. */
static const char SQL_VIEW_CONFIRM_REMOVE[] =
	"DELETE FROM sync_view WHERE state_id = ? AND pending = 0";
static const char SQL_VIEW_CONFIRM_APPLY[] =
	"UPDATE sync_view SET modseq = pending, pending = NULL"
	" WHERE state_id = ? AND pending IS NOT NULL";
/* Discard: rows that exist only for the pending response go, the others lose it. */
static const char SQL_VIEW_DISCARD_REMOVE[] =
	"DELETE FROM sync_view WHERE state_id = ? AND pending IS NOT NULL AND modseq = 0";
static const char SQL_VIEW_DISCARD_CLEAR[] =
	"UPDATE sync_view SET pending = NULL WHERE state_id = ? AND pending IS NOT NULL";
static const char SQL_VIEW_GET[] =
	"SELECT modseq, pending FROM sync_view WHERE state_id = ? AND item_id = ?";
static const char SQL_VIEW_HELD[] =
	"SELECT COALESCE(pending, modseq) FROM sync_view WHERE state_id = ? AND item_id = ?";
static const char SQL_VIEW_SET_PENDING[] =
	"INSERT INTO sync_view (state_id, item_id, modseq, pending) VALUES (?1, ?2, 0, ?3)"
	" ON CONFLICT (state_id, item_id) DO UPDATE SET pending = excluded.pending";
static const char SQL_VIEW_COUNT[] =
	"SELECT COUNT(*) FROM sync_view WHERE state_id = ? AND modseq > 0";
/* Aged items: the folder's live items by filter_end (the partial index
 * items_folder_filter_end gives them in (filter_end, id) order), each looked up in the view
 * by its primary key. CROSS JOIN keeps SQLite's planner from walking the state's whole view
 * instead (PostgreSQL reads it as a plain join). ?1 state, ?2 folder, ?3 from, ?4 to, ?5
 * level (enum store_sync_level), ?6 limit. */
#define SQL_AGED_FROM_WHERE \
	" FROM items i CROSS JOIN sync_view v WHERE i.folder_id = ?2 AND i.deleted = 0" \
	" AND i.filter_end >= ?3 AND i.filter_end < ?4 AND v.state_id = ?1 AND v.item_id = i.id" \
	" AND CASE ?5 WHEN 0 THEN v.modseq > 0 AND v.pending IS NULL WHEN 1 THEN v.modseq > 0" \
	" ELSE COALESCE(v.pending, v.modseq) > 0 END"
static const char SQL_VIEW_AGED[] =
	"SELECT " STORE_ITEM_COLUMNS("i.", "0") SQL_AGED_FROM_WHERE
	" ORDER BY i.filter_end, i.id LIMIT ?6";
static const char SQL_VIEW_AGED_COUNT[] =
	"SELECT COUNT(*) FROM (SELECT 1" SQL_AGED_FROM_WHERE " LIMIT ?6)";

static const char SQL_CLIENTID_GET[] =
	"SELECT server_id, item_id, modseq FROM sync_client_ids"
	" WHERE state_id = ? AND synckey = ? AND client_id = ?";
static const char SQL_CLIENTID_PUT[] =
	"INSERT INTO sync_client_ids (state_id, synckey, client_id, item_id, server_id, modseq)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (state_id, synckey, client_id) DO UPDATE"
	" SET item_id = excluded.item_id, server_id = excluded.server_id,"
	" modseq = excluded.modseq";
static const char SQL_CLIENTID_DROP_OLD[] =
	"DELETE FROM sync_client_ids WHERE state_id = ? AND synckey < ?";

static const char SQL_REQUEST_GET[] = "SELECT data FROM sync_requests WHERE device_id = ?";
static const char SQL_REQUEST_PUT[] =
	"INSERT INTO sync_requests (device_id, data, updated) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (device_id) DO UPDATE SET data = excluded.data, updated = excluded.updated";
static const char SQL_REQUEST_DELETE[] = "DELETE FROM sync_requests WHERE device_id = ?";

/* Runs sql bound with one or two integers (b2 used when two is true). */
static enum store_result run_ints(struct store *store, const char *sql, int64_t b1, bool two,
				  int64_t b2, const char *what)
{
	sqlite3_stmt *stmt = store_stmt(store, sql);
	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, b1);
	if (two)
		sqlite3_bind_int64(stmt, 2, b2);
	return store_stmt_run(store, stmt, what);
}

static void read_state(sqlite3_stmt *stmt, pool *p, struct store_sync_state *state_r)
{
	memset(state_r, 0, sizeof(*state_r));
	state_r->id = sqlite3_column_int64(stmt, 0);
	state_r->device_id = sqlite3_column_int64(stmt, 1);
	state_r->folder_id = sqlite3_column_int64(stmt, 2);
	state_r->synckey = (uint32_t)sqlite3_column_int64(stmt, 3);
	state_r->pending_key = (uint32_t)sqlite3_column_int64(stmt, 4);
	state_r->modseq = sqlite3_column_int64(stmt, 5);
	state_r->pending_modseq = sqlite3_column_int64(stmt, 6);
	state_r->options = store_col_blob(stmt, 7, p, &state_r->options_len);
	state_r->supported = store_col_blob(stmt, 8, p, &state_r->supported_len);
	state_r->created = sqlite3_column_int64(stmt, 9);
	state_r->window_checked = sqlite3_column_int64(stmt, 10);
	state_r->pending_window_checked = sqlite3_column_int64(stmt, 11);
}

static enum store_result state_get(struct store *store, pool *p, int64_t device_id,
				   int64_t folder_id, struct store_sync_state *state_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_STATE_GET);
	enum store_result ret;

	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, device_id);
	sqlite3_bind_int64(stmt, 2, folder_id);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		read_state(stmt, p, state_r);
		ret = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		store_set_error(store, "no sync state for device %lld and folder %lld",
				(long long)device_id, (long long)folder_id);
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "reading a sync state");
	}
	store_stmt_done(stmt);
	return ret;
}

enum store_result store_sync_state_get(struct store *store, pool *p, int64_t device_id,
				       int64_t folder_id, struct store_sync_state *state_r,
				       const char **error_r)
{
	enum store_result ret = state_get(store, p, device_id, folder_id, state_r);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_state_reset(struct store *store, pool *p, int64_t device_id,
					 int64_t folder_id, int64_t now,
					 const void *options, size_t options_len,
					 const void *supported, size_t supported_len,
					 struct store_sync_state *state_r, const char **error_r)
{
	enum store_result ret = store_tx_begin(store);

	if (ret != STORE_OK)
		goto out;
	/* The view and the ClientId memory go by ON DELETE CASCADE. */
	ret = run_ints(store, SQL_STATE_DELETE, device_id, true, folder_id,
		       "dropping a sync state");
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = store_stmt(store, SQL_STATE_INSERT);
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			sqlite3_bind_int64(stmt, 1, device_id);
			sqlite3_bind_int64(stmt, 2, folder_id);
			store_bind_blob(stmt, 3, options, options_len);
			store_bind_blob(stmt, 4, supported, supported_len);
			sqlite3_bind_int64(stmt, 5, now);
			ret = store_stmt_run(store, stmt, "creating a sync state");
			if (ret == STORE_NOT_FOUND)
				store_set_error(store, "no device %lld or folder %lld",
						(long long)device_id, (long long)folder_id);
		}
	}
	if (ret == STORE_OK)
		ret = state_get(store, p, device_id, folder_id, state_r);
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_confirm(struct store *store, struct store_sync_state *state,
				     const char **error_r)
{
	enum store_result ret;

	if (state->pending_key == 0)
		return STORE_OK;
	if ((ret = store_tx_begin(store)) != STORE_OK)
		goto out;
	ret = run_ints(store, SQL_VIEW_CONFIRM_REMOVE, state->id, false, 0, "confirming a view");
	if (ret == STORE_OK)
		ret = run_ints(store, SQL_VIEW_CONFIRM_APPLY, state->id, false, 0,
			       "confirming a view");
	if (ret == STORE_OK)
		ret = run_ints(store, SQL_CLIENTID_DROP_OLD, state->id, true, state->pending_key,
			       "dropping old ClientIds");
	struct store_sync_state next = *state;
	next.synckey = state->pending_key;
	next.modseq = state->pending_modseq;
	next.window_checked = state->pending_window_checked;
	next.pending_key = 0;
	next.pending_modseq = 0;
	next.pending_window_checked = 0;
	if (ret == STORE_OK)
		ret = store_sync_state_save(store, &next, NULL);
	ret = store_tx_end(store, ret);
	if (ret == STORE_OK)
		*state = next;
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_discard(struct store *store, struct store_sync_state *state,
				     const char **error_r)
{
	enum store_result ret;

	if ((ret = store_tx_begin(store)) != STORE_OK)
		goto out;
	ret = run_ints(store, SQL_VIEW_DISCARD_REMOVE, state->id, false, 0,
		       "discarding a pending view");
	if (ret == STORE_OK)
		ret = run_ints(store, SQL_VIEW_DISCARD_CLEAR, state->id, false, 0,
			       "discarding a pending view");
	struct store_sync_state next = *state;
	next.pending_key = 0;
	next.pending_modseq = 0;
	next.pending_window_checked = 0;
	if (ret == STORE_OK)
		ret = store_sync_state_save(store, &next, NULL);
	ret = store_tx_end(store, ret);
	if (ret == STORE_OK)
		*state = next;
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_state_save(struct store *store, const struct store_sync_state *state,
					const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_STATE_SAVE);
	enum store_result ret = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, state->synckey);
		sqlite3_bind_int64(stmt, 2, state->pending_key);
		sqlite3_bind_int64(stmt, 3, state->modseq);
		sqlite3_bind_int64(stmt, 4, state->pending_modseq);
		sqlite3_bind_int64(stmt, 5, state->window_checked);
		sqlite3_bind_int64(stmt, 6, state->pending_window_checked);
		sqlite3_bind_int64(stmt, 7, state->id);
		ret = store_stmt_run(store, stmt, "saving a sync state");
		if (ret == STORE_OK && sqlite3_changes(store->db) == 0) {
			store_set_error(store, "sync state %lld is gone", (long long)state->id);
			ret = STORE_NOT_FOUND;
		}
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* Runs an UPDATE of one blob column of a state. */
static enum store_result set_blob(struct store *store, const char *sql, int64_t state_id,
				  const void *data, size_t len)
{
	sqlite3_stmt *stmt = store_stmt(store, sql);
	if (stmt == NULL)
		return STORE_ERROR;
	/* A zero-length value clears the column (NULL), as store-sync.h says. */
	store_bind_blob(stmt, 1, len > 0 ? data : NULL, len);
	sqlite3_bind_int64(stmt, 2, state_id);
	return store_stmt_run(store, stmt, "saving sync options");
}

enum store_result store_sync_state_set_options(struct store *store, int64_t state_id,
					       const void *options, size_t options_len,
					       const void *supported, size_t supported_len,
					       const char **error_r)
{
	enum store_result ret = store_tx_begin(store);

	if (ret != STORE_OK)
		goto out;
	if (options != NULL)
		ret = set_blob(store, SQL_STATE_SET_OPTIONS, state_id, options, options_len);
	if (ret == STORE_OK && supported != NULL)
		ret = set_blob(store, SQL_STATE_SET_SUPPORTED, state_id, supported, supported_len);
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* ---- View ---- */

enum store_result store_sync_view_get(struct store *store, int64_t state_id, int64_t item_id,
				      struct store_sync_view *view_r, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_VIEW_GET);
	enum store_result ret;

	if (stmt == NULL) {
		store_error_to(store, error_r);
		return STORE_ERROR;
	}
	sqlite3_bind_int64(stmt, 1, state_id);
	sqlite3_bind_int64(stmt, 2, item_id);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		view_r->modseq = sqlite3_column_int64(stmt, 0);
		view_r->pending = sqlite3_column_type(stmt, 1) == SQLITE_NULL ?
					  STORE_SYNC_NO_PENDING : sqlite3_column_int64(stmt, 1);
		ret = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		store_set_error(store, "item %lld is not in the view", (long long)item_id);
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "reading the view");
	}
	store_stmt_done(stmt);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_view_held(struct store *store, int64_t state_id, int64_t item_id,
				       int64_t *modseq_r, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_VIEW_HELD);
	enum store_result ret = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, state_id);
		sqlite3_bind_int64(stmt, 2, item_id);
		ret = store_stmt_int64(store, stmt, "reading the view", modseq_r);
		if (ret == STORE_NOT_FOUND) {
			*modseq_r = 0;
			ret = STORE_OK;
		}
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_view_set_pending(struct store *store, int64_t state_id,
					      int64_t item_id, int64_t modseq,
					      const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_VIEW_SET_PENDING);
	enum store_result ret = STORE_ERROR;

	if (modseq < 0) {
		store_set_error(store, "negative modseq for the view");
		ret = STORE_INVALID;
	} else if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, state_id);
		sqlite3_bind_int64(stmt, 2, item_id);
		sqlite3_bind_int64(stmt, 3, modseq);
		ret = store_stmt_run(store, stmt, "writing the view");
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_view_count(struct store *store, int64_t state_id, uint64_t *count_r,
					const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_VIEW_COUNT);
	int64_t count = 0;
	enum store_result ret = STORE_ERROR;

	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, state_id);
		ret = store_stmt_int64(store, stmt, "counting the view", &count);
	}
	if (ret != STORE_OK) {
		store_error_to(store, error_r);
		return ret;
	}
	*count_r = count < 0 ? 0 : (uint64_t)count;
	return STORE_OK;
}

/* Binds the parameters ?1-?6 of SQL_VIEW_AGED(_COUNT); false with the error set for a
 * level or limit that cannot be. */
static bool aged_bind(struct store *store, sqlite3_stmt *stmt, int64_t state_id,
		      int64_t folder_id, int64_t from, int64_t to, enum store_sync_level level,
		      uint64_t limit)
{
	if (level != STORE_SYNC_UNTOUCHED && level != STORE_SYNC_AT_CONFIRMED &&
	    level != STORE_SYNC_AT_PENDING) {
		store_set_error(store, "unknown view level %d", (int)level);
		return false;
	}
	sqlite3_bind_int64(stmt, 1, state_id);
	sqlite3_bind_int64(stmt, 2, folder_id);
	sqlite3_bind_int64(stmt, 3, from);
	sqlite3_bind_int64(stmt, 4, to);
	sqlite3_bind_int(stmt, 5, (int)level);
	sqlite3_bind_int64(stmt, 6, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
	return true;
}

enum store_result store_sync_view_aged(struct store *store, pool *p, int64_t state_id,
				       int64_t folder_id, int64_t from, int64_t to,
				       enum store_sync_level level, size_t limit,
				       struct store_item **items_r, size_t *count_r,
				       const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_VIEW_AGED);
	struct store_item *list = NULL;
	size_t count = 0, cap = 0;
	enum store_result ret = STORE_ERROR;
	int rc;

	*items_r = NULL;
	*count_r = 0;
	if (stmt == NULL)
		goto out;
	if (!aged_bind(store, stmt, state_id, folder_id, from, to, level, limit)) {
		store_stmt_done(stmt);
		ret = STORE_INVALID;
		goto out;
	}
	while ((rc = store_step(store, stmt)) == SQLITE_ROW) {
		list = store_array_grow(p, list, count, &cap, sizeof(*list));
		store_item_read(stmt, 0, p, &list[count++]);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		ret = store_result_from_rc(store, rc, "listing aged items");
		goto out;
	}
	*items_r = list != NULL ? list : pool_calloc(p, 1, sizeof(*list));
	*count_r = count;
	ret = STORE_OK;
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_view_aged_count(struct store *store, int64_t state_id,
					     int64_t folder_id, int64_t from, int64_t to,
					     enum store_sync_level level, uint64_t limit,
					     uint64_t *count_r, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_VIEW_AGED_COUNT);
	int64_t count = 0;
	enum store_result ret = STORE_ERROR;

	*count_r = 0;
	if (stmt != NULL) {
		if (aged_bind(store, stmt, state_id, folder_id, from, to, level, limit)) {
			ret = store_stmt_int64(store, stmt, "counting aged items", &count);
		} else {
			store_stmt_done(stmt);
			ret = STORE_INVALID;
		}
	}
	if (ret != STORE_OK) {
		store_error_to(store, error_r);
		return ret;
	}
	*count_r = count < 0 ? 0 : (uint64_t)count;
	return STORE_OK;
}

/* ---- ClientId memory ---- */

enum store_result store_sync_clientid_get(struct store *store, pool *p, int64_t state_id,
					  uint32_t synckey, const char *client_id,
					  const char **server_id_r, int64_t *item_id_r,
					  int64_t *modseq_r, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_CLIENTID_GET);
	enum store_result ret;

	if (stmt == NULL) {
		store_error_to(store, error_r);
		return STORE_ERROR;
	}
	sqlite3_bind_int64(stmt, 1, state_id);
	sqlite3_bind_int64(stmt, 2, synckey);
	store_bind_text(stmt, 3, client_id);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		*server_id_r = store_col_text(stmt, 0, p);
		*item_id_r = sqlite3_column_int64(stmt, 1);
		*modseq_r = sqlite3_column_int64(stmt, 2);
		ret = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		store_set_error(store, "ClientId not remembered");
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "reading a ClientId");
	}
	store_stmt_done(stmt);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_clientid_put(struct store *store, int64_t state_id, uint32_t synckey,
					  const char *client_id, int64_t item_id,
					  const char *server_id, int64_t modseq,
					  const char **error_r)
{
	enum store_result ret = STORE_ERROR;
	size_t len = strlen(client_id);

	if (len == 0 || len > STORE_SYNC_CLIENTID_MAX) {
		store_set_error(store, "a ClientId has 1-%d bytes", STORE_SYNC_CLIENTID_MAX);
		ret = STORE_INVALID;
	} else if ((unsigned char)client_id[0] < 0x20) {
		/* That key space is the memory of Changes and Deletes (store_sync_cmd_put). */
		store_set_error(store, "a ClientId starts with a printable character");
		ret = STORE_INVALID;
	} else {
		sqlite3_stmt *stmt = store_stmt(store, SQL_CLIENTID_PUT);
		if (stmt != NULL) {
			sqlite3_bind_int64(stmt, 1, state_id);
			sqlite3_bind_int64(stmt, 2, synckey);
			store_bind_text(stmt, 3, client_id);
			sqlite3_bind_int64(stmt, 4, item_id);
			store_bind_text(stmt, 5, server_id);
			sqlite3_bind_int64(stmt, 6, modseq);
			ret = store_stmt_run(store, stmt, "remembering a ClientId");
		}
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* ---- Memory of Changes and Deletes ---- */

/* The key of a command in sync_client_ids: a control byte no ClientId starts with, the
 * kind, the ServerId. */
static const char *cmd_key(pool *p, enum store_sync_cmd_kind kind, const char *server_id)
{
	size_t len = strlen(server_id);
	char *key = pool_alloc(p, len + 3);

	key[0] = '\x01';
	key[1] = (char)kind;
	memcpy(key + 2, server_id, len + 1);
	return key;
}

enum store_result store_sync_cmd_get(struct store *store, int64_t state_id, uint32_t synckey,
				     enum store_sync_cmd_kind kind, const char *server_id,
				     int64_t *item_id_r, int64_t *modseq_r, const char **error_r)
{
	pool *p = pool_new(256);
	const char *sid;
	enum store_result ret = store_sync_clientid_get(store, p, state_id, synckey,
							cmd_key(p, kind, server_id), &sid,
							item_id_r, modseq_r, error_r);
	pool_free(&p);
	return ret;
}

enum store_result store_sync_cmd_put(struct store *store, int64_t state_id, uint32_t synckey,
				     enum store_sync_cmd_kind kind, const char *server_id,
				     int64_t item_id, int64_t modseq, const char **error_r)
{
	enum store_result ret = STORE_ERROR;
	pool *p = pool_new(256);
	sqlite3_stmt *stmt = store_stmt(store, SQL_CLIENTID_PUT);

	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, state_id);
		sqlite3_bind_int64(stmt, 2, synckey);
		store_bind_text(stmt, 3, cmd_key(p, kind, server_id));
		sqlite3_bind_int64(stmt, 4, item_id);
		store_bind_text(stmt, 5, server_id);
		sqlite3_bind_int64(stmt, 6, modseq);
		ret = store_stmt_run(store, stmt, "remembering a client command");
	}
	pool_free(&p);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* ---- Cached request ---- */

/* Reads the cached request; *data_r NULL when there is none. */
static enum store_result request_read(struct store *store, pool *p, int64_t device_id,
				      const unsigned char **data_r, size_t *len_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_REQUEST_GET);
	enum store_result ret = STORE_OK;

	*data_r = NULL;
	*len_r = 0;
	if (stmt == NULL)
		return STORE_ERROR;
	sqlite3_bind_int64(stmt, 1, device_id);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		*data_r = store_col_blob(stmt, 0, p, len_r);
		if (*data_r == NULL)
			*data_r = (const unsigned char *)"";
	} else if (rc != SQLITE_DONE) {
		ret = store_result_from_rc(store, rc, "reading the cached Sync request");
	}
	store_stmt_done(stmt);
	return ret;
}

enum store_result store_sync_request_get(struct store *store, pool *p, int64_t device_id,
					 const unsigned char **data_r, size_t *len_r,
					 const char **error_r)
{
	enum store_result ret = request_read(store, p, device_id, data_r, len_r);

	if (ret == STORE_OK && *data_r == NULL) {
		store_set_error(store, "no cached Sync request");
		ret = STORE_NOT_FOUND;
	}
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_request_put(struct store *store, int64_t device_id,
					 const void *data, size_t len, int64_t now,
					 const char **error_r)
{
	pool *p = pool_new(len + 256);
	const unsigned char *old;
	size_t old_len;
	enum store_result ret = request_read(store, p, device_id, &old, &old_len);

	/* Most requests repeat the last one: a write costs a disk sync, a read does not. */
	if (ret == STORE_OK && (old == NULL || old_len != len || memcmp(old, data, len) != 0)) {
		sqlite3_stmt *stmt = store_stmt(store, SQL_REQUEST_PUT);
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			sqlite3_bind_int64(stmt, 1, device_id);
			store_bind_blob(stmt, 2, data, len);
			sqlite3_bind_int64(stmt, 3, now);
			ret = store_stmt_run(store, stmt, "caching the Sync request");
		}
	}
	pool_free(&p);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_sync_device_reset(struct store *store, int64_t device_id,
					  const char **error_r)
{
	enum store_result ret = store_tx_begin(store);

	if (ret != STORE_OK)
		goto out;
	ret = run_ints(store, SQL_STATES_DELETE_DEVICE, device_id, false, 0,
		       "dropping sync states");
	if (ret == STORE_OK)
		ret = run_ints(store, SQL_REQUEST_DELETE, device_id, false, 0,
			       "dropping the cached Sync request");
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}
