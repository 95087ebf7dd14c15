/* End-to-end tests of bad input to Sync and GetItemEstimate (issue 5, points 4 and 5), each
 * on 2.5, 12.1, 14.1 and 16.1: wrong tags and bodies, missing SyncKey, unknown keys and
 * collections, bad and huge WindowSize, commands on items that do not exist, hanging-Sync
 * bounds, empty and Partial requests without a cached request, too many collections, deep
 * nesting: each gets the right Status and writes nothing (the database is compared before
 * and after). Also GetItemEstimate in every version's form and the 12.1+ empty and Partial
 * Sync with a cached request. */
#include "harness.h"
#include "db.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

#define LOGIN "mike@ox.io"
#define PASSWORD "Mike-pw-1"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

static void start_server(void)
{
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easd_start(h_env, NULL);
}

static void phone(struct h_device *dev, const char *device_id, const char *version)
{
	h_device_init(dev, LOGIN, PASSWORD);
	dev->device_id = device_id;
	dev->version = version;
	h_dev_start(h_env, dev);
}

static void import(const char *prefix, unsigned count)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.vcf", prefix);
	h_easctl_ok(h_env, NULL, "contacts", "import", LOGIN, h_write_vcards(h_env, name, prefix, count),
		    NULL);
}

static unsigned version_of(const struct h_device *dev)
{
	return h_version_number(dev->version);
}

/* ---- building hostile bodies ---- */

struct body {
	buf b;
	struct wbxml_writer w;
};

/* <Sync><Collections><Collection>[Class]<SyncKey/><CollectionId/> ... (key or id NULL: left
 * out); the caller adds children and calls body_end_collection. */
static void body_collection(struct body *s, const struct h_device *dev, const char *key,
			    const char *coll)
{
	buf_init(&s->b);
	wbxml_writer_init(&s->w, &s->b, 0);
	wbxml_start(&s->w, WBXML_AirSync_Sync);
	wbxml_start(&s->w, WBXML_AirSync_Collections);
	wbxml_start(&s->w, WBXML_AirSync_Collection);
	if (version_of(dev) < 140)
		wbxml_elem_str(&s->w, WBXML_AirSync_Class, "Contacts");
	if (key != NULL)
		wbxml_elem_str(&s->w, WBXML_AirSync_SyncKey, key);
	if (coll != NULL)
		wbxml_elem_str(&s->w, WBXML_AirSync_CollectionId, coll);
}

static void body_end(struct body *s, unsigned open)
{
	const char *error;

	while (open-- > 0)
		wbxml_end(&s->w);
	ck_assert_int_eq(wbxml_writer_finish(&s->w, &error), 0);
}

/* One command in Commands: <Kind>[ClientId|ServerId][ApplicationData FileAs]</Kind>. */
static void body_command(struct body *s, uint16_t kind, uint16_t id_tag, const char *id,
			 const char *file_as)
{
	wbxml_start(&s->w, WBXML_AirSync_Commands);
	wbxml_start(&s->w, kind);
	if (id != NULL)
		wbxml_elem_str(&s->w, id_tag, id);
	if (file_as != NULL) {
		wbxml_start(&s->w, WBXML_AirSync_ApplicationData);
		wbxml_elem_str(&s->w, WBXML_Contacts_FileAs, file_as);
		wbxml_end(&s->w);
	}
	wbxml_end(&s->w);
	wbxml_end(&s->w);
}

/* ---- sending and judging ---- */

struct answer {
	long http;
	int top;        /* Sync/Status, -1 */
	int coll;       /* the first Collection's Status, -1 */
	int reply;      /* the first Responses entry's Status, -1 */
	int limit;      /* Sync/Limit, -1 */
	unsigned commands;
	const char *xml;
};

