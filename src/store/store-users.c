/* store-users.c: contexts, users and devices of the SQLite store (store.h). */
#include "store/store.h"
#include "store/store-folder.h"
#include "store/store-sqlite-private.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/str.h"
#include "lib/utf8.h"

#include <string.h>

#define DEVICE_ID_MAX 128
#define DEVICE_TYPE_MAX 128
#define USER_AGENT_MAX 256
#define DISPLAY_NAME_MAX 256
#define EMAIL_MAX 254

#define CTX_COLUMNS \
	"c.id, c.domain, c.is_default, (SELECT COUNT(*) FROM users u WHERE u.context_id = c.id)"
#define USER_COLUMNS \
	"u.id, u.context_id, u.name, c.domain, u.display_name, u.email, u.password_hash, " \
	"u.disabled, u.created"
#define DEVICE_COLUMNS \
	"id, user_id, device_id, device_type, user_agent, first_seen, last_seen"

static const char SQL_CTX_DEFAULT_ID[] = "SELECT id FROM contexts WHERE is_default = 1";
static const char SQL_CTX_INSERT[] =
	"INSERT INTO contexts (domain, is_default, created) VALUES (?, ?, ?)";
static const char SQL_CTX_GET[] = "SELECT " CTX_COLUMNS " FROM contexts c WHERE c.domain = ?";
static const char SQL_CTX_LIST[] = "SELECT " CTX_COLUMNS " FROM contexts c ORDER BY c.domain";
static const char SQL_CTX_DELETE[] = "DELETE FROM contexts WHERE id = ?";
static const char SQL_CTX_CLEAR_DEFAULT[] =
	"UPDATE contexts SET is_default = 0 WHERE is_default = 1";
static const char SQL_CTX_SET_DEFAULT[] = "UPDATE contexts SET is_default = 1 WHERE id = ?";
/* Without the user count, which costs a scan of the context's users. */
static const char SQL_CTX_RESOLVE[] = "SELECT id, domain FROM contexts WHERE domain = ?";
static const char SQL_CTX_RESOLVE_DEFAULT[] =
	"SELECT id, domain FROM contexts WHERE is_default = 1";
static const char SQL_USER_INSERT[] =
	"INSERT INTO users (context_id, name, display_name, email, password_hash, disabled,"
	" created) VALUES (?, ?, ?, ?, ?, 0, ?)";
static const char SQL_USER_GET[] =
	"SELECT " USER_COLUMNS " FROM users u JOIN contexts c ON c.id = u.context_id"
	" WHERE c.domain = ?1 AND u.name = ?2";
static const char SQL_USER_GET_DEFAULT[] =
	"SELECT " USER_COLUMNS " FROM users u JOIN contexts c ON c.id = u.context_id"
	" WHERE c.is_default = 1 AND u.name = ?2";
static const char SQL_USER_LIST_ALL[] =
	"SELECT " USER_COLUMNS " FROM users u JOIN contexts c ON c.id = u.context_id"
	" ORDER BY c.domain, u.name";
static const char SQL_USER_LIST_CTX[] =
	"SELECT " USER_COLUMNS " FROM users u JOIN contexts c ON c.id = u.context_id"
	" WHERE u.context_id = ? ORDER BY u.name";
static const char SQL_USER_SET_PASSWORD[] =
	"UPDATE users SET password_hash = ? WHERE context_id = ? AND name = ?";
static const char SQL_USER_SET_DISABLED[] =
	"UPDATE users SET disabled = ? WHERE context_id = ? AND name = ?";
static const char SQL_USER_DELETE[] = "DELETE FROM users WHERE context_id = ? AND name = ?";
static const char SQL_DEVICE_SEEN[] =
	"SELECT device_type, user_agent, last_seen FROM devices WHERE user_id = ? AND device_id = ?";
