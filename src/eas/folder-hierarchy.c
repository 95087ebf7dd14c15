/* folder-hierarchy.c: the hierarchy SyncKey and the hierarchy changes of a device (see
 * folder-hierarchy.h). */
#include "eas/folder-hierarchy.h"
#include "eas/eas-wbxml.h"

#include "lib/log.h"
#include "lib/str.h"

#include <string.h>

#define FH(name) WBXML_FolderHierarchy_##name

int64_t hier_parse_key(const char *text)
{
	uint64_t v;

	if (text == NULL || str_to_uint64(text, INT64_MAX, &v) < 0)
		return -1;
	if (v == 0 && strcmp(text, "0") != 0)
		return -1; /* "00" is no key we gave */
	return (int64_t)v;
}

int hier_accept_key(struct eas_request *req, int64_t key, const char *op,
		    struct store_hierarchy_state *state_r, int *status_r)
{
	const char *error;
	enum store_result r;

	*status_r = FOLDER_STATUS_INVALID_KEY;
	if (key <= 0 || req->device_row_id == 0)
		return -1; /* no state for "validate" (Q-FOLD-1); 0 needs a FolderSync first */
	r = store_hierarchy_get(req->store, req->pool, req->device_row_id, state_r, &error);
	if (r == STORE_NOT_FOUND)
		return -1;
	if (r != STORE_OK)
		goto failed;
	if (state_r->pending_key > 0 && key == state_r->pending_key) {
		r = store_hierarchy_confirm(req->store, req->device_row_id, &error);
		if (r != STORE_OK)
			goto failed;
		state_r->synckey = state_r->pending_key;
		state_r->modseq = state_r->pending_modseq;
		state_r->pending_key = 0;
		return 0;
	}
	if (key != state_r->synckey)
		return -1;
	if (state_r->pending_key > 0 && state_r->pending_op != NULL && op != NULL &&
	    strcmp(state_r->pending_op, op) == 0)
		return 1; /* the same command again: its answer was lost */
	if (state_r->pending_key > 0) {
		r = store_hierarchy_discard(req->store, req->device_row_id, &error);
		if (r != STORE_OK)
			goto failed;
		state_r->pending_key = 0;
	}
	return 0;
failed:
	log_error("hierarchy state of device %s: %s", req->device_id, error);
	*status_r = FOLDER_STATUS_SERVER_ERROR;
	return -1;
}

int hier_new_pending(struct eas_request *req, const struct store_hierarchy_state *state,
		     const char *op, const char *result, int64_t *key_r)
{
	const char *error;
	int64_t key = state->last_key + 1;

	if (store_hierarchy_set_pending(req->store, req->device_row_id, key, state->modseq, op,
					result, &error) != STORE_OK) {
		log_error("hierarchy state of device %s: %s", req->device_id, error);
		return -1;
	}
	*key_r = key;
	return 0;
}

bool hier_type_visible(int type, int version)
{
	if (type == STORE_FOLDER_NOTES || type == STORE_FOLDER_USER_NOTES)
		return version >= EAS_VERSION_140; /* Q-FOLD-2: Notes for 14+ */
	if (type == STORE_FOLDER_RECIPIENT_CACHE)
		return version >= EAS_VERSION_140;
	return type >= STORE_FOLDER_GENERIC && type <= STORE_FOLDER_RECIPIENT_CACHE;
}

/* Index of the folder with server_id in folders[0..count), or -1. */
static long find_folder(const struct store_folder *folders, size_t count, const char *server_id)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(folders[i].server_id, server_id) == 0)
			return (long)i;
	}
	return -1;
}

/* Depth of folder i below the root (1 for a top folder), or 0 when it is not shown: its
 * type is hidden for the version, or an ancestor is hidden or missing, or the parents form
 * a cycle (the walk is bounded by the number of folders). */
static long folder_depth(const struct store_folder *folders, size_t count, size_t i, int version)
{
	size_t cur = i;
	long depth = 0;

	for (size_t steps = 0; steps <= count; steps++) {
		if (!hier_type_visible(folders[cur].type, version))
			return 0;
		depth++;
		if (strcmp(folders[cur].parent_server_id, "0") == 0)
			return depth;
		long parent = find_folder(folders, count, folders[cur].parent_server_id);
		if (parent < 0)
			return 0;
		cur = (size_t)parent;
	}
	return 0;
}

/* Index of the view entry for server_id, or -1 (views are small: tens of folders). */
static long find_entry(const struct store_hierarchy_entry *view, size_t count,
		       const char *server_id)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(view[i].server_id, server_id) == 0)
			return (long)i;
	}
	return -1;
}