static void send_sync(struct h_device *dev, const void *body, size_t len, pool *p, struct answer *a)
{
	struct wbxml_node *root;

	memset(a, 0, sizeof(*a));
	a->http = h_dev_post_wbxml(h_env, dev, "Sync", body, len, p, &root);
	a->xml = h_wbxml_xml(p, root);
	a->top = h_wbxml_status(root);
	struct wbxml_node *limit = root != NULL ? wbxml_child(root, WBXML_AirSync_Limit) : NULL;
	uint64_t v;
	const char *error;
	a->limit = limit != NULL && wbxml_node_uint(limit, 1u << 30, &v, &error) == 0 ? (int)v : -1;
	struct wbxml_node *coll = h_wbxml_path(root, WBXML_AirSync_Collections, WBXML_AirSync_Collection, 0);
	a->coll = h_wbxml_status(coll);
	struct wbxml_node *responses = coll != NULL ? wbxml_child(coll, WBXML_AirSync_Responses) : NULL;
	a->reply = responses != NULL && responses->children != NULL ?
		h_wbxml_status(responses->children) : -1;
	struct wbxml_node *commands = coll != NULL ? wbxml_child(coll, WBXML_AirSync_Commands) : NULL;
	if (commands != NULL) {
		wbxml_foreach_child(commands, c)
			a->commands++;
	}
}

/* What a refused request must leave as it was: everything but the device's last-seen time
 * (and, for requests that are valid as a whole, the cached request of 12.1+). */
static const char *const skip_devices[] = { "devices", NULL };
static const char *const skip_cache[] = { "devices", "sync_requests", NULL };

/* Sends body as a Sync and expects the statuses (-1: absent, 0: do not check); nothing
 * may be written. */
static void expect_sync(struct h_device *dev, const void *body, size_t len, int top, int coll,
			int reply, bool cache_ok, const char *what)
{
	const char *const *skip = cache_ok ? skip_cache : skip_devices;
	char *before = h_db_snapshot(h_env_data_dir(h_env), skip);
	pool *p = pool_new(4096);
	struct answer a;

	send_sync(dev, body, len, p, &a);
	ck_assert_msg(a.http == 200, "%s (%s): HTTP %ld", what, dev->version, a.http);
	ck_assert_msg((top == 0 || a.top == top) && (coll == 0 || a.coll == coll) &&
		      (reply == 0 || a.reply == reply),
		      "%s (%s): Status %d / collection %d / response %d, want %d / %d / %d\n%s", what,
		      dev->version, a.top, a.coll, a.reply, top, coll, reply, a.xml);
	char *after = h_db_snapshot(h_env_data_dir(h_env), skip);
	ck_assert_msg(strcmp(before, after) == 0, "%s (%s) wrote something:\n%s\n%s", what,
		      dev->version, before, after);
	free(before);
	free(after);
	pool_free(&p);
}

static void expect_body(struct h_device *dev, struct body *s, int top, int coll, int reply,
			bool cache_ok, const char *what)
{
	expect_sync(dev, s->b.data, s->b.len, top, coll, reply, cache_ok, what);
	buf_free(&s->b);
}

/* Syncs the collection to the end and once more, so that no answer is pending: the next
 * request with the phone's key has nothing to confirm (confirming is a legitimate write). */
static void settle(struct h_device *dev, const char *coll)
{
	struct h_sync_result r;

	h_dev_sync_all(h_env, dev, coll, NULL);
	h_dev_sync(h_env, dev, coll, 0, &r);
	ck_assert_msg(r.empty || (h_sync_status(&r) == 1 && r.coll[0].commands == 0), "%s", r.xml);
	h_sync_result_free(&r);
}

