/* store-device.c: device records, provisioning and wipe state, the hierarchy sync state with
 * the device's folder view, and context policies of the SQLite store (store-device.h).
 * The tables are those of schema migration 4 (store-schema.c). */
#include "store/store-device.h"
#include "store/store-sqlite-private.h"

#include "lib/buf.h"
#include "lib/utf8.h"

#include <string.h>

/* ---- SQL ---- */

#define RECORD_COLUMNS \
	"d.id, d.user_id, d.device_id, d.device_type, d.user_agent, d.first_seen, d.last_seen," \
	" d.model, d.imei, d.friendly_name, d.os, d.os_language, d.phone_number," \
	" d.mobile_operator, d.info_user_agent, d.protocol_version, d.policy_key," \
	" d.policy_key_temp, d.policy_hash, d.policy_status, d.provisioned, d.wipe_state," \
	" d.wipe_requested, d.wipe_acknowledged, d.wipe_ack_status," \
	" (SELECT COUNT(*) FROM hierarchy_states h WHERE h.device_id = d.id AND h.synckey >= 0)"

static const char SQL_DEVICE_GET[] =
	"SELECT " RECORD_COLUMNS " FROM devices d WHERE d.user_id = ? AND d.device_id = ?";
static const char SQL_DEVICE_RECORDS[] =
	"SELECT " RECORD_COLUMNS " FROM devices d WHERE d.user_id = ? ORDER BY d.device_id";
static const char SQL_DEVICE_SET_VERSION[] =
	"UPDATE devices SET protocol_version = ? WHERE id = ?";
static const char SQL_DEVICE_SET_INFO[] =
	"UPDATE devices SET model = COALESCE(?1, model), imei = COALESCE(?2, imei),"
	" friendly_name = COALESCE(?3, friendly_name), os = COALESCE(?4, os),"
	" os_language = COALESCE(?5, os_language), phone_number = COALESCE(?6, phone_number),"
	" mobile_operator = COALESCE(?7, mobile_operator),"
	" info_user_agent = COALESCE(?8, info_user_agent) WHERE id = ?9";
/* MS-ASPROV 3.1.5.1.1: a device starting the handshake has reset its key to 0. */
static const char SQL_DEVICE_OFFERED[] =
	"UPDATE devices SET policy_key_temp = ?, policy_key = 0 WHERE id = ?";
static const char SQL_DEVICE_ACKNOWLEDGED[] =
	"UPDATE devices SET policy_key = ?, policy_hash = ?, policy_status = ?, provisioned = ?"
	" WHERE id = ?";
static const char SQL_DEVICE_WIPE_REQUEST[] =
	"UPDATE devices SET wipe_state = ?, wipe_requested = ?, wipe_acknowledged = 0,"
	" wipe_ack_status = 0 WHERE id = ?";
/* Only a requested wipe can be acknowledged: 1 → 3, 2 → 4. */
static const char SQL_DEVICE_WIPE_ACK[] =
	"UPDATE devices SET wipe_state = wipe_state + 2, wipe_acknowledged = ?,"
	" wipe_ack_status = ? WHERE id = ? AND wipe_state IN (1, 2)";
static const char SQL_DEVICE_REMOVE[] = "DELETE FROM devices WHERE id = ?";

static const char SQL_HIER_GET[] =
	"SELECT synckey, modseq, pending_key, pending_modseq, pending_op, pending_result, last_key"
	" FROM hierarchy_states WHERE device_id = ?";
static const char SQL_HIER_RESET[] =
	"INSERT INTO hierarchy_states (device_id, synckey, modseq, pending_key, pending_modseq,"
	" last_key) VALUES (?1, 0, 0, 0, 0, 0)"
	" ON CONFLICT (device_id) DO UPDATE SET synckey = 0, modseq = 0, pending_key = 0,"
	" pending_modseq = 0, pending_op = NULL, pending_result = NULL";
static const char SQL_HIER_DROP[] =
	"UPDATE hierarchy_states SET synckey = -1, modseq = 0, pending_key = 0,"
	" pending_modseq = 0, pending_op = NULL, pending_result = NULL WHERE device_id = ?";
