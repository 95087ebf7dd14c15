/* sync-engine.h: one collection of a Sync request against its sync state (inside src/eas
 * only): the SyncKey state machine, the client's commands, the change scan with windowing,
 * filters and conflicts. cmd-sync.c parses the request, runs each collection through
 * sync_collection_run and writes the results; cmd-getitemestimate.c counts with
 * sync_collection_estimate.
 *
 * The state machine (store-sync.h holds the state; keys are "{G}N", sync-request.h):
 * - "0": the state of (device, collection) is dropped and made anew (generation G); the
 *   answer is "{G}1" with no items; commands of that collection are ignored (Q-SYNC-4).
 * - "{G}N+1" where N+1 is the pending key: the client has the last response: the pending
 *   view is confirmed, then the request is served from N+1.
 * - "{G}N" where N is the confirmed key: served from N; a pending N+1 is discarded first
 *   (the client lost it: Q-SYNC-1), so the answer is equivalent to the lost one, and Adds it
 *   repeats map to the items the first attempt created (ClientId memory of N).
 * - anything else (other generation, older key, garbage): Status 3.
 * A response carries a new key N+1 only when it changes what the device holds (commands of
 * the client applied, or changes sent); otherwise the key stays and nothing is written, so
 * that a no-change Sync is two indexed reads (folder, state) and no write.
 *
 * Changes to send are the folder's items with modseq above the state's, in modseq order,
 * classified against the view: an item the device holds at exactly its modseq is skipped
 * (its own write, Q-SYNC-8, or one already sent), one that leaves the filter is a SoftDelete,
 * a tombstone of a held item a Delete. After the scan, items the device holds unchanged
 * that have left a FilterType time window as time passed (filter_end before the window start,
 * since the state's window_checked bound) are SoftDeleted too, in the same window, and the
 * bound moves to the window start once that range is done (issue 6 point 5); GetItemEstimate
 * and the write-free quiet answer see them as well. WindowSize (and the top-level one) caps the
 * commands of a response, and so does a time budget (Q-HTTP-6); MoreAvailable then. Memory and
 * work are O(window) per response, whatever the folder size. */
#ifndef EASD_SYNC_ENGINE_H
#define EASD_SYNC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eas/eas.h"
#include "eas/sync-request.h"
#include "pim/pim.h"
#include "store/store-folder.h"
#include "store/store-sync.h"

/* Time budget of one Sync response, in milliseconds (Q-HTTP-6: AOSP gives up after 30 s
 * for an ordinary command, others after 90 s or more). */
#define SYNC_TIME_BUDGET_MS 20000

/* What a whole request shares while its collections run. */
struct sync_env {
	struct eas_request *req;
	pool *pool;
	struct store *store;
	int64_t user_id;
	int64_t device;              /* devices.id */
	int version;
	int64_t now;
	uint64_t deadline_ms;        /* clock_monotonic_ms() after which windows are cut short */
	uint32_t window_left;        /* left of the top-level WindowSize; UINT32_MAX: none */
	int unknown_collection_status;  /* Q-FOLD-4, sync_quirk_unknown_collection_status */
	struct sync_result *last_with_changes;  /* for MoreAvailable when the window ran out */
};

/* Sets env up for req, with the time budget starting now. */
void sync_env_init(struct sync_env *env, struct eas_request *req);

enum sync_change_kind {
	SYNC_OUT_ADD,
	SYNC_OUT_CHANGE,
	SYNC_OUT_DELETE,
	SYNC_OUT_SOFT_DELETE,
};

/* One server change for the Commands of the response. */
struct sync_change {
	enum sync_change_kind kind;
	struct store_item item;        /* with data for Add and Change */
};

/* One entry of the Responses element: every Add and Fetch, and failed Changes/Deletes. */
struct sync_reply {
	enum sync_cmd_kind kind;
	const char *client_id;         /* Add */
	const char *server_id;         /* NULL for a failed Add */
	const char *instance_id;       /* 16.x: the InstanceId of the command, or NULL */
	const char *uid;               /* Add: the item's uid (16.x calendar: sent back) */
	int status;
	struct store_item item;        /* Fetch with status 1: the item with data */
};

struct sync_result {
	const char *collection_id;
	const char *class_name;        /* the folder's class ("Contacts"), NULL when unknown */
	const char *sync_key;          /* the key to send */
	int status;
	bool new_key;                  /* sync_key differs from the one the client holds */
	struct sync_reply *replies;
	size_t reply_count;
	struct sync_change *changes;
	size_t change_count;
	bool more_available;
	const struct pim_class_ops *ops;   /* NULL: the class has no converters (yet) */
	struct pim_out_options out;    /* how to write the items for this device */
};

/* Runs one collection of the request (see the top of this file). Never fails as a whole:
 * problems become res->status (store failures roll the collection back and answer
 * Status 16, so that a failed collection has written nothing). */
void sync_collection_run(struct sync_env *env, const struct sync_collection_req *coll,
			 struct sync_result *res);

/* True when the result would change nothing on the device: the empty response of 12.1+
 * can stand for it. */
bool sync_result_is_quiet(const struct sync_result *res);

/* GetItemEstimate of one collection: how many commands a Sync with sync_key would send
 * (at most limit counted; the scan stops there). filter_type -1: the state's sticky one.
 * Returns a GetItemEstimate Status: 1 with *estimate_r, 2 unknown collection, 3 no state
 * ("0" or none), 4 a key that is neither the confirmed nor the pending one. */
int sync_collection_estimate(struct sync_env *env, const char *collection_id,
			     const char *sync_key, int filter_type, uint64_t limit,
			     uint64_t *estimate_r);

/* Test hook: replaces SYNC_TIME_BUDGET_MS (0: every window ends after its first command). */
void sync_test_set_time_budget(uint64_t ms);

#endif