/* An empty type or user agent means "not given": keep the stored one (Q-HTTP-1). */
static const char SQL_DEVICE_TOUCH[] =
	"INSERT INTO devices (user_id, device_id, device_type, user_agent, first_seen, last_seen)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
	" ON CONFLICT (user_id, device_id) DO UPDATE SET"
	" device_type = CASE WHEN excluded.device_type = '' THEN"
	"  devices.device_type ELSE excluded.device_type END,"
	" user_agent = CASE WHEN excluded.user_agent = '' THEN"
	"  devices.user_agent ELSE excluded.user_agent END,"
	" last_seen = CASE WHEN excluded.last_seen > devices.last_seen THEN"
	"  excluded.last_seen ELSE devices.last_seen END";
static const char SQL_DEVICE_LIST[] =
	"SELECT " DEVICE_COLUMNS " FROM devices WHERE user_id = ? ORDER BY device_id";

/* A resolved context: its id and lower-case domain. */
struct ctx_ref {
	int64_t id;
	char domain[256];
};

/* ---- Contexts ---- */

static void read_context(sqlite3_stmt *stmt, pool *p, struct store_context *ctx_r)
{
	ctx_r->id = sqlite3_column_int64(stmt, 0);
	ctx_r->domain = store_col_text(stmt, 1, p);
	ctx_r->is_default = sqlite3_column_int(stmt, 2) != 0;
	ctx_r->user_count = sqlite3_column_int64(stmt, 3);
}

/* Checks and lower-cases domain into lc (256 bytes); false with the error set. */
static bool domain_lookup_key(struct store *store, const char *domain, char lc[256])
{
	const char *why;

	if (!store_domain_valid(domain, &why)) {
		store_set_error(store, "no context '%.256s': %s", domain, why);
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
	int rc = store_step(store, stmt);
	enum store_result ret = STORE_OK;

	if (rc == SQLITE_ROW) {
		read_row(stmt, context);
	} else if (rc == SQLITE_DONE) {
		if (lc == NULL)
			store_set_error(store, "no default context is set (easctl context default DOMAIN)");
		else
			store_set_error(store, "no context '%s'", lc);
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "looking up a context");
	}
	store_stmt_done(stmt);
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
		store_set_error(store, "no domain given");
		return STORE_NOT_FOUND;
	}
	if (!domain_lookup_key(store, domain, lc))
		return STORE_NOT_FOUND;
	sqlite3_stmt *stmt = store_stmt(store, SQL_CTX_GET);
	if (stmt == NULL)
		return STORE_ERROR;
	store_bind_text(stmt, 1, lc);
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
	sqlite3_stmt *stmt = store_stmt(store, domain == NULL ? SQL_CTX_RESOLVE_DEFAULT : SQL_CTX_RESOLVE);
	if (stmt == NULL)
		return STORE_ERROR;
	if (domain != NULL)
		store_bind_text(stmt, 1, lc);
	return context_lookup(store, stmt, domain == NULL ? NULL : lc, read_ref_row, ref_r);
}

/* True when a default context exists; -1 on error. */
static int context_has_default(struct store *store)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_CTX_DEFAULT_ID);
	if (stmt == NULL)
		return -1;
	int rc = store_step(store, stmt);
	store_stmt_done(stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	store_result_from_rc(store, rc, "looking up the default context");
	return -1;
}

enum store_result store_context_add(struct store *store, const char *domain, const char **error_r)
{
	const char *why;
	char lc[256];
	enum store_result ret;

