/* store.h: the storage interface of easd. Contexts (tenants, named by domain) own users;
 * users own devices (and, in later issues, folders, items, the change log and sync state).
 *
 * Nothing above store/ sees SQL or SQLite types: the SQLite implementation (store-sqlite.c)
 * is the embedded default, and a PostgreSQL implementation can follow behind this interface.
 *
 * Results: functions return enum store_result. Strings handed back are allocated from the
 * caller's pool. A store handle is used by one thread at a time; the server opens one handle
 * per worker thread (SQLite: one connection each, WAL mode). */
#ifndef EASD_STORE_H
#define EASD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/pool.h"

struct store;

enum store_result {
	STORE_OK = 0,
	STORE_NOT_FOUND = 1,
	STORE_EXISTS = 2,     /* a unique name is taken */
	STORE_INVALID = 3,    /* the caller's input is not acceptable (error_r says why) */
	STORE_FORBIDDEN = 4,  /* the object may not be changed so (a default folder...) */
	STORE_ERROR = -1      /* the database failed (error_r says why) */
};

/* Opens (creating if needed) the store in data_dir and applies pending schema migrations.
 * SQLite: data_dir is created with mode 0700 when missing (its parent must exist), the
 * database file STORE_DB_FILE with mode 0600; WAL mode, foreign keys on, a busy timeout of
 * STORE_BUSY_TIMEOUT_MS so that several processes and threads share the file.
 * A database written by a newer easd (higher schema version) is refused with STORE_ERROR.
 * *error_r is allocated statically or from a pool owned by the store; copy it if needed.
 * Errors of a handle (error_r of every call below) stay valid until its next failing call. */
#define STORE_DB_FILE "easd.db"
#define STORE_BUSY_TIMEOUT_MS 5000
enum store_result store_open(const char *data_dir, struct store **store_r, const char **error_r);
/* Like store_open without applying migrations, for `easctl migrate` (which reports the
 * versions). Only store_migrate and store_close are meaningful on an old schema. */
enum store_result store_open_unmigrated(const char *data_dir, struct store **store_r,
					const char **error_r);
/* Closes the store and sets *store to NULL. NULL is allowed. */
void store_close(struct store **store);
/* Applies pending migrations (store_open already does); *from_r and *to_r are the schema
 * versions before and after. Each migration step runs in its own transaction; several
 * processes may migrate at once (the second finds nothing left to do). */
enum store_result store_migrate(struct store *store, int *from_r, int *to_r, const char **error_r);
/* The schema version this build writes. */
int store_schema_version(void);

/* ---- Contexts ---- */

struct store_context {
	int64_t id;
	const char *domain;  /* lower case */
	bool is_default;
	int64_t user_count;
};

/* Name rules.
 * Domains are compared case-insensitively (ASCII) and stored in lower case; a valid domain is
 * 1-253 characters of letters, digits, '-' and '.', not starting or ending with '.' or '-',
 * with no empty label ("a..b") and labels of at most 63 characters (internationalised
 * domains are written in their xn-- form).
 * User names are case-sensitive: 1-64 bytes of valid UTF-8 without '@', '\\', '/', ':'
 * (HTTP Basic ends the user name at the first ':'), spaces or control characters.
 * Adding with a bad name gives STORE_INVALID; looking up or changing a name that cannot
 * exist gives STORE_NOT_FOUND (error_r says why), so a server maps both to "no such user".
 *
 * These check a name; true or false with *error_r (static text) saying why not. */
bool store_domain_valid(const char *domain, const char **error_r);
bool store_user_name_valid(const char *name, const char **error_r);

/* Adds a context. While no default context exists, the added one becomes the default (so
 * that the first context of a fresh installation serves plain "user" logins). */
enum store_result store_context_add(struct store *store, const char *domain, const char **error_r);
/* In the context functions, domain NULL names no context (STORE_NOT_FOUND).
 *
 * Removes a context with all its users and their data, in one transaction. Removing the
 * default context leaves no default (plain logins fail until `context default` is set). */
enum store_result store_context_remove(struct store *store, const char *domain, const char **error_r);
/* Same, but only when the context has no users: otherwise removes nothing and returns
 * STORE_INVALID (error_r names the number of users). One transaction, so no user added
 * meanwhile is removed unseen. */
