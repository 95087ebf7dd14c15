/* store-sqlite.c: the SQLite implementation of store.h, the embedded default.
 *
 * One database file in the data directory, in WAL mode so that readers never wait for the
 * writer; one connection per handle (the server opens one per worker thread, easctl its
 * own), a busy timeout so that writers of several processes queue instead of failing, and
 * every write transaction opened with BEGIN IMMEDIATE: a deferred transaction that reads
 * first and writes later can fail at once with SQLITE_BUSY in WAL mode, without waiting.
 * Every SQL text of the store is in this file (statements) or in store-schema.c (schema). */
#include "store/store.h"
#include "store/store-schema.h"
#include "store/store-testing.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_ERROR_MAX 512
#define DEVICE_ID_MAX 128
#define DEVICE_TYPE_MAX 128
#define USER_AGENT_MAX 256
#define DISPLAY_NAME_MAX 256
#define EMAIL_MAX 254

/* Cached statements, prepared on first use and kept for the life of the handle. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_CTX_DEFAULT_ID,
	ST_CTX_INSERT,
	ST_CTX_GET,
	ST_CTX_LIST,
	ST_CTX_DELETE,
	ST_CTX_CLEAR_DEFAULT,
	ST_CTX_SET_DEFAULT,
	ST_CTX_RESOLVE,
	ST_CTX_RESOLVE_DEFAULT,
	ST_USER_INSERT,
	ST_USER_GET,
	ST_USER_GET_DEFAULT,
	ST_USER_LIST_ALL,
	ST_USER_LIST_CTX,
	ST_USER_SET_PASSWORD,
	ST_USER_SET_DISABLED,
	ST_USER_DELETE,
	ST_DEVICE_SEEN,
	ST_DEVICE_TOUCH,
	ST_DEVICE_LIST,
	ST_COUNT
};

#define CTX_COLUMNS \
	"c.id, c.domain, c.is_default, (SELECT COUNT(*) FROM users u WHERE u.context_id = c.id)"
#define USER_COLUMNS \
	"u.id, u.context_id, u.name, c.domain, u.display_name, u.email, u.password_hash, " \
	"u.disabled, u.created"
#define DEVICE_COLUMNS \
	"id, user_id, device_id, device_type, user_agent, first_seen, last_seen"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_CTX_DEFAULT_ID] = "SELECT id FROM contexts WHERE is_default = 1",
	[ST_CTX_INSERT] = "INSERT INTO contexts (domain, is_default, created) VALUES (?, ?, ?)",
	[ST_CTX_GET] = "SELECT " CTX_COLUMNS " FROM contexts c WHERE c.domain = ?",
	[ST_CTX_LIST] = "SELECT " CTX_COLUMNS " FROM contexts c ORDER BY c.domain",
	[ST_CTX_DELETE] = "DELETE FROM contexts WHERE id = ?",
	[ST_CTX_CLEAR_DEFAULT] = "UPDATE contexts SET is_default = 0 WHERE is_default = 1",
	[ST_CTX_SET_DEFAULT] = "UPDATE contexts SET is_default = 1 WHERE id = ?",
	/* Without the user count, which costs a scan of the context's users. */
	[ST_CTX_RESOLVE] = "SELECT id, domain FROM contexts WHERE domain = ?",
	[ST_CTX_RESOLVE_DEFAULT] = "SELECT id, domain FROM contexts WHERE is_default = 1",
	[ST_USER_INSERT] = "INSERT INTO users (context_id, name, display_name, email, "
			   "password_hash, disabled, created) VALUES (?, ?, ?, ?, ?, 0, ?)",
	[ST_USER_GET] = "SELECT " USER_COLUMNS " FROM users u JOIN contexts c ON c.id = u.context_id"
			" WHERE c.domain = ?1 AND u.name = ?2",
	[ST_USER_GET_DEFAULT] = "SELECT " USER_COLUMNS " FROM users u JOIN contexts c"
				" ON c.id = u.context_id WHERE c.is_default = 1 AND u.name = ?2",
	[ST_USER_LIST_ALL] = "SELECT " USER_COLUMNS " FROM users u JOIN contexts c"
			     " ON c.id = u.context_id ORDER BY c.domain, u.name",
	[ST_USER_LIST_CTX] = "SELECT " USER_COLUMNS " FROM users u JOIN contexts c"
			     " ON c.id = u.context_id WHERE u.context_id = ? ORDER BY u.name",
	[ST_USER_SET_PASSWORD] = "UPDATE users SET password_hash = ? WHERE context_id = ? AND name = ?",
	[ST_USER_SET_DISABLED] = "UPDATE users SET disabled = ? WHERE context_id = ? AND name = ?",
	[ST_USER_DELETE] = "DELETE FROM users WHERE context_id = ? AND name = ?",
	[ST_DEVICE_SEEN] = "SELECT device_type, user_agent, last_seen FROM devices"
			   " WHERE user_id = ? AND device_id = ?",
	/* An empty type or user agent means "not given": keep the stored one (Q-HTTP-1). */
	[ST_DEVICE_TOUCH] = "INSERT INTO devices (user_id, device_id, device_type, user_agent,"
			    " first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
			    " ON CONFLICT (user_id, device_id) DO UPDATE SET"
			    " device_type = CASE WHEN excluded.device_type = '' THEN"
			    "  devices.device_type ELSE excluded.device_type END,"
			    " user_agent = CASE WHEN excluded.user_agent = '' THEN"
			    "  devices.user_agent ELSE excluded.user_agent END,"
			    " last_seen = CASE WHEN excluded.last_seen > devices.last_seen THEN"
			    "  excluded.last_seen ELSE devices.last_seen END",
	[ST_DEVICE_LIST] = "SELECT " DEVICE_COLUMNS " FROM devices WHERE user_id = ? ORDER BY device_id",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmts[ST_COUNT];
	unsigned fail_countdown; /* test hook: the step that reaches 0 fails */
	char error[STORE_ERROR_MAX];
};

