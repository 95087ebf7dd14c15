/* cmd-sync.c: the Sync command (MS-ASCMD 2.2.1.21) on every version from 2.5 to 16.1.
 *
 * The request is parsed as a whole first (sync-request.c): a malformed request answers the
 * top-level Status 4 and writes nothing. 12.1+ empty and Partial requests are completed
 * from the device's cached request (Status 13 when there is none). Each collection then runs
 * in its own store transaction (sync-engine.c), and the response is written from the
 * results: items are converted (pim/) only here, after the transactions, so that no write
 * lock is held while WBXML is produced. */
#include "eas/eas.h"
#include "eas/eas-wbxml.h"
#include "eas/sync-engine.h"
#include "eas/sync-quirks.h"
#include "eas/sync-request.h"
#include "lib/log.h"

#include <string.h>

eas_command_fn eas_cmd_sync;

/* Answers a top-level Status (with a Limit for 14 and 15): no Collections. */
static void answer_status(struct eas_request *req, struct eas_response *resp, int status,
			  int64_t limit)
{
	struct wbxml_writer w;

	eas_writer_start(req, resp, &w);
	wbxml_start(&w, WBXML_AirSync_Sync);
	wbxml_elem_uint(&w, WBXML_AirSync_Status, (uint64_t)status);
	if (limit >= 0)
		wbxml_elem_uint(&w, WBXML_AirSync_Limit, (uint64_t)limit);
	wbxml_end(&w);
	eas_writer_finish(resp, &w);
	resp->eas_status = status;
}

/* The device's cached request, parsed; -1 when there is none (or it cannot be read). */
static int load_cached(struct eas_request *req, struct sync_request *cached_r)
{
	const unsigned char *data;
	size_t len;
	const char *error;
	struct wbxml_node *root;

	if (req->device_row_id <= 0)
		return -1;
	enum store_result r = store_sync_request_get(req->store, req->pool, req->device_row_id,
						     &data, &len, &error);
	if (r != STORE_OK) {
		if (r != STORE_NOT_FOUND)
			log_error("reading the cached Sync request: %s", error);
		return -1;
	}
	if (wbxml_decode(req->pool, data, len, NULL, &root, &error) < 0 ||
	    sync_request_parse(req->pool, root, true, cached_r, &error) < 0) {
		log_warn("the cached Sync request of device %s is unreadable: %s", req->device_id,
			 error);
		return -1;
	}
	return 0;
}

/* Builds the request to run: the body's, completed from the cache for empty and Partial
 * requests (12.1+). Returns 0, or a top-level Status to answer. */
static int resolve_request(struct eas_request *req, struct sync_request *sreq_r,
			   bool *from_body_r)
{
	struct sync_request cached, body;
	struct wbxml_node *root;
	const char *error;

	*from_body_r = req->body_len > 0;
	if (req->body_len == 0) {
		/* The empty request of 12.1+: the last one again (MS-ASCMD 2.2.1.21). */
		if (req->version < EAS_VERSION_121)
			return SYNC_STATUS_PROTOCOL_ERROR;
		return load_cached(req, sreq_r) < 0 ? SYNC_STATUS_INCOMPLETE : 0;
	}
	if (eas_decode_request(req, WBXML_AirSync_Sync, &root, &error) < 0 ||
	    sync_request_parse(req->pool, root, false, &body, &error) < 0) {
		log_info("Sync request refused: %s", error);
		return SYNC_STATUS_PROTOCOL_ERROR;
	}
	if (body.partial || (!body.has_collections && req->version >= EAS_VERSION_121)) {
		/* Partial, or only Wait/HeartbeatInterval/WindowSize: the rest comes from the
		 * cache. */
		if (load_cached(req, &cached) < 0)
			return SYNC_STATUS_INCOMPLETE;
		sync_request_merge(req->pool, &cached, &body, sreq_r);
		return 0;
	}
	*sreq_r = body;
	return 0;
}

/* Checks the hanging-Sync values: 0, or Status 4 / 14 (with *limit_r). */
static int check_wait(const struct sync_request *sreq, int64_t *limit_r)
{
	*limit_r = -1;
	if (sreq->wait >= 0 && sreq->heartbeat >= 0)
		return SYNC_STATUS_PROTOCOL_ERROR;
	if (sreq->wait >= 0 && (sreq->wait < SYNC_WAIT_MIN || sreq->wait > SYNC_WAIT_MAX)) {
		*limit_r = sreq->wait < SYNC_WAIT_MIN ? SYNC_WAIT_MIN : SYNC_WAIT_MAX;
		return SYNC_STATUS_BAD_WAIT;
	}
	if (sreq->heartbeat >= 0 &&
	    (sreq->heartbeat < SYNC_HEARTBEAT_MIN || sreq->heartbeat > SYNC_HEARTBEAT_MAX)) {
		*limit_r = sreq->heartbeat < SYNC_HEARTBEAT_MIN ? SYNC_HEARTBEAT_MIN :
								  SYNC_HEARTBEAT_MAX;
		return SYNC_STATUS_BAD_WAIT;
	}
	return 0;
}