	if (!store_domain_valid(domain, &why)) {
		store_set_error(store, "invalid domain '%.256s': %s", domain, why);
		store_error_to(store, error_r);
		return STORE_INVALID;
	}
	str_copy(lc, sizeof(lc), domain);
	str_lcase(lc);
	if ((ret = store_tx_begin(store)) != STORE_OK)
		goto out;
	int has_default = context_has_default(store);
	if (has_default < 0) {
		ret = store_tx_end(store, STORE_ERROR);
		goto out;
	}
	sqlite3_stmt *stmt = store_stmt(store, SQL_CTX_INSERT);
	if (stmt == NULL) {
		ret = store_tx_end(store, STORE_ERROR);
		goto out;
	}
	store_bind_text(stmt, 1, lc);
	sqlite3_bind_int(stmt, 2, has_default ? 0 : 1);
	sqlite3_bind_int64(stmt, 3, clock_now());
	int rc = store_stmt_exec(store, stmt);
	ret = rc == SQLITE_DONE ? STORE_OK : store_result_from_rc(store, rc, "adding a context");
	if (ret == STORE_EXISTS)
		store_set_error(store, "context '%s' already exists", lc);
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

static enum store_result context_remove(struct store *store, const char *domain, bool only_empty,
					const char **error_r)
{
	struct store_context ctx;
	pool *p = pool_new(512);
	enum store_result ret = store_tx_begin(store);

	if (ret != STORE_OK)
		goto out;
	ret = context_find(store, domain, &ctx, p);
	if (ret == STORE_OK && only_empty && ctx.user_count > 0) {
		store_set_error(store, "context '%s' has %lld user%s", ctx.domain,
				(long long)ctx.user_count, ctx.user_count == 1 ? "" : "s");
		ret = STORE_INVALID;
	}
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = store_stmt(store, SQL_CTX_DELETE);
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			sqlite3_bind_int64(stmt, 1, ctx.id);
			int rc = store_stmt_exec(store, stmt);
			if (rc != SQLITE_DONE)
				ret = store_result_from_rc(store, rc, "removing a context");
		}
	}
	ret = store_tx_end(store, ret);
out:
	pool_free(&p);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
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
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_context_list(struct store *store, pool *p, struct store_context **contexts_r,
				     size_t *count_r, const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_CTX_LIST);
	size_t count = 0, cap = 16;
	struct store_context *list;
	int rc;

	if (stmt == NULL) {
		store_error_to(store, error_r);
		return STORE_ERROR;
	}
	list = pool_calloc(p, cap, sizeof(*list));
	while ((rc = store_step(store, stmt)) == SQLITE_ROW) {
		if (count == cap) {
			struct store_context *bigger = pool_calloc(p, cap, 2 * sizeof(*list));
			memcpy(bigger, list, count * sizeof(*list));
			list = bigger;
			cap *= 2;
		}
		read_context(stmt, p, &list[count++]);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		enum store_result ret = store_result_from_rc(store, rc, "listing contexts");
		store_error_to(store, error_r);
		return ret;
	}
	*contexts_r = list;
	*count_r = count;
	return STORE_OK;
}

enum store_result store_context_set_default(struct store *store, const char *domain, const char **error_r)
{
	struct ctx_ref ref;
	enum store_result ret = store_tx_begin(store);