/* A resolved context: its id and lower-case domain. */
struct ctx_ref {
	int64_t id;
	char domain[256];
};

static _Thread_local char open_error[STORE_ERROR_MAX];

static void set_error(struct store *store, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct store *store, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(store->error, sizeof(store->error), fmt, ap);
	va_end(ap);
}

/* Records a database failure rc of the operation named by what. */
static void set_db_error(struct store *store, int rc, const char *what)
{
	const char *msg = sqlite3_extended_errcode(store->db) == rc ? sqlite3_errmsg(store->db) :
								      sqlite3_errstr(rc);
	if ((rc & 0xff) == SQLITE_BUSY)
		set_error(store, "%s: database is busy (locked by another process for more than "
				 "the busy timeout)", what);
	else
		set_error(store, "%s: %s", what, msg);
}

static void set_result_error(struct store *store, const char **error_r)
{
	if (error_r != NULL)
		*error_r = store->error;
}

/* sqlite3_step with the fault-injection hook of store-testing.h. */
static int db_step(struct store *store, sqlite3_stmt *stmt)
{
	if (store->fail_countdown > 0 && --store->fail_countdown == 0)
		return SQLITE_IOERR;
	return sqlite3_step(stmt);
}

/* The cached statement id, prepared on first use; NULL with the error set on failure. */
static sqlite3_stmt *stmt_get(struct store *store, enum stmt_id id)
{
	if (store->stmts[id] == NULL) {
		int rc = sqlite3_prepare_v3(store->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					    &store->stmts[id], NULL);
		if (rc != SQLITE_OK) {
			set_db_error(store, rc, "preparing a statement");
			store->stmts[id] = NULL;
			return NULL;
		}
	}
	return store->stmts[id];
}

/* Returns the statement to its unused state, so that no read snapshot stays open. */
static void stmt_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

static void bind_text(sqlite3_stmt *stmt, int idx, const char *text)
{
	sqlite3_bind_text(stmt, idx, text, -1, SQLITE_STATIC);
}

static const char *col_text(sqlite3_stmt *stmt, int col, pool *p)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);
	return pool_strdup(p, t == NULL ? "" : (const char *)t);
}

/* Maps a failed step to a result: unique violations are STORE_EXISTS, a missing parent row
 * STORE_NOT_FOUND, everything else STORE_ERROR (with the message set). */
static enum store_result result_from_rc(struct store *store, int rc, const char *what)
{
	set_db_error(store, rc, what);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STORE_EXISTS;
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return STORE_NOT_FOUND;
	return STORE_ERROR;
}

