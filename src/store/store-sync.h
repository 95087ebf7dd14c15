/* store-sync.h: the sync state of the Sync command, per (device, collection) (issue 5).
 *
 * A state is one row per (device, folder) with two SyncKeys: N, the confirmed one (the
 * client has shown it holds the response that produced N), and N+1, pending (a response
 * produced it and may have been lost). Each state carries:
 * - modseq: everything of the folder up to this modseq is in the device's view at N (or was
 *   deliberately skipped: another device's item outside the filter, the device's own write);
 *   pending_modseq: the same at N+1;
 * - window_checked (and pending_window_checked at N+1): how far the held items have been
 *   checked for leaving a FilterType window as time passes (store_sync_view_aged);
 * - the device's view: which items the device holds, at which modseq; each view row has a
 *   pending column for what the unconfirmed response changed. Confirming N+1 applies the
 *   pending columns, a retry of N discards them; both cost O(rows the response touched)
 *   through a partial index, never O(view);
 * - the ClientId -> ServerId memory of the client's Adds, per SyncKey of the request that
 *   carried them, so that a retried Add maps to the item the first attempt created;
 * - the sticky Options and the Supported list, as opaque bytes that eas/ encodes.
 * A SyncKey 0 drops the state and makes a new one with a new id (the state's generation):
 * eas/ puts that id in the SyncKeys it sends, so that no key of an older generation is ever
 * accepted again.
 *
 * Per device, the last full Sync request's collections are cached (opaque bytes) for the
 * empty and Partial requests of 12.1+.
 *
 * Nothing here knows SyncKey strings, options or WBXML: eas/sync-*.c does. */
#ifndef EASD_STORE_SYNC_H
#define EASD_STORE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/pool.h"
#include "store/store.h"
#include "store/store-folder.h"

struct store_sync_state {
	int64_t id;                /* the generation: never reused, a new one per reset */
	int64_t device_id;         /* devices.id */
	int64_t folder_id;         /* folders.id */
	uint32_t synckey;          /* N, confirmed (>= 1) */
	uint32_t pending_key;      /* N+1 while a response is unconfirmed, else 0 */
	int64_t modseq;            /* reached at N */
	int64_t pending_modseq;    /* reached at N+1 (meaningful while pending_key != 0) */
	const unsigned char *options;   /* sticky Options (eas/ encoding), NULL: none */
	size_t options_len;
	const unsigned char *supported; /* Supported list (eas/ encoding), NULL: none */
	size_t supported_len;
	int64_t created;           /* unix seconds of the SyncKey-0 reset */
	/* The filter window start (unix seconds) up to which the items held at N have been
	 * aged out (store_sync_view_aged); pending_window_checked: the same at N+1. */
	int64_t window_checked;
	int64_t pending_window_checked;
};

/* The state of (device, folder), with its options. STORE_NOT_FOUND when there is none. */
enum store_result store_sync_state_get(struct store *store, pool *p, int64_t device_id,
				       int64_t folder_id, struct store_sync_state *state_r,
				       const char **error_r);

/* SyncKey 0: drops the state of (device, folder) with its view and ClientId memory, and
 * creates a new one (new id) with synckey 1, modseq 0, window_checked 0, no pending key, an
 * empty view and the given options and Supported list (NULL: none). STORE_NOT_FOUND: no such
 * device or folder. */
enum store_result store_sync_state_reset(struct store *store, pool *p, int64_t device_id,
					 int64_t folder_id, int64_t now,
					 const void *options, size_t options_len,
					 const void *supported, size_t supported_len,
					 struct store_sync_state *state_r, const char **error_r);

/* The client sent N+1: the pending view becomes the view, synckey = pending_key, modseq =
 * pending_modseq, window_checked = pending_window_checked, and the ClientId memory of keys
 * below the new synckey is dropped. *state is updated. A state without a pending key is left
 * as it is. */
enum store_result store_sync_confirm(struct store *store, struct store_sync_state *state,
				     const char **error_r);

/* The client sent N again (it lost the response N+1): the pending view changes are dropped
 * and the pending key with them; the ClientId memory of N is kept. *state is updated. */
enum store_result store_sync_discard(struct store *store, struct store_sync_state *state,
				     const char **error_r);

/* Writes the state's keys, modseqs and window bounds (synckey, pending_key, modseq,
 * pending_modseq, window_checked, pending_window_checked) as they are in *state. */
enum store_result store_sync_state_save(struct store *store, const struct store_sync_state *state,
					const char **error_r);

/* Replaces the sticky options and/or the Supported list (a NULL pointer leaves that one as
 * it is; to clear one pass a non-NULL pointer with length 0). */
enum store_result store_sync_state_set_options(struct store *store, int64_t state_id,
					       const void *options, size_t options_len,
					       const void *supported, size_t supported_len,
					       const char **error_r);

/* ---- The device's view ---- */

/* One item as the device holds it. */
struct store_sync_view {
	int64_t modseq;    /* held at N: the item's modseq the device has, 0: not held */
	int64_t pending;   /* held at N+1: STORE_SYNC_NO_PENDING (unchanged), 0 (removed by the
			    * pending response) or the modseq the pending response gives it */
};
#define STORE_SYNC_NO_PENDING (-1)

/* What the device holds of item_id. STORE_NOT_FOUND: nothing (neither at N nor at N+1). */
enum store_result store_sync_view_get(struct store *store, int64_t state_id, int64_t item_id,
				      struct store_sync_view *view_r, const char **error_r);

