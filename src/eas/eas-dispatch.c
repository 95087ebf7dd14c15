/* eas-dispatch.c: what runs around every command handler: the device's record (its row id
 * for the request, the protocol version it speaks) and the policy-key check.
 *
 * The check (MS-ASPROV, MS-ASCMD 2.2.2), for commands flagged EAS_CMD_NEEDS_POLICY_KEY while
 * the context enforces provisioning: a request without a policy key is told to provision
 * (142), unless the context allows non-provisionable devices or the client is one known
 * never to provision (Q-PROV-3); a key that is not the device's final key (a temporary one,
 * one from before a re-provisioning, any other) is invalid (144);
 * the right key for a policy that has changed since it was acknowledged asks for a refresh
 * (143). A pending remote wipe is delivered through Provision, so every flagged command and
 * Ping tells such a device to provision (140) whatever the context says.
 *
 * How it is said (Q-PROV-1): below 14.0 by HTTP 449 (MS-ASCMD); from 14.0 the specification
 * wants HTTP 200 with the status in the command's response, but some clients announcing 14.x
 * only react to 449, and the AOSP client reacts to both: like Horde we answer 449 *and* the
 * WBXML status body from 14.0 on, which every client understands. Ping is exempt from the key
 * check (the AOSP client sends it without a key; Z-Push exempts it too). */
#include "eas/eas.h"
#include "eas/eas-wbxml.h"
#include "eas/policy.h"

#include "lib/log.h"
#include "store/store-device.h"

#include <string.h>

/* MS-ASCMD 2.2.2 common status codes. */
enum {
	STATUS_REMOTE_WIPE_REQUESTED = 140,
	STATUS_DEVICE_NOT_PROVISIONED = 142,
	STATUS_POLICY_REFRESH = 143,
	STATUS_INVALID_POLICY_KEY = 144,
};

#define HTTP_RETRY_WITH 449

/* Where a command's response carries its top-level Status: root, then (optionally) the
 * element between the root and Status. */
static const struct status_place {
	const char *command;
	uint16_t root, wrapper, status;
} status_places[] = {
	{ "Sync", WBXML_AirSync_Sync, 0, WBXML_AirSync_Status },
	{ "SendMail", WBXML_ComposeMail_SendMail, 0, WBXML_ComposeMail_Status },
	{ "SmartForward", WBXML_ComposeMail_SmartForward, 0, WBXML_ComposeMail_Status },
	{ "SmartReply", WBXML_ComposeMail_SmartReply, 0, WBXML_ComposeMail_Status },
	{ "FolderSync", WBXML_FolderHierarchy_FolderSync, 0, WBXML_FolderHierarchy_Status },
	{ "FolderCreate", WBXML_FolderHierarchy_FolderCreate, 0, WBXML_FolderHierarchy_Status },
	{ "FolderDelete", WBXML_FolderHierarchy_FolderDelete, 0, WBXML_FolderHierarchy_Status },
	{ "FolderUpdate", WBXML_FolderHierarchy_FolderUpdate, 0, WBXML_FolderHierarchy_Status },
	{ "MoveItems", WBXML_Move_MoveItems, WBXML_Move_Response, WBXML_Move_Status },
	{ "GetItemEstimate", WBXML_GetItemEstimate_GetItemEstimate,
	  WBXML_GetItemEstimate_Response, WBXML_GetItemEstimate_Status },
	{ "MeetingResponse", WBXML_MeetingResponse_MeetingResponse,
	  WBXML_MeetingResponse_Result, WBXML_MeetingResponse_Status },
	{ "Search", WBXML_Search_Search, 0, WBXML_Search_Status },
	{ "Ping", WBXML_Ping_Ping, 0, WBXML_Ping_Status },
	{ "ItemOperations", WBXML_ItemOperations_ItemOperations, 0, WBXML_ItemOperations_Status },
	{ "ResolveRecipients", WBXML_ResolveRecipients_ResolveRecipients, 0,
	  WBXML_ResolveRecipients_Status },
	{ "ValidateCert", WBXML_ValidateCert_ValidateCert, 0, WBXML_ValidateCert_Status },
	{ "Find", WBXML_Find_Find, 0, WBXML_Find_Status },
};