/* Runs a cached statement without results (after the caller's bindings). */
static int stmt_exec(struct store *store, sqlite3_stmt *stmt)
{
	int rc = db_step(store, stmt);
	stmt_done(stmt);
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

static enum store_result simple_exec(struct store *store, enum stmt_id id, const char *what)
{
	sqlite3_stmt *stmt = stmt_get(store, id);
	if (stmt == NULL)
		return STORE_ERROR;
	int rc = stmt_exec(store, stmt);
	return rc == SQLITE_DONE ? STORE_OK : result_from_rc(store, rc, what);
}

static enum store_result tx_begin(struct store *store)
{
	return simple_exec(store, ST_BEGIN, "starting a transaction");
}

static enum store_result tx_commit(struct store *store)
{
	return simple_exec(store, ST_COMMIT, "committing");
}

/* Ends a failed transaction. Not subject to fault injection; errors are ignored because
 * SQLite may already have rolled back by itself (and then ROLLBACK fails harmlessly). */
static void tx_rollback(struct store *store)
{
	sqlite3_stmt *stmt = stmt_get(store, ST_ROLLBACK);
	if (stmt != NULL) {
		(void)sqlite3_step(stmt);
		stmt_done(stmt);
	} else if (!sqlite3_get_autocommit(store->db)) {
		(void)sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	}
}

/* Commits when ret is STORE_OK, else rolls back; returns the final result. */
static enum store_result tx_end(struct store *store, enum store_result ret)
{
	if (ret == STORE_OK)
		ret = tx_commit(store);
	if (ret != STORE_OK && !sqlite3_get_autocommit(store->db))
		tx_rollback(store);
	return ret;
}

/* ---- Opening and migrations ---- */

/* One statement outside the cache (PRAGMAs, DDL); *text_r (optional) receives the first
 * column of the first row, copied into text (size textsize). */
static int exec_once(struct store *store, const char *sql, char *text, size_t textsize)
{
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = db_step(store, stmt);
	if (rc == SQLITE_ROW && text != NULL) {
		const unsigned char *t = sqlite3_column_text(stmt, 0);
		str_copy(text, textsize, t == NULL ? "" : (const char *)t);
	}
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return rc;
}

/* The schema version of the database (0 for a fresh one); -1 with the error set. */
static int read_version(struct store *store, int *version_r)
{
	char text[32] = "";
	int rc = exec_once(store, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
				  " AND name = 'schema_version'", text, sizeof(text));
	if (rc != SQLITE_DONE) {
		set_db_error(store, rc, "reading the schema version");
		return -1;
	}
	*version_r = 0;
	if (strcmp(text, "0") == 0)
		return 0;
	text[0] = '\0';
	rc = exec_once(store, "SELECT COALESCE(MAX(version), 0) FROM schema_version", text,
		       sizeof(text));
	uint64_t v;
	if (rc != SQLITE_DONE) {
		set_db_error(store, rc, "reading the schema version");
		return -1;
	}
	if (str_to_uint64(text, INT32_MAX, &v) < 0) {
		set_error(store, "schema_version holds a bad version '%s'", text);
		return -1;
	}
	*version_r = (int)v;
	return 0;
}

/* Applies one migration step in its own transaction, unless another process already did. */
static enum store_result migrate_step(struct store *store, const struct store_migration *step,
				      int *version_r)
{
	enum store_result ret = tx_begin(store);
	int rc, version;

	if (ret != STORE_OK)
		return ret;
	rc = exec_once(store, store_schema_version_table, NULL, 0);
	if (rc != SQLITE_DONE) {
		set_db_error(store, rc, "creating schema_version");
		return tx_end(store, STORE_ERROR);
	}
	if (read_version(store, &version) < 0)
		return tx_end(store, STORE_ERROR);
	if (version >= step->version) {
		/* Another process migrated meanwhile. */
		*version_r = version;
		tx_rollback(store);
		return STORE_OK;
	}
	if (version != step->version - 1) {
		set_error(store, "schema version %d cannot be migrated by step %d", version,
			  step->version);
		return tx_end(store, STORE_ERROR);
	}
	for (size_t i = 0; step->sql[i] != NULL; i++) {
		rc = exec_once(store, step->sql[i], NULL, 0);
		if (rc != SQLITE_DONE) {
			char what[80];
			snprintf(what, sizeof(what), "schema migration %d, statement %zu",
				 step->version, i + 1);
			set_db_error(store, rc, what);
			return tx_end(store, STORE_ERROR);
		}
	}
	sqlite3_stmt *ins;
	rc = sqlite3_prepare_v2(store->db, "INSERT INTO schema_version (version, description,"
				" applied) VALUES (?, ?, ?)", -1, &ins, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(ins, 1, step->version);
		bind_text(ins, 2, step->description);
		sqlite3_bind_int64(ins, 3, clock_now());
		rc = db_step(store, ins);
		sqlite3_finalize(ins);
	}
	if (rc != SQLITE_DONE) {
		set_db_error(store, rc, "recording the schema version");
		return tx_end(store, STORE_ERROR);
	}
	ret = tx_end(store, STORE_OK);
	if (ret == STORE_OK)
		*version_r = step->version;
	return ret;
}

static enum store_result migrate_with(struct store *store, const struct store_migration *steps,
				      size_t count, int *from_r, int *to_r)
{
	int latest = count == 0 ? 0 : steps[count - 1].version;
	int version;

	if (read_version(store, &version) < 0)
		return STORE_ERROR;
	*from_r = *to_r = version;
	if (version > latest) {
		set_error(store, "the database has schema version %d, newer than this build of "
				 "easd knows (%d): run a newer easd", version, latest);
		return STORE_ERROR;
	}
	for (size_t i = 0; i < count; i++) {
		if (steps[i].version <= version)
			continue;
		enum store_result ret = migrate_step(store, &steps[i], &version);
		if (ret != STORE_OK)
			return ret;
		*to_r = version;
	}
	return STORE_OK;
}

enum store_result store_migrate(struct store *store, int *from_r, int *to_r, const char **error_r)
{
	enum store_result ret = migrate_with(store, store_migrations, store_migration_count,
					     from_r, to_r);
	if (ret != STORE_OK)
		set_result_error(store, error_r);
	return ret;
}

int store_schema_version(void)
{
	return store_migrations[store_migration_count - 1].version;
}

/* Sets the connection up: WAL, foreign keys, durability; 0 or -1 with the error set. */
static int configure_connection(struct store *store)
{
	char text[32] = "";
	int rc;

	sqlite3_extended_result_codes(store->db, 1);
	sqlite3_busy_timeout(store->db, STORE_BUSY_TIMEOUT_MS);
	/* Several first openers of a fresh file race to switch it to WAL, which needs an
	 * exclusive lock; SQLite then answers SQLITE_BUSY at once (it cannot wait without a
	 * risk of deadlock), so wait and retry here, up to the busy timeout. */
	uint64_t deadline = clock_monotonic_ms() + STORE_BUSY_TIMEOUT_MS;
	for (;;) {
		rc = exec_once(store, "PRAGMA journal_mode = WAL", text, sizeof(text));
		if (((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) ||
		    clock_monotonic_ms() >= deadline)
			break;
		sqlite3_sleep(2);
	}
	if (rc != SQLITE_DONE) {
		set_db_error(store, rc, "setting WAL mode");
		return -1;
	}
	if (!str_eq_nocase(text, "wal")) {
		set_error(store, "the database cannot use WAL mode (journal mode is '%s')", text);
		return -1;
	}
	rc = exec_once(store, "PRAGMA foreign_keys = ON", NULL, 0);
	if (rc == SQLITE_DONE)
		rc = exec_once(store, "PRAGMA foreign_keys", text, sizeof(text));
	if (rc != SQLITE_DONE) {
		set_db_error(store, rc, "enabling foreign keys");
		return -1;
	}
	if (strcmp(text, "1") != 0) {
		set_error(store, "this SQLite does not enforce foreign keys");
		return -1;
	}
	/* FULL: a commit that a phone was told about survives a power cut (NORMAL in WAL mode
	 * may lose the last transactions, and a lost SyncKey means a full resync). */
	rc = exec_once(store, "PRAGMA synchronous = FULL", NULL, 0);
	if (rc != SQLITE_DONE) {
		set_db_error(store, rc, "setting synchronous mode");
		return -1;
	}
	return 0;
}

/* Creates data_dir (mode 0700) when missing; *created_r tells whether it did. */
static int make_data_dir(struct store *store, const char *data_dir, bool *created_r)
{
	struct stat st;

	*created_r = false;
	if (mkdir(data_dir, 0700) == 0) {
		*created_r = true;
		return 0;
	}
	if (errno != EEXIST) {
		set_error(store, "cannot create data directory %s: %s", data_dir, strerror(errno));
		return -1;
	}
	if (stat(data_dir, &st) < 0) {
		set_error(store, "data directory %s: %s", data_dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		set_error(store, "data directory %s: not a directory", data_dir);
		return -1;
	}
	return 0;
}


static enum store_result open_common(const char *data_dir, bool migrate, struct store **store_r,
				     const char **error_r)
{
	struct store *store = xcalloc(1, sizeof(*store));
	bool dir_created = false;
	char path[4096] = "";
	int from, to;

	*store_r = NULL;
	if (data_dir == NULL || *data_dir == '\0') {
		set_error(store, "no data directory given");
		goto fail;
	}
	if (snprintf(path, sizeof(path), "%s/%s", data_dir, STORE_DB_FILE) >= (int)sizeof(path)) {
		set_error(store, "data directory path too long");
		goto fail;
	}
	if (sqlite3_threadsafe() == 0) {
		set_error(store, "this SQLite library is built without thread support");
		goto fail;
	}
	if (make_data_dir(store, data_dir, &dir_created) < 0)
		goto fail;
	/* Create the file ourselves for its mode: SQLite would use 0644 & ~umask, and gives its
	 * -wal and -shm files the mode of the database file. */
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
	} else if (errno != EEXIST) {
		set_error(store, "cannot create %s: %s", path, strerror(errno));
		goto fail;
	}
	int rc = sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		set_error(store, "cannot open %s: %s", path,
			  store->db != NULL ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
		goto fail;
	}
	if (configure_connection(store) < 0)
		goto fail;
	if (migrate) {
		if (migrate_with(store, store_migrations, store_migration_count, &from, &to) !=
		    STORE_OK)
			goto fail;
	} else if (read_version(store, &from) < 0) {
		goto fail;
	} else if (from > store_schema_version()) {
		set_error(store, "the database has schema version %d, newer than this build of "
				 "easd knows (%d): run a newer easd", from, store_schema_version());
		goto fail;
	}
	*store_r = store;
	return STORE_OK;

fail:
	str_copy(open_error, sizeof(open_error), store->error);
	sqlite3_close_v2(store->db);
	free(store);
	/* A data directory created in vain goes again (rmdir removes only an empty one). A
	 * database file stays: other processes may have opened it meanwhile, and an empty or
	 * fully migrated file is a consistent state (each migration step is a transaction). */
	if (dir_created)
		(void)rmdir(data_dir);
	*error_r = open_error;
	return STORE_ERROR;
}

enum store_result store_open(const char *data_dir, struct store **store_r, const char **error_r)
{
	return open_common(data_dir, true, store_r, error_r);
}

enum store_result store_open_unmigrated(const char *data_dir, struct store **store_r,
					const char **error_r)
{
	return open_common(data_dir, false, store_r, error_r);
}

void store_close(struct store **_store)
{
	struct store *store = *_store;

	if (store == NULL)
		return;
	*_store = NULL;
	for (size_t i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(store->stmts[i]);
	if (sqlite3_close(store->db) != SQLITE_OK)
		i_panic("store: closing the database failed: %s", sqlite3_errmsg(store->db));
	free(store);
}

/* ---- Contexts ---- */

static void read_context(sqlite3_stmt *stmt, pool *p, struct store_context *ctx_r)
{
	ctx_r->id = sqlite3_column_int64(stmt, 0);
	ctx_r->domain = col_text(stmt, 1, p);
	ctx_r->is_default = sqlite3_column_int(stmt, 2) != 0;
	ctx_r->user_count = sqlite3_column_int64(stmt, 3);
}

/* Checks and lower-cases domain into lc (256 bytes); false with the error set. */
static bool domain_lookup_key(struct store *store, const char *domain, char lc[256])
{
	const char *why;

	if (!store_domain_valid(domain, &why)) {
		set_error(store, "no context '%.256s': %s", domain, why);
		return false;
	}
	str_copy(lc, 256, domain);
	str_lcase(lc);
	return true;
}

/* Runs the context lookup stmt (bound already) and reads its row with read_row. */
static enum store_result context_lookup(struct store *store, sqlite3_stmt *stmt, const char *lc,
					void (*read_row)(sqlite3_stmt *, void *), void *context)
{
	int rc = db_step(store, stmt);
	enum store_result ret = STORE_OK;

	if (rc == SQLITE_ROW) {
		read_row(stmt, context);
	} else if (rc == SQLITE_DONE) {
		if (lc == NULL)
			set_error(store, "no default context is set (easctl context default DOMAIN)");
		else
			set_error(store, "no context '%s'", lc);
		ret = STORE_NOT_FOUND;
	} else {
		ret = result_from_rc(store, rc, "looking up a context");
	}
	stmt_done(stmt);
	return ret;
}

struct read_context_args {
	pool *p;
	struct store_context *ctx;
};

static void read_context_row(sqlite3_stmt *stmt, void *context)
{
	struct read_context_args *args = context;
	read_context(stmt, args->p, args->ctx);
}

/* Finds the context of domain (not NULL) with its user count. STORE_NOT_FOUND with a
 * message when the domain is not valid or not there. */
static enum store_result context_find(struct store *store, const char *domain,
				      struct store_context *ctx_r, pool *p)
{
	struct read_context_args args = { p, ctx_r };
	char lc[256];

	if (domain == NULL) {
		set_error(store, "no domain given");
		return STORE_NOT_FOUND;
	}
	if (!domain_lookup_key(store, domain, lc))
		return STORE_NOT_FOUND;
	sqlite3_stmt *stmt = stmt_get(store, ST_CTX_GET);
	if (stmt == NULL)
		return STORE_ERROR;
	bind_text(stmt, 1, lc);
	return context_lookup(store, stmt, lc, read_context_row, &args);
}

static void read_ref_row(sqlite3_stmt *stmt, void *context)
{
	struct ctx_ref *ref = context;
	const unsigned char *domain = sqlite3_column_text(stmt, 1);
	ref->id = sqlite3_column_int64(stmt, 0);
	str_copy(ref->domain, sizeof(ref->domain), domain == NULL ? "" : (const char *)domain);
}

/* Resolves domain (NULL: the default) to its id and stored domain: the hot path of every
 * user lookup, so it reads one index entry and allocates nothing. */
static enum store_result context_ref(struct store *store, const char *domain, struct ctx_ref *ref_r)
{
	char lc[256];

	if (domain != NULL && !domain_lookup_key(store, domain, lc))
		return STORE_NOT_FOUND;
	sqlite3_stmt *stmt = stmt_get(store, domain == NULL ? ST_CTX_RESOLVE_DEFAULT : ST_CTX_RESOLVE);
	if (stmt == NULL)
		return STORE_ERROR;
	if (domain != NULL)
		bind_text(stmt, 1, lc);
	return context_lookup(store, stmt, domain == NULL ? NULL : lc, read_ref_row, ref_r);
}

/* True when a default context exists; -1 on error. */
static int context_has_default(struct store *store)
{
	sqlite3_stmt *stmt = stmt_get(store, ST_CTX_DEFAULT_ID);
	if (stmt == NULL)
		return -1;
	int rc = db_step(store, stmt);
	stmt_done(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	result_from_rc(store, rc, "looking up the default context");
	return -1;
}

enum store_result store_context_add(struct store *store, const char *domain, const char **error_r)
{
	const char *why;
	char lc[256];
	enum store_result ret;

	if (!store_domain_valid(domain, &why)) {
		set_error(store, "invalid domain '%.256s': %s", domain, why);
		set_result_error(store, error_r);
		return STORE_INVALID;
	}
	str_copy(lc, sizeof(lc), domain);
	str_lcase(lc);
	if ((ret = tx_begin(store)) != STORE_OK)
		goto out;
	int has_default = context_has_default(store);
	if (has_default < 0) {
		ret = tx_end(store, STORE_ERROR);
		goto out;
	}
	sqlite3_stmt *stmt = stmt_get(store, ST_CTX_INSERT);
	if (stmt == NULL) {
		ret = tx_end(store, STORE_ERROR);
		goto out;
	}
	bind_text(stmt, 1, lc);
	sqlite3_bind_int(stmt, 2, has_default ? 0 : 1);
	sqlite3_bind_int64(stmt, 3, clock_now());
	int rc = stmt_exec(store, stmt);
	ret = rc == SQLITE_DONE ? STORE_OK : result_from_rc(store, rc, "adding a context");
	if (ret == STORE_EXISTS)
		set_error(store, "context '%s' already exists", lc);
	ret = tx_end(store, ret);
out:
	if (ret != STORE_OK)
		set_result_error(store, error_r);
	return ret;
}

static enum store_result context_remove(struct store *store, const char *domain, bool only_empty,
					const char **error_r)
{
	struct store_context ctx;
	pool *p = pool_new(512);
	enum store_result ret = tx_begin(store);

	if (ret != STORE_OK)
		goto out;
	ret = context_find(store, domain, &ctx, p);
	if (ret == STORE_OK && only_empty && ctx.user_count > 0) {
		set_error(store, "context '%s' has %lld user%s", ctx.domain,
			  (long long)ctx.user_count, ctx.user_count == 1 ? "" : "s");
		ret = STORE_INVALID;
	}
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = stmt_get(store, ST_CTX_DELETE);
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			sqlite3_bind_int64(stmt, 1, ctx.id);
			int rc = stmt_exec(store, stmt);
			if (rc != SQLITE_DONE)
				ret = result_from_rc(store, rc, "removing a context");
		}
	}
	ret = tx_end(store, ret);
out:
	pool_free(&p);
	if (ret != STORE_OK)
		set_result_error(store, error_r);
	return ret;
}

enum store_result store_context_remove(struct store *store, const char *domain, const char **error_r)
{
	return context_remove(store, domain, false, error_r);
}

enum store_result store_context_remove_if_empty(struct store *store, const char *domain,
						const char **error_r)
{
	return context_remove(store, domain, true, error_r);
}

enum store_result store_context_get(struct store *store, pool *p, const char *domain,
				    struct store_context *ctx_r, const char **error_r)
{
	enum store_result ret = context_find(store, domain, ctx_r, p);

	if (ret != STORE_OK)
		set_result_error(store, error_r);
	return ret;
}

enum store_result store_context_list(struct store *store, pool *p, struct store_context **contexts_r,
				     size_t *count_r, const char **error_r)
{
	sqlite3_stmt *stmt = stmt_get(store, ST_CTX_LIST);
	size_t count = 0, cap = 16;
	struct store_context *list;
	int rc;

	if (stmt == NULL) {
		set_result_error(store, error_r);
		return STORE_ERROR;
	}
	list = pool_calloc(p, cap, sizeof(*list));
	while ((rc = db_step(store, stmt)) == SQLITE_ROW) {
		if (count == cap) {
			struct store_context *bigger = pool_calloc(p, cap, 2 * sizeof(*list));
			memcpy(bigger, list, count * sizeof(*list));
			list = bigger;
			cap *= 2;
		}
		read_context(stmt, p, &list[count++]);
	}
	stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		enum store_result ret = result_from_rc(store, rc, "listing contexts");
		set_result_error(store, error_r);
		return ret;
	}
	*contexts_r = list;
	*count_r = count;
	return STORE_OK;
}

enum store_result store_context_set_default(struct store *store, const char *domain, const char **error_r)
{
	struct ctx_ref ref;
	enum store_result ret = tx_begin(store);

	if (ret != STORE_OK)
		goto out;
	if (domain == NULL) {
		set_error(store, "no domain given");
		ret = STORE_NOT_FOUND;
	} else {
		ret = context_ref(store, domain, &ref);
	}
	if (ret == STORE_OK)
		ret = simple_exec(store, ST_CTX_CLEAR_DEFAULT, "changing the default context");
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = stmt_get(store, ST_CTX_SET_DEFAULT);
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			sqlite3_bind_int64(stmt, 1, ref.id);
			int rc = stmt_exec(store, stmt);
			if (rc != SQLITE_DONE)
				ret = result_from_rc(store, rc, "changing the default context");
		}
	}
	ret = tx_end(store, ret);
