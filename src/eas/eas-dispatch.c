/* eas-dispatch.c: what runs around every command handler: the device's row id and (with
 * issue 5's Provision) the policy-key check. */
#include "eas/eas.h"

#include "lib/log.h"

#include <string.h>

/* The devices.id of req's device, 0 when it has none (DeviceId "validate", Q-FOLD-1).
 * Stop-gap: looks through the user's devices until store-device.h offers a direct look-up. */
static int device_row_lookup(struct eas_request *req, int64_t *row_id_r)
{
	struct store_device *devices;
	size_t count;
	const char *error;

	*row_id_r = 0;
	if (req->validate_device || req->store == NULL)
		return 0;
	if (store_device_list(req->store, req->pool, req->user->id, &devices, &count, &error) !=
	    STORE_OK) {
		log_error("looking up device %s: %s", req->device_id, error);
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		if (strcmp(devices[i].device_id, req->device_id) == 0) {
			*row_id_r = devices[i].id;
			break;
		}
	}
	return 0;
}

enum eas_result eas_dispatch(struct eas_request *req, struct eas_response *resp)
{
	if (device_row_lookup(req, &req->device_row_id) < 0) {
		resp->http_status = 500;
		return EAS_DONE;
	}
	return req->command->handler(req, resp);
}
