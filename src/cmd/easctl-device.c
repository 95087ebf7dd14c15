/* easctl device list|show|wipe|resync|remove: a user's devices (store-device.h). */
#include "cmd/easctl.h"
#include "eas/eas.h"
#include "eas/policy.h"
#include "lib/clock.h"
#include "store/store-device.h"
#include "store/store-folder.h"
#include "store/store-sync.h"

#include <stdio.h>
#include <string.h>

/* The user of LOGIN; -1 after printing the error. */
static int device_user(struct easctl *ctl, const char *login, struct store **store_r,
		       struct store_user *user_r)
{
	const char *domain, *name, *error;

	if (easctl_parse_login(ctl, login, &domain, &name) < 0)
		return -1;
	*store_r = easctl_store(ctl);
	if (*store_r == NULL)
		return -1;
	if (store_user_get(*store_r, ctl->pool, domain, name, user_r, &error) != STORE_OK) {
		easctl_error("%s", error);
		return -1;
	}
	return 0;
}

/* The device DEVICEID of LOGIN; -1 after printing the error. */
static int device_target(struct easctl *ctl, const struct easctl_args *args,
			 struct store **store_r, struct store_user *user_r,
			 struct store_device_record *rec_r)
{
	const char *error;

	if (device_user(ctl, args->pos[0], store_r, user_r) < 0)
		return -1;
	enum store_result r = store_device_get(*store_r, ctl->pool, user_r->id, args->pos[1],
					       rec_r, &error);
	if (r == STORE_NOT_FOUND) {
		easctl_error("user %s@%s has no device '%s' (see `easctl device list %s`)",
			     user_r->name, user_r->domain, args->pos[1], args->pos[0]);
		return -1;
	}
	if (r != STORE_OK) {
		easctl_error("%s", error);
		return -1;
	}
	return 0;
}

static const char *status_name(int status)
{
	switch (status) {
	case 1: return "applied";
	case 2: return "partially applied";
	case 3: return "not applied";
	case 4: return "provisioned by a third party";
	default: return "unknown status";
	}
}

/* The provisioning state in a few words. */
static const char *policy_text(pool *p, const struct store_device_record *rec)
{
	if (rec->policy_key != 0)
		return pool_printf(p, "provisioned (%s)", status_name(rec->policy_status));
	if (rec->policy_key_temp != 0)
		return "handshake not finished";
	return "never provisioned";
}

static const char *wipe_text(pool *p, const struct store_device_record *rec)
{
	switch (rec->wipe_state) {
	case STORE_WIPE_REQUESTED:
		return pool_printf(p, "wipe requested %s", easctl_format_time(p, rec->wipe_requested));
	case STORE_WIPE_ACCOUNT_REQUESTED:
		return pool_printf(p, "account-only wipe requested %s",
				   easctl_format_time(p, rec->wipe_requested));
	case STORE_WIPE_DONE:
		return pool_printf(p, "wiped %s (acknowledged, status %d)",
				   easctl_format_time(p, rec->wipe_acknowledged),
				   rec->wipe_ack_status);
	case STORE_WIPE_ACCOUNT_DONE:
		return pool_printf(p, "account wiped %s (acknowledged, status %d)",
				   easctl_format_time(p, rec->wipe_acknowledged),
				   rec->wipe_ack_status);
	default:
		return "";
	}
}

static const char *version_text(int version)
{
	return version == 0 ? "" : eas_version_name(version);
}