static const char SQL_VIEW_CLEAR[] = "DELETE FROM hierarchy_view WHERE device_id = ?";
static const char SQL_HIER_CONFIRM[] =
	"UPDATE hierarchy_states SET synckey = pending_key, modseq = pending_modseq,"
	" pending_key = 0, pending_modseq = 0, pending_op = NULL, pending_result = NULL"
	" WHERE device_id = ? AND pending_key > 0";
static const char SQL_VIEW_CONFIRM_DELETE[] =
	"DELETE FROM hierarchy_view WHERE device_id = ? AND pending_modseq = -1";
static const char SQL_VIEW_CONFIRM_UPDATE[] =
	"UPDATE hierarchy_view SET modseq = pending_modseq, pending_modseq = NULL"
	" WHERE device_id = ? AND pending_modseq IS NOT NULL";
static const char SQL_HIER_DISCARD[] =
	"UPDATE hierarchy_states SET pending_key = 0, pending_modseq = 0, pending_op = NULL,"
	" pending_result = NULL WHERE device_id = ?";
static const char SQL_VIEW_DISCARD_ADDS[] =
	"DELETE FROM hierarchy_view WHERE device_id = ? AND modseq IS NULL";
static const char SQL_VIEW_DISCARD[] =
	"UPDATE hierarchy_view SET pending_modseq = NULL"
	" WHERE device_id = ? AND pending_modseq IS NOT NULL";
/* PostgreSQL: GREATEST instead of the two-argument MAX. */
static const char SQL_HIER_SET_PENDING[] =
	"UPDATE hierarchy_states SET pending_key = ?1, pending_modseq = ?2, pending_op = ?3,"
	" pending_result = ?4, last_key = MAX(last_key, ?1) WHERE device_id = ?5";
static const char SQL_HIER_SET_MODSEQ[] =
	"UPDATE hierarchy_states SET modseq = ? WHERE device_id = ?";
static const char SQL_VIEW_LIST[] =
	"SELECT server_id, modseq, pending_modseq FROM hierarchy_view WHERE device_id = ?";
static const char SQL_VIEW_PENDING[] =
	"INSERT INTO hierarchy_view (device_id, server_id, modseq, pending_modseq)"
	" VALUES (?1, ?2, NULL, ?3)"
	" ON CONFLICT (device_id, server_id) DO UPDATE SET pending_modseq = excluded.pending_modseq";

static const char SQL_POLICY_GET[] =
	"SELECT name, value FROM policies WHERE context_id = ? ORDER BY name";
static const char SQL_POLICY_SET[] =
	"INSERT INTO policies (context_id, name, value) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (context_id, name) DO UPDATE SET value = excluded.value";
static const char SQL_CONTEXT_EXISTS[] = "SELECT id FROM contexts WHERE id = ?";

/* ---- Helpers ---- */

/* Runs an UPDATE/DELETE of one device row bound as (values..., row_id) by bind; a row that
 * does not exist gives STORE_NOT_FOUND. */
static enum store_result run_on_device(struct store *store, sqlite3_stmt *stmt, int64_t row_id,
				       const char *what)
{
	enum store_result ret = store_stmt_run(store, stmt, what);
	if (ret == STORE_OK && sqlite3_changes(store->db) == 0) {
		store_set_error(store, "%s: no device with id %lld", what, (long long)row_id);
		ret = STORE_NOT_FOUND;
	}
	return ret;
}