enum store_result store_context_remove_if_empty(struct store *store, const char *domain,
						const char **error_r);
enum store_result store_context_get(struct store *store, pool *p, const char *domain,
				    struct store_context *ctx_r, const char **error_r);
/* All contexts ordered by domain; *contexts_r is an array of *count_r allocated from p. */
enum store_result store_context_list(struct store *store, pool *p, struct store_context **contexts_r,
				     size_t *count_r, const char **error_r);
enum store_result store_context_set_default(struct store *store, const char *domain, const char **error_r);
/* The default context's domain, or STORE_NOT_FOUND when none is set. */
enum store_result store_context_get_default(struct store *store, pool *p, const char **domain_r,
					    const char **error_r);

/* ---- Users ---- */

struct store_user {
	int64_t id;
	int64_t context_id;
	const char *name;     /* case-sensitive user name within the context */
	const char *domain;   /* the context's domain */
	const char *display_name; /* may be "" */
	const char *email;    /* may be ""; defaults to name@domain at creation */
	const char *password_hash; /* argon2id string (libsodium crypto_pwhash_str) */
	bool disabled;
	int64_t created;      /* unix seconds */
};

/* In every user function below, domain NULL means the default context (STORE_NOT_FOUND
 * when there is none).
 *
 * Adds a user to the context of domain (name rules above). display_name (may be NULL or "")
 * is valid UTF-8 of at most 256 bytes without control characters; email (NULL or "": the
 * default name@domain) is at most 254 bytes with one '@' and no spaces or control
 * characters; password_hash is a non-empty hash string (lib/password.h). */
enum store_result store_user_add(struct store *store, const char *domain, const char *name,
				 const char *password_hash, const char *display_name,
				 const char *email, const char **error_r);
enum store_result store_user_get(struct store *store, pool *p, const char *domain, const char *name,
				 struct store_user *user_r, const char **error_r);
/* Users of one context (domain != NULL) or of all, ordered by domain and name. */
enum store_result store_user_list(struct store *store, pool *p, const char *domain,
				  struct store_user **users_r, size_t *count_r, const char **error_r);
enum store_result store_user_set_password(struct store *store, const char *domain, const char *name,
					  const char *password_hash, const char **error_r);
enum store_result store_user_set_disabled(struct store *store, const char *domain, const char *name,
					  bool disabled, const char **error_r);
/* Removes a user and all their data in one transaction. */
enum store_result store_user_remove(struct store *store, const char *domain, const char *name,
				    const char **error_r);

/* ---- Devices ---- */

struct store_device {
	int64_t id;
	int64_t user_id;
	const char *device_id;
	const char *device_type;
	const char *user_agent;
	int64_t first_seen;  /* unix seconds */
	int64_t last_seen;
};

/* Records that a device of the user made a request now: creates the device on its first
 * request, otherwise updates type (when given), user agent (when given: Q-HTTP-1 keeps the
 * last one seen) and last_seen. "Given" means not NULL and not "". device_id is 1-128 bytes
 * of printable ASCII without spaces (STORE_INVALID otherwise: the server hex-encodes a binary
 * id first). device_type and user_agent are never refused: they are kept as UTF-8 of at most
 * 128 and 256 bytes (cut at a character boundary; invalid bytes become U+FFFD and control
 * characters '?'). An unknown user_id gives STORE_NOT_FOUND.
 * A touch that changes neither type nor agent and comes less than
 * STORE_DEVICE_SEEN_RESOLUTION seconds after the stored last_seen writes nothing (a write
 * costs a disk sync, and the server touches the device on every request): last_seen is
 * exact to that resolution. */
#define STORE_DEVICE_SEEN_RESOLUTION 60
enum store_result store_device_touch(struct store *store, int64_t user_id, const char *device_id,
				     const char *device_type, const char *user_agent, int64_t now,
				     const char **error_r);
/* The user's devices ordered by device id. */
enum store_result store_device_list(struct store *store, pool *p, int64_t user_id,
				    struct store_device **devices_r, size_t *count_r,
				    const char **error_r);

#endif