/* A collection named twice in one request would race with itself: the second gets
 * Status 4. */
static void mark_duplicates(struct sync_request *sreq)
{
	for (size_t i = 1; i < sreq->count; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(sreq->collections[i].collection_id,
				   sreq->collections[j].collection_id) == 0) {
				sreq->collections[i].parse_status = SYNC_STATUS_PROTOCOL_ERROR;
				sreq->collections[i].parse_error = "collection named twice";
				break;
			}
		}
	}
}

/* Writes ApplicationData of item; on a conversion failure the writer and the output are
 * put back as they were before the element that started at *mark (the item is skipped). */
static bool write_appdata(struct wbxml_writer *w, const struct sync_result *res, pool *p,
			  const struct store_item *item)
{
	const char *error;

	wbxml_start(w, WBXML_AirSync_ApplicationData);
	if (res->ops->to_eas(p, item, &res->out, w, &error) < 0 || w->failed) {
		log_error("item %s cannot be sent: %s", item->server_id,
			  w->failed ? w->error : error);
		return false;
	}
	wbxml_end(w);
	return true;
}

/* A point to return to when an item cannot be written. */
struct writer_mark {
	struct wbxml_writer w;
	size_t len;
};

static void mark_set(struct writer_mark *m, const struct wbxml_writer *w)
{
	m->w = *w;
	m->len = w->out->len;
}

static void mark_restore(const struct writer_mark *m, struct wbxml_writer *w)
{
	*w = m->w;
	buf_truncate(w->out, m->len);
}

static void write_replies(struct wbxml_writer *w, const struct sync_result *res, pool *p)
{
	static const uint16_t tags[] = {
		[SYNC_CMD_ADD] = WBXML_AirSync_Add, [SYNC_CMD_CHANGE] = WBXML_AirSync_Change,
		[SYNC_CMD_DELETE] = WBXML_AirSync_Delete, [SYNC_CMD_FETCH] = WBXML_AirSync_Fetch,
	};

	/* Q-MS-5: no empty Responses element. */
	if (res->reply_count == 0)
		return;
	wbxml_start(w, WBXML_AirSync_Responses);
	for (size_t i = 0; i < res->reply_count; i++) {
		const struct sync_reply *r = &res->replies[i];
		struct writer_mark m;
		mark_set(&m, w);
		wbxml_start(w, tags[r->kind]);
		if (r->kind == SYNC_CMD_ADD)
			wbxml_elem_str(w, WBXML_AirSync_ClientId, r->client_id);
		if (r->server_id != NULL)
			wbxml_elem_str(w, WBXML_AirSync_ServerId, r->server_id);
		/* MS-ASAIRS 2.2.2.26: the InstanceId goes back beside the ServerId. */
		if (r->instance_id != NULL)
			wbxml_elem_str(w, WBXML_AirSyncBase_InstanceId, r->instance_id);
		wbxml_elem_uint(w, WBXML_AirSync_Status, (uint64_t)r->status);
		/* MS-ASCAL 2.2.2.46: in 16.x the server returns the UID of a calendar item
		 * it created in the Add's response (the client never sends one). */
		if (r->kind == SYNC_CMD_ADD && r->status == SYNC_STATUS_OK && r->uid != NULL &&
		    res->ops != NULL && res->ops->cls == STORE_CLASS_CALENDAR &&
		    res->out.version >= 160) {
			wbxml_start(w, WBXML_AirSync_ApplicationData);
			wbxml_elem_str(w, WBXML_Calendar_UID, r->uid);
			wbxml_end(w);
		}
		if (r->kind == SYNC_CMD_FETCH && r->status == SYNC_STATUS_OK &&
		    !write_appdata(w, res, p, &r->item)) {
			mark_restore(&m, w);
			wbxml_start(w, WBXML_AirSync_Fetch);
			wbxml_elem_str(w, WBXML_AirSync_ServerId, r->server_id);
			wbxml_elem_uint(w, WBXML_AirSync_Status, SYNC_STATUS_CONVERSION_ERROR);
		}
		wbxml_end(w);
	}
	wbxml_end(w);
}

static void write_changes(struct wbxml_writer *w, const struct sync_result *res, pool *p)
{
	static const uint16_t tags[] = {
		[SYNC_OUT_ADD] = WBXML_AirSync_Add, [SYNC_OUT_CHANGE] = WBXML_AirSync_Change,
		[SYNC_OUT_DELETE] = WBXML_AirSync_Delete,
		[SYNC_OUT_SOFT_DELETE] = WBXML_AirSync_SoftDelete,
	};
	struct writer_mark start;

	if (res->change_count == 0)
		return;
	mark_set(&start, w);
	wbxml_start(w, WBXML_AirSync_Commands);
	size_t written = 0;
	for (size_t i = 0; i < res->change_count; i++) {
		const struct sync_change *c = &res->changes[i];
		struct writer_mark m;
		mark_set(&m, w);
		wbxml_start(w, tags[c->kind]);
		wbxml_elem_str(w, WBXML_AirSync_ServerId, c->item.server_id);
		if ((c->kind == SYNC_OUT_ADD || c->kind == SYNC_OUT_CHANGE) &&
		    !write_appdata(w, res, p, &c->item)) {
			/* A corrupt stored item is skipped (logged); the state counts it as
			 * sent, so it does not block the folder (Q-SYNC-2). */
			mark_restore(&m, w);
			continue;
		}
		wbxml_end(w);
		written++;
	}
	if (written == 0)
		mark_restore(&start, w);
	else
		wbxml_end(w);
}

