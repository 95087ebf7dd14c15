/* Read-only SQLite access for end-to-end tests (see db.h). */
#include "db.h"

#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

const char *h_db_path(const char *data_dir)
{
	static char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/easd.db", data_dir);

	ck_assert(n > 0 && (size_t)n < sizeof(path));
	return path;
}

static sqlite3 *db_open(const char *data_dir)
{
	sqlite3 *db = NULL;
	const char *path = h_db_path(data_dir);

	/* Read-only, and never creating: a missing database is a failure of the test. */
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	ck_assert_msg(rc == SQLITE_OK, "cannot open %s: %s", path,
		      db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_busy_timeout(db, 10000);
	return db;
}

/* Appends every row of sql to out ('|' between columns, '\n' after rows). */
static void db_rows(sqlite3 *db, const char *sql, buf *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int n = sqlite3_column_count(st);
		for (int i = 0; i < n; i++) {
			const unsigned char *v = sqlite3_column_text(st, i);
			buf_printf(out, "%s%s", i > 0 ? "|" : "", v != NULL ? (const char *)v : "NULL");
		}
		buf_putc(out, '\n');
	}
	ck_assert_msg(rc == SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

char *h_db_check(const char *data_dir)
{
	sqlite3 *db = db_open(data_dir);
	buf out = BUF_INIT;

	db_rows(db, "PRAGMA integrity_check", &out);
	buf_truncate(&out, out.len > 0 && out.data[out.len - 1] == '\n' ? out.len - 1 : out.len);
	db_rows(db, "PRAGMA foreign_key_check", &out);
	sqlite3_close(db);
	return (char *)buf_detach(&out, NULL);
}

int64_t h_db_int(const char *data_dir, const char *sql)
{
	sqlite3 *db = db_open(data_dir);
	sqlite3_stmt *st = NULL;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(db));
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "%s: no row (%s)", sql, sqlite3_errmsg(db));
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

char *h_db_text(const char *data_dir, const char *sql)
{
	sqlite3 *db = db_open(data_dir);
	buf out = BUF_INIT;

	db_rows(db, sql, &out);
	sqlite3_close(db);
	if (out.data == NULL)
		buf_puts(&out, "");
	return (char *)buf_detach(&out, NULL);
}

/* Calls back with the name of every table that has a user_id column. */
static void user_tables(sqlite3 *db, buf *names)
{
	buf tables = BUF_INIT;

	db_rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
		    "ORDER BY name", &tables);
	for (char *t = (char *)tables.data; t != NULL && *t != '\0';) {
		char *nl = strchr(t, '\n');
		*nl = '\0';
		buf q = BUF_INIT, cols = BUF_INIT;
		buf_printf(&q, "SELECT name FROM pragma_table_info('%s') WHERE name = 'user_id'", t);
		db_rows(db, buf_cstr(&q), &cols);
		if (cols.len > 0)
			buf_printf(names, "%s\n", t);
		buf_free(&q);
		buf_free(&cols);
		t = nl + 1;
	}
	buf_free(&tables);
}

static char *user_rows(const char *data_dir, int64_t user_id, int64_t *total_r)
{
	sqlite3 *db = db_open(data_dir);
	buf names = BUF_INIT, out = BUF_INIT;

	*total_r = 0;
	user_tables(db, &names);
	for (char *t = (char *)names.data; t != NULL && *t != '\0';) {
		char *nl = strchr(t, '\n');
		*nl = '\0';
		buf q = BUF_INIT, n = BUF_INIT;
		buf_printf(&q, "SELECT count(*) FROM \"%s\" WHERE user_id = %lld", t, (long long)user_id);
		db_rows(db, buf_cstr(&q), &n);
		long long count = strtoll(buf_cstr(&n), NULL, 10);
		if (count > 0)
			buf_printf(&out, "%s=%lld;", t, count);
		*total_r += count;
		buf_free(&q);
		buf_free(&n);
		t = nl + 1;
	}
	buf_free(&names);
	sqlite3_close(db);
	if (out.data == NULL)
		buf_puts(&out, "");
	return (char *)buf_detach(&out, NULL);
}

char *h_db_user_rows(const char *data_dir, int64_t user_id)
{
	int64_t total;

	return user_rows(data_dir, user_id, &total);
}

int64_t h_db_user_row_count(const char *data_dir, int64_t user_id)
{
	int64_t total;

	free(user_rows(data_dir, user_id, &total));
	return total;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* FNV-1a over the rows ('\n'-ended lines of b, which it cuts up) in sorted order, so that the
 * order SQLite returns them in does not matter; *count_r gets the number of rows. */
static uint64_t rows_hash(buf *b, size_t *count_r)
{
	size_t n = 0;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	char **lines = n > 0 ? calloc(n, sizeof(*lines)) : NULL;
	ck_assert(n == 0 || lines != NULL);
	char *p = (char *)b->data;
	for (size_t i = 0; i < n; i++) {
		lines[i] = p;
		p = strchr(p, '\n');
		*p++ = '\0';
	}
	if (n > 1)
		qsort(lines, n, sizeof(*lines), cmp_line);
	for (size_t i = 0; i < n; i++) {
		for (const unsigned char *c = (const unsigned char *)lines[i]; *c != '\0'; c++)
			h = (h ^ *c) * 1099511628211ull;
		h = (h ^ '\n') * 1099511628211ull;
	}
	free(lines);
	*count_r = n;
	return h;
}

/* "SELECT hex(quote(c1)) || '|' || ... FROM t": one line per row whatever the values hold. */
static void row_query(sqlite3 *db, const char *table, buf *q)
{
	buf cols = BUF_INIT, sql = BUF_INIT;

	buf_printf(&sql, "SELECT name FROM pragma_table_info('%s')", table);
	db_rows(db, buf_cstr(&sql), &cols);
	buf_puts(q, "SELECT ''");
	for (char *c = (char *)cols.data; c != NULL && *c != '\0';) {
		char *nl = strchr(c, '\n');
		*nl = '\0';
		buf_printf(q, " || hex(quote(\"%s\")) || '|'", c);
		c = nl + 1;
	}
	buf_printf(q, " FROM \"%s\"", table);
	buf_free(&cols);
	buf_free(&sql);
}

static bool skipped(const char *table, const char *const *skip)
{
	for (size_t i = 0; skip != NULL && skip[i] != NULL; i++) {
		if (strcmp(skip[i], table) == 0)
			return true;
	}
	return false;
}

char *h_db_snapshot(const char *data_dir, const char *const *skip)
{
	sqlite3 *db = db_open(data_dir);
	buf tables = BUF_INIT, out = BUF_INIT;

	db_rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
		    "ORDER BY name", &tables);
	for (char *t = (char *)tables.data; t != NULL && *t != '\0';) {
		char *nl = strchr(t, '\n');
		*nl = '\0';
		if (!skipped(t, skip)) {
			buf q = BUF_INIT, rows = BUF_INIT;
			row_query(db, t, &q);
			db_rows(db, buf_cstr(&q), &rows);
			size_t n;
			uint64_t h = rows_hash(&rows, &n);
			buf_printf(&out, "%s=%zu:%016llx;", t, n, (unsigned long long)h);
			buf_free(&q);
			buf_free(&rows);
		}
		t = nl + 1;
	}
	buf_free(&tables);
	sqlite3_close(db);
	if (out.data == NULL)
		buf_puts(&out, "");
	return (char *)buf_detach(&out, NULL);
}
