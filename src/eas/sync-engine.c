/* sync-engine.c: one Sync collection against its state (sync-engine.h). */
#include "eas/sync-engine.h"

#include "eas/sync-quirks.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/str.h"

#include <string.h>

static uint64_t time_budget_ms = SYNC_TIME_BUDGET_MS;

void sync_test_set_time_budget(uint64_t ms)
{
	time_budget_ms = ms;
}

void sync_env_init(struct sync_env *env, struct eas_request *req)
{
	memset(env, 0, sizeof(*env));
	env->req = req;
	env->pool = req->pool;
	env->store = req->store;
	env->user_id = req->user->id;
	env->device = req->device_row_id;
	env->version = req->version;
	env->now = req->now;
	env->deadline_ms = clock_monotonic_ms() + time_budget_ms;
	env->window_left = UINT32_MAX;
	env->unknown_collection_status = sync_quirk_unknown_collection_status(req);
}

/* True when the time budget of the response is spent (Q-HTTP-6). */
static bool out_of_time(const struct sync_env *env)
{
	return time_budget_ms == 0 || clock_monotonic_ms() >= env->deadline_ms;
}

/* ---- Filters ---- */

/* The filter that matters for a class: tasks know 0 and 8 (incomplete only), e-mail and
 * calendar the time windows 1-7 (MS-ASCMD 2.2.3.68.2), contacts none. */
static int effective_filter(enum store_class cls, int filter_type)
{
	switch (cls) {
	case STORE_CLASS_TASKS:
		return filter_type == 8 ? 8 : 0;
	case STORE_CLASS_EMAIL:
	case STORE_CLASS_CALENDAR:
		return filter_type >= 1 && filter_type <= 7 ? filter_type : 0;
	default:
		return 0;
	}
}

/* The start of the time window of filter at now (MS-ASCMD 2.2.3.68.2: 1 day .. 6 months
 * back): items whose filter_end is before it are outside. False for the filters without a
 * time window (0, 8), where nothing ages. */
static bool window_start(int filter, int64_t now, int64_t *start_r)
{
	static const int64_t days[] = { 0, 1, 3, 7, 14, 31, 93, 186 };

	if (filter < 1 || filter > 7)
		return false;
	*start_r = now - days[filter] * 86400;
	return true;
}

/* True when item (live) is inside the collection's filter. */
static bool filter_pass(const struct store_item *item, int filter, int64_t now)
{
	int64_t start;

	if (filter == 8)
		return (item->flags & STORE_ITEM_COMPLETE) == 0;
	if (window_start(filter, now, &start))
		return item->filter_end >= start;
	return true;
}

/* The bound from which held items must still be checked for having left the time window
 * that starts at start: the state's (checked) bound, or start itself when the state's scan
 * starts from the beginning of the folder (modseq 0: the scan checks every item against
 * the filter) or the clock went back. */
static int64_t aging_bound(int64_t checked, int64_t modseq, int64_t start)
{
	return modseq == 0 || checked > start ? start : checked;
}

/* ---- Results ---- */

