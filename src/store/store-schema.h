/* store-schema.h: the versioned schema of the store (inside store/ only).
 *
 * The schema is an ordered list of migration steps; step N brings a database from version
 * N-1 to N. A step never changes once released: a later change is a new step. Each step runs
 * in its own transaction together with the row that records it in schema_version, so a
 * database is always at one exact version. The SQL is kept portable where it costs nothing
 * (no SQLite-only types or functions) so that the PostgreSQL backend can share it; the
 * comments in store-schema.c name the spots that need a PostgreSQL spelling. */
#ifndef EASD_STORE_SCHEMA_H
#define EASD_STORE_SCHEMA_H

#include <stddef.h>

struct store_migration {
	int version;               /* 1, 2, 3 ... in order */
	const char *description;   /* recorded in schema_version */
	const char *const *sql;    /* statements, NULL-terminated */
};

/* Created before the first step, outside the numbered steps. */
extern const char store_schema_version_table[];

extern const struct store_migration store_migrations[];
extern const size_t store_migration_count;

#endif