int hier_changes(struct eas_request *req, struct hier_change **changes_r, size_t *count_r)
{
	struct store_folder *folders;
	struct store_hierarchy_entry *view;
	size_t nfolders, nview, n = 0;
	const char *error;

	if (store_folder_list(req->store, req->pool, req->user->id, 0, &folders, &nfolders,
			      &error) != STORE_OK ||
	    store_hierarchy_view(req->store, req->pool, req->device_row_id, &view, &nview,
				 &error) != STORE_OK) {
		log_error("folder changes of device %s: %s", req->device_id, error);
		return -1;
	}
	long *depth = pool_calloc(req->pool, nfolders + 1, sizeof(*depth));
	bool *seen = pool_calloc(req->pool, nview + 1, sizeof(*seen));
	long max_depth = 0;
	for (size_t i = 0; i < nfolders; i++) {
		depth[i] = folder_depth(folders, nfolders, i, req->version);
		if (depth[i] > max_depth)
			max_depth = depth[i];
	}
	struct hier_change *changes = pool_calloc(req->pool, nfolders + nview + 1,
						  sizeof(*changes));
	/* Adds and Updates, level by level: parents first. */
	for (long level = 1; level <= max_depth; level++) {
		for (size_t i = 0; i < nfolders; i++) {
			if (depth[i] != level)
				continue;
			long e = find_entry(view, nview, folders[i].server_id);
			if (e >= 0)
				seen[e] = true;
			if (e >= 0 && view[e].modseq >= 0 && view[e].modseq >= folders[i].modseq)
				continue; /* the device holds this version */
			changes[n].kind = e >= 0 && view[e].modseq >= 0 ? HIER_UPDATE : HIER_ADD;
			changes[n].folder = &folders[i];
			changes[n].server_id = folders[i].server_id;
			n++;
		}
	}
	/* Deletes: what the device holds that is gone (or no longer shown), each once. */
	for (size_t e = 0; e < nview; e++) {
		if (seen[e] || view[e].modseq < 0)
			continue;
		changes[n].kind = HIER_DELETE;
		changes[n].folder = NULL;
		changes[n].server_id = view[e].server_id;
		n++;
	}
	*changes_r = changes;
	*count_r = n;
	return 0;
}

void hier_write_change(struct wbxml_writer *w, const struct hier_change *change)
{
	switch (change->kind) {
	case HIER_ADD:
	case HIER_UPDATE:
		wbxml_start(w, change->kind == HIER_ADD ? FH(Add) : FH(Update));
		wbxml_elem_str(w, FH(ServerId), change->folder->server_id);
		wbxml_elem_str(w, FH(ParentId), change->folder->parent_server_id);
		wbxml_elem_str(w, FH(DisplayName), change->folder->name);
		wbxml_elem_uint(w, FH(Type), (uint64_t)change->folder->type);
		wbxml_end(w);
		break;
	case HIER_DELETE:
		wbxml_start(w, FH(Delete));
		wbxml_elem_str(w, FH(ServerId), change->server_id);
		wbxml_end(w);
		break;
	}
}

void hier_answer_status(struct eas_request *req, struct eas_response *resp, uint16_t root,
			int status)
{
	struct wbxml_writer w;

	buf_truncate(&resp->body, 0);
	resp->eas_status = status;
	eas_writer_start(req, resp, &w);
	wbxml_start(&w, root);
	wbxml_elem_uint(&w, FH(Status), (uint64_t)status);
	wbxml_end(&w);
	eas_writer_finish(resp, &w);
}

/* The success answer of a folder command. */
static void answer_done(struct eas_request *req, struct eas_response *resp, uint16_t root,
			int64_t key, const char *server_id)
{
	struct wbxml_writer w;

	resp->eas_status = FOLDER_STATUS_OK;
	eas_writer_start(req, resp, &w);
	wbxml_start(&w, root);
	wbxml_elem_uint(&w, FH(Status), FOLDER_STATUS_OK);
	wbxml_elem_str(&w, FH(SyncKey), pool_printf(req->pool, "%lld", (long long)key));
	if (root == FH(FolderCreate) && server_id != NULL)
		wbxml_elem_str(&w, FH(ServerId), server_id);
	wbxml_end(&w);
	eas_writer_finish(resp, &w);
}

/* The transaction of hier_run_command: the status, with *key_r and *result_r on success. */
static int run_in_transaction(struct eas_request *req, int64_t key, const char *op,
			      hier_op_fn *fn, void *ctx, int64_t *key_r, const char **result_r)
{
	struct store_hierarchy_state state;
	int status;

	int r = hier_accept_key(req, key, op, &state, &status);
	if (r < 0)
		return status;
	if (r == 1) {
		/* The same command again after its answer was lost: the same answer. */
		*key_r = state.pending_key;
		*result_r = state.pending_result;
		return FOLDER_STATUS_OK;
	}
	status = fn(req, ctx, result_r);
	if (status != FOLDER_STATUS_OK)
		return status;
	if (hier_new_pending(req, &state, op, *result_r, key_r) < 0)
		return FOLDER_STATUS_SERVER_ERROR;
	return FOLDER_STATUS_OK;
}

void hier_run_command(struct eas_request *req, struct eas_response *resp, uint16_t root,
		      int64_t key, const char *op, hier_op_fn *fn, void *ctx)
{
	const char *error, *result = NULL;
	int64_t new_key = 0;
	int status;

	if (key <= 0 || req->device_row_id == 0) {
		/* 0 (or no state at all: DeviceId "validate") needs a FolderSync first. */
		hier_answer_status(req, resp, root, FOLDER_STATUS_INVALID_KEY);
		return;
	}
	if (store_begin(req->store, &error) != STORE_OK) {
		log_error("%s of device %s: %s", req->command->name, req->device_id, error);
		hier_answer_status(req, resp, root, FOLDER_STATUS_SERVER_ERROR);
		return;
	}
	status = run_in_transaction(req, key, op, fn, ctx, &new_key, &result);
	if (status != FOLDER_STATUS_OK) {
		store_rollback(req->store);
	} else if (store_commit(req->store, &error) != STORE_OK) {
		log_error("%s of device %s: %s", req->command->name, req->device_id, error);
		status = FOLDER_STATUS_SERVER_ERROR;
	}
	if (status != FOLDER_STATUS_OK)
		hier_answer_status(req, resp, root, status);
	else
		answer_done(req, resp, root, new_key, result);
}