static struct sync_reply *add_reply(struct sync_env *env, struct sync_result *res,
				    size_t *cap, enum sync_cmd_kind kind, const char *server_id,
				    int status)
{
	if (res->reply_count == *cap) {
		size_t ncap = *cap == 0 ? 8 : *cap * 2;
		struct sync_reply *n = pool_calloc(env->pool, ncap, sizeof(*n));
		if (res->reply_count > 0)
			memcpy(n, res->replies, res->reply_count * sizeof(*n));
		res->replies = n;
		*cap = ncap;
	}
	struct sync_reply *r = &res->replies[res->reply_count++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->server_id = server_id;
	r->status = status;
	return r;
}

bool sync_result_is_quiet(const struct sync_result *res)
{
	return res->status == SYNC_STATUS_OK && !res->new_key && res->reply_count == 0 &&
	       res->change_count == 0 && !res->more_available;
}

/* ---- The key ---- */

enum key_action {
	KEY_INVALID,
	KEY_SERVE,        /* the confirmed key, nothing pending */
	KEY_CONFIRM,      /* the pending key: confirm it first */
	KEY_RETRY,        /* the confirmed key with a pending one: discard it first */
};

/* What the client's key means for state; key NULL (a collection of the cached request)
 * means the latest key the client was given. */
static enum key_action key_action(const struct store_sync_state *state, const char *key)
{
	int64_t gen;
	uint32_t n;

	if (key == NULL)
		return state->pending_key != 0 ? KEY_CONFIRM : KEY_SERVE;
	if (sync_key_parse(key, &gen, &n) < 0 || gen != state->id)
		return KEY_INVALID;
	if (state->pending_key != 0 && n == state->pending_key)
		return KEY_CONFIRM;
	if (n == state->synckey)
		return state->pending_key != 0 ? KEY_RETRY : KEY_SERVE;
	return KEY_INVALID;
}

/* ---- Options ---- */

/* The options in effect for the collection: those of the request for its class, else the
 * sticky ones of the state. *given_r: the request brought them. */
static void collection_options(struct sync_env *env, const struct sync_collection_req *coll,
			       const char *class_name, const struct store_sync_state *state,
			       struct sync_options *opt_r, bool *given_r)
{
	const struct sync_options *given = sync_options_for_class(coll, class_name);
	const char *error;

	*given_r = given != NULL;
	if (given != NULL) {
		*opt_r = *given;
		return;
	}
	sync_options_init(opt_r);
	if (state != NULL && state->options != NULL &&
	    sync_options_decode(env->pool, state->options, state->options_len, opt_r,
				&error) < 0) {
		log_warn("sync state %lld: stored options unreadable (%s): using defaults",
			 (long long)state->id, error);
		sync_options_init(opt_r);
	}
}

/* ---- Per-collection work ---- */

struct coll_run {
	struct sync_env *env;
	const struct sync_collection_req *coll;
	struct sync_result *res;
	struct store_folder folder;
	enum store_class cls;
	struct store_sync_state state;
	struct sync_options opt;
	struct pim_supported supported;
	int filter;
	bool conflict_client_wins;
	size_t reply_cap;
	bool wrote;                 /* the client's commands changed what the device holds */
	bool echo;                  /* a write of the client must go back to it (merged) */
	int64_t own_floor;          /* the device's own writes after this modseq stay with it */
	bool ages;                  /* the filter has a time window: held items age out of it */
	int64_t window_start;       /* its start at env->now (when ages) */
	int64_t window_bound;       /* held items with filter_end below it are aged out (what
				     * the state's window_checked becomes) */
	struct own_write *own;      /* items this request's commands wrote, in order */
	size_t own_count, own_cap;
	const char *error;          /* the store's message when a step failed */
};

/* An item a command of this request wrote: the modseq it wrote and the one the device is
 * recorded to hold (lower when the merged item must go back to it). A second command of
 * the same request on that item (a 16.x series Change and an InstanceId Change together)
 * builds on the first: no conflict with it, and not mistaken for the lost attempt of the
 * retry rule, which would hide the merged item from the device. */
struct own_write {
	int64_t item_id, modseq, holds;
};

static struct own_write *own_write_find(struct coll_run *run, int64_t item_id)
{
	for (size_t i = 0; i < run->own_count; i++) {
		if (run->own[i].item_id == item_id)
			return &run->own[i];
	}
	return NULL;
}

static void own_write_note(struct coll_run *run, int64_t item_id, int64_t modseq, int64_t holds)
{
	struct own_write *w = own_write_find(run, item_id);

	if (w == NULL) {
		if (run->own_count == run->own_cap) {
			size_t ncap = run->own_cap == 0 ? 8 : run->own_cap * 2;
			struct own_write *n = pool_calloc(run->env->pool, ncap, sizeof(*n));
			if (run->own_count > 0)
				memcpy(n, run->own, run->own_count * sizeof(*n));
			run->own = n;
			run->own_cap = ncap;
		}
		w = &run->own[run->own_count++];
		w->item_id = item_id;
	}
	w->modseq = modseq;
	w->holds = holds;
}

/* The class's conversion of a client command (old: the stored item of a Change, or the
 * series of a 16.x InstanceId command); delete_instance: a Delete of one occurrence. */
static int convert(struct coll_run *run, const struct sync_client_cmd *cmd,
		   const struct store_item *old, bool delete_instance, bool stale,
		   struct store_item *out)
{
	struct sync_env *env = run->env;
	const struct pim_class_ops *ops = run->res->ops;
	struct wbxml_node empty = { .tag = WBXML_AirSync_ApplicationData };
	const struct wbxml_node *appdata = cmd->appdata != NULL ? cmd->appdata : &empty;

	memset(out, 0, sizeof(*out));
	if (ops->from_eas_opt != NULL) {
		struct pim_in_options in = {
			.version = env->version,
			.instance_id = cmd->instance_id,
			.delete_instance = delete_instance,
			.stale = stale,
		};
		if (env->req != NULL && env->req->user != NULL) {
			/* Q-CAL-3: the account owner organizes what the device calls its own. */
			in.owner_email = env->req->user->email;
			in.owner_name = env->req->user->display_name;
		}
		return ops->from_eas_opt(env->pool, delete_instance ? NULL : appdata, &in, old,
					 &run->supported, out, &run->error);
	}
	return ops->from_eas(env->pool, appdata, env->version, old, &run->supported, out,
			     &run->error);
}

/* Q-CAL-4: a calendar Add whose UID (<= 14.1) or ClientUid (16.x, the UID of an item it
 * created) is already in the folder updates that event instead of making a duplicate
 * ("Add to calendar" from a mail before the calendar synced). *found_r: it did. */
static enum store_result add_dedupe(struct coll_run *run, const struct sync_client_cmd *cmd,
				    struct store_item *in, struct store_item *existing,
				    bool *found_r)
{
	struct sync_env *env = run->env;
	const char *uid = in->uid;

	*found_r = false;
	if (run->cls != STORE_CLASS_CALENDAR || uid == NULL || *uid == '\0')
		return STORE_OK;
	enum store_result r = store_item_find_uid(env->store, env->pool, env->user_id,
						  run->folder.id, uid, existing, &run->error);
	if (r == STORE_NOT_FOUND)
		return STORE_OK;
	if (r != STORE_OK)
		return r;
	if (convert(run, cmd, existing, false, false, in) < 0)
		return STORE_INVALID;
	*found_r = true;
	return STORE_OK;
}

/* Stores an Add, or maps a repeated one to what the first attempt created. STORE_OK also
 * when the Add failed for its own reasons (a reply with its status was added). */
static enum store_result run_add(struct coll_run *run, const struct sync_client_cmd *cmd)
{
	struct sync_env *env = run->env;
	const char *server_id;
	int64_t item_id, modseq;
	struct store_item in, item;

	/* Q-PARSE-2: SMS Adds of Samsung phones in a folder that has no SMS are dropped. */
	if (cmd->class_name != NULL && str_eq_nocase(cmd->class_name, "SMS"))
		return STORE_OK;
	/* Without a ClientId nothing can be answered: skipped (Q-PARSE-1). */
	if (cmd->client_id == NULL || *cmd->client_id == '\0')
		return STORE_OK;
	struct sync_reply *reply = add_reply(env, run->res, &run->reply_cap, SYNC_CMD_ADD, NULL,
					     SYNC_STATUS_CONVERSION_ERROR);
	reply->client_id = cmd->client_id;
	if (strlen(cmd->client_id) > STORE_SYNC_CLIENTID_MAX || run->res->ops == NULL ||
	    (unsigned char)cmd->client_id[0] < 0x20)
		return STORE_OK;

	enum store_result r = store_sync_clientid_get(env->store, env->pool, run->state.id,
						      run->state.synckey, cmd->client_id,
						      &server_id, &item_id, &modseq, &run->error);
	if (r == STORE_OK) {
		/* The retry rule: this Add was stored by the attempt whose answer was lost. */
		reply->server_id = server_id;
		reply->status = SYNC_STATUS_OK;
		run->wrote = true;
		if (run->cls == STORE_CLASS_CALENDAR &&
		    store_item_get(env->store, env->pool, env->user_id, server_id, false, &item,
				   &run->error) == STORE_OK)
			reply->uid = item.uid;
		return store_sync_view_set_pending(env->store, run->state.id, item_id, modseq,
						   &run->error);
	}
	if (r != STORE_NOT_FOUND)
		return r;

	struct store_item existing;
	bool dup;
	if (cmd->appdata == NULL) {
		/* MS-ASCMD 2.2.3.11: ApplicationData is required in an Add; Q-PARSE-1 tolerates
		 * an empty <ApplicationData/>, not a missing one. Status 6, nothing written. */
		log_info("Sync Add %s in %s refused: no ApplicationData", cmd->client_id,
			 run->folder.server_id);
		return STORE_OK;
	}
	if (convert(run, cmd, NULL, false, false, &in) < 0) {
		log_info("Sync Add %s in %s refused: %s", cmd->client_id, run->folder.server_id,
			 run->error);
		return STORE_OK;
	}
	r = add_dedupe(run, cmd, &in, &existing, &dup);
	if (r == STORE_INVALID) {
		log_info("Sync Add %s in %s refused (merging with %s): %s", cmd->client_id,
			 run->folder.server_id, existing.server_id, run->error);
		return STORE_OK;
	}
	if (r != STORE_OK)
		return r;
	if (dup)
		r = store_item_update(env->store, env->pool, env->user_id, existing.server_id,
				      &in, env->device, &item, &run->error);
	else
		r = store_item_add(env->store, env->pool, env->user_id, run->folder.server_id,
				   &in, env->device, &item, &run->error);
	if (r == STORE_INVALID) {
		log_info("Sync Add %s in %s refused by the store: %s", cmd->client_id,
			 run->folder.server_id, run->error);
		return STORE_OK;
	}
	if (r != STORE_OK)
		return r;
	reply->server_id = item.server_id;
	reply->uid = item.uid;
	reply->status = SYNC_STATUS_OK;
	run->wrote = true;
	r = store_sync_clientid_put(env->store, run->state.id, run->state.synckey, cmd->client_id,
				    item.id, item.server_id, item.modseq, &run->error);
	if (r == STORE_OK)
		r = store_sync_view_set_pending(env->store, run->state.id, item.id, item.modseq,
						&run->error);
	return r;
}

/* Looks up the live item a command names in this collection. STORE_NOT_FOUND also for an
 * item of another folder. */
static enum store_result command_item(struct coll_run *run, const char *server_id,
				      bool with_data, struct store_item *item_r)
{
	enum store_result r = store_item_get(run->env->store, run->env->pool, run->env->user_id,
					     server_id, with_data, item_r, &run->error);

	if (r == STORE_OK && item_r->folder_id != run->folder.id)
		r = STORE_NOT_FOUND;
	return r;
}

/* True when the server has a version of item the device has not seen and the server wins
 * (MS-ASCMD Conflict, default 1). A device that holds nothing of it has no version to
 * conflict with. */
static bool server_wins(struct coll_run *run, const struct store_item *item, int64_t held)
{
	return !run->conflict_client_wins && held > 0 && item->modseq > held;
}

/* FNV-1a over a node tree: tags, values, structure. */
static uint64_t tree_hash(uint64_t h, const struct wbxml_node *n)
{
	const unsigned char head[3] = { (unsigned char)(n->tag >> 8), (unsigned char)n->tag,
					(unsigned char)n->value_kind };

	for (size_t i = 0; i < sizeof(head); i++)
		h = (h ^ head[i]) * 0x100000001b3ULL;
	for (size_t i = 0; i < n->value_len; i++)
		h = (h ^ n->value[i]) * 0x100000001b3ULL;
	wbxml_foreach_child(n, c)
		h = tree_hash(h, c);
	return (h ^ 0xff) * 0x100000001b3ULL; /* end of children */
}

/* What a command sends, as a number (for the retry rule: the same command again). */
static int64_t command_digest(const struct sync_client_cmd *cmd, bool delete_instance)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (delete_instance ? 0x44 : 0x43);
	const char *inst = cmd->instance_id != NULL ? cmd->instance_id : "";

	for (const char *c = inst; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
	if (cmd->appdata != NULL)
		h = tree_hash(h, cmd->appdata);
	return (int64_t)(h >> 2);
}

/* The key of cmd's digest record: its ServerId and how many commands of the collection on
 * that ServerId came before it in the request. */
static const char *command_digest_key(struct coll_run *run, const struct sync_client_cmd *cmd)
{
	size_t k = 0;

	for (const struct sync_client_cmd *c = run->coll->cmds; c < cmd; c++)
		k += c->server_id != NULL && strcmp(c->server_id, cmd->server_id) == 0;
	return pool_printf(run->env->pool, "%s#%zu", cmd->server_id, k);
}

/* The retry rule (Q-SYNC-1) for a request sent again after a lost answer: a Change that
 * is the same as the first attempt's (its digest), on an item still at the first
 * attempt's last write, is not applied again, neither converted over what the first
 * attempt made of it nor written (another device would get a Change, and lose its own
 * edit in a conflict); the device is left where the first answer left it. *done_r: it
 * was such a replay. */
static enum store_result replay(struct coll_run *run, const struct sync_client_cmd *cmd,
				const struct store_item *old, int64_t digest,
				const char *digest_key, bool *done_r)
{
	struct sync_env *env = run->env;
	int64_t id, last, d, holds;
	enum store_result r;

	*done_r = false;
	r = store_sync_cmd_get(env->store, run->state.id, run->state.synckey,
			       STORE_SYNC_CMD_CHANGE, cmd->server_id, &id, &last, &run->error);
	if (r == STORE_NOT_FOUND || (r == STORE_OK && (id != old->id || last != old->modseq)))
		return STORE_OK;
	if (r == STORE_OK)
		r = store_sync_cmd_get(env->store, run->state.id, run->state.synckey,
				       STORE_SYNC_CMD_DIGEST, digest_key, &id, &d, &run->error);
	if (r == STORE_NOT_FOUND || (r == STORE_OK && (id != old->id || d != digest)))
		return STORE_OK;
	if (r == STORE_OK)
		r = store_sync_cmd_get(env->store, run->state.id, run->state.synckey,
				       STORE_SYNC_CMD_HOLDS, cmd->server_id, &id, &holds,
				       &run->error);
	if (r == STORE_NOT_FOUND || (r == STORE_OK && id != old->id))
		holds = old->modseq;
	else if (r != STORE_OK)
		return r;
	*done_r = true;
	run->wrote = true;
	run->echo = run->echo || holds != old->modseq;
	own_write_note(run, old->id, old->modseq, holds);
	return store_sync_view_set_pending(env->store, run->state.id, old->id, holds,
					   &run->error);
}

/* A Change, or a 16.x Change/Delete of one occurrence (delete_instance). */
static enum store_result run_change(struct coll_run *run, const struct sync_client_cmd *cmd,
				    bool delete_instance)
{
	struct sync_env *env = run->env;
	struct store_item old, in, item;
	int64_t held;

	if (cmd->server_id == NULL || *cmd->server_id == '\0')
		return STORE_OK; /* Q-PARSE-1 */
	if (cmd->class_name != NULL && str_eq_nocase(cmd->class_name, "SMS"))
		return STORE_OK; /* Q-PARSE-2 */
	enum store_result r = command_item(run, cmd->server_id, true, &old);
	if (r == STORE_NOT_FOUND) {
		/* The retry rule: the first attempt changed it, then deleted it (a Change and a
		 * Delete in one request): answered as then, without a reply. */
		int64_t id, m;
		if (store_sync_cmd_get(env->store, run->state.id, run->state.synckey,
				       STORE_SYNC_CMD_CHANGE, cmd->server_id, &id, &m,
				       &run->error) == STORE_OK &&
		    store_sync_cmd_get(env->store, run->state.id, run->state.synckey,
				       STORE_SYNC_CMD_DELETE, cmd->server_id, &id, &m,
				       &run->error) == STORE_OK)
			return STORE_OK;
		add_reply(env, run->res, &run->reply_cap, cmd->kind, cmd->server_id,
			  SYNC_STATUS_NOT_FOUND);
		return STORE_OK;
	}
	if (r != STORE_OK)
		return r;
	if (run->res->ops == NULL) {
		add_reply(env, run->res, &run->reply_cap, cmd->kind, cmd->server_id,
			  SYNC_STATUS_CONVERSION_ERROR);
		return STORE_OK;
	}
	if ((r = store_sync_view_held(env->store, run->state.id, old.id, &held, &run->error)) !=
	    STORE_OK)
		return r;
	int64_t digest = command_digest(cmd, delete_instance);
	const char *digest_key = command_digest_key(run, cmd);
	bool replayed;
	if ((r = replay(run, cmd, &old, digest, digest_key, &replayed)) != STORE_OK || replayed)
		return r;
	bool applied = false;
	/* What the device's view holds, before the rules below raise held: whether its
	 * Change was made on a version it had not seen (stale) is decided on it, so that a
	 * retried request merges as the first attempt did. */
	int64_t view_held = held;
	int64_t first_holds = -1;
	const struct own_write *mine_here = own_write_find(run, old.id);
	if (mine_here != NULL && mine_here->modseq == old.modseq) {
		/* Written by an earlier command of this request: the device knows it. */
		held = old.modseq;
	} else {
		/* The retry rule (Q-SYNC-1): this Change (or 16.x occurrence Change/Delete)
		 * repeated with the key of a lost answer finds what the first attempt's last
		 * command on the item wrote. The device holds that write: no conflict with it,
		 * only with a later writer's. */
		int64_t mine_id, mine;
		r = store_sync_cmd_get(env->store, run->state.id, run->state.synckey,
				       STORE_SYNC_CMD_CHANGE, cmd->server_id, &mine_id, &mine,
				       &run->error);
		if (r == STORE_OK && mine_id == old.id) {
			if (mine > held)
				held = mine;
			applied = old.modseq == mine;
			int64_t h_id, h;
			r = store_sync_cmd_get(env->store, run->state.id, run->state.synckey,
					       STORE_SYNC_CMD_HOLDS, cmd->server_id, &h_id, &h,
					       &run->error);
			if (r == STORE_OK && h_id == old.id)
				first_holds = h;
			else if (r != STORE_OK && r != STORE_NOT_FOUND)
				return r;
		} else if (r != STORE_OK && r != STORE_NOT_FOUND) {
			return r;
		}
	}
	if (server_wins(run, &old, held)) {
		/* The server's version goes to the device by the change scan. */
		add_reply(env, run->res, &run->reply_cap, cmd->kind, cmd->server_id,
			  SYNC_STATUS_CONFLICT);
		return STORE_OK;
	}
	/* A repeated Change is judged as its first attempt was: the view now holds what the
	 * device had before it, which says nothing of the first attempt's own write. */
	bool stale = view_held > 0 && view_held < old.modseq;
	if (applied)
		stale = first_holds >= 0 && first_holds < old.modseq;
	if (convert(run, cmd, &old, delete_instance, stale, &in) < 0) {
		log_info("Sync Change %s refused: %s", cmd->server_id, run->error);
		add_reply(env, run->res, &run->reply_cap, cmd->kind, cmd->server_id,
			  SYNC_STATUS_CONVERSION_ERROR);
		return STORE_OK;
	}
	if (applied && in.data_len == old.data_len &&
	    (old.data_len == 0 || memcmp(in.data, old.data, old.data_len) == 0)) {
		/* The repeated Change is already in the store as the first attempt wrote it:
		 * nothing to write again, the same answer. A calendar Change that was stale
		 * goes back to the device as the first attempt's did (the merge has other
		 * devices' exceptions). */
		int64_t again = first_holds >= 0 ? first_holds : old.modseq;
		run->wrote = true;
		run->echo = run->echo || again != old.modseq;
		own_write_note(run, old.id, old.modseq, again);
		return store_sync_view_set_pending(env->store, run->state.id, old.id, again,
						   &run->error);
	}
	/* Nothing new over this request's own write (a repeated request's second command on
	 * the item): no write, no Change for the other devices. */
	if (mine_here != NULL && mine_here->modseq == old.modseq && in.data_len == old.data_len &&
	    (old.data_len == 0 || memcmp(in.data, old.data, old.data_len) == 0))
		return STORE_OK;
	r = store_item_update(env->store, env->pool, env->user_id, cmd->server_id, &in,
			      env->device, &item, &run->error);
	if (r == STORE_INVALID) {
		log_info("Sync Change %s refused by the store: %s", cmd->server_id, run->error);
		add_reply(env, run->res, &run->reply_cap, cmd->kind, cmd->server_id,
			  SYNC_STATUS_CONVERSION_ERROR);
		return STORE_OK;
	}
	if (r != STORE_OK)
		return r;
	run->wrote = true;
	/* Also for an occurrence's Change/Delete: the record is the item's last write. */
	if ((r = store_sync_cmd_put(env->store, run->state.id, run->state.synckey,
				    STORE_SYNC_CMD_CHANGE, cmd->server_id, item.id, item.modseq,
				    &run->error)) != STORE_OK)
		return r;
	/* A client-wins calendar Change merged into a version the device had not seen:
	 * the stored exceptions another device made (kept by the merge) are not on this
	 * device, so the merged series goes back to it instead of counting as its own
	 * write. Contacts and tasks: the device's write is the item (no echo, Q-SYNC-8). */
	int64_t holds = run->cls == STORE_CLASS_CALENDAR && held > 0 && held < old.modseq ?
				held : item.modseq;
	if (mine_here != NULL && mine_here->modseq == old.modseq &&
	    mine_here->holds < mine_here->modseq)
		holds = mine_here->holds; /* the first command's merge still goes back */
	if (applied && first_holds >= 0 && first_holds < old.modseq && first_holds < holds)
		holds = first_holds; /* the first attempt's merge never reached the device */
	if ((r = store_sync_cmd_put(env->store, run->state.id, run->state.synckey,
				    STORE_SYNC_CMD_DIGEST, digest_key, item.id, digest,
				    &run->error)) != STORE_OK)
		return r;
	if ((r = store_sync_cmd_put(env->store, run->state.id, run->state.synckey,
				    STORE_SYNC_CMD_HOLDS, cmd->server_id, item.id, holds,
				    &run->error)) != STORE_OK)
		return r;
	own_write_note(run, item.id, item.modseq, holds);
	run->echo = run->echo || holds != item.modseq;
	return store_sync_view_set_pending(env->store, run->state.id, item.id, holds,
					   &run->error);
}

static enum store_result run_delete(struct coll_run *run, const struct sync_client_cmd *cmd)
{
	struct sync_env *env = run->env;
	struct store_item item;
	int64_t held;

	if (cmd->server_id == NULL || *cmd->server_id == '\0')
		return STORE_OK; /* Q-PARSE-1 */
	if (cmd->class_name != NULL && str_eq_nocase(cmd->class_name, "SMS"))
		return STORE_OK; /* Q-PARSE-2 */
	/* 16.x: a Delete with InstanceId removes one occurrence, the series stays. */
	if (cmd->instance_id != NULL && run->res->ops != NULL &&
	    run->res->ops->from_eas_opt != NULL)
		return run_change(run, cmd, true);
	enum store_result r = command_item(run, cmd->server_id, false, &item);
	if (r == STORE_NOT_FOUND) {
		/* The retry rule (Q-SYNC-1): the same Delete with the key of a lost answer
		 * finds the tombstone the first attempt made; it answers as then. */
		int64_t mine_id, mine;
		r = store_sync_cmd_get(env->store, run->state.id, run->state.synckey,
				       STORE_SYNC_CMD_DELETE, cmd->server_id, &mine_id, &mine,
				       &run->error);
		if (r == STORE_OK) {
			run->wrote = true;
			return store_sync_view_set_pending(env->store, run->state.id, mine_id, 0,
							   &run->error);
		}
		if (r != STORE_NOT_FOUND)
			return r;
		add_reply(env, run->res, &run->reply_cap, SYNC_CMD_DELETE, cmd->server_id,
			  SYNC_STATUS_NOT_FOUND);
		return STORE_OK;
	}
	if (r != STORE_OK)
		return r;
	if ((r = store_sync_view_held(env->store, run->state.id, item.id, &held, &run->error)) !=
	    STORE_OK)
		return r;
	/* DeletesAsMoves: contacts and tasks have no Deleted Items of their own; the delete
	 * is permanent (mail moves come with the mail issue). */
	run->wrote = true;
	const struct own_write *mine_here = own_write_find(run, item.id);
	if (mine_here != NULL && mine_here->modseq == item.modseq) {
		held = item.modseq; /* changed by this request: no conflict with itself */
	} else {
		/* The retry rule: a Change of the lost attempt is the device's own write. */
		int64_t c_id, c;
		r = store_sync_cmd_get(env->store, run->state.id, run->state.synckey,
				       STORE_SYNC_CMD_CHANGE, cmd->server_id, &c_id, &c,
				       &run->error);
		if (r == STORE_OK && c_id == item.id && c > held)
			held = c;
		else if (r != STORE_OK && r != STORE_NOT_FOUND)
			return r;
	}
	if (server_wins(run, &item, held)) {
		/* The item stays; the device lost its copy, so the change scan sends it back
		 * as an Add. */
		add_reply(env, run->res, &run->reply_cap, SYNC_CMD_DELETE, cmd->server_id,
			  SYNC_STATUS_CONFLICT);
		return store_sync_view_set_pending(env->store, run->state.id, item.id, 0,
						   &run->error);
	}
	int64_t tomb = 0;
	r = store_item_delete(env->store, env->user_id, cmd->server_id, env->device, &tomb,
			      &run->error);
	if (r == STORE_NOT_FOUND) {
		add_reply(env, run->res, &run->reply_cap, SYNC_CMD_DELETE, cmd->server_id,
			  SYNC_STATUS_NOT_FOUND);
		return STORE_OK;
	}
	if (r != STORE_OK)
		return r;
	if ((r = store_sync_cmd_put(env->store, run->state.id, run->state.synckey,
				    STORE_SYNC_CMD_DELETE, cmd->server_id, item.id, tomb,
				    &run->error)) != STORE_OK)
		return r;
	return store_sync_view_set_pending(env->store, run->state.id, item.id, 0, &run->error);
}

static enum store_result run_fetch(struct coll_run *run, const struct sync_client_cmd *cmd)
{
	struct sync_env *env = run->env;
	struct store_item item;

	if (cmd->server_id == NULL || *cmd->server_id == '\0')
		return STORE_OK; /* Q-PARSE-1 */
	enum store_result r = command_item(run, cmd->server_id, true, &item);
	if (r == STORE_NOT_FOUND || (r == STORE_OK && run->res->ops == NULL)) {
		add_reply(env, run->res, &run->reply_cap, SYNC_CMD_FETCH, cmd->server_id,
			  SYNC_STATUS_NOT_FOUND);
		return STORE_OK;
	}
	if (r != STORE_OK)
		return r;
	struct sync_reply *reply = add_reply(env, run->res, &run->reply_cap, SYNC_CMD_FETCH,
					     cmd->server_id, SYNC_STATUS_OK);
	reply->item = item;
	return STORE_OK;
}

static enum store_result run_commands(struct coll_run *run)
{
	enum store_result r = STORE_OK;

	for (size_t i = 0; i < run->coll->cmd_count && r == STORE_OK; i++) {
		const struct sync_client_cmd *cmd = &run->coll->cmds[i];
		size_t first_reply = run->res->reply_count;
		switch (cmd->kind) {
		case SYNC_CMD_ADD: r = run_add(run, cmd); break;
		case SYNC_CMD_CHANGE: r = run_change(run, cmd, false); break;
		case SYNC_CMD_DELETE: r = run_delete(run, cmd); break;
		case SYNC_CMD_FETCH: r = run_fetch(run, cmd); break;
		}
		/* MS-ASAIRS 2.2.2.26: replies to an InstanceId command carry it. */
		for (size_t k = first_reply; k < run->res->reply_count; k++)
			run->res->replies[k].instance_id = cmd->instance_id;
	}
	return r;
}

/* classify(): nothing to send; and nothing to send, but the device no longer holds it. */
#define CLASS_NONE (-1)
#define CLASS_FORGET (-2)

/* What the device should get for item, given the modseq it holds (0: nothing). own_floor:
 * the modseq the device's view had reached before this request (before a filter change
 * restarted the scan): its own writes after it stay on it whatever the filter. */
static int classify(const struct store_item *item, int64_t held, int filter, int64_t now,
		    int64_t device, int64_t own_floor)
{
	if (item->deleted) {
		if (held == 0)
			return CLASS_NONE;
		/* Its own Delete, also one repeated after a lost response whose view change was
		 * discarded (Q-SYNC-8): it holds nothing any more. */
		return item->origin_device == device ? CLASS_FORGET : SYNC_OUT_DELETE;
	}
	if (held == item->modseq && item->origin_device == device && item->modseq > own_floor)
		return CLASS_NONE; /* its own write of this request or a lost one (Q-SYNC-8) */
	/* The filter before "held at its modseq": an item the device holds leaves with a
	 * SoftDelete when a narrowed filter (the rescan of update_options) takes it out
	 * (MS-ASCMD 2.2.3.172). */
	if (!filter_pass(item, filter, now))
		return held > 0 ? SYNC_OUT_SOFT_DELETE : CLASS_NONE;
	if (held == item->modseq)
		return CLASS_NONE; /* its own write, or sent already (Q-SYNC-8) */
	return held > 0 ? SYNC_OUT_CHANGE : SYNC_OUT_ADD;
}

/* Copies what the response needs of item into p (the scan's batch pool goes away). */
static void copy_item(pool *p, const struct store_item *src, struct store_item *dst)
{
	*dst = *src;
	dst->server_id = pool_strdup(p, src->server_id);
	dst->uid = src->uid != NULL ? pool_strdup(p, src->uid) : NULL;
	dst->data = src->data != NULL ? pool_memdup(p, src->data, src->data_len) : NULL;
}

/* The change scan: fills res->changes with at most window commands from the items after
 * *cursor, records them in the pending view and moves *cursor past everything looked at.
 * target: the folder's items_modseq. */
static enum store_result scan_changes(struct coll_run *run, uint32_t window, int64_t target,
				      int64_t *cursor)
{
	struct sync_env *env = run->env;
	struct sync_result *res = run->res;
	enum store_result r = STORE_OK;
	bool stopped = false;

	if (*cursor >= target || window == 0)
		return STORE_OK;
	res->changes = pool_calloc(env->pool, window, sizeof(*res->changes));
	while (!stopped && r == STORE_OK) {
		size_t need = window - res->change_count;
		/* Batches a bit larger than the need: own writes and filtered items are
		 * skipped without counting. */
		size_t limit = need + 1 < 16 ? 16 : need + 1 > 256 ? 256 : need + 1;
		pool *batch_pool = pool_new(0);
		struct store_item *items;
		size_t n;

		r = store_items_changed(env->store, batch_pool, run->folder.id, *cursor, limit,
					true, &items, &n, &run->error);
		for (size_t i = 0; r == STORE_OK && i < n; i++) {
			if (res->change_count == window ||
			    (res->change_count > 0 && out_of_time(env))) {
				res->more_available = true;
				stopped = true;
				break;
			}
			int64_t held;
			r = store_sync_view_held(env->store, run->state.id, items[i].id, &held,
						 &run->error);
			if (r != STORE_OK)
				break;
			int kind = classify(&items[i], held, run->filter, env->now, env->device,
					    run->own_floor);
			if (kind == CLASS_FORGET) {
				r = store_sync_view_set_pending(env->store, run->state.id,
								items[i].id, 0, &run->error);
				run->wrote = true;
			} else if (kind >= 0) {
				struct sync_change *c = &res->changes[res->change_count++];
				c->kind = (enum sync_change_kind)kind;
				copy_item(env->pool, &items[i], &c->item);
				bool keeps = kind == SYNC_OUT_ADD || kind == SYNC_OUT_CHANGE;
				r = store_sync_view_set_pending(env->store, run->state.id,
								items[i].id,
								keeps ? items[i].modseq : 0,
								&run->error);
			}
			*cursor = items[i].modseq;
		}
		if (r == STORE_OK && !stopped && n < limit) {
			/* Everything up to the folder's modseq has been looked at. */
			if (*cursor < target)
				*cursor = target;
			stopped = true;
		}
		pool_free(&batch_pool);
	}
	return r;
}

/* True (in *found_r) when a held item untouched by this response has left the time window
 * since the state's bound: a command the next response has to send. */
static enum store_result aged_waiting(struct coll_run *run, bool *found_r)
{
	uint64_t n = 0;
	enum store_result r = STORE_OK;

	if (run->ages && run->window_bound < run->window_start)
		r = store_sync_view_aged_count(run->env->store, run->state.id, run->folder.id,
					       run->window_bound, run->window_start,
					       STORE_SYNC_UNTOUCHED, 1, &n, &run->error);
	*found_r = n > 0;
	return r;
}

/* SoftDeletes for items the device holds that have left the filter's time window as time
 * passed, unchanged (MS-ASCMD 2.2.3.172): the change scan sees only items whose modseq
 * moved. Runs after the scan, so that an item the scan (or a command of the client) put in
 * this response is left alone (its view row has a pending value) and no ServerId gets two
 * commands; the device's own write stays with it (Q-SYNC-8). At most what is left of window
 * (a complete range moves window_bound to the window start; otherwise MoreAvailable, which
 * the SoftDeletes sent make legal, Q-SYNC-5). Memory O(window). */
static enum store_result age_out(struct coll_run *run, uint32_t window)
{
	struct sync_env *env = run->env;
	struct sync_result *res = run->res;
	struct store_item *items;
	size_t n;
	bool found;
	enum store_result r;

	if (!run->ages || res->more_available || run->window_bound >= run->window_start)
		return STORE_OK;
	size_t room = window > res->change_count ? window - res->change_count : 0;
	if (room == 0) {
		/* The scan filled the window: the aged items go in the next response. */
		r = aged_waiting(run, &found);
		if (r == STORE_OK && found && res->change_count > 0)
			res->more_available = true;
		return r;
	}
	r = store_sync_view_aged(env->store, env->pool, run->state.id, run->folder.id,
				 run->window_bound, run->window_start, STORE_SYNC_UNTOUCHED,
				 room + 1, &items, &n, &run->error);
	if (r != STORE_OK)
		return r;
	if (n > 0 && res->changes == NULL)
		res->changes = pool_calloc(env->pool, window, sizeof(*res->changes));
	for (size_t i = 0; i < n && i < room && r == STORE_OK; i++) {
		struct sync_change *c = &res->changes[res->change_count++];
		c->kind = SYNC_OUT_SOFT_DELETE;
		c->item = items[i];
		r = store_sync_view_set_pending(env->store, run->state.id, items[i].id, 0,
						&run->error);
	}
	if (r != STORE_OK)
		return r;
	if (n > room)
		res->more_available = true; /* the range is not done: the bound stays */
	else
		run->window_bound = run->window_start;
	return STORE_OK;
}

/* The window of this collection, within what the request's top-level one leaves. */
static uint32_t collection_window(const struct sync_env *env,
				  const struct sync_collection_req *coll)
{
	uint32_t w = coll->window_size > 0 ? coll->window_size : SYNC_WINDOW_DEFAULT;
	return w < env->window_left ? w : env->window_left;
}

/* GetChanges as the request means it: absent is TRUE for a non-zero key (MS-ASCMD
 * 2.2.3.84); a collection whose commands are all Fetches sends no changes (Q-SYNC-4). */
static bool wants_changes(const struct sync_collection_req *coll)
{
	bool fetch_only = coll->cmd_count > 0;

	for (size_t i = 0; i < coll->cmd_count; i++)
		fetch_only = fetch_only && coll->cmds[i].kind == SYNC_CMD_FETCH;
	if (fetch_only)
		return false;
	return coll->get_changes != 0;
}

/* Answers a key for which no state exists or the key is wrong: Status 3, key "0". */
static void invalid_key(struct sync_result *res)
{
	res->status = SYNC_STATUS_INVALID_KEY;
	res->sync_key = "0";
	res->new_key = true;
}

/* SyncKey 0: a new state, the answer "{G}1" and nothing else (Q-SYNC-4). */
static void run_reset(struct coll_run *run)
{
	struct sync_env *env = run->env;
	struct sync_result *res = run->res;
	buf opts = BUF_INIT, sup = BUF_INIT;
	bool given;

	collection_options(env, run->coll, res->class_name, NULL, &run->opt, &given);
	if (given)
		sync_options_encode(&run->opt, &opts);
	if (run->coll->has_supported)
		sync_supported_encode(run->coll->supported, run->coll->supported_count, &sup);
	enum store_result r = store_sync_state_reset(env->store, env->pool, env->device,
						     run->folder.id, env->now,
						     given ? opts.data : NULL, opts.len,
						     sup.len > 0 ? sup.data : NULL, sup.len,
						     &run->state, &run->error);
	buf_free(&opts);
	buf_free(&sup);
	if (r != STORE_OK) {
		log_error("Sync of %s: resetting the state: %s", run->folder.server_id, run->error);
		res->status = SYNC_STATUS_RETRY;
		return;
	}
	res->sync_key = sync_key_format(env->pool, run->state.id, run->state.synckey);
	res->new_key = true;
}

/* Updates the sticky options and Supported list from the request; a changed filter makes
 * the scan start over from the beginning of the folder (SoftDeletes and Adds for what the
 * new filter takes out and lets in). */
static enum store_result update_options(struct coll_run *run, bool given)
{
	struct sync_env *env = run->env;
	const struct sync_collection_req *coll = run->coll;
	buf opts = BUF_INIT, sup = BUF_INIT;
	const void *opt_ptr = NULL, *sup_ptr = NULL;
	enum store_result r = STORE_OK;

	if (given) {
		struct sync_options old;
		bool old_given;
		sync_options_encode(&run->opt, &opts);
		if (run->state.options == NULL || run->state.options_len != opts.len ||
		    memcmp(run->state.options, opts.data, opts.len) != 0) {
			struct sync_collection_req none = { .collection_id = coll->collection_id };
			collection_options(env, &none, run->res->class_name, &run->state, &old,
					   &old_given);
			if (effective_filter(run->cls, old.filter_type) != run->filter)
				run->state.modseq = 0;
			opt_ptr = opts.data;
		}
	}
	if (coll->has_supported) {
		sync_supported_encode(coll->supported, coll->supported_count, &sup);
		if (run->state.supported_len != sup.len ||
		    (sup.len > 0 && memcmp(run->state.supported, sup.data, sup.len) != 0))
			sup_ptr = sup.len > 0 ? (const void *)sup.data : (const void *)"";
	}
	if (opt_ptr != NULL || sup_ptr != NULL)
		r = store_sync_state_set_options(env->store, run->state.id, opt_ptr, opts.len,
						 sup_ptr, sup.len, &run->error);
	buf_free(&opts);
	buf_free(&sup);
	return r;
}

/* Everything that writes, in one transaction: the key's confirm or discard, options, the
 * client's commands, the change scan and the new pending key. */
static enum store_result run_changes(struct coll_run *run)
{
	struct sync_env *env = run->env;
	const struct sync_collection_req *coll = run->coll;
	struct sync_result *res = run->res;
	bool given;
	enum store_result r;

	/* Read again inside the transaction: another request of the device may have moved
	 * the state since the look-up. */
	r = store_sync_state_get(env->store, env->pool, env->device, run->folder.id, &run->state,
				 &run->error);
	if (r == STORE_NOT_FOUND) {
		invalid_key(res);
		return STORE_OK;
	}
	if (r != STORE_OK)
		return r;
	switch (key_action(&run->state, coll->sync_key)) {
	case KEY_INVALID:
		invalid_key(res);
		return STORE_OK;
	case KEY_CONFIRM:
		r = store_sync_confirm(env->store, &run->state, &run->error);
		break;
	case KEY_RETRY:
		r = store_sync_discard(env->store, &run->state, &run->error);
		break;
	case KEY_SERVE:
		break;
	}
	if (r != STORE_OK)
		return r;
	const char *held_key = sync_key_format(env->pool, run->state.id, run->state.synckey);
	res->sync_key = held_key;
	/* The client holds the confirmed key now (a confirm may have changed it). */
	res->new_key = coll->sync_key != NULL && strcmp(coll->sync_key, held_key) != 0;

	run->own_floor = run->state.modseq;
	collection_options(env, coll, res->class_name, &run->state, &run->opt, &given);
	run->filter = effective_filter(run->cls, run->opt.filter_type);
	run->conflict_client_wins = run->opt.conflict == 0;
	sync_options_to_pim(&run->opt, env->version, &res->out);
	if ((r = update_options(run, given)) != STORE_OK)
		return r;
	if (coll->has_supported) {
		run->supported.declared = coll->supported_count > 0;
		run->supported.tags = coll->supported;
		run->supported.count = coll->supported_count;
	} else {
		sync_supported_decode(env->pool, run->state.supported, run->state.supported_len,
				      &run->supported);
	}

	run->ages = window_start(run->filter, env->now, &run->window_start);
	run->window_bound = run->ages ? aging_bound(run->state.window_checked, run->state.modseq,
						    run->window_start) :
					run->state.window_checked;

	int64_t before, after;
	if ((r = store_folder_items_modseq(env->store, run->folder.id, &before, &run->error)) !=
	    STORE_OK)
		return r;
	if ((r = run_commands(run)) != STORE_OK)
		return r;
	after = before;
	if (run->wrote &&
	    (r = store_folder_items_modseq(env->store, run->folder.id, &after, &run->error)) !=
		    STORE_OK)
		return r;

	int64_t cursor = run->state.modseq;
	/* A class without converters (mail, for now) sends nothing and keeps its cursor, so
	 * that its items go out once it has them. */
	if (wants_changes(coll) && res->ops != NULL) {
		uint32_t window = collection_window(env, coll);
		if (window == 0 || (out_of_time(env) && time_budget_ms > 0)) {
			/* The request's window or time is used up by earlier collections:
			 * nothing now, and MoreAvailable on one that sent something so that the
			 * client comes back (Q-SYNC-5: never MoreAvailable without a command). */
			bool aged = false;
			if (cursor >= after && env->last_with_changes != NULL &&
			    (r = aged_waiting(run, &aged)) != STORE_OK)
				return r;
			if ((cursor < after || aged) && env->last_with_changes != NULL)
				env->last_with_changes->more_available = true;
		} else if ((r = scan_changes(run, window, after, &cursor)) != STORE_OK ||
			   (r = age_out(run, window)) != STORE_OK) {
			return r;
		}
		if (env->window_left != UINT32_MAX)
			env->window_left -= (uint32_t)res->change_count;
		if (res->change_count > 0)
			env->last_with_changes = res;
	} else if (run->wrote && cursor >= before && !run->echo) {
		/* Q-SYNC-8: nothing but this request's own writes came after the state, so the
		 * state moves past them even without GetChanges. */
		cursor = after;
	}

	if (run->wrote || res->change_count > 0) {
		if (run->state.synckey == UINT32_MAX) {
			/* Four billion responses later the keys are used up: start over. */
			invalid_key(res);
			return STORE_OK;
		}
		run->state.pending_key = run->state.synckey + 1;
		run->state.pending_modseq = cursor;
		run->state.pending_window_checked = run->window_bound;
		res->sync_key = sync_key_format(env->pool, run->state.id, run->state.pending_key);
		res->new_key = true;
		return store_sync_state_save(env->store, &run->state, &run->error);
	}
	/* Nothing reaches the device: the key stays, the state only moves past what was
	 * skipped (or back to 0 for a new filter), and past the aged range checked. */
	run->state.modseq = cursor;
	run->state.window_checked = run->window_bound;
	return store_sync_state_save(env->store, &run->state, &run->error);
}

/* True when the collection can be answered from the state alone, without a write: the key
 * is the confirmed one with nothing pending, no commands, no new options, and the folder has
 * not changed since the state. */
static bool try_quiet(struct coll_run *run)
{
	struct sync_env *env = run->env;
	const struct sync_collection_req *coll = run->coll;
	int64_t items_modseq;
	bool given;

	if (coll->cmd_count > 0 || coll->has_supported)
		return false;
	if (store_sync_state_get(env->store, env->pool, env->device, run->folder.id, &run->state,
				 &run->error) != STORE_OK)
		return false;
	if (key_action(&run->state, coll->sync_key) != KEY_SERVE)
		return false;
	collection_options(env, coll, run->res->class_name, &run->state, &run->opt, &given);
	if (given) {
		buf opts = BUF_INIT;
		sync_options_encode(&run->opt, &opts);
		bool same = run->state.options != NULL && run->state.options_len == opts.len &&
			    memcmp(run->state.options, opts.data, opts.len) == 0;
		buf_free(&opts);
		if (!same)
			return false;
	}
	if (wants_changes(coll) && run->res->ops != NULL &&
	    (store_folder_items_modseq(env->store, run->folder.id, &items_modseq, &run->error) !=
		     STORE_OK ||
	     items_modseq > run->state.modseq))
		return false;
	if (wants_changes(coll) && run->res->ops != NULL) {
		/* An unchanged item that has left the time window is a change too (a read,
		 * like the one above: the quiet answer stays write-free). */
		bool aged;
		run->filter = effective_filter(run->cls, run->opt.filter_type);
		run->ages = window_start(run->filter, env->now, &run->window_start);
		if (run->ages)
			run->window_bound = aging_bound(run->state.window_checked,
							run->state.modseq, run->window_start);
		if (aged_waiting(run, &aged) != STORE_OK || aged)
			return false;
	}
	run->res->sync_key = sync_key_format(env->pool, run->state.id, run->state.synckey);
	run->res->new_key = coll->sync_key != NULL &&
			    strcmp(coll->sync_key, run->res->sync_key) != 0;
	sync_options_to_pim(&run->opt, env->version, &run->res->out);
	return true;
}

void sync_collection_run(struct sync_env *env, const struct sync_collection_req *coll,
			 struct sync_result *res)
{
	struct coll_run run;
	const char *error = "store error";

	memset(res, 0, sizeof(*res));
	memset(&run, 0, sizeof(run));
	run.env = env;
	run.coll = coll;
	run.res = res;
	res->collection_id = coll->collection_id;
	res->sync_key = coll->sync_key != NULL ? coll->sync_key : "0";
	res->status = SYNC_STATUS_OK;
	if (coll->parse_status != 0) {
		res->status = coll->parse_status;
		log_info("Sync of %s: %s", coll->collection_id, coll->parse_error);
		return;
	}
	enum store_result r = store_folder_get(env->store, env->pool, env->user_id,
					       coll->collection_id, &run.folder, &error);
	if (r == STORE_NOT_FOUND) {
		res->status = env->unknown_collection_status;
		return;
	}
	if (r != STORE_OK) {
		log_error("Sync of %s: %s", coll->collection_id, error);
		res->status = SYNC_STATUS_RETRY;
		return;
	}
	run.cls = store_folder_type_class(run.folder.type);
	res->class_name = store_class_name(run.cls);
	res->ops = pim_class(run.cls);
	if (env->device <= 0) {
		/* No device row (DeviceId "validate", Q-FOLD-1): no state can be kept. */
		res->status = SYNC_STATUS_SERVER_ERROR;
		return;
	}
	if (coll->sync_key != NULL && strcmp(coll->sync_key, "0") == 0) {
		run_reset(&run);
		return;
	}
	if (try_quiet(&run))
		return;
	run.error = NULL;

	if (store_begin(env->store, &error) != STORE_OK) {
		log_error("Sync of %s: %s", coll->collection_id, error);
		res->status = SYNC_STATUS_RETRY;
		return;
	}
	r = run_changes(&run);
	if (r == STORE_OK && res->status == SYNC_STATUS_OK)
		r = store_commit(env->store, &error);
	else if (r == STORE_OK)
		store_rollback(env->store); /* Status 3: nothing to keep */
	if (r != STORE_OK) {
		store_rollback(env->store);
		log_error("Sync of %s failed, rolled back: %s", coll->collection_id,
			  run.error != NULL ? run.error : error);
		struct sync_result failed = { .collection_id = coll->collection_id,
					      .class_name = res->class_name,
					      .sync_key = coll->sync_key != NULL ? coll->sync_key :
										   "0",
					      .status = SYNC_STATUS_RETRY };
		if (env->last_with_changes == res)
			env->last_with_changes = NULL;
		*res = failed;
	}
}

/* The modseq the device holds item_id at, at the confirmed key (pending false) or at the
 * pending one; -1 on a store error. */
static int64_t estimate_held(struct sync_env *env, int64_t state_id, int64_t item_id,
			     bool pending)
{
	struct store_sync_view v;
	const char *error;
	enum store_result r = store_sync_view_get(env->store, state_id, item_id, &v, &error);

	if (r == STORE_NOT_FOUND)
		return 0;
	if (r != STORE_OK)
		return -1;
	if (pending && v.pending != STORE_SYNC_NO_PENDING)
		return v.pending;
	return v.modseq;
}

int sync_collection_estimate(struct sync_env *env, const char *collection_id,
			     const char *sync_key, int filter_type, uint64_t limit,
			     uint64_t *estimate_r)
{
	struct store_folder folder;
	struct store_sync_state state;
	struct sync_options opt;
	const char *error;
	int64_t gen, target;
	uint32_t n;

	*estimate_r = 0;
	enum store_result r = store_folder_get(env->store, env->pool, env->user_id, collection_id,
					       &folder, &error);
	if (r == STORE_NOT_FOUND)
		return 2;
	if (r != STORE_OK)
		return -1;
	if (env->device <= 0 || sync_key == NULL || strcmp(sync_key, "0") == 0)
		return 3;
	r = store_sync_state_get(env->store, env->pool, env->device, folder.id, &state, &error);
	if (r == STORE_NOT_FOUND)
		return 3;
	if (r != STORE_OK)
		return -1;
	if (sync_key_parse(sync_key, &gen, &n) < 0 || gen != state.id ||
	    (n != state.synckey && (state.pending_key == 0 || n != state.pending_key)))
		return 4;
	bool pending = state.pending_key != 0 && n == state.pending_key;
	int64_t cursor = pending ? state.pending_modseq : state.modseq;

	enum store_class cls = store_folder_type_class(folder.type);
	sync_options_init(&opt);
	if (state.options != NULL &&
	    sync_options_decode(env->pool, state.options, state.options_len, &opt, &error) < 0)
		sync_options_init(&opt);
	int filter = effective_filter(cls, opt.filter_type);
	if (filter_type >= 0 && effective_filter(cls, filter_type) != filter) {
		/* Another filter than the state's: the next Sync starts over with it. */
		filter = effective_filter(cls, filter_type);
		cursor = 0;
	}
	if (pim_class(cls) == NULL)
		return 1;
	if (store_folder_items_modseq(env->store, folder.id, &target, &error) != STORE_OK)
		return -1;

	uint64_t count = 0;
	int64_t scan_from = cursor;
	while (cursor < target && count < limit) {
		pool *batch_pool = pool_new(0);
		struct store_item *items;
		size_t got;
		r = store_items_changed(env->store, batch_pool, folder.id, cursor, 256, false,
					&items, &got, &error);
		for (size_t i = 0; r == STORE_OK && i < got && count < limit; i++) {
			int64_t held = estimate_held(env, state.id, items[i].id, pending);
			if (held < 0)
				r = STORE_ERROR;
			else if (classify(&items[i], held, filter, env->now, env->device,
					      pending ? state.pending_modseq : state.modseq) >= 0)
				count++;
			cursor = items[i].modseq;
		}
		pool_free(&batch_pool);
		if (r != STORE_OK)
			return -1;
		if (got < 256)
			break;
	}

	/* Unchanged items the key's view holds that have left the time window: the aged
	 * SoftDeletes of the next Sync (a scan from 0 has counted them already). An item
	 * that changed and aged counts twice: an estimate. */
	int64_t start;
	if (scan_from > 0 && count < limit && window_start(filter, env->now, &start)) {
		int64_t bound = aging_bound(pending ? state.pending_window_checked :
						      state.window_checked,
					    scan_from, start);
		uint64_t aged = 0;
		if (bound < start &&
		    store_sync_view_aged_count(env->store, state.id, folder.id, bound, start,
					       pending ? STORE_SYNC_AT_PENDING :
							 STORE_SYNC_AT_CONFIRMED,
					       limit - count, &aged, &error) != STORE_OK)
			return -1;
		count += aged;
	}
	*estimate_r = count;
	return 1;
}
