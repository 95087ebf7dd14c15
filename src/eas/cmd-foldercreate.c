/* cmd-foldercreate.c: FolderCreate (MS-ASCMD 2.2.1.3), every protocol version.
 *
 * Creates a user folder of type 1 (generic), 12 (mail), 13 (calendar), 14 (contacts),
 * 15 (tasks), 16 (journal) or 17 (notes) below ParentId ("0": the top). The answer's key
 * is the device's next hierarchy key, and the new folder is in the device's view as
 * pending with it, so that the next FolderSync does not send the device its own folder.
 * Statuses: 2 name taken, 3 parent is the recipient information cache, 5 parent unknown,
 * 6 server error, 9 key not N or N+1, 10 malformed request (also a bad name or a type a
 * client cannot create). */
#include "eas/eas.h"
#include "eas/eas-wbxml.h"
#include "eas/folder-hierarchy.h"

#include "lib/log.h"

#include <string.h>

#define FH(name) WBXML_FolderHierarchy_##name

enum {
	CREATE_STATUS_EXISTS = 2,
	CREATE_STATUS_SPECIAL_PARENT = 3,
	CREATE_STATUS_NO_PARENT = 5,
};

struct create_args {
	const char *parent;
	const char *name;
	int type;
};

static int create_folder(struct eas_request *req, void *ctx, const char **result_r)
{
	const struct create_args *args = ctx;
	struct store_folder parent, folder;
	const char *error;
	enum store_result r;

	if (strcmp(args->parent, "0") != 0) {
		r = store_folder_get(req->store, req->pool, req->user->id, args->parent, &parent,
				     &error);
		if (r == STORE_NOT_FOUND)
			return CREATE_STATUS_NO_PARENT;
		if (r != STORE_OK)
			goto failed;
		if (parent.type == STORE_FOLDER_RECIPIENT_CACHE)
			return CREATE_STATUS_SPECIAL_PARENT;
	}
	r = store_folder_create(req->store, req->pool, req->user->id, args->parent, args->name,
				args->type, req->device_row_id, &folder, &error);
	switch (r) {
	case STORE_OK:
		break;
	case STORE_EXISTS:
		return CREATE_STATUS_EXISTS;
	case STORE_NOT_FOUND:
		return CREATE_STATUS_NO_PARENT;
	case STORE_INVALID:
		log_debug("FolderCreate of device %s: %s", req->device_id, error);
		return FOLDER_STATUS_BAD_REQUEST;
	default:
		goto failed;
	}
	if (store_hierarchy_view_pending(req->store, req->device_row_id, folder.server_id,
					 folder.modseq, &error) != STORE_OK)
		goto failed;
	*result_r = folder.server_id;
	return FOLDER_STATUS_OK;
failed:
	log_error("FolderCreate of device %s: %s", req->device_id, error);
	return FOLDER_STATUS_SERVER_ERROR;
}

enum eas_result eas_cmd_foldercreate(struct eas_request *req, struct eas_response *resp)
{
	struct wbxml_node *root;
	struct create_args args;
	const char *error;
	uint64_t type;

	if (eas_decode_request(req, FH(FolderCreate), &root, &error) < 0) {
		log_debug("FolderCreate of %s: %s", req->device_id, error);
		hier_answer_status(req, resp, FH(FolderCreate), FOLDER_STATUS_BAD_REQUEST);
		return EAS_DONE;
	}
	const char *key_text = wbxml_child_str(root, FH(SyncKey));
	args.parent = wbxml_child_str(root, FH(ParentId));
	args.name = wbxml_child_str(root, FH(DisplayName));
	if (key_text == NULL || args.parent == NULL || *args.parent == '\0' || args.name == NULL ||
	    wbxml_child_uint(root, FH(Type), 1000, &type, &error) != 0) {
		hier_answer_status(req, resp, FH(FolderCreate), FOLDER_STATUS_BAD_REQUEST);
		return EAS_DONE;
	}
	args.type = (int)type;
	const char *op = pool_printf(req->pool, "C\x1f%s\x1f%s\x1f%d", args.parent, args.name,
				     args.type);
	hier_run_command(req, resp, FH(FolderCreate), hier_parse_key(key_text), op,
			 create_folder, &args);
	return EAS_DONE;
}
