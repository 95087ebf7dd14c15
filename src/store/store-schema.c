/* The schema of easd's store, one migration step per version (see store-schema.h).
 *
 * Shape: contexts own users; users own devices, and (issue 5) folders, items, the change log
 * and sync state. Every table below users carries user_id with ON DELETE CASCADE, so that
 * removing a user (or a context) is one DELETE inside one transaction. Ids are surrogate
 * integers that are never reused (AUTOINCREMENT; a PostgreSQL identity column), so that a
 * cache keyed by id can never mistake a new user for a removed one. Booleans are INTEGER 0/1
 * (PostgreSQL: SMALLINT with the same CHECK). Times are unix seconds. */
#include "store/store-schema.h"

const char store_schema_version_table[] =
	"CREATE TABLE IF NOT EXISTS schema_version ("
	" version INTEGER PRIMARY KEY,"
	" description TEXT NOT NULL,"
	" applied INTEGER NOT NULL)";

/* Version 1: contexts, users, devices (issue 3). */
static const char *const migration_1[] = {
	/* PostgreSQL: id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY */
	"CREATE TABLE contexts ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" domain TEXT NOT NULL UNIQUE,"           /* lower case, checked by the store */
	" is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),"
	" created INTEGER NOT NULL)",
	/* At most one default context: a partial unique index (both SQLite and PostgreSQL). */
	"CREATE UNIQUE INDEX contexts_one_default ON contexts (is_default) WHERE is_default = 1",

	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" context_id INTEGER NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"                    /* case-sensitive: compared byte for byte */
	" display_name TEXT NOT NULL DEFAULT '',"
	" email TEXT NOT NULL DEFAULT '',"
	" password_hash TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
	" created INTEGER NOT NULL,"
	" UNIQUE (context_id, name))",            /* also the index of the context_id FK */

	/* Issue 5 adds policy key, wipe state, model, OS... as columns in a later step. */
	"CREATE TABLE devices ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
	" device_id TEXT NOT NULL,"
	" device_type TEXT NOT NULL DEFAULT '',"
	" user_agent TEXT NOT NULL DEFAULT '',"
	" first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"
	" UNIQUE (user_id, device_id))",          /* also the index of the user_id FK */
	NULL
};

const struct store_migration store_migrations[] = {
	{ 1, "contexts, users, devices", migration_1 },
};
const size_t store_migration_count = sizeof(store_migrations) / sizeof(store_migrations[0]);
