/* cmd-folderupdate.c: FolderUpdate (MS-ASCMD 2.2.1.6), every protocol version.
 *
 * Renames and/or moves a user folder. The device's view takes the new version as pending
 * with the answer's key, so that its own change does not come back in the next FolderSync.
 * Statuses: 2 name taken or a default folder (they cannot be changed), 3 the recipient
 * information cache, 4 no such folder, 5 parent unknown, 6 server error, 9 key not N or N+1,
 * 10 malformed request (also a bad name or a move below itself). */
#include "eas/eas.h"
#include "eas/eas-wbxml.h"
#include "eas/folder-hierarchy.h"

#include "lib/log.h"

#include <string.h>

#define FH(name) WBXML_FolderHierarchy_##name

enum {
	UPDATE_STATUS_EXISTS_OR_SPECIAL = 2,
	UPDATE_STATUS_RECIPIENT_CACHE = 3,
	UPDATE_STATUS_NO_FOLDER = 4,
	UPDATE_STATUS_NO_PARENT = 5,
};

struct update_args {
	const char *server_id;
	const char *parent;   /* NULL: unchanged */
	const char *name;
};

static int update_folder(struct eas_request *req, void *ctx, const char **result_r)
{
	const struct update_args *args = ctx;
	struct store_folder folder;
	const char *error;
	enum store_result r;

	*result_r = NULL;
	r = store_folder_get(req->store, req->pool, req->user->id, args->server_id, &folder,
			     &error);
	if (r == STORE_NOT_FOUND)
		return UPDATE_STATUS_NO_FOLDER;
	if (r != STORE_OK)
		goto failed;
	if (folder.type == STORE_FOLDER_RECIPIENT_CACHE)
		return UPDATE_STATUS_RECIPIENT_CACHE;
	r = store_folder_update(req->store, req->pool, req->user->id, args->server_id,
				args->parent, args->name, req->device_row_id, &folder, &error);
	switch (r) {
	case STORE_OK:
		break;
	case STORE_FORBIDDEN:
	case STORE_EXISTS:
		return UPDATE_STATUS_EXISTS_OR_SPECIAL;
	case STORE_NOT_FOUND:
		return UPDATE_STATUS_NO_PARENT; /* the folder exists: its new parent does not */
	case STORE_INVALID:
		log_debug("FolderUpdate of device %s: %s", req->device_id, error);
		return FOLDER_STATUS_BAD_REQUEST;
	default:
		goto failed;
	}
	if (store_hierarchy_view_pending(req->store, req->device_row_id, folder.server_id,
					 folder.modseq, &error) != STORE_OK)
		goto failed;
	return FOLDER_STATUS_OK;
failed:
	log_error("FolderUpdate of device %s: %s", req->device_id, error);
	return FOLDER_STATUS_SERVER_ERROR;
}

enum eas_result eas_cmd_folderupdate(struct eas_request *req, struct eas_response *resp)
{
	struct wbxml_node *root;
	struct update_args args;
	const char *error;

	if (eas_decode_request(req, FH(FolderUpdate), &root, &error) < 0) {
		log_debug("FolderUpdate of %s: %s", req->device_id, error);
		hier_answer_status(req, resp, FH(FolderUpdate), FOLDER_STATUS_BAD_REQUEST);
		return EAS_DONE;
	}
	const char *key_text = wbxml_child_str(root, FH(SyncKey));
	args.server_id = wbxml_child_str(root, FH(ServerId));
	args.parent = wbxml_child_str(root, FH(ParentId));
	args.name = wbxml_child_str(root, FH(DisplayName));
	if (key_text == NULL || args.server_id == NULL || *args.server_id == '\0' ||
	    args.name == NULL || (args.parent != NULL && *args.parent == '\0')) {
		hier_answer_status(req, resp, FH(FolderUpdate), FOLDER_STATUS_BAD_REQUEST);
		return EAS_DONE;
	}
	const char *op = pool_printf(req->pool, "U\x1f%s\x1f%s\x1f%s", args.server_id,
				     args.parent != NULL ? args.parent : "", args.name);
	hier_run_command(req, resp, FH(FolderUpdate), hier_parse_key(key_text), op,
			 update_folder, &args);
	return EAS_DONE;
}
