/* store-device.h: what the store keeps about a device beyond store.h's record (issue 5):
 * the DeviceInformation it reported, its protocol version, its policy keys and the state of
 * its provisioning, remote wipe, and its hierarchy sync state (FolderSync) with its view of
 * the folder hierarchy; and the policies of a context.
 *
 * Devices are addressed by their row id (struct store_device.id, the devices.id that the EAS
 * layer carries as eas_request.device_row_id) except where an administrator names one by
 * (user, DeviceId). Every write here runs in the caller's transaction when one is open
 * (store_begin of store-folder.h), else in its own. */
#ifndef EASD_STORE_DEVICE_H
#define EASD_STORE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Remote wipe (MS-ASPROV RemoteWipe, AccountOnlyRemoteWipe). */
enum store_wipe_state {
	STORE_WIPE_NONE = 0,
	STORE_WIPE_REQUESTED = 1,          /* a full wipe waits for the device's next request */
	STORE_WIPE_ACCOUNT_REQUESTED = 2,  /* an account-only wipe (16.1) waits */
	STORE_WIPE_DONE = 3,               /* the device acknowledged the full wipe */
	STORE_WIPE_ACCOUNT_DONE = 4,       /* the device acknowledged the account-only wipe */
};

/* settings:DeviceInformation (MS-ASCMD Settings, MS-ASPROV Provision on 14.1+). Strings are
 * "" when never reported. On writes, NULL keeps the stored value. */
struct store_device_info {
	const char *model;
	const char *imei;
	const char *friendly_name;
	const char *os;
	const char *os_language;
	const char *phone_number;
	const char *mobile_operator;
	const char *user_agent;   /* settings:UserAgent (the HTTP one is in struct store_device) */
};
#define STORE_DEVICE_INFO_MAX 256  /* bytes kept of each field (cut at a character boundary) */

/* Everything recorded about a device. */
struct store_device_record {
	struct store_device dev;      /* id (row id), user, DeviceId, type, agent, first/last seen */
	struct store_device_info info;
	int protocol_version;         /* the last one a command ran with (25 ... 161), 0: unknown */
	uint32_t policy_key;          /* the final key of the last acknowledgement, 0: none */
	uint32_t policy_key_temp;     /* the temporary key of the last policy sent, 0: none */
	uint64_t policy_hash;         /* the policy the final key was given for (eas/policy.h) */
	int policy_status;            /* the device's Status in that acknowledgement, 0: none */
	int64_t provisioned;          /* time of that acknowledgement, 0: never */
	int wipe_state;               /* enum store_wipe_state */
	int64_t wipe_requested;       /* time of the request, 0: none */
	int64_t wipe_acknowledged;    /* time of the acknowledgement, 0: none */
	int wipe_ack_status;          /* the device's Status in the acknowledgement */
	bool has_hierarchy_state;     /* the device has a FolderSync state (not dropped) */
};

/* The device (user_id, device_id) with everything recorded. STORE_NOT_FOUND when unknown. */
enum store_result store_device_get(struct store *store, pool *p, int64_t user_id,
				   const char *device_id, struct store_device_record *rec_r,
				   const char **error_r);
/* The user's devices ordered by DeviceId. */
enum store_result store_device_records(struct store *store, pool *p, int64_t user_id,
				       struct store_device_record **recs_r, size_t *count_r,
				       const char **error_r);
/* Records the protocol version the device's command ran with. */
enum store_result store_device_set_version(struct store *store, int64_t row_id, int version,
					   const char **error_r);
/* Records DeviceInformation (NULL fields keep the stored value; text is kept as for
 * store_device_touch: UTF-8 with control characters replaced, cut at
 * STORE_DEVICE_INFO_MAX bytes). */
enum store_result store_device_set_info(struct store *store, int64_t row_id,
					const struct store_device_info *info,
					const char **error_r);
/* Provision phase 1: the temporary key sent with the policy; the final key is reset to 0
 * (the device reset its own when it started the handshake, MS-ASPROV 3.1.5.1.1). */
enum store_result store_device_policy_offered(struct store *store, int64_t row_id,
					      uint32_t temp_key, const char **error_r);
/* Provision phase 2: the device acknowledged the policy of hash policy_hash with status;
 * final_key is now its policy key (the temporary key is kept, so that a repeated
 * acknowledgement can be answered with the same final key). */
enum store_result store_device_policy_acknowledged(struct store *store, int64_t row_id,
						   uint32_t final_key, uint64_t policy_hash,
						   int status, int64_t now, const char **error_r);
/* An administrator's wipe request: STORE_WIPE_REQUESTED or STORE_WIPE_ACCOUNT_REQUESTED. */
enum store_result store_device_wipe_request(struct store *store, int64_t row_id, bool account_only,
					    int64_t now, const char **error_r);
/* The device acknowledged a requested wipe with status: the state becomes DONE or
 * ACCOUNT_DONE. STORE_NOT_FOUND when no wipe was requested (nothing is written). */