/* The verdict of the check: 0 (go on) or the status that says "provision first". */
static int policy_verdict(const struct eas_request *req, const struct store_device_record *rec,
			  const struct eas_policy *policy)
{
	bool flagged = (req->command->flags & EAS_CMD_NEEDS_POLICY_KEY) != 0;

	if (rec->wipe_state != STORE_WIPE_NONE &&
	    (flagged || strcmp(req->command->name, "Ping") == 0))
		return STATUS_REMOTE_WIPE_REQUESTED;
	if (!flagged || policy->v[POLICY_PROVISIONING] == 0)
		return 0;
	if (!req->has_policy_key) {
		if (policy->v[POLICY_ALLOW_NON_PROVISIONABLE] != 0 ||
		    policy_client_never_provisions(req->device_type, req->user_agent))
			return 0;
		return STATUS_DEVICE_NOT_PROVISIONED;
	}
	if (rec->policy_key == 0 || req->policy_key != rec->policy_key)
		return STATUS_INVALID_POLICY_KEY;
	if (rec->policy_hash != policy_hash(policy))
		return STATUS_POLICY_REFRESH;
	return 0;
}

/* Answers "provision first" with status (Q-PROV-1: 449, plus the status body from 14.0). */
static void answer_provision_first(struct eas_request *req, struct eas_response *resp,
				   int status)
{
	resp->http_status = HTTP_RETRY_WITH;
	resp->eas_status = status;
	if (req->version < EAS_VERSION_140)
		return;
	for (size_t i = 0; i < sizeof(status_places) / sizeof(status_places[0]); i++) {
		const struct status_place *sp = &status_places[i];
		if (strcmp(sp->command, req->command->name) != 0)
			continue;
		/* A root the version lacks (Find below 16.1) gets no body. */
		if ((wbxml_tag_versions(sp->root) & wbxml_version_bit((unsigned)req->version)) == 0)
			return;
		struct wbxml_writer w;
		eas_writer_start(req, resp, &w);
		wbxml_start(&w, sp->root);
		if (sp->wrapper != 0)
			wbxml_start(&w, sp->wrapper);
		wbxml_elem_uint(&w, sp->status, (uint64_t)status);
		if (sp->wrapper != 0)
			wbxml_end(&w);
		wbxml_end(&w);
		eas_writer_finish(resp, &w);
		if (resp->http_status == 500) /* the writer failed: still say "provision" */
			resp->http_status = HTTP_RETRY_WITH;
		return;
	}
}

enum eas_result eas_dispatch(struct eas_request *req, struct eas_response *resp)
{
	struct store_device_record rec;
	struct eas_policy policy;
	const char *error;

	req->device_row_id = 0;
	if (req->validate_device || req->store == NULL)
		return req->command->handler(req, resp);
	/* The server touched the device before: it exists (unless removed this instant). */
	enum store_result r = store_device_get(req->store, req->pool, req->user->id,
					       req->device_id, &rec, &error);
	if (r != STORE_OK) {
		log_error("looking up device %s: %s", req->device_id, error);
		resp->http_status = 500;
		return EAS_DONE;
	}
	req->device_row_id = rec.dev.id;
	if (rec.protocol_version != req->version &&
	    store_device_set_version(req->store, rec.dev.id, req->version, &error) != STORE_OK)
		log_warn("recording the protocol version of device %s: %s", req->device_id, error);

	if ((req->command->flags & EAS_CMD_NEEDS_POLICY_KEY) != 0 ||
	    rec.wipe_state != STORE_WIPE_NONE) {
		if (policy_load(req->store, req->pool, req->user->context_id, &policy, &error) < 0) {
			log_error("loading the policy of %s: %s", req->user->domain, error);
			resp->http_status = 500;
			return EAS_DONE;
		}
		int status = policy_verdict(req, &rec, &policy);
		if (status != 0) {
			answer_provision_first(req, resp, status);
			return EAS_DONE;
		}
	}
	return req->command->handler(req, resp);
}