out:
	if (ret != STORE_OK)
		set_result_error(store, error_r);
	return ret;
}

enum store_result store_context_get_default(struct store *store, pool *p, const char **domain_r,
					    const char **error_r)
{
	struct ctx_ref ref;
	/* Without the user count: the server asks this for every plain "user" login. */
	enum store_result ret = context_ref(store, NULL, &ref);

	if (ret != STORE_OK) {
		set_result_error(store, error_r);
		return ret;
	}
	*domain_r = pool_strdup(p, ref.domain);
	return STORE_OK;
}

/* ---- Users ---- */

static void read_user(sqlite3_stmt *stmt, pool *p, struct store_user *user_r)
{
	user_r->id = sqlite3_column_int64(stmt, 0);
	user_r->context_id = sqlite3_column_int64(stmt, 1);
	user_r->name = col_text(stmt, 2, p);
	user_r->domain = col_text(stmt, 3, p);
	user_r->display_name = col_text(stmt, 4, p);
	user_r->email = col_text(stmt, 5, p);
	user_r->password_hash = col_text(stmt, 6, p);
	user_r->disabled = sqlite3_column_int(stmt, 7) != 0;
	user_r->created = sqlite3_column_int64(stmt, 8);
}

/* True when s[0..len) is UTF-8 without control characters. */
static bool text_clean(const char *s)
{
	size_t len = strlen(s);
	if (!utf8_valid(s, len, NULL))
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return true;
}

