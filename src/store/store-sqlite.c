/* store-sqlite.c: the core of the SQLite implementation of store.h, the embedded default:
 * errors, the statement cache, transactions, opening, migrations and the test hooks that
 * every store-*.c file shares through store-sqlite-private.h.
 *
 * One database file in the data directory, in WAL mode so that readers never wait for the
 * writer; one connection per handle (the server opens one per worker thread, easctl its
 * own), a busy timeout so that writers of several processes queue instead of failing, and
 * every write transaction opened with BEGIN IMMEDIATE: a deferred transaction that reads
 * first and writes later can fail at once with SQLITE_BUSY in WAL mode, without waiting.
 * The SQL of the store is in the store-*.c files (statements) and store-schema.c (schema). */
#include "store/store.h"
#include "store/store-folder.h"
#include "store/store-schema.h"
#include "store/store-sqlite-private.h"
#include "store/store-testing.h"
#include "lib/clock.h"
#include "lib/mem.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The transaction statements. Inner levels are savepoints of one name: SQLite (and
 * PostgreSQL) resolve a name to the most recent savepoint that has it. */
static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SAVEPOINT[] = "SAVEPOINT store_nested";
static const char SQL_RELEASE[] = "RELEASE store_nested";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO store_nested";

static _Thread_local char open_error[STORE_ERROR_MAX];

/* ---- Errors ---- */

void store_set_error(struct store *store, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(store->error, sizeof(store->error), fmt, ap);
	va_end(ap);
}

void store_set_db_error(struct store *store, int rc, const char *what)
{
	const char *msg = sqlite3_extended_errcode(store->db) == rc ? sqlite3_errmsg(store->db) :
								      sqlite3_errstr(rc);
	if ((rc & 0xff) == SQLITE_BUSY)
		store_set_error(store, "%s: database is busy (locked by another process for more "
				       "than the busy timeout)", what);
	else
		store_set_error(store, "%s: %s", what, msg);
}

void store_error_to(struct store *store, const char **error_r)
{
	if (error_r != NULL)
		*error_r = store->error;
}

enum store_result store_result_from_rc(struct store *store, int rc, const char *what)
{
	store_set_db_error(store, rc, what);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STORE_EXISTS;
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return STORE_NOT_FOUND;
	return STORE_ERROR;
}

/* ---- Statement cache ---- */

/* Fibonacci hashing of the text's address; cap is a power of two. */
static size_t stmt_slot_index(const char *sql, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)sql * UINT64_C(0x9E3779B97F4A7C15);
	return (size_t)(h >> 32) & (cap - 1);
}

/* Doubles the table (cap 0: creates it), rehashing every entry. */
static void stmt_cache_grow(struct store *store)
{
	size_t cap = store->stmt_cap == 0 ? 64 : store->stmt_cap * 2;
	struct store_stmt_slot *slots = xcalloc(cap, sizeof(*slots));

	for (size_t i = 0; i < store->stmt_cap; i++) {
		const char *sql = store->stmts[i].sql;
		if (sql == NULL)
			continue;
		size_t j = stmt_slot_index(sql, cap);
		while (slots[j].sql != NULL)
			j = (j + 1) & (cap - 1);
		slots[j] = store->stmts[i];
	}
	free(store->stmts);
	store->stmts = slots;
	store->stmt_cap = cap;
}

sqlite3_stmt *store_stmt(struct store *store, const char *sql)
{
	if (2 * (store->stmt_count + 1) > store->stmt_cap)
		stmt_cache_grow(store);
	size_t i = stmt_slot_index(sql, store->stmt_cap);
	while (store->stmts[i].sql != NULL) {
		if (store->stmts[i].sql == sql) {
			/* Same address, other text: a caller broke the static-storage rule. */
			if (strcmp(sqlite3_sql(store->stmts[i].stmt), sql) != 0)
				i_panic("store: SQL text at %p changed (not static storage?)",
					(const void *)sql);
			return store->stmts[i].stmt;
		}
		i = (i + 1) & (store->stmt_cap - 1);
	}
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
	if (rc != SQLITE_OK) {
		store_set_db_error(store, rc, "preparing a statement");
		return NULL;
	}
	store->stmts[i].sql = sql;
	store->stmts[i].stmt = stmt;
	store->stmt_count++;
	return stmt;
}

