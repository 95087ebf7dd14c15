/* cmd-foldersync.c: FolderSync (MS-ASCMD 2.2.1.5), every protocol version.
 *
 * SyncKey 0 rebuilds the device's hierarchy state from scratch: the view is emptied and every
 * folder is sent as an Add. Only the hierarchy state is rebuilt: the collection sync states
 * of folders that still exist stay (Q-FOLD-5: Gmail for Android sends FolderSync 0 as a
 * "refresh" and would otherwise download everything again), and ServerIds never change.
 * A key other than N or N+1 (folder-hierarchy.h) answers Status 9, after which clients start
 * over with 0. With nothing to send the answer keeps the client's key and writes nothing, so
 * a no-change FolderSync costs two indexed look-ups.
 *
 * DeviceId "validate" (Q-FOLD-1): the folders are listed, but no state is kept; its key
 * refers to nothing, so a later request with it answers Status 9. */
#include "eas/eas.h"
#include "eas/eas-wbxml.h"
#include "eas/folder-hierarchy.h"

#include "lib/log.h"

#define FH(name) WBXML_FolderHierarchy_##name

/* The key given to the throw-away DeviceId "validate": never the key of a state. */
#define VALIDATE_KEY "1"

static void write_answer(struct eas_request *req, struct eas_response *resp, const char *key,
			 const struct hier_change *changes, size_t count)
{
	struct wbxml_writer w;

	resp->eas_status = FOLDER_STATUS_OK;
	eas_writer_start(req, resp, &w);
	wbxml_start(&w, FH(FolderSync));
	wbxml_elem_uint(&w, FH(Status), FOLDER_STATUS_OK);
	wbxml_elem_str(&w, FH(SyncKey), key);
	wbxml_start(&w, FH(Changes));
	wbxml_elem_uint(&w, FH(Count), count);
	for (size_t i = 0; i < count; i++)
		hier_write_change(&w, &changes[i]);
	wbxml_end(&w);
	wbxml_end(&w);
	eas_writer_finish(resp, &w);
}

/* Q-FOLD-1: every folder as an Add, nothing stored. */
static int answer_validate(struct eas_request *req, struct eas_response *resp)
{
	struct hier_change *changes;
	size_t count;

	if (hier_changes(req, &changes, &count) < 0)
		return FOLDER_STATUS_SERVER_ERROR;
	write_answer(req, resp, VALIDATE_KEY, changes, count);
	return FOLDER_STATUS_OK;
}

/* No pending key, the client's key is the confirmed one and no folder changed since: the
 * answer is "no changes" with the same key, without a transaction. 1 when answered. */
static int try_unchanged(struct eas_request *req, struct eas_response *resp, int64_t key,
			 const char *key_text)
{
	struct store_hierarchy_state state;
	int64_t modseq;
	const char *error;

	if (store_hierarchy_get(req->store, req->pool, req->device_row_id, &state, &error) !=
		    STORE_OK ||
	    state.pending_key != 0 || state.synckey != key ||
	    store_hierarchy_modseq(req->store, req->user->id, &modseq, &error) != STORE_OK ||
	    modseq != state.modseq)
		return 0;
	write_answer(req, resp, key_text, NULL, 0);
	return 1;
}

/* The key step of FolderSync inside the transaction: 0 with *state_r at the client's key,
 * or the status to answer. */
static int accept_key(struct eas_request *req, int64_t key,
		      struct store_hierarchy_state *state_r)
{
	const char *error;
	int status;

	if (key == 0) {
		if (store_hierarchy_reset(req->store, req->device_row_id, &error) != STORE_OK ||
		    store_hierarchy_get(req->store, req->pool, req->device_row_id, state_r,
					&error) != STORE_OK) {
			log_error("resetting the hierarchy of device %s: %s", req->device_id, error);
			return FOLDER_STATUS_SERVER_ERROR;
		}
		return 0;
	}
	/* FolderSync has no retry memo: a repeated N is answered anew (equivalently). */
	int r = hier_accept_key(req, key, NULL, state_r, &status);
	return r < 0 ? status : 0;
}