static void write_result(struct eas_request *req, struct wbxml_writer *w,
			 const struct sync_result *res)
{
	wbxml_start(w, WBXML_AirSync_Collection);
	/* Q-MS-6: Class only below 12.1 (12.0 devices need it, Windows Mobile 6.5 stops
	 * syncing with it on later versions). */
	if (req->version < EAS_VERSION_121 && res->class_name != NULL)
		wbxml_elem_str(w, WBXML_AirSync_Class, res->class_name);
	wbxml_elem_str(w, WBXML_AirSync_SyncKey, res->sync_key);
	wbxml_elem_str(w, WBXML_AirSync_CollectionId, res->collection_id);
	wbxml_elem_uint(w, WBXML_AirSync_Status, (uint64_t)res->status);
	if (res->status == SYNC_STATUS_OK) {
		/* The order of Z-Push, which every client family takes: Responses,
		 * MoreAvailable, Commands. */
		write_replies(w, res, req->pool);
		if (res->more_available)
			wbxml_elem_empty(w, WBXML_AirSync_MoreAvailable);
		write_changes(w, res, req->pool);
	}
	wbxml_end(w);
}

enum eas_result eas_cmd_sync(struct eas_request *req, struct eas_response *resp)
{
	struct sync_request sreq;
	struct sync_env env;
	int64_t limit;
	bool from_body;
	const char *error;

	int status = resolve_request(req, &sreq, &from_body);
	if (status == 0 && sreq.count > SYNC_MAX_COLLECTIONS) {
		answer_status(req, resp, SYNC_STATUS_TOO_MANY, SYNC_MAX_COLLECTIONS);
		return EAS_DONE;
	}
	if (status == 0)
		status = check_wait(&sreq, &limit);
	else
		limit = -1;
	if (status != 0) {
		answer_status(req, resp, status, limit);
		return EAS_DONE;
	}
	if (sreq.count == 0) {
		/* Q-SYNC-6, Q-SYNC-9: nothing to sync is answered without error where an empty
		 * body is possible; an AS 2.5/12.0 request must name collections. */
		if (req->version >= EAS_VERSION_121)
			return EAS_DONE;
		answer_status(req, resp, SYNC_STATUS_PROTOCOL_ERROR, -1);
		return EAS_DONE;
	}
	mark_duplicates(&sreq);
	if (from_body && req->version >= EAS_VERSION_121 && req->device_row_id > 0) {
		buf cache = BUF_INIT;
		sync_request_cache_encode(&sreq, &cache);
		if (store_sync_request_put(req->store, req->device_row_id, cache.data, cache.len,
					   req->now, &error) != STORE_OK)
			log_error("caching the Sync request: %s", error);
		buf_free(&cache);
	}

	sync_env_init(&env, req);
	if (sreq.window_size > 0)
		env.window_left = sreq.window_size;
	struct sync_result *results = pool_calloc(req->pool, sreq.count, sizeof(*results));
	bool quiet = true;
	for (size_t i = 0; i < sreq.count; i++)
		sync_collection_run(&env, &sreq.collections[i], &results[i]);
	for (size_t i = 0; i < sreq.count; i++)
		quiet = quiet && sync_result_is_quiet(&results[i]);

	if (quiet && sync_quirk_empty_response_ok(req)) {
		/* Hook of the hanging Sync (Wait/HeartbeatInterval): this is where the push
		 * hub will park the request until a collection changes (EAS_CMD_MAY_PARK);
		 * until it exists the answer is immediate. MS-ASCMD 4.5.10: empty body. */
		resp->eas_status = SYNC_STATUS_OK;
		return EAS_DONE;
	}

	struct wbxml_writer w;
	eas_writer_start(req, resp, &w);
	wbxml_start(&w, WBXML_AirSync_Sync);
	wbxml_start(&w, WBXML_AirSync_Collections);
	for (size_t i = 0; i < sreq.count; i++)
		write_result(req, &w, &results[i]);
	wbxml_end(&w);
	wbxml_end(&w);
	eas_writer_finish(resp, &w);
	resp->eas_status = SYNC_STATUS_OK;
	for (size_t i = 0; i < sreq.count; i++) {
		if (results[i].status != SYNC_STATUS_OK) {
			resp->eas_status = results[i].status;
			break;
		}
	}
	return EAS_DONE;
}
