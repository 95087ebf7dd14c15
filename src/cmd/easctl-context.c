/* easctl context add|list|remove|default: contexts (tenants), one per mail domain. */
#include "cmd/easctl.h"

#include <inttypes.h>

static int context_add(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store = easctl_store(ctl);
	struct store_context ctx;
	const char *error;

	if (store == NULL)
		return EASCTL_EXIT_FAIL;
	if (store_context_add(store, args->pos[0], &error) != STORE_OK ||
	    store_context_get(store, ctl->pool, args->pos[0], &ctx, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	printf("added context %s%s\n", ctx.domain, ctx.is_default ? " (the default context)" : "");
	return EASCTL_EXIT_OK;
}

static int context_list(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store = easctl_store(ctl);
	struct store_context *list;
	struct easctl_table table;
	size_t count;
	const char *error;

	if (store == NULL)
		return EASCTL_EXIT_FAIL;
	if (store_context_list(store, ctl->pool, &list, &count, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	easctl_table_init(&table, ctl->pool, 3, "DOMAIN", "DEFAULT", "USERS");
	for (size_t i = 0; i < count; i++)
		easctl_table_row(&table, list[i].domain, list[i].is_default ? "yes" : "no",
				 pool_printf(ctl->pool, "%" PRId64, list[i].user_count));
	easctl_table_print(&table);
	return EASCTL_EXIT_OK;
}

static int context_remove(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store = easctl_store(ctl);
	struct store_context ctx;
	const char *error;
	enum store_result ret;

	if (store == NULL)
		return EASCTL_EXIT_FAIL;
	if (store_context_get(store, ctl->pool, args->pos[0], &ctx, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	if (args->force)
		ret = store_context_remove(store, ctx.domain, &error);
	else
		ret = store_context_remove_if_empty(store, ctx.domain, &error);
	if (ret == STORE_INVALID) {
		easctl_error("%s: nothing removed (--force removes the context with all its users "
			     "and their data)", error);
		return EASCTL_EXIT_FAIL;
	}
	if (ret != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	/* The count was read just before; with --force it is what was removed unless users
	 * were added in between, which the message cannot know. */
	if (ctx.user_count > 0)
		printf("removed context %s with its %" PRId64 " user%s and their data\n", ctx.domain,
		       ctx.user_count, ctx.user_count == 1 ? "" : "s");
	else
		printf("removed context %s\n", ctx.domain);
	if (ctx.is_default)
		printf("note: %s was the default context; plain user names have no context now "
		       "(easctl context default DOMAIN)\n", ctx.domain);
	return EASCTL_EXIT_OK;
}

static int context_default(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store = easctl_store(ctl);
	const char *error, *domain;

	if (store == NULL)
		return EASCTL_EXIT_FAIL;
	if (store_context_set_default(store, args->pos[0], &error) != STORE_OK ||
	    store_context_get_default(store, ctl->pool, &domain, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	printf("default context: %s\n", domain);
	return EASCTL_EXIT_OK;
}

static const struct easctl_leaf context_leaves[] = {
	{ "add", "DOMAIN", "add a context for a mail domain",
	  "Adds a context (tenant) for the mail domain DOMAIN, e.g. ox.io: its users log in as\n"
	  "user@ox.io or ox.io\\user. Domains are case-insensitive and kept in lower case:\n"
	  "letters, digits, '-' and '.' (international names in their xn-- form).\n"
	  "While no default context exists, the new context becomes the default, so the first\n"
	  "context of an installation also serves plain user names.\n",
	  1, 1, 0, context_add },
	{ "list", "", "list the contexts",
	  "Lists the contexts ordered by domain: DOMAIN, DEFAULT (yes/no), USERS (how many).\n",
	  0, 0, 0, context_list },
	{ "remove", "DOMAIN [--force]", "remove a context (--force: with its users)",
	  "Removes the context of DOMAIN. A context that still has users is removed only with\n"
	  "--force, which removes its users and all their data as well, in one transaction.\n"
	  "Removing the default context leaves no default.\n",
	  1, 1, EASCTL_OPT_FORCE, context_remove },
	{ "default", "DOMAIN", "make a context the default for plain user names",
	  "Makes the context of DOMAIN the default: a login without a domain (\"mike\") is\n"
	  "looked up there.\n",
	  1, 1, 0, context_default },
};

const struct easctl_group easctl_context_group = {
	"context", "Contexts (tenants): one per mail domain; users belong to one context",
	context_leaves, sizeof(context_leaves) / sizeof(context_leaves[0]),
};