	if (ret != STORE_OK)
		goto out;
	if (domain == NULL) {
		store_set_error(store, "no domain given");
		ret = STORE_NOT_FOUND;
	} else {
		ret = context_ref(store, domain, &ref);
	}
	if (ret == STORE_OK)
		ret = store_exec(store, SQL_CTX_CLEAR_DEFAULT, "changing the default context");
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = store_stmt(store, SQL_CTX_SET_DEFAULT);
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			sqlite3_bind_int64(stmt, 1, ref.id);
			int rc = store_stmt_exec(store, stmt);
			if (rc != SQLITE_DONE)
				ret = store_result_from_rc(store, rc, "changing the default context");
		}
	}
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_context_get_default(struct store *store, pool *p, const char **domain_r,
					    const char **error_r)
{
	struct ctx_ref ref;
	/* Without the user count: the server asks this for every plain "user" login. */
	enum store_result ret = context_ref(store, NULL, &ref);

	if (ret != STORE_OK) {
		store_error_to(store, error_r);
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
	user_r->name = store_col_text(stmt, 2, p);
	user_r->domain = store_col_text(stmt, 3, p);
	user_r->display_name = store_col_text(stmt, 4, p);
	user_r->email = store_col_text(stmt, 5, p);
	user_r->password_hash = store_col_text(stmt, 6, p);
	user_r->disabled = sqlite3_column_int(stmt, 7) != 0;
	user_r->created = sqlite3_column_int64(stmt, 8);
}

/* Checks the fields of a new user; false with the error set. */
static bool user_fields_valid(struct store *store, const char *name, const char *password_hash,
			      const char *display_name, const char *email)
{
	const char *why;

	if (!store_user_name_valid(name, &why)) {
		store_set_error(store, "invalid user name '%.64s': %s", name, why);
		return false;
	}
	if (password_hash == NULL || *password_hash == '\0' || strlen(password_hash) > 512 ||
	    !store_text_clean(password_hash)) {
		store_set_error(store, "invalid password hash");
		return false;
	}
	if (strlen(display_name) > DISPLAY_NAME_MAX || !store_text_clean(display_name)) {
		store_set_error(store, "invalid display name: at most %d bytes of UTF-8 without control "
				       "characters", DISPLAY_NAME_MAX);
		return false;
	}
	if (*email != '\0') {
		const char *at = strchr(email, '@');
		bool ok = strlen(email) <= EMAIL_MAX && store_text_clean(email) && at != NULL &&
			  at != email && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
			  strchr(email, ' ') == NULL;
		if (!ok) {
			store_set_error(store, "invalid e-mail address '%.254s'", email);
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
		store_error_to(store, error_r);
		return STORE_INVALID;
	}
	if ((ret = store_tx_begin(store)) != STORE_OK)
		goto out;
	ret = context_ref(store, domain, &ref);
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = store_stmt(store, SQL_USER_INSERT);
		char default_email[EMAIL_MAX + 64];
		if (*email == '\0') {
			snprintf(default_email, sizeof(default_email), "%s@%s", name, ref.domain);
			email = default_email;
		}
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			sqlite3_bind_int64(stmt, 1, ref.id);
			store_bind_text(stmt, 2, name);
			store_bind_text(stmt, 3, display_name);
			store_bind_text(stmt, 4, email);
			store_bind_text(stmt, 5, password_hash);
			sqlite3_bind_int64(stmt, 6, clock_now());
			int rc = store_stmt_exec(store, stmt);
			ret = rc == SQLITE_DONE ? STORE_OK : store_result_from_rc(store, rc, "adding a user");
			if (ret == STORE_EXISTS)
				store_set_error(store, "user '%s' already exists in context '%s'", name,
						ref.domain);
		}
	}
	/* Every user has the default folders from the start (Q-FOLD-2): same transaction. */
	if (ret == STORE_OK)
		ret = store_folders_create_defaults(store, sqlite3_last_insert_rowid(store->db),
						    NULL);
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
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
		store_set_error(store, "no user '%.64s': %s", name, why);
		return STORE_NOT_FOUND;
	}
	sqlite3_stmt *stmt = store_stmt(store, domain == NULL ? SQL_USER_GET_DEFAULT : SQL_USER_GET);
	if (stmt == NULL)
		return STORE_ERROR;
	if (domain != NULL)
		store_bind_text(stmt, 1, lc);
	store_bind_text(stmt, 2, name);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		read_user(stmt, p, user_r);
		ret = STORE_OK;
	} else if (rc == SQLITE_DONE) {
		ret = STORE_NOT_FOUND;
	} else {
		ret = store_result_from_rc(store, rc, "looking up a user");
	}
	store_stmt_done(stmt);
	if (ret == STORE_NOT_FOUND && (ret = context_ref(store, domain, &ref)) == STORE_OK) {
		store_set_error(store, "no user '%s' in context '%s'", name, ref.domain);
		ret = STORE_NOT_FOUND;
	}
	return ret;
}

