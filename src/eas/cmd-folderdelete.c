/* cmd-folderdelete.c: FolderDelete (MS-ASCMD 2.2.1.4), every protocol version.
 *
 * Deletes a user folder with its subfolders and items. The device deleted the whole subtree
 * on its side, so every folder of it is marked deleted in the device's view (pending with
 * the answer's key): no Delete for them ever comes back to it (Q-FOLD-2: Windows Phone
 * misbehaves when a folder Delete is sent twice).
 * Statuses: 3 a default folder, 4 no such folder, 6 server error, 9 key not N or N+1,
 * 10 malformed request. */
#include "eas/eas.h"
#include "eas/eas-wbxml.h"
#include "eas/folder-hierarchy.h"

#include "lib/log.h"

#include <string.h>

#define FH(name) WBXML_FolderHierarchy_##name

enum {
	DELETE_STATUS_SPECIAL = 3,
	DELETE_STATUS_NO_FOLDER = 4,
};

/* True when folders[i] is below server_id (the walk is bounded by count: no cycles). */
static bool is_below(const struct store_folder *folders, size_t count, size_t i,
		     const char *server_id)
{
	const char *parent = folders[i].parent_server_id;

	for (size_t steps = 0; steps <= count && strcmp(parent, "0") != 0; steps++) {
		if (strcmp(parent, server_id) == 0)
			return true;
		size_t j;
		for (j = 0; j < count && strcmp(folders[j].server_id, parent) != 0; j++)
			;
		if (j == count)
			return false;
		parent = folders[j].parent_server_id;
	}
	return false;
}

static int delete_folder(struct eas_request *req, void *ctx, const char **result_r)
{
	const char *server_id = ctx;
	struct store_folder *folders;
	size_t count;
	const char *error;
	enum store_result r;

	*result_r = NULL;
	/* The subtree, before it is gone. */
	if (store_folder_list(req->store, req->pool, req->user->id, 0, &folders, &count,
			      &error) != STORE_OK)
		goto failed;
	r = store_folder_delete(req->store, req->user->id, server_id, req->device_row_id, &error);
	switch (r) {
	case STORE_OK:
		break;
	case STORE_FORBIDDEN:
		return DELETE_STATUS_SPECIAL;
	case STORE_NOT_FOUND:
		return DELETE_STATUS_NO_FOLDER;
	default:
		goto failed;
	}
	for (size_t i = 0; i < count; i++) {
		if ((strcmp(folders[i].server_id, server_id) == 0 ||
		     is_below(folders, count, i, server_id)) &&
		    store_hierarchy_view_pending(req->store, req->device_row_id,
						 folders[i].server_id, STORE_VIEW_PENDING_DELETE,
						 &error) != STORE_OK)
			goto failed;
	}
	return FOLDER_STATUS_OK;
failed:
	log_error("FolderDelete of device %s: %s", req->device_id, error);
	return FOLDER_STATUS_SERVER_ERROR;
}

enum eas_result eas_cmd_folderdelete(struct eas_request *req, struct eas_response *resp)
{
	struct wbxml_node *root;
	const char *error;

	if (eas_decode_request(req, FH(FolderDelete), &root, &error) < 0) {
		log_debug("FolderDelete of %s: %s", req->device_id, error);
		hier_answer_status(req, resp, FH(FolderDelete), FOLDER_STATUS_BAD_REQUEST);
		return EAS_DONE;
	}
	const char *key_text = wbxml_child_str(root, FH(SyncKey));
	const char *server_id = wbxml_child_str(root, FH(ServerId));
	if (key_text == NULL || server_id == NULL || *server_id == '\0') {
		hier_answer_status(req, resp, FH(FolderDelete), FOLDER_STATUS_BAD_REQUEST);
		return EAS_DONE;
	}
	const char *op = pool_printf(req->pool, "D\x1f%s", server_id);
	hier_run_command(req, resp, FH(FolderDelete), hier_parse_key(key_text), op,
			 delete_folder, (void *)server_id);
	return EAS_DONE;
}