/* Finalizes every cached statement and frees the table. */
static void stmt_cache_free(struct store *store)
{
	for (size_t i = 0; i < store->stmt_cap; i++)
		sqlite3_finalize(store->stmts[i].stmt);
	free(store->stmts);
	store->stmts = NULL;
	store->stmt_cap = store->stmt_count = 0;
}

int store_step(struct store *store, sqlite3_stmt *stmt)
{
	if (store->fail_countdown > 0 && --store->fail_countdown == 0)
		return SQLITE_IOERR;
	return sqlite3_step(stmt);
}

void store_stmt_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

int store_stmt_exec(struct store *store, sqlite3_stmt *stmt)
{
	int rc = store_step(store, stmt);
	store_stmt_done(stmt);
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

enum store_result store_stmt_run(struct store *store, sqlite3_stmt *stmt, const char *what)
{
	if (stmt == NULL)
		return STORE_ERROR;
	int rc = store_stmt_exec(store, stmt);
	return rc == SQLITE_DONE ? STORE_OK : store_result_from_rc(store, rc, what);
}

enum store_result store_exec(struct store *store, const char *sql, const char *what)
{
	return store_stmt_run(store, store_stmt(store, sql), what);
}

enum store_result store_stmt_int64(struct store *store, sqlite3_stmt *stmt, const char *what,
				   int64_t *value_r)
{
	enum store_result ret;

	if (stmt == NULL)
		return STORE_ERROR;
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		*value_r = sqlite3_column_int64(stmt, 0);
		ret = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, what);
	}
	store_stmt_done(stmt);
	return ret;
}

/* ---- Transactions ---- */

/* Steps sql outside fault injection and ignores the result: the rollback paths, which must
 * run even after SQLite rolled back by itself (then they fail harmlessly). */
static void exec_quietly(struct store *store, const char *sql)
{
	sqlite3_stmt *stmt = store_stmt(store, sql);
	if (stmt != NULL) {
		(void)sqlite3_step(stmt);
		store_stmt_done(stmt);
	} else {
		(void)sqlite3_exec(store->db, sql, NULL, NULL, NULL);
	}
}

bool store_in_transaction(const struct store *store)
{
	return store->tx_depth > 0;
}

/* Notices that SQLite ended the transaction by itself (some I/O, full-disk and out-of-memory
 * errors roll the whole transaction back): every level above then fails. */
static void tx_check_aborted(struct store *store)
{
	if (store->tx_depth > 0 && sqlite3_get_autocommit(store->db))
		store->tx_aborted = true;
}

enum store_result store_tx_begin(struct store *store)
{
	enum store_result ret;

	if (store->tx_depth > 0) {
		tx_check_aborted(store);
		if (store->tx_aborted) {
			store_set_error(store, "the transaction was rolled back after an earlier "
					       "failure");
			return STORE_ERROR;
		}
		ret = store_exec(store, SQL_SAVEPOINT, "starting a savepoint");
	} else {
		ret = store_exec(store, SQL_BEGIN, "starting a transaction");
		if (ret != STORE_OK && !sqlite3_get_autocommit(store->db))
			exec_quietly(store, SQL_ROLLBACK);
	}
	if (ret == STORE_OK)
		store->tx_depth++;
	return ret;
}

enum store_result store_tx_end(struct store *store, enum store_result ret)
{
	if (store->tx_depth == 0)
		i_panic("store: transaction end without a transaction");
	tx_check_aborted(store);
	if (store->tx_aborted && ret == STORE_OK) {
		store_set_error(store, "the transaction was rolled back after an earlier failure");
		ret = STORE_ERROR;
	}
	if (store->tx_depth == 1) {
		if (ret == STORE_OK)
			ret = store_exec(store, SQL_COMMIT, "committing");
		if (ret != STORE_OK && !sqlite3_get_autocommit(store->db))
			exec_quietly(store, SQL_ROLLBACK);
		store->tx_depth = 0;
		store->tx_aborted = false;
		return ret;
	}
	if (ret == STORE_OK)
		ret = store_exec(store, SQL_RELEASE, "releasing a savepoint");
	if (ret != STORE_OK && !store->tx_aborted) {
		/* ROLLBACK TO keeps the savepoint open: release it too. */
		exec_quietly(store, SQL_ROLLBACK_TO);
		exec_quietly(store, SQL_RELEASE);
		tx_check_aborted(store);
	}
	store->tx_depth--;
	return ret;
}