/* Computes and records the changes for the device; answers them. */
static int sync_hierarchy(struct eas_request *req, struct eas_response *resp, int64_t key)
{
	struct store_hierarchy_state state;
	struct hier_change *changes;
	size_t count;
	int64_t modseq, new_key;
	const char *error = NULL;
	int status;

	if ((status = accept_key(req, key, &state)) != 0)
		return status;
	if (store_hierarchy_modseq(req->store, req->user->id, &modseq, &error) != STORE_OK ||
	    hier_changes(req, &changes, &count) < 0)
		goto failed;
	if (count == 0 && state.synckey > 0) {
		/* Nothing to send: the client's key stays; remember how far the view is complete. */
		if (modseq != state.modseq &&
		    store_hierarchy_set_modseq(req->store, req->device_row_id, modseq, &error) !=
			    STORE_OK)
			goto failed;
		write_answer(req, resp, pool_printf(req->pool, "%lld", (long long)state.synckey),
			     NULL, 0);
		return FOLDER_STATUS_OK;
	}
	for (size_t i = 0; i < count; i++) {
		int64_t pending = changes[i].kind == HIER_DELETE ? STORE_VIEW_PENDING_DELETE :
								  changes[i].folder->modseq;
		if (store_hierarchy_view_pending(req->store, req->device_row_id,
						 changes[i].server_id, pending, &error) != STORE_OK)
			goto failed;
	}
	state.modseq = modseq; /* the pending view is complete up to it */
	if (hier_new_pending(req, &state, NULL, NULL, &new_key) < 0)
		return FOLDER_STATUS_SERVER_ERROR;
	write_answer(req, resp, pool_printf(req->pool, "%lld", (long long)new_key), changes,
		     count);
	return FOLDER_STATUS_OK;
failed:
	if (error != NULL)
		log_error("FolderSync of device %s: %s", req->device_id, error);
	return FOLDER_STATUS_SERVER_ERROR;
}

enum eas_result eas_cmd_foldersync(struct eas_request *req, struct eas_response *resp)
{
	struct wbxml_node *root;
	const char *error;
	int status;

	if (eas_decode_request(req, FH(FolderSync), &root, &error) < 0) {
		log_debug("FolderSync of %s: %s", req->device_id, error);
		hier_answer_status(req, resp, FH(FolderSync), FOLDER_STATUS_BAD_REQUEST);
		return EAS_DONE;
	}
	const char *key_text = wbxml_child_str(root, FH(SyncKey));
	if (key_text == NULL) {
		hier_answer_status(req, resp, FH(FolderSync), FOLDER_STATUS_BAD_REQUEST);
		return EAS_DONE;
	}
	int64_t key = hier_parse_key(key_text);
	if (key < 0) {
		hier_answer_status(req, resp, FH(FolderSync), FOLDER_STATUS_INVALID_KEY);
		return EAS_DONE;
	}
	if (req->device_row_id == 0) {
		/* "validate" has no state: only 0 is a key it can have. */
		status = !req->validate_device ? FOLDER_STATUS_SERVER_ERROR :
			 key != 0 ? FOLDER_STATUS_INVALID_KEY : answer_validate(req, resp);
		if (status != FOLDER_STATUS_OK)
			hier_answer_status(req, resp, FH(FolderSync), status);
		return EAS_DONE;
	}
	if (key > 0 && try_unchanged(req, resp, key, key_text))
		return EAS_DONE;
	if (store_begin(req->store, &error) != STORE_OK) {
		log_error("FolderSync of device %s: %s", req->device_id, error);
		hier_answer_status(req, resp, FH(FolderSync), FOLDER_STATUS_SERVER_ERROR);
		return EAS_DONE;
	}
	status = sync_hierarchy(req, resp, key);
	if (status == FOLDER_STATUS_OK && store_commit(req->store, &error) != STORE_OK) {
		log_error("FolderSync of device %s: %s", req->device_id, error);
		status = FOLDER_STATUS_SERVER_ERROR;
	} else if (status != FOLDER_STATUS_OK) {
		store_rollback(req->store);
	}
	if (status != FOLDER_STATUS_OK)
		hier_answer_status(req, resp, FH(FolderSync), status);
	return EAS_DONE;
}
