/* db.h: read-only looks into easd's SQLite database for end-to-end tests (consistency after
 * SIGTERM, migrations, removal of a user's data). Tests use easctl and HTTP for everything
 * else; SQL appears only here. */
#ifndef EASD_TESTS_DB_H
#define EASD_TESTS_DB_H

#include <stdint.h>

/* DIR/easd.db of a data directory (static buffer). */
const char *h_db_path(const char *data_dir);
/* The result of PRAGMA integrity_check ("ok" when consistent) plus any PRAGMA
 * foreign_key_check row, as one malloc'd string. */
char *h_db_check(const char *data_dir);
/* The first column of the first row of sql as an integer (fails the test on error). */
int64_t h_db_int(const char *data_dir, const char *sql);
/* Every row of sql, columns separated by '|', rows by '\n' (malloc'd). */
char *h_db_text(const char *data_dir, const char *sql);
/* Rows referring to user id (by a user_id column) in every table, as "table=N;..." for the
 * tables that have any (malloc'd); "" when none. */
char *h_db_user_rows(const char *data_dir, int64_t user_id);
/* Number of rows referring to user id in all tables with a user_id column. */
int64_t h_db_user_row_count(const char *data_dir, int64_t user_id);

/* A fingerprint of everything written: "table=ROWS:HASH;" for every table (HASH over all of
 * its rows), except the tables named in skip (NULL-terminated; may be NULL), e.g. "devices"
 * whose last-seen time moves with every request. Equal before and after a refused request
 * means it wrote nothing. malloc'd. */
char *h_db_snapshot(const char *data_dir, const char *const *skip);

#endif
