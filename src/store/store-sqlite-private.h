/* store-sqlite-private.h: what the SQLite files of the store share (inside src/store only).
 *
 * Each store-*.c file of the SQLite backend keeps its own SQL texts as
 *     static const char SQL_FOLDER_GET[] = "SELECT ...";
 * and runs them through store_stmt(), which prepares a statement on first use and caches it
 * for the life of the handle, keyed by the ADDRESS of the text: the text must have static
 * storage duration (never a stack or heap buffer), and one text is one cached statement.
 *
 * Conventions every file follows:
 * - Every database step goes through store_step() (or store_stmt_exec/store_exec), so that
 *   the fault injection of store-testing.h reaches it. ROLLBACK is the only exception.
 * - A statement is returned to its unused state with store_stmt_done() before the function
 *   returns, so that no read snapshot stays open.
 * - Every function that writes wraps its statements in store_tx_begin()/store_tx_end(): at
 *   the top level that is BEGIN IMMEDIATE ... COMMIT, inside a transaction the caller opened
 *   (store_begin, or an outer store function) it is a savepoint, so a failing write undoes
 *   exactly its own statements and leaves the caller's transaction usable.
 * - Errors: set the handle's message with store_set_error()/store_set_db_error() (or
 *   store_result_from_rc, which also maps constraint failures), and in the public function
 *   hand it back with store_error_to(store, error_r) whenever the result is not STORE_OK.
 * - Text read from a row is copied into the caller's pool (store_col_text & co). */
#ifndef EASD_STORE_SQLITE_PRIVATE_H
#define EASD_STORE_SQLITE_PRIVATE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/pool.h"
#include "store/store.h"

#define STORE_ERROR_MAX 512

/* One entry of the statement cache: an open-addressing table keyed by the SQL's address. */
struct store_stmt_slot {
	const char *sql;       /* NULL: a free slot */
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	struct store_stmt_slot *stmts;   /* stmt_cap slots, a power of two */
	size_t stmt_cap;
	size_t stmt_count;
	unsigned tx_depth;       /* 0: no transaction; 1: BEGIN; > 1: savepoints inside it */
	bool tx_aborted;         /* SQLite rolled the whole transaction back under us */
	unsigned fail_countdown; /* test hook: the step that brings it to 0 fails */
	char error[STORE_ERROR_MAX];
};

/* ---- Errors ---- */

void store_set_error(struct store *store, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Records a database failure rc of the operation named by what. */
void store_set_db_error(struct store *store, int rc, const char *what);
/* Records a failed step rc and maps it: unique violations are STORE_EXISTS, a missing
 * parent row (foreign key) STORE_NOT_FOUND, everything else STORE_ERROR. */
enum store_result store_result_from_rc(struct store *store, int rc, const char *what);
/* *error_r = the handle's message (when error_r is not NULL). */
void store_error_to(struct store *store, const char **error_r);

/* ---- Statements ---- */

/* The cached statement of sql (static storage!), prepared on first use; NULL with the error
 * set when it does not prepare. */
sqlite3_stmt *store_stmt(struct store *store, const char *sql);
/* sqlite3_step with the fault-injection hook of store-testing.h. */
int store_step(struct store *store, sqlite3_stmt *stmt);
/* Resets the statement and clears its bindings. */
void store_stmt_done(sqlite3_stmt *stmt);
/* Steps a bound statement once and resets it: SQLITE_DONE (also when it returned a row) or
 * the failing code (nothing recorded yet). */
int store_stmt_exec(struct store *store, sqlite3_stmt *stmt);
/* store_stmt_exec of a bound statement, with failures recorded and mapped as by
 * store_result_from_rc. stmt NULL (a failed store_stmt) gives STORE_ERROR. */
enum store_result store_stmt_run(struct store *store, sqlite3_stmt *stmt, const char *what);
/* Runs the cached statement sql that has no parameters. */
enum store_result store_exec(struct store *store, const char *sql, const char *what);
/* Steps a bound statement that returns at most one row of one integer column: STORE_OK
 * with *value_r, STORE_NOT_FOUND (no row: nothing recorded, the caller words the message),
 * or an error. Resets the statement. */
enum store_result store_stmt_int64(struct store *store, sqlite3_stmt *stmt, const char *what,
				   int64_t *value_r);

/* ---- Transactions ---- */

/* Opens a transaction (BEGIN IMMEDIATE) or, inside one, a savepoint. */
enum store_result store_tx_begin(struct store *store);
/* Ends what store_tx_begin opened: commits (releases) when ret is STORE_OK, otherwise rolls
 * back (to the savepoint); returns the final result (a failed commit is STORE_ERROR). */
enum store_result store_tx_end(struct store *store, enum store_result ret);
/* True inside a transaction (of the caller or of an outer store function). */
bool store_in_transaction(const struct store *store);

/* ---- Binding and reading columns ---- */

/* Binds text that stays valid until the statement is done (SQLITE_STATIC). NULL binds NULL. */
void store_bind_text(sqlite3_stmt *stmt, int idx, const char *text);
/* Binds bytes (NULL binds NULL; len 0 with data != NULL binds an empty blob). */
void store_bind_blob(sqlite3_stmt *stmt, int idx, const void *data, size_t len);
/* The column as text copied into p; "" for NULL. */
const char *store_col_text(sqlite3_stmt *stmt, int col, pool *p);
/* The column as text copied into p; NULL for NULL. */
const char *store_col_text_or_null(sqlite3_stmt *stmt, int col, pool *p);
/* The column's bytes copied into p (NUL-terminated for convenience, not counted); NULL with
 * *len_r 0 for NULL. */
const unsigned char *store_col_blob(sqlite3_stmt *stmt, int col, pool *p, size_t *len_r);

/* ---- Rows of folders and items (store-folder.h), for queries of other files ---- */

struct store_folder;
struct store_item;

/* The columns store_folder_read expects, of table alias t ("" or e.g. "f."). */
#define STORE_FOLDER_COLUMNS(t) \
	t "id, " t "user_id, " t "server_id, " t "parent_server_id, " t "name, " t "type, " \
	t "modseq, " t "items_modseq, " t "deleted, " t "is_default"
#define STORE_FOLDER_COLUMN_COUNT 10
/* The columns store_item_read expects, of table alias t; with_data is an SQL expression
 * (a parameter such as "?3", or "0"/"1"): CASE keeps SQLite from reading a large value's
 * overflow pages when it is 0. */
#define STORE_ITEM_COLUMNS(t, with_data) \
	t "id, " t "user_id, " t "folder_id, " t "server_id, " t "modseq, " t "deleted, " \
	t "origin_device, " t "uid, " t "filter_start, " t "filter_end, " t "flags, " \
	"CASE WHEN " with_data " <> 0 THEN " t "data END"
#define STORE_ITEM_COLUMN_COUNT 12
/* Read the columns above, starting at column col, into *_r (strings and data from p). */
void store_folder_read(sqlite3_stmt *stmt, int col, pool *p, struct store_folder *folder_r);
void store_item_read(sqlite3_stmt *stmt, int col, pool *p, struct store_item *item_r);

/* ---- Small helpers ---- */

/* True when s is valid UTF-8 without control characters (< 0x20, 0x7f). */
bool store_text_clean(const char *s);
/* Makes room for one more element in a pool-allocated array of *cap_r elements of size
 * bytes holding count: returns the (possibly moved) array. *cap_r 0 starts it. */
void *store_array_grow(pool *p, void *array, size_t count, size_t *cap_r, size_t size);

#endif