/* Checks the fields of a new user; false with the error set. */
static bool user_fields_valid(struct store *store, const char *name, const char *password_hash,
			      const char *display_name, const char *email)
{
	const char *why;

	if (!store_user_name_valid(name, &why)) {
		set_error(store, "invalid user name '%.64s': %s", name, why);
		return false;
	}
	if (password_hash == NULL || *password_hash == '\0' || strlen(password_hash) > 512 ||
	    !text_clean(password_hash)) {
		set_error(store, "invalid password hash");
		return false;
	}
	if (strlen(display_name) > DISPLAY_NAME_MAX || !text_clean(display_name)) {
		set_error(store, "invalid display name: at most %d bytes of UTF-8 without control "
				 "characters", DISPLAY_NAME_MAX);
		return false;
	}
	if (*email != '\0') {
		const char *at = strchr(email, '@');
		bool ok = strlen(email) <= EMAIL_MAX && text_clean(email) && at != NULL &&
			  at != email && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
			  strchr(email, ' ') == NULL;
		if (!ok) {
			set_error(store, "invalid e-mail address '%.254s'", email);
			return false;
		}
	}
	return true;
}

enum store_result store_user_add(struct store *store, const char *domain, const char *name,
				 const char *password_hash, const char *display_name,
				 const char *email, const char **error_r)
{
	struct ctx_ref ref;
	enum store_result ret;

	if (display_name == NULL)
		display_name = "";
	if (email == NULL)
		email = "";
	if (!user_fields_valid(store, name, password_hash, display_name, email)) {
		set_result_error(store, error_r);
		return STORE_INVALID;
	}
	if ((ret = tx_begin(store)) != STORE_OK)
		goto out;
	ret = context_ref(store, domain, &ref);
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = stmt_get(store, ST_USER_INSERT);
		char default_email[EMAIL_MAX + 64];
		if (*email == '\0') {
			snprintf(default_email, sizeof(default_email), "%s@%s", name, ref.domain);
			email = default_email;
		}
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			sqlite3_bind_int64(stmt, 1, ref.id);
			bind_text(stmt, 2, name);
			bind_text(stmt, 3, display_name);
			bind_text(stmt, 4, email);
			bind_text(stmt, 5, password_hash);
			sqlite3_bind_int64(stmt, 6, clock_now());
			int rc = stmt_exec(store, stmt);
			ret = rc == SQLITE_DONE ? STORE_OK : result_from_rc(store, rc, "adding a user");
			if (ret == STORE_EXISTS)
				set_error(store, "user '%s' already exists in context '%s'", name,
					  ref.domain);
		}
	}
	/* Issue 5: the default folders are created here, in the same transaction. */
	ret = tx_end(store, ret);