/* Bad Sync requests: each answered with its Status, nothing written. */
START_TEST(test_sync_bad_input)
{
	static const unsigned char foldersync[] = { 0x03, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56, 0x52,
						    0x03, 0x30, 0x00, 0x01, 0x01 };
	struct h_device a;
	struct body s;

	start_server();
	import("Base", 3);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *c = h_dev_folder_of_type(&a, 9);
	const char *tasks = h_dev_folder_of_type(&a, 7);
	settle(&a, c);
	char *key = strdup(h_device_sync_key(&a, c));
	char *item = strdup(h_dev_collection(&a, c)->items[0].server_id);

	/* Not a Sync at all. */
	expect_sync(&a, "hello", 5, 4, -1, -1, false, "a body that is not WBXML");
	expect_sync(&a, foldersync, sizeof(foldersync), 4, -1, -1, false, "a FolderSync body");

	/* A valid request cut short. */
	body_collection(&s, &a, key, c);
	body_end(&s, 3);
	expect_sync(&a, s.b.data, s.b.len - 4, 4, -1, -1, false, "a body cut short");
	buf_free(&s.b);

	/* Collection without CollectionId: the whole request is malformed. */
	body_collection(&s, &a, key, NULL);
	body_end(&s, 3);
	expect_body(&a, &s, 4, -1, -1, false, "no CollectionId");

	/* Collection without SyncKey: that collection is malformed. */
	body_collection(&s, &a, NULL, c);
	body_end(&s, 3);
	expect_body(&a, &s, -1, 4, -1, true, "no SyncKey");

	/* Keys that are not the state's. */
	body_collection(&s, &a, "garbage", c);
	body_end(&s, 3);
	expect_body(&a, &s, -1, 3, -1, true, "a SyncKey that is no key");
	body_collection(&s, &a, "{999}1", c);
	body_end(&s, 3);
	expect_body(&a, &s, -1, 3, -1, true, "a SyncKey of another state");
	body_collection(&s, &a, "{1}4294967295", c);
	body_end(&s, 3);
	expect_body(&a, &s, -1, 3, -1, true, "a SyncKey from the future");

	/* Collections that do not exist: 12 (sync-quirks.h, Q-FOLD-4). */
	body_collection(&s, &a, key, "4242");
	body_end(&s, 3);
	expect_body(&a, &s, -1, 12, -1, true, "an unknown collection");
	body_collection(&s, &a, "0", "4242");
	body_end(&s, 3);
	expect_body(&a, &s, -1, 12, -1, true, "an unknown collection with SyncKey 0");
	body_collection(&s, &a, key, "");
	body_end(&s, 3);
	expect_body(&a, &s, 0, 0, -1, false, "an empty CollectionId");

	/* WindowSize that is no number. */
	body_collection(&s, &a, key, c);
	wbxml_elem_str(&s.w, WBXML_AirSync_WindowSize, "many");
	body_end(&s, 3);
	expect_body(&a, &s, -1, 4, -1, true, "WindowSize 'many'");

	/* Commands on items that do not exist: Status 8 each. */
	char missing[64];
	snprintf(missing, sizeof(missing), "%s:999999", c);
	body_collection(&s, &a, key, c);
	body_command(&s, WBXML_AirSync_Change, WBXML_AirSync_ServerId, missing, "Ghost");
	body_end(&s, 3);
	expect_body(&a, &s, -1, 1, 8, true, "Change of a missing item");
	body_collection(&s, &a, key, c);
	body_command(&s, WBXML_AirSync_Delete, WBXML_AirSync_ServerId, missing, NULL);
	body_end(&s, 3);
	expect_body(&a, &s, -1, 1, 8, true, "Delete of a missing item");
	body_collection(&s, &a, key, c);
	body_command(&s, WBXML_AirSync_Fetch, WBXML_AirSync_ServerId, missing, NULL);
	body_end(&s, 3);
	expect_body(&a, &s, -1, 1, 8, true, "Fetch of a missing item");
	/* A contact named in the tasks collection. */
	settle(&a, tasks);
	body_collection(&s, &a, h_device_sync_key(&a, tasks), tasks);
	body_command(&s, WBXML_AirSync_Change, WBXML_AirSync_ServerId, item, "Moved?");
	body_end(&s, 3);
	expect_body(&a, &s, -1, 1, 8, true, "Change of a contact in the tasks collection");

	/* An Add without ClientId is skipped (Q-PARSE-1: as a command with an empty ServerId). */
	body_collection(&s, &a, key, c);
	body_command(&s, WBXML_AirSync_Add, WBXML_AirSync_ClientId, NULL, "No ClientId");
	body_end(&s, 3);
	expect_body(&a, &s, 0, 0, 0, true, "Add without ClientId");
	/* An Add without ApplicationData: see tests/pending/e2e-sync-pending.c. */

	/* Data that cannot be stored: Status 6 (error in client/server conversion). */
	body_collection(&s, &a, key, c);
	wbxml_start(&s.w, WBXML_AirSync_Commands);
	wbxml_start(&s.w, WBXML_AirSync_Add);
	wbxml_elem_str(&s.w, WBXML_AirSync_ClientId, "c9");
	wbxml_start(&s.w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(&s.w, WBXML_Contacts_FileAs, "Bad birthday");
	wbxml_elem_str(&s.w, WBXML_Contacts_Birthday, "the day after tomorrow");
	body_end(&s, 6);
	expect_body(&a, &s, -1, 1, 6, true, "Add with a Birthday that is no date");
	body_collection(&s, &a, key, c);
	wbxml_start(&s.w, WBXML_AirSync_Commands);
	wbxml_start(&s.w, WBXML_AirSync_Change);
	wbxml_elem_str(&s.w, WBXML_AirSync_ServerId, item);
	wbxml_start(&s.w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(&s.w, WBXML_Contacts_Birthday, "yesterday");
	body_end(&s, 6);
	expect_body(&a, &s, -1, 1, 6, true, "Change with a Birthday that is no date");

	/* The same collection twice: the second is refused. */
	body_collection(&s, &a, key, c);
	wbxml_end(&s.w);
	wbxml_start(&s.w, WBXML_AirSync_Collection);
	if (version_of(&a) < 140)
		wbxml_elem_str(&s.w, WBXML_AirSync_Class, "Contacts");
	wbxml_elem_str(&s.w, WBXML_AirSync_SyncKey, key);
	wbxml_elem_str(&s.w, WBXML_AirSync_CollectionId, c);
	body_command(&s, WBXML_AirSync_Add, WBXML_AirSync_ClientId, "c2", "Twice");
	body_end(&s, 3);
	{
		char *before = h_db_snapshot(h_env_data_dir(h_env), skip_cache);
		pool *q = pool_new(1024);
		struct answer t;
		send_sync(&a, s.b.data, s.b.len, q, &t);
		ck_assert_msg(strstr(t.xml, "<Status>4</Status>") != NULL, "collection named twice:\n%s",
			      t.xml);
		char *after = h_db_snapshot(h_env_data_dir(h_env), skip_cache);
		ck_assert_msg(strcmp(before, after) == 0, "collection named twice wrote:\n%s\n%s", before,
			      after);
		free(before);
		free(after);
		pool_free(&q);
		buf_free(&s.b);
	}

	/* Commands with SyncKey 0 are ignored (Q-SYNC-4): no item is made. */
	int64_t items = h_db_int(h_env_data_dir(h_env), "SELECT count(*) FROM items");
	body_collection(&s, &a, "0", h_dev_folder_of_type(&a, 9));
	body_command(&s, WBXML_AirSync_Add, WBXML_AirSync_ClientId, "c3", "At zero");
	body_end(&s, 3);
	pool *p = pool_new(1024);
	struct answer ans;
	send_sync(&a, s.b.data, s.b.len, p, &ans);
	buf_free(&s.b);
	ck_assert_msg(ans.coll == 1 && ans.reply == -1, "Add with SyncKey 0:\n%s", ans.xml);
	ck_assert_int_eq(h_db_int(h_env_data_dir(h_env), "SELECT count(*) FROM items"), items);
	pool_free(&p);

	free(key);
	free(item);
	h_device_free(&a);
}
END_TEST

/* A Sync with one collection (the phone's key) and top-level Wait / HeartbeatInterval
 * (-1: left out). */
static void body_hanging(struct body *s, const struct h_device *dev, const char *coll, int wait,
			 int heartbeat)
{
	body_collection(s, dev, h_device_sync_key(dev, coll), coll);
	wbxml_end(&s->w);
	wbxml_end(&s->w);
	if (wait >= 0)
		wbxml_elem_uint(&s->w, WBXML_AirSync_Wait, (uint64_t)wait);
	if (heartbeat >= 0)
		wbxml_elem_uint(&s->w, WBXML_AirSync_HeartbeatInterval, (uint64_t)heartbeat);
	body_end(s, 1);
}

/* Request-level refusals: hanging-Sync bounds (14 with the nearest Limit), empty and
 * Partial requests without a cached request (13; 2.5 has no empty request: 4), too many
 * collections (15), nesting deeper than the decoder allows (4); WindowSize above 512 is
 * 512 (Q-SYNC-5). */
START_TEST(test_sync_request_level)
{
	struct h_device a, fresh;
	struct body s;
	pool *p = pool_new(4096);
	struct answer ans;

	start_server();
	import("Many", 600);
	phone(&fresh, "FRESH00001", versions[_i]);
	phone(&a, "PHONEA0001", versions[_i]);
	unsigned v = version_of(&a);
	const char *c = h_dev_folder_of_type(&a, 9);

	/* Empty and Partial requests of a phone that never sent a full one. */
	expect_sync(&fresh, NULL, 0, v >= 121 ? 13 : 4, -1, -1, false, "an empty request, nothing cached");
	if (v >= 121) {
		body_collection(&s, &fresh, "0", c);
		wbxml_end(&s.w);
		wbxml_end(&s.w);
		wbxml_elem_empty(&s.w, WBXML_AirSync_Partial);
		body_end(&s, 1);
		expect_body(&fresh, &s, 13, -1, -1, false, "Partial, nothing cached");
	}

	/* WindowSize 100000 counts as 512. */
	struct h_collection *col = h_dev_collection(&a, c);
	h_dev_sync_all(h_env, &a, c, NULL);
	h_dev_reset_collection(&a, c);
	col->window_size = 0;
	struct h_sync_result r;
	h_dev_sync(h_env, &a, c, 0, &r);   /* SyncKey 0 */
	h_sync_result_free(&r);
	body_collection(&s, &a, h_device_sync_key(&a, c), c);
	wbxml_elem_uint(&s.w, WBXML_AirSync_WindowSize, 100000);
	body_end(&s, 3);
	send_sync(&a, s.b.data, s.b.len, p, &ans);
	buf_free(&s.b);
	ck_assert_msg(ans.coll == 1 && ans.commands == 512 && strstr(ans.xml, "<MoreAvailable/>") != NULL,
		      "WindowSize 100000: Status %d, %u commands", ans.coll, ans.commands);

	/* Hanging-Sync bounds (12.1+: Wait; 14.0+: HeartbeatInterval). */
	if (v >= 121) {
		h_dev_reset_collection(&a, c);
		settle(&a, c);
		body_hanging(&s, &a, c, 0, -1);
		send_sync(&a, s.b.data, s.b.len, p, &ans);
		buf_free(&s.b);
		ck_assert_msg(ans.top == 14 && ans.limit == 1, "Wait 0: %s", ans.xml);
		body_hanging(&s, &a, c, 60, -1);
		send_sync(&a, s.b.data, s.b.len, p, &ans);
		buf_free(&s.b);
		ck_assert_msg(ans.top == 14 && ans.limit == 59, "Wait 60: %s", ans.xml);
		body_hanging(&s, &a, c, 5, -1);
		expect_body(&a, &s, 0, 0, -1, true, "Wait 5 (answered at once while there is no push)");
	}
	if (v >= 140) {
		body_hanging(&s, &a, c, -1, 10);
		send_sync(&a, s.b.data, s.b.len, p, &ans);
		buf_free(&s.b);
		ck_assert_msg(ans.top == 14 && ans.limit == 60, "HeartbeatInterval 10: %s", ans.xml);
		body_hanging(&s, &a, c, -1, 4000);
		send_sync(&a, s.b.data, s.b.len, p, &ans);
		buf_free(&s.b);
		ck_assert_msg(ans.top == 14 && ans.limit == 3540, "HeartbeatInterval 4000: %s", ans.xml);
		body_hanging(&s, &a, c, 5, 300);
		expect_body(&a, &s, 4, -1, -1, false, "Wait and HeartbeatInterval together");
	}

	/* 1001 collections. */
	buf_init(&s.b);
	wbxml_writer_init(&s.w, &s.b, 0);
	wbxml_start(&s.w, WBXML_AirSync_Sync);
	wbxml_start(&s.w, WBXML_AirSync_Collections);
	for (int i = 0; i < 1001; i++) {
		char id[16];
		snprintf(id, sizeof(id), "%d", 5000 + i);
		wbxml_start(&s.w, WBXML_AirSync_Collection);
		wbxml_elem_str(&s.w, WBXML_AirSync_SyncKey, "0");
		wbxml_elem_str(&s.w, WBXML_AirSync_CollectionId, id);
		wbxml_end(&s.w);
	}
	body_end(&s, 2);
	send_sync(&a, s.b.data, s.b.len, p, &ans);
	buf_free(&s.b);
	/* Limit is a 12.1+ element. */
	ck_assert_msg(ans.top == 15 && ans.limit == (v >= 121 ? 1000 : -1), "1001 collections: %s",
		      ans.xml);

	/* 300 nested unknown elements inside ApplicationData. */
	body_collection(&s, &a, h_device_sync_key(&a, c), c);
	wbxml_start(&s.w, WBXML_AirSync_Commands);
	wbxml_start(&s.w, WBXML_AirSync_Add);
	wbxml_elem_str(&s.w, WBXML_AirSync_ClientId, "deep");
	wbxml_start(&s.w, WBXML_AirSync_ApplicationData);
	for (int i = 0; i < 300; i++)
		wbxml_start(&s.w, WBXML_Contacts_Categories);
	wbxml_elem_str(&s.w, WBXML_Contacts_Category, "bottom");
	body_end(&s, 300 + 6);
	expect_body(&a, &s, 4, -1, -1, false, "300 nested elements");

	pool_free(&p);
	h_device_free(&a);
	h_device_free(&fresh);
}
END_TEST

/* 12.1+ empty and Partial Sync with a cached request: the empty request repeats the last
 * one (both collections), a quiet one is answered with an empty body, a Partial one merges
 * into the cached collections. */
START_TEST(test_empty_and_partial)
{
	struct h_device a;
	struct h_sync_result r;

	start_server();
	phone(&a, "PHONEA0001", versions[_i]);
	const char *c = h_dev_folder_of_type(&a, 9), *t = h_dev_folder_of_type(&a, 7);
	const char *both[] = { c, t };
	h_dev_sync_multi(h_env, &a, both, 2, 0, &r);   /* SyncKey 0 for both */
	ck_assert_msg(r.coll_count == 2 && r.coll[0].status == 1 && r.coll[1].status == 1, "%s", r.xml);
	h_sync_result_free(&r);
	h_dev_sync_multi(h_env, &a, both, 2, 0, &r);
	ck_assert_msg(r.empty || (r.coll_count == 2 && r.coll[0].status == 1), "%s", r.xml);
	h_sync_result_free(&r);

	import("Cached", 2);
	h_dev_sync_multi(h_env, &a, NULL, 0, H_SYNC_EMPTY_BODY, &r);
	ck_assert_msg(r.http == 200 && r.coll_count >= 1, "empty request after an import:\n%s", r.xml);
	ck_assert_int_eq(h_dev_count(&a, c), 2);
	h_sync_result_free(&r);
	h_dev_sync_multi(h_env, &a, NULL, 0, H_SYNC_EMPTY_BODY, &r);
	ck_assert_msg(r.empty, "a quiet empty request: not an empty answer:\n%s", r.xml);
	h_sync_result_free(&r);

	/* Partial naming only the tasks: the contacts stay in the request. */
	import("Partial", 1);
	h_dev_sync_multi(h_env, &a, (const char *const[]){ t }, 1, H_SYNC_PARTIAL, &r);
	ck_assert_msg(r.http == 200 && !r.empty, "Partial: %s", r.xml);
	ck_assert_int_eq(h_dev_count(&a, c), 3);
	h_sync_result_free(&r);
	h_device_free(&a);
}
END_TEST

/* GetItemEstimate in the version's form: the changes the next Syncs bring, 0 after them,
 * 0 for the phone's own writes; Status 2 for an unknown collection, the tolerant Status 1
 * with Estimate 1 for key 0 and stale keys (Q-SYNC-9), HTTP 400 for what is no request. */
START_TEST(test_estimate)
{
	struct h_device a;
	struct h_sync_result r;
	uint64_t n;
	long http;

	start_server();
	import("Est", 7);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *c = h_dev_folder_of_type(&a, 9);
	h_dev_sync(h_env, &a, c, 0, &r);   /* SyncKey 0 */
	h_sync_result_free(&r);
	ck_assert_int_eq(h_dev_estimate(h_env, &a, c, &n, &http), 1);
	ck_assert_int_eq(n, 7);
	h_dev_sync_all(h_env, &a, c, NULL);
	ck_assert_int_eq(h_dev_estimate(h_env, &a, c, &n, &http), 1);
	ck_assert_int_eq(n, 0);
	import("Later", 2);
	h_dev_add(&a, c, WBXML_Contacts_FileAs, "Own", 0);
	ck_assert_int_eq(h_dev_estimate(h_env, &a, c, &n, &http), 1);
	ck_assert_int_eq(n, 2);
	h_dev_sync_all(h_env, &a, c, NULL);
	ck_assert_int_eq(h_dev_estimate(h_env, &a, c, &n, &http), 1);
	ck_assert_int_eq(n, 0);

	char *key = strdup(h_device_sync_key(&a, c));
	ck_assert_int_eq(h_dev_estimate(h_env, &a, "4242", &n, &http), 2);
	h_device_set_sync_key(&a, c, "0");
	ck_assert_int_eq(h_dev_estimate(h_env, &a, c, &n, &http), 1);
	ck_assert_int_eq(n, 1);
	h_device_set_sync_key(&a, c, "{999}9");
	ck_assert_int_eq(h_dev_estimate(h_env, &a, c, &n, &http), 1);
	ck_assert_int_eq(n, 1);
	h_device_set_sync_key(&a, c, key);

	char *before = h_db_snapshot(h_env_data_dir(h_env), skip_devices);
	pool *p = pool_new(1024);
	struct wbxml_node *root;
	ck_assert_int_eq(h_dev_post_wbxml(h_env, &a, "GetItemEstimate", "nonsense", 8, p, &root), 400);
	static const unsigned char no_collections[] = { 0x03, 0x01, 0x6a, 0x00, 0x00, 0x06, 0x05, 0x01 };
	ck_assert_int_eq(h_dev_post_wbxml(h_env, &a, "GetItemEstimate", no_collections,
					  sizeof(no_collections), p, &root), 400);
	char *after = h_db_snapshot(h_env_data_dir(h_env), skip_devices);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	pool_free(&p);
	free(key);
	h_device_free(&a);
}
END_TEST

static Suite *input_suite(void)
{
	Suite *s = suite_create("e2e-sync-input");
	TCase *tc = h_tcase_new("sync-input");

	tcase_add_loop_test(tc, test_sync_bad_input, 0, 4);
	tcase_add_loop_test(tc, test_sync_request_level, 0, 4);
	tcase_add_loop_test(tc, test_empty_and_partial, 1, 4);  /* 12.1+ */
	tcase_add_loop_test(tc, test_estimate, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(input_suite());
}
