/* folder-hierarchy.h: what FolderSync, FolderCreate, FolderUpdate and FolderDelete share:
 * the hierarchy SyncKey (the N/N+1 rule on the device's hierarchy state of
 * store-device.h), the folders a protocol version shows, and the changes between the
 * folders and the device's view.
 *
 * SyncKeys are decimal numbers that never repeat for a device (ARCHITECTURE.md section 2):
 * the client's key N is the confirmed one; our last answer's key N+1 is pending until the
 * client sends it (confirm) or sends N again (it lost the answer: discard, and answer again
 * equivalently). A folder command repeated with N after its answer was lost gets the same
 * answer (the retry memo), so that a lost FolderCreate answer never creates a second folder. */
#ifndef EASD_FOLDER_HIERARCHY_H
#define EASD_FOLDER_HIERARCHY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eas/eas.h"
#include "store/store-device.h"
#include "store/store-folder.h"
#include "wbxml/wbxml.h"

/* FolderHierarchy statuses shared by the four commands (MS-ASCMD 2.2.3.177.2-6). */
enum {
	FOLDER_STATUS_OK = 1,
	FOLDER_STATUS_SERVER_ERROR = 6,
	FOLDER_STATUS_INVALID_KEY = 9,
	FOLDER_STATUS_BAD_REQUEST = 10,
	FOLDER_STATUS_UNKNOWN_ERROR = 11,
};

/* Parses a SyncKey: 0 for "0", else a positive decimal number; -1 for anything else. */
int64_t hier_parse_key(const char *text);

/* The key step of FolderSync (op NULL) and FolderCreate/Update/Delete (op: the command in a
 * canonical form, the retry memo), inside the caller's transaction, for a key > 0 (0 is
 * FolderSync's reset; a negative key is invalid). Returns 1 when the request repeats the
 * pending command (*state_r holds the answer: pending_key and pending_result), 0 when the
 * state is now at the client's key with nothing pending (*state_r is the state), or -1 with
 * *status_r (9: the key is not N or N+1; 6: the store failed). */
int hier_accept_key(struct eas_request *req, int64_t key, const char *op,
		    struct store_hierarchy_state *state_r, int *status_r);

/* Gives the state the next key as pending, with the retry memo; 0 or -1 (store failure). */
int hier_new_pending(struct eas_request *req, const struct store_hierarchy_state *state,
		     const char *op, const char *result, int64_t *key_r);

/* True when the protocol version shows folders of this type (Notes from 14.0). */
bool hier_type_visible(int type, int version);

/* One change of the hierarchy for the device. */
enum hier_change_kind { HIER_ADD, HIER_UPDATE, HIER_DELETE };
struct hier_change {
	enum hier_change_kind kind;
	const struct store_folder *folder;  /* Add, Update */
	const char *server_id;              /* all */
};

/* The changes between the user's visible folders and the device's confirmed view: Adds and
 * Updates with every parent before its children, then Deletes (so that a folder moved out
 * of a deleted one is moved before its old parent goes). */
int hier_changes(struct eas_request *req, struct hier_change **changes_r, size_t *count_r);

/* Writes one Add/Update/Delete element of FolderSync's Changes. */
void hier_write_change(struct wbxml_writer *w, const struct hier_change *change);

/* The store side of one folder command, run by hier_run_command inside the transaction
 * after the key step: changes the folders (origin: the device) and the device's view
 * (store_hierarchy_view_pending), and returns FOLDER_STATUS_OK with *result_r (the
 * ServerId a FolderCreate answers, else NULL) or the command's error status. */
typedef int hier_op_fn(struct eas_request *req, void *ctx, const char **result_r);

/* Runs FolderCreate/Update/Delete (root is its element): the key step, fn, a new pending key
 * with the retry memo op, and the answer (Status, SyncKey, and ServerId for FolderCreate),
 * or the error status with nothing written. */
void hier_run_command(struct eas_request *req, struct eas_response *resp, uint16_t root,
		      int64_t key, const char *op, hier_op_fn *fn, void *ctx);

/* Answers <Root><Status>status</Status></Root> (an error of a folder command). */
void hier_answer_status(struct eas_request *req, struct eas_response *resp, uint16_t root,
			int status);

#endif