out:
	if (ret != STORE_OK)
		set_result_error(store, error_r);
	return ret;
}

/* Looks the user up in one statement (the hot path of authentication); on a miss, looks at
 * the context too, to say which of the two is missing. */
static enum store_result user_find(struct store *store, pool *p, const char *domain,
				   const char *name, struct store_user *user_r)
{
	struct ctx_ref ref;
	const char *why;
	char lc[256];
	enum store_result ret;

	if (domain != NULL && !domain_lookup_key(store, domain, lc))
		return STORE_NOT_FOUND;
	if (!store_user_name_valid(name, &why)) {
		set_error(store, "no user '%.64s': %s", name, why);
		return STORE_NOT_FOUND;
	}
	sqlite3_stmt *stmt = stmt_get(store, domain == NULL ? ST_USER_GET_DEFAULT : ST_USER_GET);
	if (stmt == NULL)
		return STORE_ERROR;
	if (domain != NULL)
		bind_text(stmt, 1, lc);
	bind_text(stmt, 2, name);
	int rc = db_step(store, stmt);
	if (rc == SQLITE_ROW) {
		read_user(stmt, p, user_r);
		ret = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		ret = STORE_NOT_FOUND;
	} else {
		ret = result_from_rc(store, rc, "looking up a user");
	}
	stmt_done(stmt);
	if (ret == STORE_NOT_FOUND && (ret = context_ref(store, domain, &ref)) == STORE_OK) {
		set_error(store, "no user '%s' in context '%s'", name, ref.domain);
		ret = STORE_NOT_FOUND;
	}
	return ret;
}

