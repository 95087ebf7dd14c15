/* easctl user add|list|passwd|disable|enable|remove. */
#include "cmd/easctl.h"
#include "lib/password.h"

#include <string.h>

/* Resolves LOGIN and opens the store; -1 after printing the error. */
static int user_target(struct easctl *ctl, const char *login, struct store **store_r,
		       const char **domain_r, const char **name_r)
{
	if (easctl_parse_login(ctl, login, domain_r, name_r) < 0)
		return -1;
	*store_r = easctl_store(ctl);
	return *store_r == NULL ? -1 : 0;
}

/* Reads and hashes the password from standard input into hash; -1 after printing why. */
static int read_password_hash(char hash[PASSWORD_HASH_MAX])
{
	size_t len;
	char *password = easctl_read_password(&len);

	if (password == NULL)
		return -1;
	int ret = password_hash(password, len, hash);
	easctl_password_free(password, len);
	if (ret < 0) {
		easctl_error("hashing the password failed (out of memory?)");
		return -1;
	}
	return 0;
}

static int user_add(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store;
	struct store_user user;
	const char *domain, *name, *error;
	char hash[PASSWORD_HASH_MAX];

	if (user_target(ctl, args->pos[0], &store, &domain, &name) < 0)
		return EASCTL_EXIT_FAIL;
	/* Check the cheap things first, so that a typo does not cost a hash. */
	const char *why;
	if (!store_user_name_valid(name, &why)) {
		easctl_error("invalid user name '%s': %s", name, why);
		return EASCTL_EXIT_FAIL;
	}
	struct store_context ctx;
	enum store_result ret = domain == NULL ?
		store_context_get_default(store, ctl->pool, &domain, &error) :
		store_context_get(store, ctl->pool, domain, &ctx, &error);
	if (ret != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	ret = store_user_get(store, ctl->pool, domain, name, &user, &error);
	if (ret == STORE_OK) {
		easctl_error("user '%s' already exists in context '%s'", user.name, user.domain);
		return EASCTL_EXIT_FAIL;
	}
	if (ret != STORE_NOT_FOUND) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	if (read_password_hash(hash) < 0)
		return EASCTL_EXIT_FAIL;
	ret = store_user_add(store, domain, name, hash, args->name, args->email, &error);
	explicit_bzero(hash, sizeof(hash));
	if (ret != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	printf("added user %s@%s\n", name, domain);
	return EASCTL_EXIT_OK;
}

static int user_list(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store = easctl_store(ctl);
	struct store_user *list;
	struct easctl_table table;
	size_t count;
	const char *error;

	if (store == NULL)
		return EASCTL_EXIT_FAIL;
	if (store_user_list(store, ctl->pool, args->pos[0], &list, &count, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	easctl_table_init(&table, ctl->pool, 5, "LOGIN", "STATUS", "CREATED", "EMAIL", "NAME");
	for (size_t i = 0; i < count; i++)
		easctl_table_row(&table, pool_printf(ctl->pool, "%s@%s", list[i].name, list[i].domain),
				 list[i].disabled ? "disabled" : "enabled",
				 easctl_format_time(ctl->pool, list[i].created), list[i].email,
				 list[i].display_name);
	easctl_table_print(&table);
	return EASCTL_EXIT_OK;
}

static int user_passwd(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store;
	struct store_user user;
	const char *domain, *name, *error;
	char hash[PASSWORD_HASH_MAX];

	if (user_target(ctl, args->pos[0], &store, &domain, &name) < 0)
		return EASCTL_EXIT_FAIL;
	if (store_user_get(store, ctl->pool, domain, name, &user, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	if (read_password_hash(hash) < 0)
		return EASCTL_EXIT_FAIL;
	enum store_result ret = store_user_set_password(store, user.domain, user.name, hash, &error);
	explicit_bzero(hash, sizeof(hash));
	if (ret != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	printf("changed the password of %s@%s\n", user.name, user.domain);
	return EASCTL_EXIT_OK;
}

static int user_set_disabled(struct easctl *ctl, const struct easctl_args *args, bool disabled)
{
	struct store *store;
	struct store_user user;
	const char *domain, *name, *error;

	if (user_target(ctl, args->pos[0], &store, &domain, &name) < 0)
		return EASCTL_EXIT_FAIL;
	if (store_user_get(store, ctl->pool, domain, name, &user, &error) != STORE_OK ||
	    store_user_set_disabled(store, user.domain, user.name, disabled, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	printf("%s user %s@%s%s\n", disabled ? "disabled" : "enabled", user.name, user.domain,
	       user.disabled == disabled ? " (it was already)" : "");
	return EASCTL_EXIT_OK;
}

static int user_disable(struct easctl *ctl, const struct easctl_args *args)
{
	return user_set_disabled(ctl, args, true);
}

static int user_enable(struct easctl *ctl, const struct easctl_args *args)
{
	return user_set_disabled(ctl, args, false);
}

static int user_remove(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store;
	struct store_user user;
	struct store_device *devices;
	size_t device_count;
	const char *domain, *name, *error;

	if (user_target(ctl, args->pos[0], &store, &domain, &name) < 0)
		return EASCTL_EXIT_FAIL;
	if (store_user_get(store, ctl->pool, domain, name, &user, &error) != STORE_OK ||
	    store_device_list(store, ctl->pool, user.id, &devices, &device_count, &error) !=
		    STORE_OK ||
	    store_user_remove(store, user.domain, user.name, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	printf("removed user %s@%s", user.name, user.domain);
	if (*user.display_name != '\0')
		printf(" (%s)", user.display_name);
	printf(" with %zu device%s and all their data\n", device_count,
	       device_count == 1 ? "" : "s");
	return EASCTL_EXIT_OK;
}

static const struct easctl_leaf user_leaves[] = {
	{ "add", "LOGIN --password-stdin [--name NAME] [--email ADDR]", "add a user",
	  "Adds a user. LOGIN is user@domain, domain\\user, or user alone for the default\n"
	  "context; the context must exist. User names are case-sensitive (1-64 bytes, no '@',\n"
	  "'\\', '/', ':', spaces or control characters).\n"
	  "The password is the first line of standard input (without its line end; a terminal\n"
	  "is asked without echo), stored as an argon2id hash. An empty password is refused.\n"
	  "  --name NAME    display name\n"
	  "  --email ADDR   e-mail address (default: user@domain)\n"
	  "Example: printf '%s\\n' \"$PASS\" | easctl user add mike@ox.io --password-stdin "
	  "--name 'Mike M.'\n",
	  1, 1, EASCTL_OPT_PASSWORD_STDIN | EASCTL_OPT_NAME | EASCTL_OPT_EMAIL, user_add },
	{ "list", "[DOMAIN]", "list the users (of one context)",
	  "Lists the users of DOMAIN, or of every context, ordered by domain and user name:\n"
	  "LOGIN, STATUS (enabled/disabled), CREATED (UTC), EMAIL, NAME; '-' for an empty field.\n",
	  0, 1, 0, user_list },
	{ "passwd", "LOGIN --password-stdin", "set a user's password",
	  "Sets the password of LOGIN to the first line of standard input (as for user add).\n",
	  1, 1, EASCTL_OPT_PASSWORD_STDIN, user_passwd },
	{ "disable", "LOGIN", "disable a user (easd answers 403)",
	  "Disables LOGIN: easd refuses its requests with 403 until it is enabled again. Its\n"
	  "data stays.\n",
	  1, 1, 0, user_disable },
	{ "enable", "LOGIN", "enable a disabled user",
	  "Enables LOGIN again.\n",
	  1, 1, 0, user_enable },
	{ "remove", "LOGIN", "remove a user and all their data",
	  "Removes LOGIN with all their data (devices and, later, folders, items and sync\n"
	  "state) in one transaction, without asking, and prints what it removed.\n",
	  1, 1, 0, user_remove },
};

const struct easctl_group easctl_user_group = {
	"user", "Users: each belongs to one context and logs in as user@domain",
	user_leaves, sizeof(user_leaves) / sizeof(user_leaves[0]),
};
