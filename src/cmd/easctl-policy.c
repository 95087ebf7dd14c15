/* easctl policy show|set: the security policies of a context (eas/policy.h). */
#include "cmd/easctl.h"
#include "eas/policy.h"
#include "store/store-device.h"

#include <stdio.h>
#include <string.h>

/* The context of DOMAIN; -1 after printing the error. */
static int policy_context(struct easctl *ctl, const char *domain, struct store **store_r,
			  struct store_context *ctx_r)
{
	const char *error;

	*store_r = easctl_store(ctl);
	if (*store_r == NULL)
		return -1;
	if (store_context_get(*store_r, ctl->pool, domain, ctx_r, &error) != STORE_OK) {
		easctl_error("%s", error);
		return -1;
	}
	return 0;
}

static int policy_show(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store;
	struct store_context ctx;
	struct eas_policy policy;
	struct easctl_table t;
	const char *error;

	if (policy_context(ctl, args->pos[0], &store, &ctx) < 0)
		return EASCTL_EXIT_FAIL;
	if (policy_load(store, ctl->pool, ctx.id, &policy, &error) < 0) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	const struct policy_def *defs = policy_defs();
	easctl_table_init(&t, ctl->pool, 4, "KEY", "VALUE", "DEFAULT", "MEANING");
	for (int i = 0; i < POLICY_COUNT; i++)
		easctl_table_row(&t, defs[i].name, policy_format_value(i, policy.v[i], ctl->pool),
				 policy_format_value(i, defs[i].def, ctl->pool), defs[i].help);
	easctl_table_print(&t);
	return EASCTL_EXIT_OK;
}

static int policy_set(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store;
	struct store_context ctx;
	struct store_policy_value values[EASCTL_MAX_POS];
	const char *error;
	size_t n = 0;

	/* Every assignment is checked before anything is written. */
	for (int i = 1; i < args->npos; i++) {
		int id;
		uint32_t value;
		if (policy_parse_assignment(args->pos[i], ctl->pool, &id, &value, &error) < 0) {
			easctl_error("%s", error);
			return EASCTL_EXIT_USAGE;
		}
		values[n].name = policy_defs()[id].name;
		values[n].value = policy_format_value(id, value, ctl->pool);
		n++;
	}
	if (policy_context(ctl, args->pos[0], &store, &ctx) < 0)
		return EASCTL_EXIT_FAIL;
	if (store_policy_set(store, ctx.id, values, n, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++)
		printf("%s: %s = %s\n", ctx.domain, values[i].name, values[i].value);
	return EASCTL_EXIT_OK;
}

static const struct easctl_leaf policy_leaves[] = {
	{ "show", "DOMAIN", "show the policies of a context",
	  "Prints every policy key of the context with its value, its default and its meaning.\n"
	  "Keys never set have their default: provisioning is enforced, and the policy sent\n"
	  "requires nothing (no password, no encryption, every feature allowed), like\n"
	  "Exchange's default policy, so that every client works from the start.\n",
	  1, 1, 0, policy_show },
	{ "set", "DOMAIN KEY=VALUE...", "set policies of a context",
	  "Sets one or more policy keys of the context (all or none: every assignment is\n"
	  "checked first). Booleans take 0/1 (also on/off, true/false, yes/no); limits take\n"
	  "0, \"none\" or \"unlimited\" for no limit. `easctl policy show DOMAIN` lists the keys.\n"
	  "Changes take effect at once, also while easd runs: a device that acknowledged an\n"
	  "older policy is asked to provision again at its next request (keys that are not\n"
	  "sent to devices, provisioning and allow_non_provisionable, do not ask for that).\n"
	  "  provisioning=0              devices need no policy key; Provision still answers,\n"
	  "                              with a policy that requires nothing\n"
	  "  allow_non_provisionable=1   serve devices that send no policy key at all\n"
	  "                              (Outlook desktop and other clients known never to\n"
	  "                              provision are always served)\n"
	  "AllowHTMLEmail is always sent as 1 (Windows Phone and BlackBerry show plain text\n"
	  "otherwise).\n"
	  "Example: easctl policy set ox.io password_required=1 password_min_length=6 "
	  "max_inactivity=300\n",
	  2, EASCTL_MAX_POS, 0, policy_set },
};

const struct easctl_group easctl_policy_group = {
	"policy", "Security policies of a context, sent to devices by Provision",
	policy_leaves, sizeof(policy_leaves) / sizeof(policy_leaves[0]),
};
