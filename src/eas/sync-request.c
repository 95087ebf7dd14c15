/* sync-request.c: parsing the Sync request, options, Supported, SyncKeys and the cached
 * request (sync-request.h). The parser is liberal where clients are known to deviate
 * (Q-PARSE-1: empty elements and "-1" for absent numbers; Q-PARSE-2: unknown elements and
 * code pages skipped with their subtree) and strict where a wrong guess would corrupt
 * state (a non-numeric number is an error, not a zero). */
#include "eas/sync-request.h"

#include "lib/str.h"

#include <string.h>

/* An optional number: 1 when absent (no text, empty, or "-1", Q-PARSE-1), 0 with *value_r
 * when parsed (values above max are max: "huge" numbers are clamped, not errors), -1 when it
 * is not a number at all. */
static int opt_number(const struct wbxml_node *node, uint64_t max, uint64_t *value_r)
{
	const char *s = wbxml_node_str(node);
	uint64_t v;

	if (s == NULL)
		return -1;
	if (*s == '\0' || strcmp(s, "-1") == 0)
		return 1;
	for (const char *c = s; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return -1;
	}
	if (strlen(s) > 19 || str_to_uint64(s, UINT64_MAX, &v) < 0)
		v = UINT64_MAX;
	*value_r = v > max ? max : v;
	return 0;
}

/* A WindowSize as MS-ASCMD 2.2.3.199 reads it: 0 and values above 512 are 512 (Q-SYNC-5). */
static uint32_t window_value(uint64_t v)
{
	return v == 0 || v > SYNC_WINDOW_MAX ? SYNC_WINDOW_MAX : (uint32_t)v;
}

/* A boolean: an empty element is TRUE (MS-ASCMD GetChanges), "0"/"1". -1 for anything
 * else. */
static int bool_value(const struct wbxml_node *node)
{
	const char *s = wbxml_node_str(node);

	if (s == NULL)
		return -1;
	if (*s == '\0' || strcmp(s, "1") == 0)
		return 1;
	if (strcmp(s, "0") == 0)
		return 0;
	return -1;
}

/* Text of a node; opaque data and containers count as "" (the caller rejects empty ids). */
static const char *text_of(const struct wbxml_node *node)
{
	const char *s = wbxml_node_str(node);
	return s != NULL ? s : "";
}

void sync_options_init(struct sync_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->filter_type = -1;
	opt->conflict = -1;
	opt->mime_support = -1;
	opt->mime_truncation = -1;
	opt->truncation = -1;
}

/* One airsyncbase:BodyPreference; returns false when it carries no usable Type (skipped). */
static bool parse_body_pref(const struct wbxml_node *node, struct pim_body_pref *pref)
{
	uint64_t v;
	bool has_type = false;

	memset(pref, 0, sizeof(*pref));
	wbxml_foreach_child(node, c) {
		switch (c->tag) {
		case WBXML_AirSyncBase_Type:
			if (opt_number(c, UINT32_MAX, &v) == 0 && v >= 1 && v <= 4) {
				pref->type = (unsigned)v;
				has_type = true;
			}
			break;
		case WBXML_AirSyncBase_TruncationSize:
			if (opt_number(c, UINT32_MAX, &v) == 0)
				pref->truncation_size = (uint32_t)v;
			break;
		case WBXML_AirSyncBase_AllOrNone:
			pref->all_or_none = bool_value(c) == 1;
			break;
		case WBXML_AirSyncBase_Preview:
			if (opt_number(c, 255, &v) == 0)
				pref->preview = (uint32_t)v;
			break;
		default:
			break;
		}
	}
	return has_type;
}

/* Sets *field from an optional number in [0, max]; an out-of-range value leaves it absent
 * (liberal), a non-number is an error. */
static int opt_small(const struct wbxml_node *node, int max, int *field, const char *what,
		     const char **error_r)
{
	uint64_t v;
	int r = opt_number(node, UINT64_MAX, &v);

	if (r < 0) {
		*error_r = what;
		return -1;
	}
	if (r == 0 && v <= (uint64_t)max)
		*field = (int)v;
	return 0;
}