static enum store_result finish(struct store *store, enum store_result ret, const char **error_r)
{
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

/* Copies s as clean UTF-8 (control characters '?') of at most max bytes into out. */
static void clean_text(buf *out, const char *s, size_t max)
{
	buf_truncate(out, 0);
	utf8_append_sanitized(out, s, strlen(s));
	for (size_t i = 0; i < out->len; i++) {
		if (out->data[i] < 0x20 || out->data[i] == 0x7f)
			out->data[i] = '?';
	}
	buf_truncate(out, utf8_truncate_len(out->data, out->len, max));
}

/* ---- Devices ---- */

static void read_record(sqlite3_stmt *stmt, pool *p, struct store_device_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->dev.id = sqlite3_column_int64(stmt, 0);
	rec->dev.user_id = sqlite3_column_int64(stmt, 1);
	rec->dev.device_id = store_col_text(stmt, 2, p);
	rec->dev.device_type = store_col_text(stmt, 3, p);
	rec->dev.user_agent = store_col_text(stmt, 4, p);
	rec->dev.first_seen = sqlite3_column_int64(stmt, 5);
	rec->dev.last_seen = sqlite3_column_int64(stmt, 6);
	rec->info.model = store_col_text(stmt, 7, p);
	rec->info.imei = store_col_text(stmt, 8, p);
	rec->info.friendly_name = store_col_text(stmt, 9, p);
	rec->info.os = store_col_text(stmt, 10, p);
	rec->info.os_language = store_col_text(stmt, 11, p);
	rec->info.phone_number = store_col_text(stmt, 12, p);
	rec->info.mobile_operator = store_col_text(stmt, 13, p);
	rec->info.user_agent = store_col_text(stmt, 14, p);
	rec->protocol_version = sqlite3_column_int(stmt, 15);
	rec->policy_key = (uint32_t)sqlite3_column_int64(stmt, 16);
	rec->policy_key_temp = (uint32_t)sqlite3_column_int64(stmt, 17);
	rec->policy_hash = (uint64_t)sqlite3_column_int64(stmt, 18);
	rec->policy_status = sqlite3_column_int(stmt, 19);
	rec->provisioned = sqlite3_column_int64(stmt, 20);
	rec->wipe_state = sqlite3_column_int(stmt, 21);
	rec->wipe_requested = sqlite3_column_int64(stmt, 22);
	rec->wipe_acknowledged = sqlite3_column_int64(stmt, 23);
	rec->wipe_ack_status = sqlite3_column_int(stmt, 24);
	rec->has_hierarchy_state = sqlite3_column_int(stmt, 25) > 0;
}

enum store_result store_device_get(struct store *store, pool *p, int64_t user_id,
				   const char *device_id, struct store_device_record *rec_r,
				   const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_GET);
	enum store_result ret;

	if (stmt == NULL)
		return finish(store, STORE_ERROR, error_r);
	sqlite3_bind_int64(stmt, 1, user_id);
	store_bind_text(stmt, 2, device_id);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		read_record(stmt, p, rec_r);
		ret = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		store_set_error(store, "no device '%.128s'", device_id);
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "looking up a device");
	}
	store_stmt_done(stmt);
	return finish(store, ret, error_r);
}

enum store_result store_device_records(struct store *store, pool *p, int64_t user_id,
				       struct store_device_record **recs_r, size_t *count_r,
				       const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_RECORDS);
	struct store_device_record *list = NULL;
	size_t count = 0, cap = 0;
	int rc;

	if (stmt == NULL)
		return finish(store, STORE_ERROR, error_r);
	sqlite3_bind_int64(stmt, 1, user_id);
	while ((rc = store_step(store, stmt)) == SQLITE_ROW) {
		list = store_array_grow(p, list, count, &cap, sizeof(*list));
		read_record(stmt, p, &list[count++]);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return finish(store, store_result_from_rc(store, rc, "listing devices"), error_r);
	*recs_r = list;
	*count_r = count;
	return STORE_OK;
}

enum store_result store_device_set_version(struct store *store, int64_t row_id, int version,
					   const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_SET_VERSION);
	if (stmt != NULL) {
		sqlite3_bind_int(stmt, 1, version);
		sqlite3_bind_int64(stmt, 2, row_id);
	}
	return finish(store, run_on_device(store, stmt, row_id, "recording a protocol version"),
		      error_r);
}

enum store_result store_device_set_info(struct store *store, int64_t row_id,
					const struct store_device_info *info,
					const char **error_r)
{
	const char *fields[8] = { info->model, info->imei, info->friendly_name, info->os,
				  info->os_language, info->phone_number, info->mobile_operator,
				  info->user_agent };
	buf clean[8];
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_SET_INFO);

	for (size_t i = 0; i < 8; i++) {
		buf_init(&clean[i]);
		if (fields[i] != NULL)
			clean_text(&clean[i], fields[i], STORE_DEVICE_INFO_MAX);
		if (stmt != NULL)
			store_bind_text(stmt, (int)i + 1,
					fields[i] != NULL ? buf_cstr(&clean[i]) : NULL);
	}
	if (stmt != NULL)
		sqlite3_bind_int64(stmt, 9, row_id);
	enum store_result ret = run_on_device(store, stmt, row_id, "recording device information");
	for (size_t i = 0; i < 8; i++)
		buf_free(&clean[i]);
	return finish(store, ret, error_r);
}