enum store_result store_device_wipe_acknowledged(struct store *store, int64_t row_id, int status,
						 int64_t now, const char **error_r);
/* Removes the device with its state (the device is new at its next request). */
enum store_result store_device_remove(struct store *store, int64_t row_id, const char **error_r);

/* ---- Hierarchy sync state (FolderSync, FolderCreate/Update/Delete) ----
 *
 * Keys are positive integers that never repeat for a device (last_key only grows, also
 * across SyncKey 0), so a key of an older state is never accepted again. The state holds the
 * confirmed key N with the view the device has confirmed, and at most one pending key N+1
 * whose changes to the view are pending until the device shows the key (confirm) or sends
 * N again (discard). */
struct store_hierarchy_state {
	int64_t synckey;         /* N; 0 after a reset (SyncKey 0) with nothing confirmed yet;
				  * -1 after store_hierarchy_drop: every key is refused */
	int64_t modseq;          /* the hierarchy modseq the confirmed view is complete to */
	int64_t pending_key;     /* 0: none */
	int64_t pending_modseq;
	const char *pending_op;  /* the folder command the pending key answered (retry memo),
				  * NULL for FolderSync */
	const char *pending_result;  /* what it answered (a FolderCreate's ServerId), or NULL */
	int64_t last_key;        /* the highest key handed out */
};

/* One folder of the device's view. */
struct store_hierarchy_entry {
	const char *server_id;
	int64_t modseq;          /* the folder version the device holds, -1: none yet */
	int64_t pending_modseq;  /* pending: the version it will hold, STORE_VIEW_PENDING_DELETE,
				  * or STORE_VIEW_NO_PENDING */
};
#define STORE_VIEW_NO_PENDING (-2)
#define STORE_VIEW_PENDING_DELETE (-1)

/* The state; STORE_NOT_FOUND when the device has none (never synced, or removed). */
enum store_result store_hierarchy_get(struct store *store, pool *p, int64_t row_id,
				      struct store_hierarchy_state *state_r, const char **error_r);
/* SyncKey 0: empties the view and sets the state to synckey 0, modseq 0, nothing pending
 * (creating it when missing); last_key is kept. Collection sync states are not touched
 * (Q-FOLD-5). */
enum store_result store_hierarchy_reset(struct store *store, int64_t row_id, const char **error_r);
/* The pending key becomes the confirmed one and the view takes its pending changes. */
enum store_result store_hierarchy_confirm(struct store *store, int64_t row_id, const char **error_r);
/* Forgets the pending key and the view's pending changes. */
enum store_result store_hierarchy_discard(struct store *store, int64_t row_id, const char **error_r);
/* Sets a new pending key (last_key becomes key) with its modseq and retry memo (op and
 * result may be NULL). */
enum store_result store_hierarchy_set_pending(struct store *store, int64_t row_id, int64_t key,
					      int64_t modseq, const char *op, const char *result,
					      const char **error_r);
/* Records that the confirmed view is complete up to modseq (nothing pending). */
enum store_result store_hierarchy_set_modseq(struct store *store, int64_t row_id, int64_t modseq,
					     const char **error_r);
/* The view, in no particular order. */
enum store_result store_hierarchy_view(struct store *store, pool *p, int64_t row_id,
				       struct store_hierarchy_entry **entries_r, size_t *count_r,
				       const char **error_r);
/* Sets the pending change of one folder in the view (adding the entry when missing):
 * pending_modseq is the version it will hold, or STORE_VIEW_PENDING_DELETE. */
enum store_result store_hierarchy_view_pending(struct store *store, int64_t row_id,
					       const char *server_id, int64_t pending_modseq,
					       const char **error_r);
/* Drops the device's hierarchy state (`easctl device resync`): the view is emptied and the
 * state refuses every key, so that the device's next FolderSync answers Status 9 and it
 * starts over with SyncKey 0. */
enum store_result store_hierarchy_drop(struct store *store, int64_t row_id, const char **error_r);

/* ---- Policies of a context (name = value; the names and their meaning are eas/policy.h's) */

struct store_policy_value {
	const char *name;
	const char *value;
};
#define STORE_POLICY_NAME_MAX 64
#define STORE_POLICY_VALUE_MAX 256

/* The values set for the context, ordered by name (names never set are not listed). */
enum store_result store_policy_get(struct store *store, pool *p, int64_t context_id,
				   struct store_policy_value **values_r, size_t *count_r,
				   const char **error_r);
/* Sets values (replacing earlier ones of the same names) in one transaction.
 * STORE_NOT_FOUND: no such context; STORE_INVALID: a name or value that is empty, too long
 * or not clean UTF-8. */
enum store_result store_policy_set(struct store *store, int64_t context_id,
				   const struct store_policy_value *values, size_t count,
				   const char **error_r);

#endif