enum store_result store_user_get(struct store *store, pool *p, const char *domain, const char *name,
				 struct store_user *user_r, const char **error_r)
{
	enum store_result ret = user_find(store, p, domain, name, user_r);
	if (ret != STORE_OK)
		set_result_error(store, error_r);
	return ret;
}

enum store_result store_user_list(struct store *store, pool *p, const char *domain,
				  struct store_user **users_r, size_t *count_r, const char **error_r)
{
	struct ctx_ref ref;
	enum store_result ret = STORE_OK;
	size_t count = 0, cap = 16;
	int rc;

	if (domain != NULL && (ret = context_ref(store, domain, &ref)) != STORE_OK) {
		set_result_error(store, error_r);
		return ret;
	}
	sqlite3_stmt *stmt = stmt_get(store, domain == NULL ? ST_USER_LIST_ALL : ST_USER_LIST_CTX);
	if (stmt == NULL) {
		set_result_error(store, error_r);
		return STORE_ERROR;
	}
	if (domain != NULL)
		sqlite3_bind_int64(stmt, 1, ref.id);
	struct store_user *list = pool_calloc(p, cap, sizeof(*list));
	while ((rc = db_step(store, stmt)) == SQLITE_ROW) {
		if (count == cap) {
			struct store_user *bigger = pool_calloc(p, cap, 2 * sizeof(*list));
			memcpy(bigger, list, count * sizeof(*list));
			list = bigger;
			cap *= 2;
		}
		read_user(stmt, p, &list[count++]);
	}
	stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		ret = result_from_rc(store, rc, "listing users");
		set_result_error(store, error_r);
		return ret;
	}
	*users_r = list;
	*count_r = count;
	return STORE_OK;
}

/* Runs one UPDATE or DELETE of the user (domain, name) whose statement takes the extra
 * bindings first and then (context_id, name); value_text or value_int is the first binding. */
static enum store_result user_change(struct store *store, enum stmt_id id, const char *domain,
				     const char *name, const char *value_text, int value_int,
				     const char *what, const char **error_r)
{
	struct ctx_ref ref;
	const char *why;
	enum store_result ret = tx_begin(store);
	int first = id == ST_USER_DELETE ? 1 : 2;

	if (ret != STORE_OK)
		goto out;
	ret = context_ref(store, domain, &ref);
	if (ret == STORE_OK && !store_user_name_valid(name, &why)) {
		set_error(store, "no user '%.64s' in context '%s': %s", name, ref.domain, why);
		ret = STORE_NOT_FOUND;
	}
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = stmt_get(store, id);
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			if (first == 2) {
				if (value_text != NULL)
					bind_text(stmt, 1, value_text);
				else
					sqlite3_bind_int(stmt, 1, value_int);
			}
			sqlite3_bind_int64(stmt, first, ref.id);
			bind_text(stmt, first + 1, name);
			int rc = stmt_exec(store, stmt);
			if (rc != SQLITE_DONE) {
				ret = result_from_rc(store, rc, what);
			} else if (sqlite3_changes(store->db) == 0) {
				set_error(store, "no user '%s' in context '%s'", name, ref.domain);
				ret = STORE_NOT_FOUND;
			}
		}
	}
	ret = tx_end(store, ret);
out:
	if (ret != STORE_OK)
		set_result_error(store, error_r);
	return ret;
}

enum store_result store_user_set_password(struct store *store, const char *domain, const char *name,
					  const char *password_hash, const char **error_r)
{
	if (password_hash == NULL || *password_hash == '\0' || strlen(password_hash) > 512 ||
	    !text_clean(password_hash)) {
		set_error(store, "invalid password hash");
		set_result_error(store, error_r);
		return STORE_INVALID;
	}
	return user_change(store, ST_USER_SET_PASSWORD, domain, name, password_hash, 0,
			   "changing a password", error_r);
}

enum store_result store_user_set_disabled(struct store *store, const char *domain, const char *name,
					  bool disabled, const char **error_r)
{
	return user_change(store, ST_USER_SET_DISABLED, domain, name, NULL, disabled ? 1 : 0,
			   "changing a user", error_r);
}

enum store_result store_user_remove(struct store *store, const char *domain, const char *name,
				    const char **error_r)
{
	/* Devices (and, from issue 5, folders, items, changes, sync state) go by ON DELETE
	 * CASCADE inside the same transaction. */
	return user_change(store, ST_USER_DELETE, domain, name, NULL, 0, "removing a user", error_r);
}

/* ---- Devices ---- */

/* Copies s as clean UTF-8 of at most max bytes into out (see store_device_touch). */
static void clean_text(buf *out, const char *s, size_t max)
{
	buf_truncate(out, 0);
	if (s == NULL)
		return;
	utf8_append_sanitized(out, s, strlen(s));
	for (size_t i = 0; i < out->len; i++) {
		if (out->data[i] < 0x20 || out->data[i] == 0x7f)
			out->data[i] = '?';
	}
	buf_truncate(out, utf8_truncate_len(out->data, out->len, max));
}