enum store_result store_device_policy_offered(struct store *store, int64_t row_id,
					      uint32_t temp_key, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_OFFERED);
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, temp_key);
		sqlite3_bind_int64(stmt, 2, row_id);
	}
	return finish(store, run_on_device(store, stmt, row_id, "recording a policy key"), error_r);
}

enum store_result store_device_policy_acknowledged(struct store *store, int64_t row_id,
						   uint32_t final_key, uint64_t policy_hash,
						   int status, int64_t now, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_ACKNOWLEDGED);
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, final_key);
		/* The 64-bit hash as a signed integer: SQLite and PostgreSQL BIGINT are signed. */
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)policy_hash);
		sqlite3_bind_int(stmt, 3, status);
		sqlite3_bind_int64(stmt, 4, now);
		sqlite3_bind_int64(stmt, 5, row_id);
	}
	return finish(store, run_on_device(store, stmt, row_id, "recording a policy key"), error_r);
}

enum store_result store_device_wipe_request(struct store *store, int64_t row_id, bool account_only,
					    int64_t now, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_WIPE_REQUEST);
	if (stmt != NULL) {
		sqlite3_bind_int(stmt, 1, account_only ? STORE_WIPE_ACCOUNT_REQUESTED :
							 STORE_WIPE_REQUESTED);
		sqlite3_bind_int64(stmt, 2, now);
		sqlite3_bind_int64(stmt, 3, row_id);
	}
	return finish(store, run_on_device(store, stmt, row_id, "requesting a wipe"), error_r);
}

enum store_result store_device_wipe_acknowledged(struct store *store, int64_t row_id, int status,
						 int64_t now, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_WIPE_ACK);
	enum store_result ret;

	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, now);
		sqlite3_bind_int(stmt, 2, status);
		sqlite3_bind_int64(stmt, 3, row_id);
	}
	ret = store_stmt_run(store, stmt, "recording a wipe acknowledgement");
	if (ret == STORE_OK && sqlite3_changes(store->db) == 0) {
		store_set_error(store, "device %lld has no wipe requested", (long long)row_id);
		ret = STORE_NOT_FOUND;
	}
	return finish(store, ret, error_r);
}

enum store_result store_device_remove(struct store *store, int64_t row_id, const char **error_r)
{
	/* The hierarchy state and view (and the collection sync states) go by ON DELETE
	 * CASCADE in the same statement. */
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_REMOVE);
	if (stmt != NULL)
		sqlite3_bind_int64(stmt, 1, row_id);
	return finish(store, run_on_device(store, stmt, row_id, "removing a device"), error_r);
}

/* ---- Hierarchy sync state ---- */

enum store_result store_hierarchy_get(struct store *store, pool *p, int64_t row_id,
				      struct store_hierarchy_state *state_r, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_HIER_GET);
	enum store_result ret;

	if (stmt == NULL)
		return finish(store, STORE_ERROR, error_r);
	sqlite3_bind_int64(stmt, 1, row_id);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		state_r->synckey = sqlite3_column_int64(stmt, 0);
		state_r->modseq = sqlite3_column_int64(stmt, 1);
		state_r->pending_key = sqlite3_column_int64(stmt, 2);
		state_r->pending_modseq = sqlite3_column_int64(stmt, 3);
		state_r->pending_op = store_col_text_or_null(stmt, 4, p);
		state_r->pending_result = store_col_text_or_null(stmt, 5, p);
		state_r->last_key = sqlite3_column_int64(stmt, 6);
		ret = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		store_set_error(store, "device %lld has no hierarchy state", (long long)row_id);
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "reading a hierarchy state");
	}
	store_stmt_done(stmt);
	return finish(store, ret, error_r);
}