/* The modseq the device holds item_id at, as the pending response leaves it when there is
 * one (0: not held). The hot path of the change scan. */
enum store_result store_sync_view_held(struct store *store, int64_t state_id, int64_t item_id,
				       int64_t *modseq_r, const char **error_r);

/* Records that the pending response makes the device hold item_id at modseq (> 0), or
 * removes it from the device (modseq 0). */
enum store_result store_sync_view_set_pending(struct store *store, int64_t state_id,
					      int64_t item_id, int64_t modseq,
					      const char **error_r);

/* Number of items the device holds at N. */
enum store_result store_sync_view_count(struct store *store, int64_t state_id, uint64_t *count_r,
					const char **error_r);

/* Which level of the view store_sync_view_aged looks at. */
enum store_sync_level {
	/* Held at N and not touched by the pending response (view modseq > 0, no pending
	 * value): what the Sync engine may still SoftDelete in the response it builds. */
	STORE_SYNC_UNTOUCHED,
	/* Held at N (the pending response, if any, is ignored). */
	STORE_SYNC_AT_CONFIRMED,
	/* Held once the pending response is applied. */
	STORE_SYNC_AT_PENDING,
};

/* Items that age out of a filter window: the live items of folder_id with from <=
 * filter_end < to that state_id's view holds at level, in (filter_end, id) order, at most
 * limit of them, without data (strings from p). Walks the folder's items by filter_end
 * (index items_folder_filter_end) and looks each up in the view by its key: the cost is the
 * number of the folder's items in the range, never the view's or the folder's size. */
enum store_result store_sync_view_aged(struct store *store, pool *p, int64_t state_id,
				       int64_t folder_id, int64_t from, int64_t to,
				       enum store_sync_level level, size_t limit,
				       struct store_item **items_r, size_t *count_r,
				       const char **error_r);
/* The number of those items, counted up to limit (limit 1: does one exist?). Reads only. */
enum store_result store_sync_view_aged_count(struct store *store, int64_t state_id,
					     int64_t folder_id, int64_t from, int64_t to,
					     enum store_sync_level level, uint64_t limit,
					     uint64_t *count_r, const char **error_r);

/* ---- ClientId memory ---- */

/* What an Add with client_id in a request with SyncKey synckey created. STORE_NOT_FOUND:
 * nothing remembered. */
enum store_result store_sync_clientid_get(struct store *store, pool *p, int64_t state_id,
					  uint32_t synckey, const char *client_id,
					  const char **server_id_r, int64_t *item_id_r,
					  int64_t *modseq_r, const char **error_r);
/* Remembers that the Add with client_id (at most STORE_SYNC_CLIENTID_MAX bytes) in a
 * request with SyncKey synckey created the item (item_id, server_id) at modseq. */
#define STORE_SYNC_CLIENTID_MAX 64
enum store_result store_sync_clientid_put(struct store *store, int64_t state_id, uint32_t synckey,
					  const char *client_id, int64_t item_id,
					  const char *server_id, int64_t modseq,
					  const char **error_r);

/* ---- Memory of the client's Changes and Deletes ----
 * The retry rule (Q-SYNC-1) for Change and Delete: what a command of the request with
 * SyncKey synckey wrote, so that the same command repeated with the same key (the answer
 * was lost, the pending view discarded) is known for the device's own write. Kept and
 * dropped with the ClientId memory of that key (in its table, under keys no ClientId can
 * take: they start with a control byte, and store_sync_clientid_put refuses those). */
enum store_sync_cmd_kind {
	STORE_SYNC_CMD_CHANGE = 'C',
	STORE_SYNC_CMD_DELETE = 'D',
	STORE_SYNC_CMD_DIGEST = 'G', /* a digest of what a command sent (server_id: "SID#k",
				      * the k-th command of the request on SID) */
	STORE_SYNC_CMD_HOLDS = 'H',  /* the modseq a Change's answer left the device at (its
				      * view's; lower when the merged item went back to it) */
};

/* What the kind command on server_id in the request with SyncKey synckey wrote: the item
 * and the modseq it gave it (a Delete: the tombstone's). STORE_NOT_FOUND: nothing. */
enum store_result store_sync_cmd_get(struct store *store, int64_t state_id, uint32_t synckey,
				     enum store_sync_cmd_kind kind, const char *server_id,
				     int64_t *item_id_r, int64_t *modseq_r, const char **error_r);
/* Remembers that the kind command on server_id in the request with SyncKey synckey wrote
 * item_id at modseq. */
enum store_result store_sync_cmd_put(struct store *store, int64_t state_id, uint32_t synckey,
				     enum store_sync_cmd_kind kind, const char *server_id,
				     int64_t item_id, int64_t modseq, const char **error_r);

/* ---- Cached request of a device (empty and Partial Sync, 12.1+) ---- */

/* The cached bytes (copied into p). STORE_NOT_FOUND: nothing cached. */
enum store_result store_sync_request_get(struct store *store, pool *p, int64_t device_id,
					 const unsigned char **data_r, size_t *len_r,
					 const char **error_r);
/* Replaces the cached bytes; writes nothing when they are equal to the cached ones. */
enum store_result store_sync_request_put(struct store *store, int64_t device_id,
					 const void *data, size_t len, int64_t now,
					 const char **error_r);

/* ---- Administration ---- */

/* Drops every collection state and the cached request of a device (easctl device resync):
 * its next Sync with an old key answers Status 3 and the client starts over. */
enum store_result store_sync_device_reset(struct store *store, int64_t device_id,
					  const char **error_r);

#endif
