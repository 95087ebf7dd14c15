/* cmd-getitemestimate.c: the GetItemEstimate command (MS-ASCMD 2.2.1.9): how many changes a
 * Sync of each collection would bring, counted with the Sync engine's own classification
 * (sync-engine.c), so that the estimate is what the next Syncs will really send.
 *
 * Request forms: 2.5-12.1 put getitemestimate:Class, CollectionId, airsync:FilterType and
 * airsync:SyncKey in each Collection; 14.0+ put airsync:SyncKey, CollectionId,
 * ConversationMode and airsync:Options (Class, FilterType, MaxItems). The parser takes
 * either in any order. Statuses per collection: 1, 2 (unknown collection), 3 (key 0: the
 * state is not primed), 4 (a stale key) -- the last two per Q-SYNC-9, see sync-quirks.h. */
#include "eas/eas.h"
#include "eas/eas-wbxml.h"
#include "eas/sync-engine.h"
#include "eas/sync-quirks.h"
#include "eas/sync-request.h"
#include "lib/log.h"
#include "lib/str.h"

#include <string.h>

eas_command_fn eas_cmd_getitemestimate;

/* The scan of one collection stops counting here: the estimate is then "at least". */
#define ESTIMATE_LIMIT 50000

struct estimate_req {
	const char *collection_id;
	const char *class_name;
	const char *sync_key;
	int filter_type;            /* -1: not given */
};

/* A FilterType given as text: -1 when absent, empty, "-1" (Q-PARSE-1) or out of range. */
static int filter_value(const struct wbxml_node *node)
{
	uint64_t v;
	const char *error;

	if (node == NULL || wbxml_node_uint(node, 8, &v, &error) < 0)
		return -1;
	return (int)v;
}

static void parse_collection(const struct wbxml_node *node, struct estimate_req *e)
{
	memset(e, 0, sizeof(*e));
	e->filter_type = -1;
	wbxml_foreach_child(node, c) {
		switch (c->tag) {
		case WBXML_GetItemEstimate_CollectionId:
			e->collection_id = wbxml_node_str(c);
			break;
		case WBXML_GetItemEstimate_Class:
			e->class_name = wbxml_node_str(c);
			break;
		case WBXML_AirSync_SyncKey:
			e->sync_key = wbxml_node_str(c);
			break;
		case WBXML_AirSync_FilterType:
			e->filter_type = filter_value(c);
			break;
		case WBXML_AirSync_Options: {
			const char *cls = wbxml_child_str(c, WBXML_AirSync_Class);
			/* Q-PARSE-2: the SMS options of an Inbox do not apply. */
			if (cls != NULL && str_eq_nocase(cls, "SMS"))
				break;
			int f = filter_value(wbxml_child(c, WBXML_AirSync_FilterType));
			if (f >= 0)
				e->filter_type = f;
			break;
		}
		default:
			break; /* ConversationMode, MaxItems, unknown (Q-PARSE-2) */
		}
	}
}

enum eas_result eas_cmd_getitemestimate(struct eas_request *req, struct eas_response *resp)
{
	struct wbxml_node *root, *collections = NULL;
	struct sync_env env;
	struct wbxml_writer w;
	const char *error = "no Collections";

	if (eas_decode_request(req, WBXML_GetItemEstimate_GetItemEstimate, &root, &error) < 0 ||
	    (collections = wbxml_child(root, WBXML_GetItemEstimate_Collections)) == NULL) {
		/* Malformed as a whole: no collection to give a Status to. */
		log_info("GetItemEstimate refused: %s", error);
		resp->http_status = 400;
		return EAS_DONE;
	}
	sync_env_init(&env, req);
	bool tolerant = sync_quirk_estimate_tolerant(req);
	size_t count = 0;

	eas_writer_start(req, resp, &w);
	wbxml_start(&w, WBXML_GetItemEstimate_GetItemEstimate);
	resp->eas_status = 1;
	wbxml_foreach_child(collections, c) {
		struct estimate_req e;
		uint64_t estimate = 0;
		int status;

		if (c->tag != WBXML_GetItemEstimate_Collection)
			continue;
		if (++count > SYNC_MAX_COLLECTIONS)
			break;
		parse_collection(c, &e);
		if (e.collection_id == NULL || *e.collection_id == '\0') {
			status = 2;
		} else {
			status = sync_collection_estimate(&env, e.collection_id, e.sync_key,
							  e.filter_type, ESTIMATE_LIMIT, &estimate);
			if (status < 0) {
				log_error("GetItemEstimate of %s: the store failed",
					  e.collection_id);
				resp->http_status = 500;
				buf_truncate(&resp->body, 0);
				return EAS_DONE;
			}
		}
		if ((status == 3 || status == 4) && tolerant) {
			/* Q-SYNC-9: make the client Sync, which then resets properly. */
			status = 1;
			estimate = 1;
		}
		wbxml_start(&w, WBXML_GetItemEstimate_Response);
		wbxml_elem_uint(&w, WBXML_GetItemEstimate_Status, (uint64_t)status);
		if (e.collection_id != NULL) {
			wbxml_start(&w, WBXML_GetItemEstimate_Collection);
			/* Class is a 2.5-12.1 element: the writer drops it for 14.0+. */
			if (e.class_name != NULL && *e.class_name != '\0')
				wbxml_elem_str(&w, WBXML_GetItemEstimate_Class, e.class_name);
			wbxml_elem_str(&w, WBXML_GetItemEstimate_CollectionId, e.collection_id);
			if (status == 1)
				wbxml_elem_uint(&w, WBXML_GetItemEstimate_Estimate, estimate);
			wbxml_end(&w);
		}
		wbxml_end(&w);
		if (status != 1)
			resp->eas_status = status;
	}
	wbxml_end(&w);
	eas_writer_finish(resp, &w);
	return EAS_DONE;
}