/* Runs the statements (each bound with the row id only) in one transaction. */
static enum store_result run_steps(struct store *store, int64_t row_id, const char *const *sqls,
				   size_t count, const char *what)
{
	enum store_result ret = store_tx_begin(store);

	for (size_t i = 0; ret == STORE_OK && i < count; i++) {
		sqlite3_stmt *stmt = store_stmt(store, sqls[i]);
		if (stmt != NULL)
			sqlite3_bind_int64(stmt, 1, row_id);
		ret = store_stmt_run(store, stmt, what);
	}
	return store_tx_end(store, ret);
}

enum store_result store_hierarchy_reset(struct store *store, int64_t row_id, const char **error_r)
{
	static const char *const sqls[] = { SQL_VIEW_CLEAR, SQL_HIER_RESET };
	return finish(store, run_steps(store, row_id, sqls, 2, "resetting a hierarchy state"),
		      error_r);
}

enum store_result store_hierarchy_confirm(struct store *store, int64_t row_id, const char **error_r)
{
	static const char *const sqls[] = { SQL_HIER_CONFIRM, SQL_VIEW_CONFIRM_DELETE,
					    SQL_VIEW_CONFIRM_UPDATE };
	return finish(store, run_steps(store, row_id, sqls, 3, "confirming a hierarchy key"),
		      error_r);
}

enum store_result store_hierarchy_discard(struct store *store, int64_t row_id, const char **error_r)
{
	static const char *const sqls[] = { SQL_HIER_DISCARD, SQL_VIEW_DISCARD_ADDS,
					    SQL_VIEW_DISCARD };
	return finish(store, run_steps(store, row_id, sqls, 3, "discarding a hierarchy key"),
		      error_r);
}

enum store_result store_hierarchy_drop(struct store *store, int64_t row_id, const char **error_r)
{
	static const char *const sqls[] = { SQL_VIEW_CLEAR, SQL_HIER_DROP };
	return finish(store, run_steps(store, row_id, sqls, 2, "dropping a hierarchy state"),
		      error_r);
}

/* The state row must exist: STORE_NOT_FOUND otherwise. */
static enum store_result run_on_state(struct store *store, sqlite3_stmt *stmt, int64_t row_id,
				      const char *what)
{
	enum store_result ret = store_stmt_run(store, stmt, what);
	if (ret == STORE_OK && sqlite3_changes(store->db) == 0) {
		store_set_error(store, "%s: device %lld has no hierarchy state", what,
				(long long)row_id);
		ret = STORE_NOT_FOUND;
	}
	return ret;
}

enum store_result store_hierarchy_set_pending(struct store *store, int64_t row_id, int64_t key,
					      int64_t modseq, const char *op, const char *result,
					      const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_HIER_SET_PENDING);
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, key);
		sqlite3_bind_int64(stmt, 2, modseq);
		store_bind_text(stmt, 3, op);
		store_bind_text(stmt, 4, result);
		sqlite3_bind_int64(stmt, 5, row_id);
	}
	return finish(store, run_on_state(store, stmt, row_id, "setting a hierarchy key"), error_r);
}

enum store_result store_hierarchy_set_modseq(struct store *store, int64_t row_id, int64_t modseq,
					     const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_HIER_SET_MODSEQ);
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, modseq);
		sqlite3_bind_int64(stmt, 2, row_id);
	}
	return finish(store, run_on_state(store, stmt, row_id, "updating a hierarchy state"),
		      error_r);
}

enum store_result store_hierarchy_view(struct store *store, pool *p, int64_t row_id,
				       struct store_hierarchy_entry **entries_r, size_t *count_r,
				       const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_VIEW_LIST);
	struct store_hierarchy_entry *list = NULL;
	size_t count = 0, cap = 0;
	int rc;

	if (stmt == NULL)
		return finish(store, STORE_ERROR, error_r);
	sqlite3_bind_int64(stmt, 1, row_id);
	while ((rc = store_step(store, stmt)) == SQLITE_ROW) {
		list = store_array_grow(p, list, count, &cap, sizeof(*list));
		struct store_hierarchy_entry *e = &list[count++];
		e->server_id = store_col_text(stmt, 0, p);
		e->modseq = sqlite3_column_type(stmt, 1) == SQLITE_NULL ?
				    -1 : sqlite3_column_int64(stmt, 1);
		e->pending_modseq = sqlite3_column_type(stmt, 2) == SQLITE_NULL ?
					    STORE_VIEW_NO_PENDING : sqlite3_column_int64(stmt, 2);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return finish(store, store_result_from_rc(store, rc, "reading a hierarchy view"),
			      error_r);
	*entries_r = list;
	*count_r = count;
	return STORE_OK;
}