static int device_list(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store;
	struct store_user user;
	struct store_device_record *recs;
	struct easctl_table t;
	size_t n;
	const char *error;

	if (device_user(ctl, args->pos[0], &store, &user) < 0)
		return EASCTL_EXIT_FAIL;
	if (store_device_records(store, ctl->pool, user.id, &recs, &n, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	easctl_table_init(&t, ctl->pool, 7, "DEVICEID", "TYPE", "MODEL", "VERSION", "LAST-SEEN",
			  "POLICY", "WIPE");
	for (size_t i = 0; i < n; i++) {
		const struct store_device_record *r = &recs[i];
		easctl_table_row(&t, r->dev.device_id, r->dev.device_type, r->info.model,
				 version_text(r->protocol_version),
				 easctl_format_time(ctl->pool, r->dev.last_seen),
				 policy_text(ctl->pool, r), wipe_text(ctl->pool, r));
	}
	easctl_table_print(&t);
	return EASCTL_EXIT_OK;
}

static void show_line(const char *label, const char *value)
{
	printf("%-18s %s\n", label, value != NULL && *value != '\0' ? value : "-");
}

static int device_show(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store;
	struct store_user user;
	struct store_device_record rec;
	struct eas_policy policy;
	const char *error;
	pool *p = ctl->pool;

	if (device_target(ctl, args, &store, &user, &rec) < 0)
		return EASCTL_EXIT_FAIL;
	if (policy_load(store, p, user.context_id, &policy, &error) < 0) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	if (policy.v[POLICY_PROVISIONING] == 0)
		policy_permissive(&policy);
	show_line("user:", pool_printf(p, "%s@%s", user.name, user.domain));
	show_line("device id:", rec.dev.device_id);
	show_line("type:", rec.dev.device_type);
	show_line("user agent:", rec.dev.user_agent);
	show_line("protocol version:", version_text(rec.protocol_version));
	show_line("first seen:", easctl_format_time(p, rec.dev.first_seen));
	show_line("last seen:", easctl_format_time(p, rec.dev.last_seen));
	show_line("model:", rec.info.model);
	show_line("friendly name:", rec.info.friendly_name);
	show_line("imei:", rec.info.imei);
	show_line("os:", rec.info.os);
	show_line("os language:", rec.info.os_language);
	show_line("phone number:", rec.info.phone_number);
	show_line("mobile operator:", rec.info.mobile_operator);
	show_line("settings agent:", rec.info.user_agent);
	show_line("policy:", policy_text(p, &rec));
	if (rec.policy_key != 0) {
		show_line("provisioned:", easctl_format_time(p, rec.provisioned));
		show_line("policy key:", pool_printf(p, "%u (%s)", rec.policy_key,
						     rec.policy_hash == policy_hash(&policy) ?
							     "current policy" :
							     "older policy: refreshed at the next request"));
	}
	show_line("folder sync:", rec.has_hierarchy_state ? "in sync" : "not synced (or resynced)");
	show_line("wipe:", rec.wipe_state == STORE_WIPE_NONE ? "none" : wipe_text(p, &rec));
	return EASCTL_EXIT_OK;
}

static int device_wipe(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store;
	struct store_user user;
	struct store_device_record rec;
	const char *error;

	if (device_target(ctl, args, &store, &user, &rec) < 0)
		return EASCTL_EXIT_FAIL;
	/* An account-only wipe exists from 16.1 on; it is never widened to a full wipe. */
	if (args->account_only && rec.protocol_version != 0 &&
	    rec.protocol_version < EAS_VERSION_161) {
		easctl_error("device '%s' speaks ActiveSync %s: an account-only wipe needs 16.1 "
			     "(use a full wipe, or `easctl device remove` and disable the user)",
			     rec.dev.device_id, eas_version_name(rec.protocol_version));
		return EASCTL_EXIT_FAIL;
	}
	if (store_device_wipe_request(store, rec.dev.id, args->account_only, clock_now(),
				      &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	printf("%s of device %s of %s@%s requested: it is delivered at the device's next "
	       "request; `easctl device show` tells when it is acknowledged\n",
	       args->account_only ? "account-only wipe" : "remote wipe", rec.dev.device_id,
	       user.name, user.domain);
	if (args->account_only && rec.protocol_version == 0)
		printf("note: the device's protocol version is not known yet; a device below 16.1 "
		       "is locked out instead of wiped\n");
	return EASCTL_EXIT_OK;
}

static int device_resync(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store;
	struct store_user user;
	struct store_device_record rec;
	const char *error;

	if (device_target(ctl, args, &store, &user, &rec) < 0)
		return EASCTL_EXIT_FAIL;
	if (store_begin(store, &error) != STORE_OK ||
	    store_hierarchy_drop(store, rec.dev.id, &error) != STORE_OK ||
	    store_sync_device_reset(store, rec.dev.id, &error) != STORE_OK ||
	    store_commit(store, &error) != STORE_OK) {
		store_rollback(store);
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	printf("sync state of device %s of %s@%s dropped: its next FolderSync or Sync starts "
	       "over\n", rec.dev.device_id, user.name, user.domain);
	return EASCTL_EXIT_OK;
}

static int device_remove(struct easctl *ctl, const struct easctl_args *args)
{
	struct store *store;
	struct store_user user;
	struct store_device_record rec;
	const char *error;

	if (device_target(ctl, args, &store, &user, &rec) < 0)
		return EASCTL_EXIT_FAIL;
	if (store_device_remove(store, rec.dev.id, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	printf("device %s of %s@%s removed\n", rec.dev.device_id, user.name, user.domain);
	return EASCTL_EXIT_OK;
}

static const struct easctl_leaf device_leaves[] = {
	{ "list", "LOGIN", "list a user's devices",
	  "Lists the devices of the user: DeviceId, type, model, protocol version, last request\n"
	  "(UTC, to the minute), provisioning state and remote wipe state.\n",
	  1, 1, 0, device_list },
	{ "show", "LOGIN DEVICEID", "show everything recorded about a device",
	  "Prints what easd recorded about the device: type and User-Agent, protocol version,\n"
	  "first and last request, the DeviceInformation it reported (model, IMEI, OS, ...),\n"
	  "its policy key and whether it holds the current policy, whether it has a folder\n"
	  "sync state, and the remote wipe state.\n",
	  2, 2, 0, device_show },
	{ "wipe", "LOGIN DEVICEID [--account-only]", "wipe a device remotely",
	  "Requests a remote wipe of the device. At its next request the device is told to\n"
	  "provision, and Provision answers the wipe directive; the device's acknowledgement\n"
	  "is recorded (see `easctl device show`). A wiped device stays wiped: it is told to\n"
	  "wipe again whenever it comes back, until `easctl device remove`.\n"
	  "  --account-only  wipe only the account's data (ActiveSync 16.1). Refused for a\n"
	  "                  device known to speak an older version; one that turns out to\n"
	  "                  speak an older version is locked out, never fully wiped.\n",
	  2, 2, EASCTL_OPT_ACCOUNT_ONLY, device_wipe },
	{ "resync", "LOGIN DEVICEID", "drop a device's sync state",
	  "Drops the device's folder and collection sync states, so that its next FolderSync\n"
	  "answers Status 9 and its next Sync Status 3: the device starts over with SyncKey 0\n"
	  "(the \"server error\" recovery, for a device that went out of step). Its data on\n"
	  "the server is not touched.\n",
	  2, 2, 0, device_resync },
	{ "remove", "LOGIN DEVICEID", "forget a device",
	  "Removes the device with its policy key, wipe state and sync states. At its next\n"
	  "request it is a new device: it provisions and syncs from scratch. Removing a device\n"
	  "with a wipe pending cancels the wipe.\n",
	  2, 2, 0, device_remove },
};

const struct easctl_group easctl_device_group = {
	"device", "Devices of a user: provisioning, remote wipe and sync state",
	device_leaves, sizeof(device_leaves) / sizeof(device_leaves[0]),
};