enum store_result store_user_get(struct store *store, pool *p, const char *domain, const char *name,
				 struct store_user *user_r, const char **error_r)
{
	enum store_result ret = user_find(store, p, domain, name, user_r);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
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
		store_error_to(store, error_r);
		return ret;
	}
	sqlite3_stmt *stmt = store_stmt(store, domain == NULL ? SQL_USER_LIST_ALL : SQL_USER_LIST_CTX);
	if (stmt == NULL) {
		store_error_to(store, error_r);
		return STORE_ERROR;
	}
	if (domain != NULL)
		sqlite3_bind_int64(stmt, 1, ref.id);
	struct store_user *list = pool_calloc(p, cap, sizeof(*list));
	while ((rc = store_step(store, stmt)) == SQLITE_ROW) {
		if (count == cap) {
			struct store_user *bigger = pool_calloc(p, cap, 2 * sizeof(*list));
			memcpy(bigger, list, count * sizeof(*list));
			list = bigger;
			cap *= 2;
		}
		read_user(stmt, p, &list[count++]);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		ret = store_result_from_rc(store, rc, "listing users");
		store_error_to(store, error_r);
		return ret;
	}
	*users_r = list;
	*count_r = count;
	return STORE_OK;
}

/* Runs one UPDATE or DELETE of the user (domain, name) whose statement takes the extra
 * bindings first and then (context_id, name); value_text or value_int is the first binding. */
static enum store_result user_change(struct store *store, const char *sql, const char *domain,
				     const char *name, const char *value_text, int value_int,
				     const char *what, const char **error_r)
{
	struct ctx_ref ref;
	const char *why;
	enum store_result ret = store_tx_begin(store);
	int first = sql == SQL_USER_DELETE ? 1 : 2;

	if (ret != STORE_OK)
		goto out;
	ret = context_ref(store, domain, &ref);
	if (ret == STORE_OK && !store_user_name_valid(name, &why)) {
		store_set_error(store, "no user '%.64s' in context '%s': %s", name, ref.domain, why);
		ret = STORE_NOT_FOUND;
	}
	if (ret == STORE_OK) {
		sqlite3_stmt *stmt = store_stmt(store, sql);
		if (stmt == NULL) {
			ret = STORE_ERROR;
		} else {
			if (first == 2) {
				if (value_text != NULL)
					store_bind_text(stmt, 1, value_text);
				else
					sqlite3_bind_int(stmt, 1, value_int);
			}
			sqlite3_bind_int64(stmt, first, ref.id);
			store_bind_text(stmt, first + 1, name);
			int rc = store_stmt_exec(store, stmt);
			if (rc != SQLITE_DONE) {
				ret = store_result_from_rc(store, rc, what);
			} else if (sqlite3_changes(store->db) == 0) {
				store_set_error(store, "no user '%s' in context '%s'", name, ref.domain);
				ret = STORE_NOT_FOUND;
			}
		}
	}
	ret = store_tx_end(store, ret);
out:
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_user_set_password(struct store *store, const char *domain, const char *name,
					  const char *password_hash, const char **error_r)
{
	if (password_hash == NULL || *password_hash == '\0' || strlen(password_hash) > 512 ||
	    !store_text_clean(password_hash)) {
		store_set_error(store, "invalid password hash");
		store_error_to(store, error_r);
		return STORE_INVALID;
	}
	return user_change(store, SQL_USER_SET_PASSWORD, domain, name, password_hash, 0,
			   "changing a password", error_r);
}

enum store_result store_user_set_disabled(struct store *store, const char *domain, const char *name,
					  bool disabled, const char **error_r)
{
	return user_change(store, SQL_USER_SET_DISABLED, domain, name, NULL, disabled ? 1 : 0,
			   "changing a user", error_r);
}

enum store_result store_user_remove(struct store *store, const char *domain, const char *name,
				    const char **error_r)
{
	/* Devices, folders, items (and the sync state of issue 5) go by ON DELETE CASCADE
	 * inside the same transaction. */
	return user_change(store, SQL_USER_DELETE, domain, name, NULL, 0, "removing a user", error_r);
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
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_SEEN);
	int ret = 0;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, user_id);
	store_bind_text(stmt, 2, device_id);
	int rc = store_step(store, stmt);
	if (rc == SQLITE_ROW) {
		const char *old_type = (const char *)sqlite3_column_text(stmt, 0);
		const char *old_agent = (const char *)sqlite3_column_text(stmt, 1);
		int64_t last_seen = sqlite3_column_int64(stmt, 2);
		ret = (*type == '\0' || (old_type != NULL && strcmp(type, old_type) == 0)) &&
		      (*agent == '\0' || (old_agent != NULL && strcmp(agent, old_agent) == 0)) &&
		      now >= last_seen && now - last_seen < STORE_DEVICE_SEEN_RESOLUTION;
	} else if (rc != SQLITE_DONE) {
		store_result_from_rc(store, rc, "looking up a device");
		ret = -1;
	}
	store_stmt_done(stmt);
	return ret;
}

