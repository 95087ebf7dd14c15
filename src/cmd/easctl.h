/* easctl.h: what the files of easctl (easctl.c, easctl-*.c) share: the command tables,
 * argument parsing, store access and output helpers. Not used outside easctl. */
#ifndef EASD_EASCTL_H
#define EASD_EASCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/pool.h"
#include "store/store.h"

/* Exit statuses: success, a failure (unknown context, duplicate user, ...), a usage error. */
enum { EASCTL_EXIT_OK = 0, EASCTL_EXIT_FAIL = 1, EASCTL_EXIT_USAGE = 2 };

struct easctl {
	const char *data_dir;
	struct store *store;  /* opened by easctl_store() on first use */
	pool *pool;           /* for the whole run */
};

/* Options a leaf command may accept (bits of easctl_leaf.options). */
enum easctl_option {
	EASCTL_OPT_PASSWORD_STDIN = 1 << 0,  /* --password-stdin */
	EASCTL_OPT_NAME = 1 << 1,            /* --name NAME */
	EASCTL_OPT_EMAIL = 1 << 2,           /* --email ADDR */
	EASCTL_OPT_FORCE = 1 << 3,           /* --force */
	EASCTL_OPT_ACCOUNT_ONLY = 1 << 4,    /* --account-only (device wipe) */
	EASCTL_OPT_FOLDER = 1 << 8,          /* --folder SERVERID (contacts, tasks) */
	EASCTL_OPT_VERSION = 1 << 9,         /* --version V (contacts export) */
	EASCTL_OPT_SKIP_BAD = 1 << 10,       /* --skip-bad (imports) */
};

/* The parsed arguments of one leaf command. */
#define EASCTL_MAX_POS 40     /* `policy set DOMAIN key=value...` takes many */
struct easctl_args {
	const char *pos[EASCTL_MAX_POS];   /* positional arguments */
	int npos;
	bool password_stdin;
	bool force;
	const char *name;     /* NULL when not given */
	const char *email;
	const char *folder;   /* --folder, NULL when not given */
	const char *version;  /* --version */
	bool skip_bad;
	bool account_only;    /* --account-only */
};

/* A leaf command such as "user add": its synopsis, help text and argument shape. */
struct easctl_leaf {
	const char *name;       /* "add" */
	const char *args;       /* synopsis after the name: "LOGIN --password-stdin [--name NAME]" */
	const char *summary;    /* one line for `easctl help` */
	const char *help;       /* paragraphs for `easctl user add --help` */
	int min_pos, max_pos;
	unsigned options;       /* enum easctl_option bits */
	int (*run)(struct easctl *ctl, const struct easctl_args *args);
};

/* A group of leaves such as "user". */
struct easctl_group {
	const char *name;
	const char *summary;
	const struct easctl_leaf *leaves;
	size_t leaf_count;
};

extern const struct easctl_group easctl_context_group;
extern const struct easctl_group easctl_user_group;
extern const struct easctl_group easctl_contacts_group;  /* easctl-pim.c */
extern const struct easctl_group easctl_tasks_group;
extern const struct easctl_group easctl_calendar_group;
extern const struct easctl_group easctl_policy_group;    /* easctl-policy.c */
extern const struct easctl_group easctl_device_group;    /* easctl-device.c */

/* The store, opened (and migrated) on first use; NULL after printing the error. */
struct store *easctl_store(struct easctl *ctl);

/* Prints "easctl: MESSAGE" on stderr. */
void easctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads the password from standard input: its first line without the line end (a terminal
 * gets a prompt and no echo). Returns a heap string to free with easctl_password_free, or
 * NULL after printing why (empty, too long, not UTF-8, unreadable). */
char *easctl_read_password(size_t *len_r);
void easctl_password_free(char *password, size_t len);

/* Resolves LOGIN (lib/login.h) to (domain or NULL for the default, user); prints the error
 * and returns -1 when it is malformed. */
int easctl_parse_login(struct easctl *ctl, const char *login, const char **domain_r,
		       const char **user_r);

/* A table printed with aligned columns (two spaces apart, the last one not padded); empty
 * cells print as "-" so that every row splits into the same number of fields. */
struct easctl_table {
	size_t columns;
	size_t rows;      /* including the header row */
	size_t cap;
	const char **cells;
	pool *pool;
};
void easctl_table_init(struct easctl_table *t, pool *p, size_t columns, ...);
void easctl_table_row(struct easctl_table *t, ...);
void easctl_table_print(const struct easctl_table *t);

/* easctl calendar freebusy (easctl-freebusy.c). */
int easctl_calendar_freebusy(struct easctl *ctl, const struct easctl_args *args);

/* "2026-11-25 16:09" in UTC, from the pool. */
const char *easctl_format_time(pool *p, int64_t unix_seconds);

#endif