static bool device_id_valid(const char *device_id)
{
	size_t len = strlen(device_id);
	if (len == 0 || len > DEVICE_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (device_id[i] <= ' ' || device_id[i] >= 0x7f)
			return false;
	}
	return true;
}

/* 1 when the device is stored with this type and agent and was seen less than
 * STORE_DEVICE_SEEN_RESOLUTION seconds ago, so that touching it would change nothing worth a
 * write (a write is a disk sync, and a phone makes a request every few seconds); 0 when it
 * needs the write; -1 on error (set). */
static int device_seen_recently(struct store *store, int64_t user_id, const char *device_id,
				const char *type, const char *agent, int64_t now)
{
	sqlite3_stmt *stmt = stmt_get(store, ST_DEVICE_SEEN);
	int ret = 0;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	bind_text(stmt, 2, device_id);
	int rc = db_step(store, stmt);
	if (rc == SQLITE_ROW) {
		const char *old_type = (const char *)sqlite3_column_text(stmt, 0);
		const char *old_agent = (const char *)sqlite3_column_text(stmt, 1);
		int64_t last_seen = sqlite3_column_int64(stmt, 2);
		ret = (*type == '\0' || (old_type != NULL && strcmp(type, old_type) == 0)) &&
		      (*agent == '\0' || (old_agent != NULL && strcmp(agent, old_agent) == 0)) &&
		      now >= last_seen && now - last_seen < STORE_DEVICE_SEEN_RESOLUTION;
	} else if (rc != SQLITE_DONE) {
		result_from_rc(store, rc, "looking up a device");
		ret = -1;
	}
	stmt_done(stmt);
	return ret;
}

enum store_result store_device_touch(struct store *store, int64_t user_id, const char *device_id,
				     const char *device_type, const char *user_agent, int64_t now,
				     const char **error_r)
{
	buf type = BUF_INIT, agent = BUF_INIT;
	enum store_result ret;

	if (device_id == NULL || !device_id_valid(device_id)) {
		set_error(store, "invalid device id: 1-%d printable ASCII characters without spaces",
			  DEVICE_ID_MAX);
		set_result_error(store, error_r);
		return STORE_INVALID;
	}
	clean_text(&type, device_type, DEVICE_TYPE_MAX);
	clean_text(&agent, user_agent, USER_AGENT_MAX);
	int seen = device_seen_recently(store, user_id, device_id, buf_cstr(&type),
					buf_cstr(&agent), now);
	sqlite3_stmt *stmt = seen != 0 ? NULL : stmt_get(store, ST_DEVICE_TOUCH);
	if (seen > 0) {
		ret = STORE_OK;
	} else if (stmt == NULL) {
		ret = STORE_ERROR;
	} else {
		sqlite3_bind_int64(stmt, 1, user_id);
		bind_text(stmt, 2, device_id);
		bind_text(stmt, 3, buf_cstr(&type));
		bind_text(stmt, 4, buf_cstr(&agent));
		sqlite3_bind_int64(stmt, 5, now);
		int rc = stmt_exec(store, stmt);
		ret = rc == SQLITE_DONE ? STORE_OK : result_from_rc(store, rc, "recording a device");
		if (ret == STORE_NOT_FOUND)
			set_error(store, "no user with id %lld", (long long)user_id);
	}
	buf_free(&type);
	buf_free(&agent);
	if (ret != STORE_OK)
		set_result_error(store, error_r);
	return ret;
}

enum store_result store_device_list(struct store *store, pool *p, int64_t user_id,
				    struct store_device **devices_r, size_t *count_r,
				    const char **error_r)
{
	sqlite3_stmt *stmt = stmt_get(store, ST_DEVICE_LIST);
	size_t count = 0, cap = 8;
	int rc;

	if (stmt == NULL) {
		set_result_error(store, error_r);
		return STORE_ERROR;
	}
	sqlite3_bind_int64(stmt, 1, user_id);
	struct store_device *list = pool_calloc(p, cap, sizeof(*list));
	while ((rc = db_step(store, stmt)) == SQLITE_ROW) {
		if (count == cap) {
			struct store_device *bigger = pool_calloc(p, cap, 2 * sizeof(*list));
			memcpy(bigger, list, count * sizeof(*list));
			list = bigger;
			cap *= 2;
		}
		struct store_device *d = &list[count++];
		d->id = sqlite3_column_int64(stmt, 0);
		d->user_id = sqlite3_column_int64(stmt, 1);
		d->device_id = col_text(stmt, 2, p);
		d->device_type = col_text(stmt, 3, p);
		d->user_agent = col_text(stmt, 4, p);
		d->first_seen = sqlite3_column_int64(stmt, 5);
		d->last_seen = sqlite3_column_int64(stmt, 6);
	}
	stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		enum store_result ret = result_from_rc(store, rc, "listing devices");
		set_result_error(store, error_r);
		return ret;
	}
	*devices_r = list;
	*count_r = count;
	return STORE_OK;
}

/* ---- Test hooks (store-testing.h) ---- */

void store_test_fail_after(struct store *store, unsigned n)
{
	store->fail_countdown = n;
}

bool store_test_fault_pending(const struct store *store)
{
	return store->fail_countdown > 0;
}

void store_test_set_busy_timeout(struct store *store, int ms)
{
	sqlite3_busy_timeout(store->db, ms);
}

enum store_result store_test_migrate_with(struct store *store, const struct store_migration *steps,
					  size_t count, int *from_r, int *to_r,
					  const char **error_r)
{
	enum store_result ret = migrate_with(store, steps, count, from_r, to_r);
	if (ret != STORE_OK)
		set_result_error(store, error_r);
	return ret;
}