enum store_result store_begin(struct store *store, const char **error_r)
{
	enum store_result ret = store_tx_begin(store);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_commit(struct store *store, const char **error_r)
{
	if (store->tx_depth == 0) {
		store_set_error(store, "commit without a transaction");
		store_error_to(store, error_r);
		return STORE_ERROR;
	}
	enum store_result ret = store_tx_end(store, STORE_OK);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

void store_rollback(struct store *store)
{
	if (store->tx_depth > 0) {
		char saved[STORE_ERROR_MAX];
		/* Keep the message of the failure that made the caller roll back. */
		str_copy(saved, sizeof(saved), store->error);
		(void)store_tx_end(store, STORE_ERROR);
		str_copy(store->error, sizeof(store->error), saved);
	}
}

/* ---- Binding and reading columns ---- */

void store_bind_text(sqlite3_stmt *stmt, int idx, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(stmt, idx);
	else
		sqlite3_bind_text(stmt, idx, text, -1, SQLITE_STATIC);
}

void store_bind_blob(sqlite3_stmt *stmt, int idx, const void *data, size_t len)
{
	if (data == NULL)
		sqlite3_bind_null(stmt, idx);
	else if (len == 0)
		sqlite3_bind_zeroblob(stmt, idx, 0);
	else
		sqlite3_bind_blob64(stmt, idx, data, len, SQLITE_STATIC);
}

const char *store_col_text(sqlite3_stmt *stmt, int col, pool *p)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);
	return pool_strdup(p, t == NULL ? "" : (const char *)t);
}

const char *store_col_text_or_null(sqlite3_stmt *stmt, int col, pool *p)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);
	if (t == NULL)
		return NULL;
	return pool_strndup(p, (const char *)t, (size_t)sqlite3_column_bytes(stmt, col));
}

const unsigned char *store_col_blob(sqlite3_stmt *stmt, int col, pool *p, size_t *len_r)
{
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL) {
		*len_r = 0;
		return NULL;
	}
	const void *data = sqlite3_column_blob(stmt, col);
	size_t len = (size_t)sqlite3_column_bytes(stmt, col);
	*len_r = len;
	return (const unsigned char *)pool_strndup(p, data == NULL ? "" : data, len);
}

/* ---- Small helpers ---- */

bool store_text_clean(const char *s)
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

void *store_array_grow(pool *p, void *array, size_t count, size_t *cap_r, size_t size)
{
	if (count < *cap_r)
		return array;
	size_t cap = *cap_r == 0 ? 16 : *cap_r * 2;
	void *bigger = pool_calloc(p, cap, size);
	if (count > 0)
		memcpy(bigger, array, count * size);
	*cap_r = cap;
	return bigger;
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
	rc = store_step(store, stmt);
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
		store_set_db_error(store, rc, "reading the schema version");
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
		store_set_db_error(store, rc, "reading the schema version");
		return -1;
	}
	if (str_to_uint64(text, INT32_MAX, &v) < 0) {
		store_set_error(store, "schema_version holds a bad version '%s'", text);
		return -1;
	}
	*version_r = (int)v;
	return 0;
}

/* Applies one migration step in its own transaction, unless another process already did. */
static enum store_result migrate_step(struct store *store, const struct store_migration *step,
				      int *version_r)
{
	enum store_result ret = store_tx_begin(store);
	int rc, version;

	if (ret != STORE_OK)
		return ret;
	rc = exec_once(store, store_schema_version_table, NULL, 0);
	if (rc != SQLITE_DONE) {
		store_set_db_error(store, rc, "creating schema_version");
		return store_tx_end(store, STORE_ERROR);
	}
	if (read_version(store, &version) < 0)
		return store_tx_end(store, STORE_ERROR);
	if (version >= step->version) {
		/* Another process migrated meanwhile. */
		*version_r = version;
		(void)store_tx_end(store, STORE_ERROR);
		return STORE_OK;
	}
	if (version != step->version - 1) {
		store_set_error(store, "schema version %d cannot be migrated by step %d", version,
				step->version);
		return store_tx_end(store, STORE_ERROR);
	}
	for (size_t i = 0; step->sql[i] != NULL; i++) {
		rc = exec_once(store, step->sql[i], NULL, 0);
		if (rc != SQLITE_DONE) {
			char what[80];
			snprintf(what, sizeof(what), "schema migration %d, statement %zu",
				 step->version, i + 1);
			store_set_db_error(store, rc, what);
			return store_tx_end(store, STORE_ERROR);
		}
	}
	sqlite3_stmt *ins;
	rc = sqlite3_prepare_v2(store->db, "INSERT INTO schema_version (version, description,"
				" applied) VALUES (?, ?, ?)", -1, &ins, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(ins, 1, step->version);
		store_bind_text(ins, 2, step->description);
		sqlite3_bind_int64(ins, 3, clock_now());
		rc = store_step(store, ins);
		sqlite3_finalize(ins);
	}
	if (rc != SQLITE_DONE) {
		store_set_db_error(store, rc, "recording the schema version");
		return store_tx_end(store, STORE_ERROR);
	}
	ret = store_tx_end(store, STORE_OK);
	if (ret == STORE_OK)
		*version_r = step->version;
	return ret;
}