enum store_result store_hierarchy_view_pending(struct store *store, int64_t row_id,
					       const char *server_id, int64_t pending_modseq,
					       const char **error_r)
{
	sqlite3_stmt *stmt;

	if (pending_modseq < STORE_VIEW_PENDING_DELETE) {
		store_set_error(store, "invalid pending modseq %lld", (long long)pending_modseq);
		return finish(store, STORE_INVALID, error_r);
	}
	stmt = store_stmt(store, SQL_VIEW_PENDING);
	if (stmt != NULL) {
		sqlite3_bind_int64(stmt, 1, row_id);
		store_bind_text(stmt, 2, server_id);
		sqlite3_bind_int64(stmt, 3, pending_modseq);
	}
	return finish(store, store_stmt_run(store, stmt, "changing a hierarchy view"), error_r);
}

/* ---- Policies ---- */

enum store_result store_policy_get(struct store *store, pool *p, int64_t context_id,
				   struct store_policy_value **values_r, size_t *count_r,
				   const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_POLICY_GET);
	struct store_policy_value *list = NULL;
	size_t count = 0, cap = 0;
	int rc;

	if (stmt == NULL)
		return finish(store, STORE_ERROR, error_r);
	sqlite3_bind_int64(stmt, 1, context_id);
	while ((rc = store_step(store, stmt)) == SQLITE_ROW) {
		list = store_array_grow(p, list, count, &cap, sizeof(*list));
		list[count].name = store_col_text(stmt, 0, p);
		list[count].value = store_col_text(stmt, 1, p);
		count++;
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return finish(store, store_result_from_rc(store, rc, "reading policies"), error_r);
	*values_r = list;
	*count_r = count;
	return STORE_OK;
}

static bool policy_text_ok(const char *s, size_t max)
{
	size_t len = s != NULL ? strlen(s) : 0;
	return len > 0 && len <= max && store_text_clean(s);
}

enum store_result store_policy_set(struct store *store, int64_t context_id,
				   const struct store_policy_value *values, size_t count,
				   const char **error_r)
{
	enum store_result ret;
	int64_t id;

	for (size_t i = 0; i < count; i++) {
		if (!policy_text_ok(values[i].name, STORE_POLICY_NAME_MAX) ||
		    !policy_text_ok(values[i].value, STORE_POLICY_VALUE_MAX)) {
			store_set_error(store, "invalid policy name or value (1-%d and 1-%d bytes of "
					"UTF-8 without control characters)", STORE_POLICY_NAME_MAX,
					STORE_POLICY_VALUE_MAX);
			return finish(store, STORE_INVALID, error_r);
		}
	}
	if ((ret = store_tx_begin(store)) != STORE_OK)
		return finish(store, ret, error_r);
	sqlite3_stmt *stmt = store_stmt(store, SQL_CONTEXT_EXISTS);
	if (stmt != NULL)
		sqlite3_bind_int64(stmt, 1, context_id);
	ret = stmt == NULL ? STORE_ERROR : store_stmt_int64(store, stmt, "looking up a context", &id);
	if (ret == STORE_NOT_FOUND)
		store_set_error(store, "no context with id %lld", (long long)context_id);
	for (size_t i = 0; ret == STORE_OK && i < count; i++) {
		stmt = store_stmt(store, SQL_POLICY_SET);
		if (stmt != NULL) {
			sqlite3_bind_int64(stmt, 1, context_id);
			store_bind_text(stmt, 2, values[i].name);
			store_bind_text(stmt, 3, values[i].value);
		}
		ret = store_stmt_run(store, stmt, "setting a policy");
	}
	return finish(store, store_tx_end(store, ret), error_r);
}