enum store_result store_device_touch(struct store *store, int64_t user_id, const char *device_id,
				     const char *device_type, const char *user_agent, int64_t now,
				     const char **error_r)
{
	buf type = BUF_INIT, agent = BUF_INIT;
	enum store_result ret;

	if (device_id == NULL || !device_id_valid(device_id)) {
		store_set_error(store, "invalid device id: 1-%d printable ASCII characters without spaces",
				DEVICE_ID_MAX);
		store_error_to(store, error_r);
		return STORE_INVALID;
	}
	clean_text(&type, device_type, DEVICE_TYPE_MAX);
	clean_text(&agent, user_agent, USER_AGENT_MAX);
	int seen = device_seen_recently(store, user_id, device_id, buf_cstr(&type),
					buf_cstr(&agent), now);
	sqlite3_stmt *stmt = seen != 0 ? NULL : store_stmt(store, SQL_DEVICE_TOUCH);
	if (seen > 0) {
		ret = STORE_OK;
	} else if (stmt == NULL) {
		ret = STORE_ERROR;
	} else {
		sqlite3_bind_int64(stmt, 1, user_id);
		store_bind_text(stmt, 2, device_id);
		store_bind_text(stmt, 3, buf_cstr(&type));
		store_bind_text(stmt, 4, buf_cstr(&agent));
		sqlite3_bind_int64(stmt, 5, now);
		int rc = store_stmt_exec(store, stmt);
		ret = rc == SQLITE_DONE ? STORE_OK : store_result_from_rc(store, rc, "recording a device");
		if (ret == STORE_NOT_FOUND)
			store_set_error(store, "no user with id %lld", (long long)user_id);
	}
	buf_free(&type);
	buf_free(&agent);
	if (ret != STORE_OK)
		store_error_to(store, error_r);
	return ret;
}

enum store_result store_device_list(struct store *store, pool *p, int64_t user_id,
				    struct store_device **devices_r, size_t *count_r,
				    const char **error_r)
{
	sqlite3_stmt *stmt = store_stmt(store, SQL_DEVICE_LIST);
	size_t count = 0, cap = 8;
	int rc;

	if (stmt == NULL) {
		store_error_to(store, error_r);
		return STORE_ERROR;
	}
	sqlite3_bind_int64(stmt, 1, user_id);
	struct store_device *list = pool_calloc(p, cap, sizeof(*list));
	while ((rc = store_step(store, stmt)) == SQLITE_ROW) {
		if (count == cap) {
			struct store_device *bigger = pool_calloc(p, cap, 2 * sizeof(*list));
			memcpy(bigger, list, count * sizeof(*list));
			list = bigger;
			cap *= 2;
		}
		struct store_device *d = &list[count++];
		d->id = sqlite3_column_int64(stmt, 0);
		d->user_id = sqlite3_column_int64(stmt, 1);
		d->device_id = store_col_text(stmt, 2, p);
		d->device_type = store_col_text(stmt, 3, p);
		d->user_agent = store_col_text(stmt, 4, p);
		d->first_seen = sqlite3_column_int64(stmt, 5);
		d->last_seen = sqlite3_column_int64(stmt, 6);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		enum store_result ret = store_result_from_rc(store, rc, "listing devices");
		store_error_to(store, error_r);
		return ret;
	}
	*devices_r = list;
	*count_r = count;
	return STORE_OK;
}