int sync_options_parse(pool *p, const struct wbxml_node *node, struct sync_options *opt,
		       const char **error_r)
{
	sync_options_init(opt);
	wbxml_foreach_child(node, c) {
		int r = 0;
		switch (c->tag) {
		case WBXML_AirSync_Class:
			opt->class_name = pool_strdup(p, text_of(c));
			break;
		case WBXML_AirSync_FilterType:
			r = opt_small(c, 8, &opt->filter_type, "bad FilterType", error_r);
			break;
		case WBXML_AirSync_Conflict:
			r = opt_small(c, 1, &opt->conflict, "bad Conflict", error_r);
			break;
		case WBXML_AirSync_MIMESupport:
			r = opt_small(c, 2, &opt->mime_support, "bad MIMESupport", error_r);
			break;
		case WBXML_AirSync_MIMETruncation:
			r = opt_small(c, 8, &opt->mime_truncation, "bad MIMETruncation", error_r);
			break;
		case WBXML_AirSync_Truncation:
			r = opt_small(c, 9, &opt->truncation, "bad Truncation", error_r);
			break;
		case WBXML_AirSyncBase_BodyPreference:
			if (opt->body_pref_count < PIM_MAX_BODY_PREFS &&
			    parse_body_pref(c, &opt->body_prefs[opt->body_pref_count]))
				opt->body_pref_count++;
			break;
		default:
			/* BodyPartPreference, MaxItems, RightsManagementSupport, code page
			 * 254 annotations (Q-PARSE-2): nothing contacts and tasks use. */
			break;
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

const struct sync_options *sync_options_for_class(const struct sync_collection_req *coll,
						  const char *class_name)
{
	for (size_t i = 0; i < coll->options_count; i++) {
		const char *c = coll->options[i].class_name;
		if (c == NULL || *c == '\0' || (class_name != NULL && str_eq_nocase(c, class_name)))
			return &coll->options[i];
	}
	return NULL;
}

static void elem_int(struct wbxml_writer *w, uint16_t tag, int value)
{
	if (value >= 0)
		wbxml_elem_uint(w, tag, (uint64_t)value);
}

void sync_options_encode(const struct sync_options *opt, buf *out)
{
	struct wbxml_writer w;
	const char *error;

	wbxml_writer_init(&w, out, 0);
	wbxml_start(&w, WBXML_AirSync_Options);
	if (opt->class_name != NULL)
		wbxml_elem_str(&w, WBXML_AirSync_Class, opt->class_name);
	elem_int(&w, WBXML_AirSync_FilterType, opt->filter_type);
	elem_int(&w, WBXML_AirSync_Conflict, opt->conflict);
	elem_int(&w, WBXML_AirSync_MIMESupport, opt->mime_support);
	elem_int(&w, WBXML_AirSync_MIMETruncation, opt->mime_truncation);
	elem_int(&w, WBXML_AirSync_Truncation, opt->truncation);
	for (size_t i = 0; i < opt->body_pref_count; i++) {
		const struct pim_body_pref *bp = &opt->body_prefs[i];
		wbxml_start(&w, WBXML_AirSyncBase_BodyPreference);
		wbxml_elem_uint(&w, WBXML_AirSyncBase_Type, bp->type);
		if (bp->truncation_size > 0)
			wbxml_elem_uint(&w, WBXML_AirSyncBase_TruncationSize, bp->truncation_size);
		if (bp->all_or_none)
			wbxml_elem_uint(&w, WBXML_AirSyncBase_AllOrNone, 1);
		if (bp->preview > 0)
			wbxml_elem_uint(&w, WBXML_AirSyncBase_Preview, bp->preview);
		wbxml_end(&w);
	}
	wbxml_end(&w);
	/* Only our own values are written: the writer cannot fail on them. */
	(void)wbxml_writer_finish(&w, &error);
}

int sync_options_decode(pool *p, const void *data, size_t len, struct sync_options *opt_r,
			const char **error_r)
{
	struct wbxml_node *root;

	if (wbxml_decode(p, data, len, NULL, &root, error_r) < 0)
		return -1;
	if (root->tag != WBXML_AirSync_Options) {
		*error_r = "stored options are not an Options element";
		return -1;
	}
	return sync_options_parse(p, root, opt_r, error_r);
}

void sync_options_to_pim(const struct sync_options *opt, int version,
			 struct pim_out_options *out_r)
{
	memset(out_r, 0, sizeof(*out_r));
	out_r->version = version;
	/* BodyPreference is 12.0+, Truncation 2.5 only: each version reads its own. */
	if (version >= 120) {
		memcpy(out_r->body_prefs, opt->body_prefs, sizeof(out_r->body_prefs));
		out_r->body_pref_count = opt->body_pref_count;
	} else if (opt->truncation >= 0) {
		(void)pim_truncation_25((uint64_t)opt->truncation, out_r);
	}
	out_r->mime_support = opt->mime_support > 0;
}

void sync_supported_encode(const uint16_t *tags, size_t count, buf *out)
{
	for (size_t i = 0; i < count; i++) {
		buf_putc(out, (unsigned char)(tags[i] >> 8));
		buf_putc(out, (unsigned char)(tags[i] & 0xff));
	}
}

void sync_supported_decode(pool *p, const void *data, size_t len,
			   struct pim_supported *supported_r)
{
	const unsigned char *b = data;
	size_t count = len / 2;

	memset(supported_r, 0, sizeof(*supported_r));
	if (b == NULL || count == 0)
		return;
	uint16_t *tags = pool_calloc(p, count, sizeof(*tags));
	for (size_t i = 0; i < count; i++)
		tags[i] = (uint16_t)((b[2 * i] << 8) | b[2 * i + 1]);
	supported_r->declared = true;
	supported_r->tags = tags;
	supported_r->count = count;
}

const char *sync_key_format(pool *p, int64_t generation, uint32_t n)
{
	return pool_printf(p, "{%lld}%u", (long long)generation, n);
}

int sync_key_parse(const char *key, int64_t *generation_r, uint32_t *n_r)
{
	const char *close;
	uint64_t g, n;

	if (key == NULL || key[0] != '{' || (close = strchr(key, '}')) == NULL)
		return -1;
	if (str_n_to_uint64(key + 1, (size_t)(close - key - 1), INT64_MAX, &g) < 0 ||
	    str_to_uint64(close + 1, UINT32_MAX, &n) < 0 || g == 0 || n == 0)
		return -1;
	*generation_r = (int64_t)g;
	*n_r = (uint32_t)n;
	return 0;
}

/* ---- The request ---- */

/* Parses one command (Add, Change, Delete, Fetch). */
static void parse_command(pool *p, const struct wbxml_node *node, enum sync_cmd_kind kind,
			  struct sync_client_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->kind = kind;
	wbxml_foreach_child(node, c) {
		switch (c->tag) {
		case WBXML_AirSync_Class:
			cmd->class_name = pool_strdup(p, text_of(c));
			break;
		case WBXML_AirSync_ClientId:
			cmd->client_id = text_of(c);
			break;
		case WBXML_AirSync_ServerId:
			cmd->server_id = text_of(c);
			break;
		case WBXML_AirSync_ApplicationData:
			cmd->appdata = c;
			break;
		case WBXML_AirSyncBase_InstanceId:
			/* 16.x calendar: one occurrence; empty is no instance (Q-PARSE-1). */
			if (kind == SYNC_CMD_CHANGE || kind == SYNC_CMD_DELETE)
				cmd->instance_id = *text_of(c) != '\0' ? text_of(c) : NULL;
			break;
		default:
			/* Send (16.x drafts): not for PIM classes; unknown elements
			 * (Q-PARSE-2). */
			break;
		}
	}
}

static void parse_commands(pool *p, const struct wbxml_node *node,
			   struct sync_collection_req *coll)
{
	size_t n = 0;

	wbxml_foreach_child(node, c)
		n++;
	coll->cmds = pool_calloc(p, n > 0 ? n : 1, sizeof(*coll->cmds));
	wbxml_foreach_child(node, c) {
		enum sync_cmd_kind kind;
		switch (c->tag) {
		case WBXML_AirSync_Add: kind = SYNC_CMD_ADD; break;
		case WBXML_AirSync_Change: kind = SYNC_CMD_CHANGE; break;
		case WBXML_AirSync_Delete: kind = SYNC_CMD_DELETE; break;
		case WBXML_AirSync_Fetch: kind = SYNC_CMD_FETCH; break;
		default: continue; /* Q-PARSE-2 */
		}
		parse_command(p, c, kind, &coll->cmds[coll->cmd_count++]);
	}
}

static void coll_error(struct sync_collection_req *coll, const char *error)
{
	if (coll->parse_status == 0) {
		coll->parse_status = SYNC_STATUS_PROTOCOL_ERROR;
		coll->parse_error = error;
	}
}

/* Parses one Collection; -1 (request-level error) only when it has no CollectionId. */
static int parse_collection(pool *p, const struct wbxml_node *node, bool cached,
			    struct sync_collection_req *coll, const char **error_r)
{
	uint64_t v;
	int r;

	memset(coll, 0, sizeof(*coll));
	coll->get_changes = coll->deletes_as_moves = coll->conversation_mode = -1;
	wbxml_foreach_child(node, c) {
		switch (c->tag) {
		case WBXML_AirSync_SyncKey:
			coll->sync_key = wbxml_node_str(c);
			if (coll->sync_key == NULL)
				coll_error(coll, "SyncKey is not text");
			break;
		case WBXML_AirSync_CollectionId:
			coll->collection_id = wbxml_node_str(c);
			break;
		case WBXML_AirSync_Class:
			coll->class_name = text_of(c);
			break;
		case WBXML_AirSync_Supported: {
			size_t n = 0;
			coll->has_supported = true;
			wbxml_foreach_child(c, s)
				n++;
			if (n > SYNC_MAX_SUPPORTED)
				n = SYNC_MAX_SUPPORTED;
			coll->supported = pool_calloc(p, n > 0 ? n : 1, sizeof(uint16_t));
			wbxml_foreach_child(c, s) {
				if (coll->supported_count < n)
					coll->supported[coll->supported_count++] = s->tag;
			}
			break;
		}
		case WBXML_AirSync_GetChanges:
			if ((coll->get_changes = bool_value(c)) < 0)
				coll_error(coll, "bad GetChanges");
			break;
		case WBXML_AirSync_DeletesAsMoves:
			if ((coll->deletes_as_moves = bool_value(c)) < 0)
				coll_error(coll, "bad DeletesAsMoves");
			break;
		case WBXML_AirSync_ConversationMode:
			if ((coll->conversation_mode = bool_value(c)) < 0)
				coll_error(coll, "bad ConversationMode");
			break;
		case WBXML_AirSync_WindowSize:
			r = opt_number(c, UINT64_MAX, &v);
			if (r < 0)
				coll_error(coll, "bad WindowSize");
			else if (r == 0)
				coll->window_size = window_value(v);
			break;
		case WBXML_AirSync_Options:
			if (coll->options_count < 2) {
				const char *error;
				if (sync_options_parse(p, c, &coll->options[coll->options_count],
						       &error) < 0)
					coll_error(coll, error);
				else
					coll->options_count++;
			}
			break;
		case WBXML_AirSync_Commands:
			coll->has_commands = true;
			parse_commands(p, c, coll);
			break;
		default:
			break; /* Q-PARSE-2 */
		}
	}
	if (coll->collection_id == NULL || *coll->collection_id == '\0') {
		*error_r = "a Collection without CollectionId";
		return -1;
	}
	if (coll->sync_key == NULL && !cached)
		coll_error(coll, "a Collection without SyncKey");
	return 0;
}

int sync_request_parse(pool *p, const struct wbxml_node *root, bool cached,
		       struct sync_request *req_r, const char **error_r)
{
	uint64_t v;
	int r;

	memset(req_r, 0, sizeof(*req_r));
	req_r->wait = req_r->heartbeat = -1;
	if (root->tag != WBXML_AirSync_Sync) {
		*error_r = "not a Sync request";
		return -1;
	}
	wbxml_foreach_child(root, c) {
		switch (c->tag) {
		case WBXML_AirSync_Collections: {
			size_t n = 0;
			req_r->has_collections = true;
			wbxml_foreach_child(c, coll)
				n += coll->tag == WBXML_AirSync_Collection;
			req_r->collections = pool_calloc(p, n > 0 ? n : 1,
							 sizeof(*req_r->collections));
			wbxml_foreach_child(c, coll) {
				if (coll->tag != WBXML_AirSync_Collection)
					continue;
				if (parse_collection(p, coll, cached,
						     &req_r->collections[req_r->count],
						     error_r) < 0)
					return -1;
				req_r->count++;
			}
			break;
		}
		case WBXML_AirSync_Partial:
			req_r->partial = true;
			break;
		case WBXML_AirSync_WindowSize:
			r = opt_number(c, UINT64_MAX, &v);
			if (r < 0) {
				*error_r = "bad WindowSize";
				return -1;
			}
			if (r == 0)
				req_r->window_size = window_value(v);
			break;
		case WBXML_AirSync_Wait:
		case WBXML_AirSync_HeartbeatInterval:
			r = opt_number(c, INT32_MAX, &v);
			if (r < 0) {
				*error_r = "bad Wait or HeartbeatInterval";
				return -1;
			}
			if (r == 0) {
				if (c->tag == WBXML_AirSync_Wait)
					req_r->wait = (int64_t)v;
				else
					req_r->heartbeat = (int64_t)v;
			}
			break;
		default:
			break; /* Q-PARSE-2 */
		}
	}
	return 0;
}

/* ---- Cached request ---- */

void sync_request_cache_encode(const struct sync_request *req, buf *out)
{
	struct wbxml_writer w;
	const char *error;

	wbxml_writer_init(&w, out, 0);
	wbxml_start(&w, WBXML_AirSync_Sync);
	if (req->count > 0) {
		wbxml_start(&w, WBXML_AirSync_Collections);
		for (size_t i = 0; i < req->count; i++) {
			const struct sync_collection_req *c = &req->collections[i];
			wbxml_start(&w, WBXML_AirSync_Collection);
			wbxml_elem_str(&w, WBXML_AirSync_CollectionId, c->collection_id);
			if (c->window_size > 0)
				wbxml_elem_uint(&w, WBXML_AirSync_WindowSize, c->window_size);
			if (c->conversation_mode >= 0)
				wbxml_elem_uint(&w, WBXML_AirSync_ConversationMode,
						(uint64_t)c->conversation_mode);
			wbxml_end(&w);
		}
		wbxml_end(&w);
	}
	if (req->window_size > 0)
		wbxml_elem_uint(&w, WBXML_AirSync_WindowSize, req->window_size);
	if (req->wait >= 0)
		wbxml_elem_uint(&w, WBXML_AirSync_Wait, (uint64_t)req->wait);
	if (req->heartbeat >= 0)
		wbxml_elem_uint(&w, WBXML_AirSync_HeartbeatInterval, (uint64_t)req->heartbeat);
	wbxml_end(&w);
	(void)wbxml_writer_finish(&w, &error);
}

void sync_request_merge(pool *p, const struct sync_request *cached,
			const struct sync_request *partial, struct sync_request *merged_r)
{
	size_t cap = cached->count + partial->count;

	*merged_r = *partial;
	merged_r->partial = false;
	merged_r->has_collections = true;
	merged_r->collections = pool_calloc(p, cap > 0 ? cap : 1, sizeof(*merged_r->collections));
	merged_r->count = 0;
	/* Cached collections first, in their order, each replaced by the request's when it
	 * names the same collection; then the request's new ones. */
	for (size_t i = 0; i < cached->count; i++) {
		const struct sync_collection_req *c = &cached->collections[i];
		for (size_t j = 0; j < partial->count; j++) {
			if (strcmp(partial->collections[j].collection_id, c->collection_id) == 0) {
				c = &partial->collections[j];
				break;
			}
		}
		merged_r->collections[merged_r->count++] = *c;
	}
	for (size_t j = 0; j < partial->count; j++) {
		bool known = false;
		for (size_t i = 0; i < cached->count && !known; i++)
			known = strcmp(partial->collections[j].collection_id,
				       cached->collections[i].collection_id) == 0;
		if (!known)
			merged_r->collections[merged_r->count++] = partial->collections[j];
	}
	if (partial->window_size == 0)
		merged_r->window_size = cached->window_size;
	if (partial->wait < 0 && partial->heartbeat < 0) {
		merged_r->wait = cached->wait;
		merged_r->heartbeat = cached->heartbeat;
	}
}