static enum store_result migrate_with(struct store *store, const struct store_migration *steps,
				      size_t count, int *from_r, int *to_r)
{
	int latest = count == 0 ? 0 : steps[count - 1].version;
	int version;

	if (store->tx_depth > 0) {
		store_set_error(store, "migrations cannot run inside a transaction");
		return STORE_ERROR;
	}
	if (read_version(store, &version) < 0)
		return STORE_ERROR;
	*from_r = *to_r = version;
	if (version > latest) {
		store_set_error(store, "the database has schema version %d, newer than this "
				       "build of easd knows (%d): run a newer easd", version, latest);
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
		store_error_to(store, error_r);
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
		store_set_db_error(store, rc, "setting WAL mode");
		return -1;
	}
	if (!str_eq_nocase(text, "wal")) {
		store_set_error(store, "the database cannot use WAL mode (journal mode is '%s')",
				text);
		return -1;
	}
	rc = exec_once(store, "PRAGMA foreign_keys = ON", NULL, 0);
	if (rc == SQLITE_DONE)
		rc = exec_once(store, "PRAGMA foreign_keys", text, sizeof(text));
	if (rc != SQLITE_DONE) {
		store_set_db_error(store, rc, "enabling foreign keys");
		return -1;
	}
	if (strcmp(text, "1") != 0) {
		store_set_error(store, "this SQLite does not enforce foreign keys");
		return -1;
	}
	/* FULL: a commit that a phone was told about survives a power cut (NORMAL in WAL mode
	 * may lose the last transactions, and a lost SyncKey means a full resync). */
	rc = exec_once(store, "PRAGMA synchronous = FULL", NULL, 0);
	if (rc != SQLITE_DONE) {
		store_set_db_error(store, rc, "setting synchronous mode");
		return -1;
	}
	/* The statement journals of savepoints (every write inside a caller's transaction
	 * runs in one) and sorting b-trees stay in memory instead of temporary files: about a
	 * quarter of the CPU time of an item add inside a transaction. Both are bounded by the
	 * pages one write touches. */
	rc = exec_once(store, "PRAGMA temp_store = MEMORY", NULL, 0);
	if (rc != SQLITE_DONE) {
		store_set_db_error(store, rc, "setting the temporary store");
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
		store_set_error(store, "cannot create data directory %s: %s", data_dir,
				strerror(errno));
		return -1;
	}
	if (stat(data_dir, &st) < 0) {
		store_set_error(store, "data directory %s: %s", data_dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		store_set_error(store, "data directory %s: not a directory", data_dir);
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
		store_set_error(store, "no data directory given");
		goto fail;
	}
	if (snprintf(path, sizeof(path), "%s/%s", data_dir, STORE_DB_FILE) >= (int)sizeof(path)) {
		store_set_error(store, "data directory path too long");
		goto fail;
	}
	if (sqlite3_threadsafe() == 0) {
		store_set_error(store, "this SQLite library is built without thread support");
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
		store_set_error(store, "cannot create %s: %s", path, strerror(errno));
		goto fail;
	}
	int rc = sqlite3_open_v2(path, &store->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		store_set_error(store, "cannot open %s: %s", path,
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
		store_set_error(store, "the database has schema version %d, newer than this "
				       "build of easd knows (%d): run a newer easd", from,
				store_schema_version());
		goto fail;
	}
	*store_r = store;
	return STORE_OK;

fail:
	str_copy(open_error, sizeof(open_error), store->error);
	stmt_cache_free(store);
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
	stmt_cache_free(store);
	if (sqlite3_close(store->db) != SQLITE_OK)
		i_panic("store: closing the database failed: %s", sqlite3_errmsg(store->db));
	free(store);
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
		store_error_to(store, error_r);
	return ret;
}
