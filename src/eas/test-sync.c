/* Unit tests of the Sync command (cmd-sync.c, sync-engine.c, sync-request.c): the SyncKey
 * state machine and the retry rule, windowing, the device's own writes, conflicts,
 * filters with SoftDelete, ghosting, every Status, empty and Partial requests. Requests are
 * built with the WBXML writer and run through eas_cmd_sync against a store on a temporary
 * directory; responses are decoded and walked. */
#include "eas/test-sync.h"

#include "eas/sync-request.h"
#include "store/store-testing.h"

/* ---- Pure parts ---- */

START_TEST(test_sync_keys)
{
	pool *p = pool_new(0);
	int64_t g;
	uint32_t n;

	ck_assert_str_eq(sync_key_format(p, 12, 3), "{12}3");
	ck_assert_int_eq(sync_key_parse("{12}3", &g, &n), 0);
	ck_assert_int_eq(g, 12);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(sync_key_parse("{9223372036854775807}4294967295", &g, &n), 0);
	const char *bad[] = { "0", "", "3", "{}3", "{12}", "{12}0", "{0}1", "{12}3x", "{-1}2",
			      "{12}4294967296", "12}3", "{1{2}3", "{9223372036854775808}1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sync_key_parse(bad[i], &g, &n) < 0, "%s accepted", bad[i]);
	pool_free(&p);
}
END_TEST

START_TEST(test_options_round_trip)
{
	pool *p = pool_new(0);
	struct sync_options opt, back;
	buf b = BUF_INIT;
	const char *error = NULL;

	sync_options_init(&opt);
	opt.filter_type = 8;
	opt.conflict = 0;
	opt.truncation = 4;
	opt.body_pref_count = 2;
	opt.body_prefs[0] = (struct pim_body_pref){ 1, 200, true, 0 };
	opt.body_prefs[1] = (struct pim_body_pref){ 2, 0, false, 100 };
	sync_options_encode(&opt, &b);
	ck_assert_int_eq(sync_options_decode(p, b.data, b.len, &back, &error), 0);
	ck_assert_int_eq(back.filter_type, 8);
	ck_assert_int_eq(back.conflict, 0);
	ck_assert_int_eq(back.truncation, 4);
	ck_assert_int_eq(back.mime_support, -1);
	ck_assert_uint_eq(back.body_pref_count, 2);
	ck_assert_uint_eq(back.body_prefs[0].truncation_size, 200);
	ck_assert(back.body_prefs[0].all_or_none);
	ck_assert_uint_eq(back.body_prefs[1].type, 2);
	ck_assert_uint_eq(back.body_prefs[1].preview, 100);
	/* Same options, same bytes (the state is only written when they differ). */
	buf b2 = BUF_INIT;
	sync_options_encode(&back, &b2);
	ck_assert_uint_eq(b.len, b2.len);
	ck_assert_mem_eq(b.data, b2.data, b.len);
	/* 2.5 gets Truncation, 12.0+ BodyPreference. */
	struct pim_out_options out;
	sync_options_to_pim(&back, 25, &out);
	ck_assert_uint_eq(out.body_pref_count, 0);
	ck_assert_uint_eq(out.truncation_25, 5120);
	sync_options_to_pim(&back, 141, &out);
	ck_assert_uint_eq(out.body_pref_count, 2);
	ck_assert_uint_eq(out.truncation_25, 0);
	ck_assert_int_eq(sync_options_decode(p, "\x03\x01\x6a\x00\x00\x05\x01", 7, &back, &error),
			 -1);
	buf_free(&b);
	buf_free(&b2);
	pool_free(&p);
}
END_TEST

/* Q-PARSE-1/-2: empty and "-1" numbers are absent, huge WindowSizes are 512, unknown
 * elements are skipped; a non-number is a protocol error of that collection only. */
START_TEST(test_request_parse_tolerance)
{
	pool *p = pool_new(0);
	struct ts_req r;
	struct sync_request sreq;
	struct wbxml_node *root;
	const char *error = NULL;

	ts_sync_begin(&r);
	ts_collection(&r, "{1}1", "8");
	wbxml_elem_str(&r.w, WBXML_AirSync_WindowSize, "99999999999999999999999");
	wbxml_elem_empty(&r.w, WBXML_AirSync_GetChanges);
	wbxml_start(&r.w, WBXML_AirSync_Options);
	wbxml_elem_str(&r.w, WBXML_AirSync_FilterType, "-1");
	wbxml_elem_str(&r.w, WBXML_Contacts_FirstName, "junk");  /* unknown in Options */
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_collection(&r, "{1}1", "9");
	wbxml_elem_str(&r.w, WBXML_AirSync_WindowSize, "0");
	wbxml_elem_str(&r.w, WBXML_AirSync_GetChanges, "0");
	wbxml_end(&r.w);
	ts_collection(&r, "{1}1", "7");
	wbxml_elem_str(&r.w, WBXML_AirSync_WindowSize, "ten");
	wbxml_end(&r.w);
	ts_collection(&r, NULL, "6");
	wbxml_end(&r.w);
	ts_sync_end(&r);
	ck_assert_int_eq(wbxml_writer_finish(&r.w, &error), 0);
	ck_assert_int_eq(wbxml_decode(p, r.body.data, r.body.len, NULL, &root, &error), 0);
	ck_assert_int_eq(sync_request_parse(p, root, false, &sreq, &error), 0);
	ck_assert_uint_eq(sreq.count, 4);
	ck_assert_uint_eq(sreq.collections[0].window_size, 512);
	ck_assert_int_eq(sreq.collections[0].get_changes, 1);
	ck_assert_uint_eq(sreq.collections[0].options_count, 1);
	ck_assert_int_eq(sreq.collections[0].options[0].filter_type, -1);
	ck_assert_int_eq(sreq.collections[0].parse_status, 0);
	ck_assert_uint_eq(sreq.collections[1].window_size, 512);
	ck_assert_int_eq(sreq.collections[1].get_changes, 0);
	ck_assert_int_eq(sreq.collections[2].parse_status, 4);
	ck_assert_int_eq(sreq.collections[3].parse_status, 4);  /* no SyncKey */
	/* The same collection from the cache needs no SyncKey. */
	ck_assert_int_eq(sync_request_parse(p, root, true, &sreq, &error), 0);
	ck_assert_int_eq(sreq.collections[3].parse_status, 0);
	buf_free(&r.body);

	/* A Collection without CollectionId fails the request. */
	ts_sync_begin(&r);
	ts_collection(&r, "0", NULL);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	ck_assert_int_eq(wbxml_writer_finish(&r.w, &error), 0);
	ck_assert_int_eq(wbxml_decode(p, r.body.data, r.body.len, NULL, &root, &error), 0);
	ck_assert_int_eq(sync_request_parse(p, root, false, &sreq, &error), -1);
	buf_free(&r.body);
	pool_free(&p);
}
END_TEST

/* ---- The state machine ---- */

/* Initial sync of 250 contacts in windows of 100: 100 + 100 + 50, MoreAvailable on the
 * first two, every contact exactly once, each window a new key; then nothing changes and
 * 14.1 gets an empty body. */
START_TEST(test_initial_sync_in_windows)
{
	struct ts t;
	char seen[251] = { 0 };

	ts_open(&t, 141);
	for (int i = 0; i < 250; i++) {
		char name[16];
		snprintf(name, sizeof(name), "n%03d", i);
		ts_server_contact(&t, name, "Doe");
	}
	struct wbxml_node *c = ts_coll(ts_sync(&t, &t.a, "0", t.contacts.server_id, 0),
				       t.contacts.server_id);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Class)); /* Q-MS-6: 14.1 */
	const char *key = ts_key(&t, c);
	size_t total = 0;
	for (int round = 0; round < 3; round++) {
		c = ts_coll(ts_sync(&t, &t.a, key, t.contacts.server_id, 100),
			    t.contacts.server_id);
		ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
		const char *next = ts_key(&t, c);
		ck_assert_str_ne(next, key);
		key = next;
		size_t n = ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add);
		ck_assert_uint_eq(n, round < 2 ? 100 : 50);
		ck_assert_int_eq(wbxml_child(c, WBXML_AirSync_MoreAvailable) != NULL, round < 2);
		for (size_t i = 0; i < n; i++) {
			struct wbxml_node *add = ts_nth(c, WBXML_AirSync_Commands,
							WBXML_AirSync_Add, i);
			const char *first = ts_prop(add, WBXML_Contacts_FirstName);
			ck_assert_ptr_nonnull(first);
			int idx = (int)strtol(first + 1, NULL, 10);
			ck_assert_int_lt(idx, 250);
			ck_assert_msg(!seen[idx], "%s sent twice", first);
			seen[idx] = 1;
			ck_assert_ptr_nonnull(wbxml_child_str(add, WBXML_AirSync_ServerId));
		}
		total += n;
	}
	ck_assert_uint_eq(total, 250);
	/* Confirm the last window: nothing left, empty body (12.1+). */
	ck_assert_ptr_null(ts_sync(&t, &t.a, key, t.contacts.server_id, 100));
	ck_assert_uint_eq(t.http, 200);
	ck_assert_uint_eq(t.body_len, 0);
	/* And again: the key stays valid, still nothing. */
	ck_assert_ptr_null(ts_sync(&t, &t.a, key, t.contacts.server_id, 100));
	ts_close(&t);
}
END_TEST

/* AS 2.5 and 12.0: Class in the response collection (Q-MS-6), and a full response when
 * nothing changed (Q-SYNC-6) with the same key. */
START_TEST(test_old_versions_full_responses)
{
	static const int versions[] = { 25, 120 };
	for (size_t v = 0; v < 2; v++) {
		struct ts t;
		ts_open(&t, versions[v]);
		ts_server_contact(&t, "Ann", "Lee");
		struct wbxml_node *c = ts_coll(ts_sync(&t, &t.a, "0", t.contacts.server_id, 0),
					       t.contacts.server_id);
		ck_assert_str_eq(wbxml_child_str(c, WBXML_AirSync_Class), "Contacts");
		const char *key = ts_key(&t, c);
		c = ts_coll(ts_sync(&t, &t.a, key, t.contacts.server_id, 0), t.contacts.server_id);
		ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 1);
		key = ts_key(&t, c);
		struct wbxml_node *root = ts_sync(&t, &t.a, key, t.contacts.server_id, 0);
		ck_assert_ptr_nonnull(root);
		c = ts_coll(root, t.contacts.server_id);
		ck_assert_str_eq(ts_key(&t, c), key);
		ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
		ck_assert_str_eq(wbxml_child_str(c, WBXML_AirSync_Class), "Contacts");
		ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));
		ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Responses)); /* Q-MS-5 */
		ts_close(&t);
	}
}
END_TEST

/* Sends two Adds (c1, c2) with key; returns the Collection of the response. */
static struct wbxml_node *send_adds(struct ts *t, const char *key, const char *first1,
				    const char *first2)
{
	struct ts_req r;
	ts_sync_begin(&r);
	ts_collection(&r, key, t->contacts.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Add);
	wbxml_elem_str(&r.w, WBXML_AirSync_ClientId, "c1");
	ts_contact_appdata(&r.w, first1, "Add");
	wbxml_end(&r.w);
	wbxml_start(&r.w, WBXML_AirSync_Add);
	wbxml_elem_str(&r.w, WBXML_AirSync_ClientId, "c2");
	ts_contact_appdata(&r.w, first2, "Add");
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	return ts_coll(ts_send(t, eas_cmd_sync, &t->a, &r), t->contacts.server_id);
}

static const char *reply_server_id(struct wbxml_node *c, const char *client_id)
{
	for (size_t i = 0;; i++) {
		struct wbxml_node *add = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, i);
		if (add == NULL)
			return NULL;
		if (strcmp(wbxml_child_str(add, WBXML_AirSync_ClientId), client_id) == 0) {
			ck_assert_int_eq(ts_int(add, WBXML_AirSync_Status), 1);
			return wbxml_child_str(add, WBXML_AirSync_ServerId);
		}
	}
}

/* The retry rule (FACTS.md: SOGo fails it): the same SyncKey with the same Adds again maps
 * to the items the first attempt made, the answer is equivalent, and the key it gives
 * works afterwards; an older key is then refused with Status 3. */
START_TEST(test_retry_rule_with_adds)
{
	struct ts t;

	ts_open(&t, 141);
	ts_server_contact(&t, "Server", "One");
	const char *k1 = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.contacts.server_id, 0),
					    t.contacts.server_id));
	struct wbxml_node *c = ts_coll(ts_sync(&t, &t.a, k1, t.contacts.server_id, 0),
				       t.contacts.server_id);
	const char *k2 = ts_key(&t, c);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 1);

	/* k2 with two Adds: the answer is lost. */
	c = send_adds(&t, k2, "Alice", "Bob");
	const char *k3 = ts_key(&t, c);
	const char *s1 = pool_strdup(t.p, reply_server_id(c, "c1"));
	const char *s2 = pool_strdup(t.p, reply_server_id(c, "c2"));
	ck_assert_str_ne(s1, s2);
	ck_assert_uint_eq(ts_count(&t, &t.contacts), 3);
	/* The device's own Adds are not sent back to it (Q-SYNC-8). */
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));

	/* The retry: same key, same Adds. */
	c = send_adds(&t, k2, "Alice", "Bob");
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
	ck_assert_str_eq(ts_key(&t, c), k3);
	ck_assert_str_eq(reply_server_id(c, "c1"), s1);
	ck_assert_str_eq(reply_server_id(c, "c2"), s2);
	ck_assert_uint_eq(ts_count(&t, &t.contacts), 3);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));

	/* The key of the retry works, and sends nothing of the device's own back. */
	ck_assert_ptr_null(ts_sync(&t, &t.a, k3, t.contacts.server_id, 0));
	/* Now k2 is history: Status 3 with key 0. */
	c = ts_coll(ts_sync(&t, &t.a, k2, t.contacts.server_id, 0), t.contacts.server_id);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 3);
	ck_assert_str_eq(ts_key(&t, c), "0");
	/* The other device gets both Adds and the server's contact. */
	const char *b1 = ts_key(&t, ts_coll(ts_sync(&t, &t.b, "0", t.contacts.server_id, 0),
					    t.contacts.server_id));
	c = ts_coll(ts_sync(&t, &t.b, b1, t.contacts.server_id, 0), t.contacts.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 3);
	ts_close(&t);
}
END_TEST

/* A lost window is sent again, equivalent, under the same new key; changes made meanwhile
 * join it. */
START_TEST(test_retry_resends_a_lost_window)
{
	struct ts t;

	ts_open(&t, 161);
	for (int i = 0; i < 3; i++)
		ts_server_contact(&t, "Lost", "Window");
	const char *k1 = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.contacts.server_id, 0),
					    t.contacts.server_id));
	struct wbxml_node *c = ts_coll(ts_sync(&t, &t.a, k1, t.contacts.server_id, 0),
				       t.contacts.server_id);
	const char *k2 = ts_key(&t, c);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 3);
	ts_server_contact(&t, "Late", "Comer");
	c = ts_coll(ts_sync(&t, &t.a, k1, t.contacts.server_id, 0), t.contacts.server_id);
	ck_assert_str_eq(ts_key(&t, c), k2);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 4);
	ck_assert_ptr_null(ts_sync(&t, &t.a, k2, t.contacts.server_id, 0));
	ts_close(&t);
}
END_TEST

/* SyncKey 0 makes a new generation: keys of the old one are refused even when their
 * number is the current one; the commands of a key-0 collection are ignored (Q-SYNC-4). */
START_TEST(test_reset_generations)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	ts_server_contact(&t, "Gen", "One");
	const char *old1 = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.contacts.server_id, 0),
					      t.contacts.server_id));
	/* Key 0 with an Add and a Fetch: neither runs (iOS crashed on an answered Fetch). */
	ts_sync_begin(&r);
	ts_collection(&r, "0", t.contacts.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Add);
	wbxml_elem_str(&r.w, WBXML_AirSync_ClientId, "x");
	ts_contact_appdata(&r.w, "Ignored", NULL);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	struct wbxml_node *c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.contacts.server_id);
	const char *new1 = ts_key(&t, c);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Responses));
	ck_assert_uint_eq(ts_count(&t, &t.contacts), 1);
	ck_assert_str_ne(old1, new1);
	c = ts_coll(ts_sync(&t, &t.a, old1, t.contacts.server_id, 0), t.contacts.server_id);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 3);
	/* Garbage and made-up keys. */
	const char *bad[] = { "", "1", "{1}", "garbage", "{999}1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = ts_coll(ts_sync(&t, &t.a, bad[i], t.contacts.server_id, 0),
			    t.contacts.server_id);
		ck_assert_msg(ts_int(c, WBXML_AirSync_Status) == 3, "key '%s'", bad[i]);
	}
	/* The client's recovery: key 0 again, then everything once. */
	new1 = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.contacts.server_id, 0),
				  t.contacts.server_id));
	c = ts_coll(ts_sync(&t, &t.a, new1, t.contacts.server_id, 0), t.contacts.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 1);
	/* A key of device A is nothing for device B. */
	const char *ka = ts_key(&t, c);
	ts_key(&t, ts_coll(ts_sync(&t, &t.b, "0", t.contacts.server_id, 0),
			   t.contacts.server_id));
	c = ts_coll(ts_sync(&t, &t.b, ka, t.contacts.server_id, 0), t.contacts.server_id);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 3);
	ts_close(&t);
}
END_TEST

/* Primes device dev on the contacts: key 0 and the first full window; returns the key. */
static const char *prime(struct ts *t, const struct ts_device *dev, const struct store_folder *f)
{
	const char *k = ts_key(t, ts_coll(ts_sync(t, dev, "0", f->server_id, 0), f->server_id));
	struct wbxml_node *root = ts_sync(t, dev, k, f->server_id, 512);
	if (root == NULL)
		return k;
	return ts_key(t, ts_coll(root, f->server_id));
}

/* Sends one Change of server_id with FirstName first (conflict -1: no Options). */
static struct wbxml_node *send_change(struct ts *t, const struct ts_device *dev,
				      const char *key, const char *server_id, const char *first,
				      int conflict)
{
	struct ts_req r;
	ts_sync_begin(&r);
	ts_collection(&r, key, t->contacts.server_id);
	if (conflict >= 0) {
		wbxml_start(&r.w, WBXML_AirSync_Options);
		wbxml_elem_uint(&r.w, WBXML_AirSync_Conflict, (uint64_t)conflict);
		wbxml_end(&r.w);
	}
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Change);
	wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, server_id);
	ts_contact_appdata(&r.w, first, "Same");
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	return ts_coll(ts_send(t, eas_cmd_sync, dev, &r), t->contacts.server_id);
}

static const char *stored_first(struct ts *t, const char *server_id)
{
	struct store_item item;
	struct wbxml_node *ad;
	const char *error = NULL;
	ck_assert_int_eq(store_item_get(t->store, t->p, t->user.id, server_id, true, &item,
					&error), STORE_OK);
	ck_assert_int_eq(pim_item_decode(t->p, &item, &ad, &error), 0);
	return wbxml_child_str(ad, WBXML_Contacts_FirstName);
}

static void server_rename(struct ts *t, const char *server_id, const char *first)
{
	buf b = BUF_INIT;
	struct wbxml_writer w;
	const char *error;
	wbxml_writer_init(&w, &b, 0);
	ts_contact_appdata(&w, first, "Same");
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	ts_server_update(t, STORE_CLASS_CONTACTS, server_id, &b);
	buf_free(&b);
}

/* Conflicts: the server changed an item the device then changes too. Server wins by
 * default (Status 7, the server's version sent in the same response); Conflict 0 lets the
 * client win. A change of an item the device has seen is no conflict. */
START_TEST(test_conflicts)
{
	struct ts t;

	ts_open(&t, 141);
	struct store_item x = ts_server_contact(&t, "Orig", "Same");
	const char *key = prime(&t, &t.a, &t.contacts);

	server_rename(&t, x.server_id, "Server");
	struct wbxml_node *c = send_change(&t, &t.a, key, x.server_id, "Client", -1);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
	struct wbxml_node *rep = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Change, 0);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(ts_int(rep, WBXML_AirSync_Status), 7);
	struct wbxml_node *chg = ts_nth(c, WBXML_AirSync_Commands, WBXML_AirSync_Change, 0);
	ck_assert_ptr_nonnull(chg);
	ck_assert_str_eq(ts_prop(chg, WBXML_Contacts_FirstName), "Server");
	ck_assert_str_eq(stored_first(&t, x.server_id), "Server");
	key = ts_key(&t, c);

	/* Now the device has the server's version: its change goes through. */
	c = send_change(&t, &t.a, key, x.server_id, "Client2", -1);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Responses));
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands)); /* Q-SYNC-8 */
	ck_assert_str_eq(stored_first(&t, x.server_id), "Client2");
	key = ts_key(&t, c);

	/* Client wins. */
	server_rename(&t, x.server_id, "Server2");
	c = send_change(&t, &t.a, key, x.server_id, "Client3", 0);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Responses));
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));
	ck_assert_str_eq(stored_first(&t, x.server_id), "Client3");

	/* Device B never saw "Client3" written by A: it gets it as a Change. */
	ts_close(&t);
}
END_TEST

/* Deletes both ways, Fetch, and the statuses of unknown ServerIds. */
START_TEST(test_delete_and_fetch)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	struct store_item x = ts_server_contact(&t, "Del", "Me");
	struct store_item y = ts_server_contact(&t, "Keep", "Me");
	const char *ka = prime(&t, &t.a, &t.contacts);
	const char *kb = prime(&t, &t.b, &t.contacts);

	ts_sync_begin(&r);
	ts_collection(&r, ka, t.contacts.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Delete);
	wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, x.server_id);
	wbxml_end(&r.w);
	wbxml_start(&r.w, WBXML_AirSync_Delete);
	wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, "8:9999");
	wbxml_end(&r.w);
	wbxml_start(&r.w, WBXML_AirSync_Delete);  /* Q-PARSE-1: empty ServerId skipped */
	wbxml_elem_empty(&r.w, WBXML_AirSync_ServerId);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	struct wbxml_node *c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.contacts.server_id);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Delete), 1);
	struct wbxml_node *rep = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Delete, 0);
	ck_assert_str_eq(wbxml_child_str(rep, WBXML_AirSync_ServerId), "8:9999");
	ck_assert_int_eq(ts_int(rep, WBXML_AirSync_Status), 8);
	ck_assert_uint_eq(ts_count(&t, &t.contacts), 1);
	ka = ts_key(&t, c);

	/* B gets the Delete; A does not get its own back. */
	c = ts_coll(ts_sync(&t, &t.b, kb, t.contacts.server_id, 0), t.contacts.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Delete), 1);
	ck_assert_str_eq(wbxml_child_str(ts_nth(c, WBXML_AirSync_Commands, WBXML_AirSync_Delete,
						0), WBXML_AirSync_ServerId), x.server_id);
	ck_assert_ptr_null(ts_sync(&t, &t.a, ka, t.contacts.server_id, 0));

	/* Fetch-only: the item and a not-found, no changes exported (Q-SYNC-4). */
	ts_server_contact(&t, "New", "Meanwhile");
	ts_sync_begin(&r);
	ts_collection(&r, ka, t.contacts.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Fetch);
	wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, y.server_id);
	wbxml_end(&r.w);
	wbxml_start(&r.w, WBXML_AirSync_Fetch);
	wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, x.server_id);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.contacts.server_id);
	ck_assert_str_eq(ts_key(&t, c), ka);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));
	struct wbxml_node *f0 = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Fetch, 0);
	struct wbxml_node *f1 = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Fetch, 1);
	ck_assert_int_eq(ts_int(f0, WBXML_AirSync_Status), 1);
	ck_assert_str_eq(ts_prop(f0, WBXML_Contacts_FirstName), "Keep");
	ck_assert_int_eq(ts_int(f1, WBXML_AirSync_Status), 8);
	/* The new contact comes with the next Sync. */
	c = ts_coll(ts_sync(&t, &t.a, ka, t.contacts.server_id, 0), t.contacts.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 1);
	ts_close(&t);
}
END_TEST

/* Hostile ApplicationData: that command answers Status 6 and writes nothing; the others of
 * the request run. A Change of an item of another collection is "not found". */
START_TEST(test_bad_application_data)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	struct store_item task = ts_server_task(&t, "A task", false);
	const char *key = prime(&t, &t.a, &t.contacts);
	ts_sync_begin(&r);
	ts_collection(&r, key, t.contacts.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Add);
	wbxml_elem_str(&r.w, WBXML_AirSync_ClientId, "bad");
	wbxml_start(&r.w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(&r.w, WBXML_Contacts_Birthday, "not a date at all");
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_start(&r.w, WBXML_AirSync_Add);
	wbxml_elem_str(&r.w, WBXML_AirSync_ClientId, "good");
	ts_contact_appdata(&r.w, "Good", "One");
	wbxml_end(&r.w);
	wbxml_start(&r.w, WBXML_AirSync_Change);
	wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, task.server_id);
	ts_contact_appdata(&r.w, "Wrong", "Folder");
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	struct wbxml_node *c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.contacts.server_id);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
	struct wbxml_node *bad = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0);
	ck_assert_str_eq(wbxml_child_str(bad, WBXML_AirSync_ClientId), "bad");
	ck_assert_int_eq(ts_int(bad, WBXML_AirSync_Status), 6);
	ck_assert_ptr_null(wbxml_child(bad, WBXML_AirSync_ServerId));
	ck_assert_ptr_nonnull(reply_server_id(c, "good"));
	struct wbxml_node *chg = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Change, 0);
	ck_assert_int_eq(ts_int(chg, WBXML_AirSync_Status), 8);
	ck_assert_uint_eq(ts_count(&t, &t.contacts), 1);
	ts_close(&t);
}
END_TEST

/* Tasks with FilterType 8 (incomplete only): completed tasks stay away, a task that gets
 * completed leaves with SoftDelete, a filter change to 0 brings the completed ones. */
START_TEST(test_filter_and_soft_delete)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	struct store_item open1 = ts_server_task(&t, "Open", false);
	ts_server_task(&t, "Done", true);

	const char *key = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.tasks.server_id, 0),
					     t.tasks.server_id));
	ts_sync_begin(&r);
	ts_collection(&r, key, t.tasks.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Options);
	wbxml_elem_uint(&r.w, WBXML_AirSync_FilterType, 8);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	struct wbxml_node *c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.tasks.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 1);
	ck_assert_str_eq(ts_prop(ts_nth(c, WBXML_AirSync_Commands, WBXML_AirSync_Add, 0),
				 WBXML_Tasks_Subject), "Open");
	key = ts_key(&t, c);

	/* Completed on the server: SoftDelete (the sticky filter applies without Options). */
	buf b = BUF_INIT;
	struct wbxml_writer w;
	const char *error;
	wbxml_writer_init(&w, &b, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(&w, WBXML_Tasks_Subject, "Open");
	wbxml_elem_str(&w, WBXML_Tasks_Complete, "1");
	wbxml_elem_str(&w, WBXML_Tasks_DateCompleted, "2023-05-01T00:00:00.000Z");
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	ts_server_update(&t, STORE_CLASS_TASKS, open1.server_id, &b);
	buf_free(&b);
	c = ts_coll(ts_sync(&t, &t.a, key, t.tasks.server_id, 0), t.tasks.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_SoftDelete), 1);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change), 0);
	key = ts_key(&t, c);
	ck_assert_ptr_null(ts_sync(&t, &t.a, key, t.tasks.server_id, 0));

	/* Filter 0: both completed tasks arrive. */
	ts_sync_begin(&r);
	ts_collection(&r, key, t.tasks.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Options);
	wbxml_elem_uint(&r.w, WBXML_AirSync_FilterType, 0);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.tasks.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 2);
	key = ts_key(&t, c);
	ck_assert_ptr_null(ts_sync(&t, &t.a, key, t.tasks.server_id, 0));
	ts_close(&t);
}
END_TEST

/* Ghosting (Supported at key 0): a Change without a property the client did not list keeps
 * it; one it listed and left out is cleared. */
START_TEST(test_ghosting)
{
	struct ts t;
	struct ts_req r;
	const char *error = NULL;

	ts_open(&t, 141);
	buf b = BUF_INIT;
	struct wbxml_writer w;
	wbxml_writer_init(&w, &b, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(&w, WBXML_Contacts_FirstName, "Ghost");
	wbxml_elem_str(&w, WBXML_Contacts_JobTitle, "Keeper");
	wbxml_elem_str(&w, WBXML_Contacts_MobilePhoneNumber, "+1 555");
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	struct store_item x = ts_server_add(&t, &t.contacts, STORE_CLASS_CONTACTS, &b);
	buf_free(&b);

	ts_sync_begin(&r);
	ts_collection(&r, "0", t.contacts.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Supported);
	wbxml_elem_empty(&r.w, WBXML_Contacts_FirstName);
	wbxml_elem_empty(&r.w, WBXML_Contacts_LastName);
	wbxml_elem_empty(&r.w, WBXML_Contacts_MobilePhoneNumber);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	const char *key = ts_key(&t, ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r),
					     t.contacts.server_id));
	key = ts_key(&t, ts_coll(ts_sync(&t, &t.a, key, t.contacts.server_id, 0),
				 t.contacts.server_id));
	struct wbxml_node *c = send_change(&t, &t.a, key, x.server_id, "Renamed", -1);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Responses));
	struct store_item item;
	struct wbxml_node *ad;
	ck_assert_int_eq(store_item_get(t.store, t.p, t.user.id, x.server_id, true, &item,
					&error), STORE_OK);
	ck_assert_int_eq(pim_item_decode(t.p, &item, &ad, &error), 0);
	ck_assert_str_eq(wbxml_child_str(ad, WBXML_Contacts_FirstName), "Renamed");
	ck_assert_str_eq(wbxml_child_str(ad, WBXML_Contacts_JobTitle), "Keeper");
	ck_assert_ptr_null(wbxml_child(ad, WBXML_Contacts_MobilePhoneNumber));
	ts_close(&t);
}
END_TEST

/* Every top-level Status: 4 (not WBXML, Wait and HeartbeatInterval together, no
 * CollectionId), 13 (empty or Partial without a cache), 14 with Limit, 15 with Limit. */
START_TEST(test_top_level_statuses)
{
	struct ts t;
	struct ts_req r;
	buf junk = BUF_INIT;

	ts_open(&t, 141);
	buf_puts(&junk, "this is not wbxml");
	struct wbxml_node *root = ts_run(&t, eas_cmd_sync, &t.a, &junk);
	ck_assert_int_eq(ts_int(root, WBXML_AirSync_Status), 4);
	ck_assert_ptr_null(wbxml_child(root, WBXML_AirSync_Collections));
	buf_free(&junk);

	root = ts_run(&t, eas_cmd_sync, &t.a, NULL);
	ck_assert_int_eq(ts_int(root, WBXML_AirSync_Status), 13);

	ts_begin(&r);
	wbxml_start(&r.w, WBXML_AirSync_Sync);
	wbxml_elem_empty(&r.w, WBXML_AirSync_Partial);
	wbxml_end(&r.w);
	root = ts_send(&t, eas_cmd_sync, &t.a, &r);
	ck_assert_int_eq(ts_int(root, WBXML_AirSync_Status), 13);

	static const struct { uint16_t tag; unsigned value; int limit; } waits[] = {
		{ WBXML_AirSync_Wait, 0, 1 }, { WBXML_AirSync_Wait, 60, 59 },
		{ WBXML_AirSync_HeartbeatInterval, 59, 60 },
		{ WBXML_AirSync_HeartbeatInterval, 3541, 3540 },
	};
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		ts_sync_begin(&r);
		ts_collection(&r, "0", t.contacts.server_id);
		wbxml_end(&r.w);
		wbxml_end(&r.w);
		wbxml_elem_uint(&r.w, waits[i].tag, waits[i].value);
		wbxml_end(&r.w);
		root = ts_send(&t, eas_cmd_sync, &t.a, &r);
		ck_assert_int_eq(ts_int(root, WBXML_AirSync_Status), 14);
		ck_assert_int_eq(ts_int(root, WBXML_AirSync_Limit), waits[i].limit);
		ck_assert_ptr_null(wbxml_child(root, WBXML_AirSync_Collections));
	}
	ts_sync_begin(&r);
	ts_collection(&r, "0", t.contacts.server_id);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_elem_uint(&r.w, WBXML_AirSync_Wait, 5);
	wbxml_elem_uint(&r.w, WBXML_AirSync_HeartbeatInterval, 300);
	wbxml_end(&r.w);
	root = ts_send(&t, eas_cmd_sync, &t.a, &r);
	ck_assert_int_eq(ts_int(root, WBXML_AirSync_Status), 4);

	/* Valid bounds are served at once (no push hub yet). */
	ts_sync_begin(&r);
	ts_collection(&r, "0", t.contacts.server_id);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_elem_uint(&r.w, WBXML_AirSync_HeartbeatInterval, 300);
	wbxml_end(&r.w);
	root = ts_send(&t, eas_cmd_sync, &t.a, &r);
	ck_assert_int_eq(ts_int(ts_coll(root, t.contacts.server_id), WBXML_AirSync_Status), 1);

	ts_sync_begin(&r);
	for (int i = 0; i <= SYNC_MAX_COLLECTIONS; i++) {
		char id[16];
		snprintf(id, sizeof(id), "%d", 100 + i);
		ts_collection(&r, "0", id);
		wbxml_end(&r.w);
	}
	ts_sync_end(&r);
	root = ts_send(&t, eas_cmd_sync, &t.a, &r);
	ck_assert_int_eq(ts_int(root, WBXML_AirSync_Status), 15);
	ck_assert_int_eq(ts_int(root, WBXML_AirSync_Limit), SYNC_MAX_COLLECTIONS);

	ts_sync_begin(&r);
	ts_collection(&r, "0", NULL);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	root = ts_send(&t, eas_cmd_sync, &t.a, &r);
	ck_assert_int_eq(ts_int(root, WBXML_AirSync_Status), 4);
	ts_close(&t);

	/* AS 2.5 has no empty request: protocol error. */
	ts_open(&t, 25);
	root = ts_run(&t, eas_cmd_sync, &t.a, NULL);
	ck_assert_int_eq(ts_int(root, WBXML_AirSync_Status), 4);
	ts_close(&t);
}
END_TEST

/* Collection statuses: unknown collection (Q-FOLD-4 switch: 12 by default, 8 when forced),
 * missing SyncKey (4), the same collection twice (4), no device row (5, Q-FOLD-1). */
START_TEST(test_collection_statuses)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	struct wbxml_node *c = ts_coll(ts_sync(&t, &t.a, "{3}3", "4711", 0), "4711");
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 12);
	c = ts_coll(ts_sync(&t, &t.b, "0", "4711", 0), "4711");
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 12);
	sync_quirk_test_set_unknown_collection_status(8);
	c = ts_coll(ts_sync(&t, &t.a, "{3}3", "4711", 0), "4711");
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 8);
	sync_quirk_test_set_unknown_collection_status(0);

	ts_sync_begin(&r);
	ts_collection(&r, NULL, t.contacts.server_id);
	wbxml_end(&r.w);
	ts_collection(&r, "0", t.tasks.server_id);
	wbxml_end(&r.w);
	ts_collection(&r, "0", t.tasks.server_id);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	struct wbxml_node *root = ts_send(&t, eas_cmd_sync, &t.a, &r);
	ck_assert_int_eq(ts_int(ts_coll(root, t.contacts.server_id), WBXML_AirSync_Status), 4);
	struct wbxml_node *cols = wbxml_child(root, WBXML_AirSync_Collections);
	struct wbxml_node *t1 = wbxml_next_same(wbxml_child(cols, WBXML_AirSync_Collection));
	struct wbxml_node *t2 = wbxml_next_same(t1);
	ck_assert_int_eq(ts_int(t1, WBXML_AirSync_Status), 1);
	ck_assert_int_eq(ts_int(t2, WBXML_AirSync_Status), 4);

	struct ts_device validate = { "validate", "Android", NULL, 0, 141 };
	c = ts_coll(ts_sync(&t, &validate, "0", t.contacts.server_id, 0), t.contacts.server_id);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 5);
	ts_close(&t);
}
END_TEST

/* The empty request and Partial (12.1+): the cached collections run with the keys the
 * client was last given; Partial replaces the collections it names. */
START_TEST(test_empty_and_partial_requests)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	ts_server_contact(&t, "Cached", "One");
	ts_server_task(&t, "Cached task", false);
	const char *kc = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.contacts.server_id, 0),
					    t.contacts.server_id));
	const char *kt = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.tasks.server_id, 0),
					    t.tasks.server_id));
	/* A full request of both collections, window 5. */
	ts_sync_begin(&r);
	ts_collection(&r, kc, t.contacts.server_id);
	wbxml_elem_uint(&r.w, WBXML_AirSync_WindowSize, 5);
	wbxml_end(&r.w);
	ts_collection(&r, kt, t.tasks.server_id);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	struct wbxml_node *root = ts_send(&t, eas_cmd_sync, &t.a, &r);
	ck_assert_uint_eq(ts_count_in(ts_coll(root, t.contacts.server_id), WBXML_AirSync_Commands,
				      WBXML_AirSync_Add), 1);
	ck_assert_uint_eq(ts_count_in(ts_coll(root, t.tasks.server_id), WBXML_AirSync_Commands,
				      WBXML_AirSync_Add), 1);

	/* Empty: confirms both keys, nothing new: empty body. */
	ck_assert_ptr_null(ts_run(&t, eas_cmd_sync, &t.a, NULL));
	ck_assert_uint_eq(t.http, 200);
	/* A new contact: the empty request brings it. */
	ts_server_contact(&t, "Second", "One");
	root = ts_run(&t, eas_cmd_sync, &t.a, NULL);
	struct wbxml_node *c = ts_coll(root, t.contacts.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 1);
	kc = ts_key(&t, c);
	struct wbxml_node *ct = ts_coll(root, t.tasks.server_id);
	ck_assert_int_eq(ts_int(ct, WBXML_AirSync_Status), 1);
	kt = ts_key(&t, ct);

	/* Partial naming only the tasks (with a Fetch-free command set): the contacts come
	 * from the cache with the key just given. */
	ts_server_contact(&t, "Third", "One");
	ts_begin(&r);
	wbxml_start(&r.w, WBXML_AirSync_Sync);
	wbxml_start(&r.w, WBXML_AirSync_Collections);
	ts_collection(&r, kt, t.tasks.server_id);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_elem_empty(&r.w, WBXML_AirSync_Partial);
	wbxml_end(&r.w);
	root = ts_send(&t, eas_cmd_sync, &t.a, &r);
	c = ts_coll(root, t.contacts.server_id);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 1);
	ck_assert_str_ne(ts_key(&t, c), kc);
	ts_close(&t);
}
END_TEST

/* The top-level WindowSize caps the whole response; the time budget (Q-HTTP-6) cuts a
 * window short with MoreAvailable and at least one command (Q-SYNC-5). */
START_TEST(test_request_window_and_time_budget)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	for (int i = 0; i < 6; i++)
		ts_server_contact(&t, "Win", "Dow");
	for (int i = 0; i < 4; i++)
		ts_server_task(&t, "Task", false);
	const char *kc = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.contacts.server_id, 0),
					    t.contacts.server_id));
	const char *kt = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.tasks.server_id, 0),
					    t.tasks.server_id));
	ts_sync_begin(&r);
	ts_collection(&r, kc, t.contacts.server_id);
	wbxml_end(&r.w);
	ts_collection(&r, kt, t.tasks.server_id);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_elem_uint(&r.w, WBXML_AirSync_WindowSize, 3);
	wbxml_end(&r.w);
	struct wbxml_node *root = ts_send(&t, eas_cmd_sync, &t.a, &r);
	struct wbxml_node *c = ts_coll(root, t.contacts.server_id);
	struct wbxml_node *ct = ts_coll(root, t.tasks.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 3);
	ck_assert_ptr_nonnull(wbxml_child(c, WBXML_AirSync_MoreAvailable));
	ck_assert_ptr_null(wbxml_child(ct, WBXML_AirSync_Commands));
	ck_assert_ptr_null(wbxml_child(ct, WBXML_AirSync_MoreAvailable));
	kc = ts_key(&t, c);

	/* A time budget of 0: one command per response, each with MoreAvailable. */
	sync_test_set_time_budget(0);
	size_t got = 0;
	for (int round = 0; round < 10; round++) {
		root = ts_sync(&t, &t.a, kc, t.contacts.server_id, 100);
		if (root == NULL)
			break;
		c = ts_coll(root, t.contacts.server_id);
		size_t n = ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add);
		ck_assert_uint_eq(n, 1);
		got += n;
		ck_assert_int_eq(wbxml_child(c, WBXML_AirSync_MoreAvailable) != NULL, got < 3);
		kc = ts_key(&t, c);
	}
	ck_assert_uint_eq(got, 3);
	sync_test_set_time_budget(SYNC_TIME_BUDGET_MS);
	ts_close(&t);
}
END_TEST

/* A store failure at any step of a collection answers Status 16 with the client's key and
 * writes nothing of its commands; the same request then succeeds with that key. (12.0: no
 * request cache, so that every fault lands in the collection.) */
START_TEST(test_failed_collection_writes_nothing)
{
	unsigned failures = 0;

	for (unsigned n = 1;; n++) {
		struct ts t;
		ts_open(&t, 120);
		const char *key = prime(&t, &t.a, &t.contacts);
		store_test_fail_after(t.store, n);
		struct wbxml_node *c = send_adds(&t, key, "Half", "Done");
		bool fired = !store_test_fault_pending(t.store);
		store_test_fail_after(t.store, 0);
		int status = ts_int(c, WBXML_AirSync_Status);
		if (status == 16) {
			ck_assert(fired);
			failures++;
			ck_assert_str_eq(ts_key(&t, c), key);
			ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Responses));
			ck_assert_uint_eq(ts_count(&t, &t.contacts), 0);
			c = send_adds(&t, key, "Half", "Done");
			ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
		} else {
			/* A read outside the transaction failed: it fell back to the full
			 * path, or the fault never came. */
			ck_assert_int_eq(status, 1);
		}
		ck_assert_uint_eq(ts_count(&t, &t.contacts), 2);
		ts_close(&t);
		if (!fired)
			break;
	}
	ck_assert_uint_gt(failures, 5);
}
END_TEST

/* A Delete repeated after a lost response: the item is already a tombstone the device's
 * own first attempt made (the same answer as the lost one, Q-SYNC-1), and the device's own Delete is still not sent back to it
 * (Q-SYNC-8), while the other device gets it. */
START_TEST(test_retried_delete_not_echoed)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	struct store_item x = ts_server_contact(&t, "Gone", "Soon");
	const char *ka = prime(&t, &t.a, &t.contacts);
	const char *kb = prime(&t, &t.b, &t.contacts);
	struct wbxml_node *c = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		ts_sync_begin(&r);
		ts_collection(&r, ka, t.contacts.server_id);
		wbxml_start(&r.w, WBXML_AirSync_Commands);
		wbxml_start(&r.w, WBXML_AirSync_Delete);
		wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, x.server_id);
		wbxml_end(&r.w);
		wbxml_end(&r.w);
		wbxml_end(&r.w);
		ts_sync_end(&r);
		c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.contacts.server_id);
		ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
		ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));
	}
	ck_assert_ptr_null(ts_sync(&t, &t.a, ts_key(&t, c), t.contacts.server_id, 0));
	c = ts_coll(ts_sync(&t, &t.b, kb, t.contacts.server_id, 0), t.contacts.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Delete), 1);
	ts_close(&t);
}
END_TEST

/* Sends Change(x, FirstName first) and Delete(y) with key (retry rule tests). */
static struct wbxml_node *send_change_delete(struct ts *t, const char *key, const char *x,
					     const char *first, const char *y)
{
	struct ts_req r;
	ts_sync_begin(&r);
	ts_collection(&r, key, t->contacts.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Change);
	wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, x);
	ts_contact_appdata(&r.w, first, "Same");
	wbxml_end(&r.w);
	wbxml_start(&r.w, WBXML_AirSync_Delete);
	wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, y);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	return ts_coll(ts_send(t, eas_cmd_sync, &t->a, &r), t->contacts.server_id);
}

/* The retry rule (Q-SYNC-1) for Change and Delete: the same request with the key of a lost
 * answer gets the same answer (no Responses, nothing sent back), the Change is not written
 * twice, and the other device gets one Change and one Delete. */
START_TEST(test_retry_rule_with_changes_and_deletes)
{
	struct ts t;

	ts_open(&t, 141);
	struct store_item x = ts_server_contact(&t, "Orig", "Same");
	struct store_item y = ts_server_contact(&t, "Gone", "Soon");
	const char *ka = prime(&t, &t.a, &t.contacts);
	const char *kb = prime(&t, &t.b, &t.contacts);
	const char *lost_key = NULL, *error = NULL;
	int64_t first_modseq = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct wbxml_node *c = send_change_delete(&t, ka, x.server_id, "Client",
							  y.server_id);
		ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
		ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Responses));
		ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));
		struct store_item now;
		ck_assert_int_eq(store_item_get(t.store, t.p, t.user.id, x.server_id, false, &now,
						&error), STORE_OK);
		if (attempt == 0) {
			lost_key = ts_key(&t, c);
			first_modseq = now.modseq;
		} else {
			ck_assert_str_eq(ts_key(&t, c), lost_key);
			/* Not written twice. */
			ck_assert_int_eq(now.modseq, first_modseq);
		}
	}
	ck_assert_str_eq(stored_first(&t, x.server_id), "Client");
	ck_assert_uint_eq(ts_count(&t, &t.contacts), 1);
	ck_assert_ptr_null(ts_sync(&t, &t.a, lost_key, t.contacts.server_id, 0));
	struct wbxml_node *c = ts_coll(ts_sync(&t, &t.b, kb, t.contacts.server_id, 0),
				       t.contacts.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change), 1);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Delete), 1);
	ts_close(&t);
}
END_TEST

/* A retried Change after another writer changed the item since the first attempt: the
 * device holds its own first write, so the other write is a real conflict (Status 7, the
 * server's version sent). */
START_TEST(test_retry_rule_change_then_other_writer)
{
	struct ts t;

	ts_open(&t, 141);
	struct store_item x = ts_server_contact(&t, "Orig", "Same");
	const char *ka = prime(&t, &t.a, &t.contacts);
	struct wbxml_node *c = send_change(&t, &t.a, ka, x.server_id, "Client", -1);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Responses));
	server_rename(&t, x.server_id, "Server");
	c = send_change(&t, &t.a, ka, x.server_id, "Client", -1);
	struct wbxml_node *rep = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Change, 0);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(ts_int(rep, WBXML_AirSync_Status), 7);
	struct wbxml_node *chg = ts_nth(c, WBXML_AirSync_Commands, WBXML_AirSync_Change, 0);
	ck_assert_ptr_nonnull(chg);
	ck_assert_str_eq(ts_prop(chg, WBXML_Contacts_FirstName), "Server");
	ck_assert_str_eq(stored_first(&t, x.server_id), "Server");
	ts_close(&t);
}
END_TEST

/* A Change repeated with the key of a lost answer but edited again on the phone meanwhile:
 * no conflict with its own first write, the new content is stored. */
START_TEST(test_retry_rule_change_edited_again)
{
	struct ts t;

	ts_open(&t, 141);
	struct store_item x = ts_server_contact(&t, "Orig", "Same");
	const char *ka = prime(&t, &t.a, &t.contacts);
	struct wbxml_node *c = send_change(&t, &t.a, ka, x.server_id, "Client", -1);
	const char *lost_key = ts_key(&t, c);
	c = send_change(&t, &t.a, ka, x.server_id, "Client2", -1);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Responses));
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));
	ck_assert_str_eq(ts_key(&t, c), lost_key);
	ck_assert_str_eq(stored_first(&t, x.server_id), "Client2");
	ck_assert_ptr_null(ts_sync(&t, &t.a, lost_key, t.contacts.server_id, 0));
	ts_close(&t);
}
END_TEST

/* A Delete of an item that another device deleted is still "not found" (Status 8): only the
 * device's own Delete under the same key counts as already done. */
START_TEST(test_delete_of_other_devices_tombstone)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	struct store_item y = ts_server_contact(&t, "Gone", "Soon");
	const char *ka = prime(&t, &t.a, &t.contacts);
	const char *kb = prime(&t, &t.b, &t.contacts);
	for (int dev = 0; dev < 2; dev++) {
		ts_sync_begin(&r);
		ts_collection(&r, dev == 0 ? kb : ka, t.contacts.server_id);
		wbxml_start(&r.w, WBXML_AirSync_Commands);
		wbxml_start(&r.w, WBXML_AirSync_Delete);
		wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, y.server_id);
		wbxml_end(&r.w);
		wbxml_end(&r.w);
		wbxml_end(&r.w);
		ts_sync_end(&r);
		struct wbxml_node *c = ts_coll(ts_send(&t, eas_cmd_sync, dev == 0 ? &t.b : &t.a,
						       &r), t.contacts.server_id);
		struct wbxml_node *rep = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Delete,
						0);
		if (dev == 0)
			ck_assert_ptr_null(rep);
		else
			ck_assert_int_eq(ts_int(rep, WBXML_AirSync_Status), 8);
	}
	ts_close(&t);
}
END_TEST

/* MS-ASCMD 2.2.3.172: a narrowed FilterType (none, then 8) SoftDeletes the completed tasks
 * the device already holds. */
START_TEST(test_filter_narrowed_soft_deletes)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	ts_server_task(&t, "Open", false);
	ts_server_task(&t, "Done", true);
	const char *key = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.tasks.server_id, 0),
					     t.tasks.server_id));
	struct wbxml_node *c = ts_coll(ts_sync(&t, &t.a, key, t.tasks.server_id, 0),
				       t.tasks.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 2);
	key = ts_key(&t, c);

	ts_sync_begin(&r);
	ts_collection(&r, key, t.tasks.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Options);
	wbxml_elem_uint(&r.w, WBXML_AirSync_FilterType, 8);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.tasks.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_SoftDelete), 1);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 0);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change), 0);
	key = ts_key(&t, c);
	ck_assert_ptr_null(ts_sync(&t, &t.a, key, t.tasks.server_id, 0));

	/* A completed task the device adds itself under FilterType 8 stays on it (its own
	 * write, Q-SYNC-8): no SoftDelete back. */
	ts_sync_begin(&r);
	ts_collection(&r, key, t.tasks.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Add);
	wbxml_elem_str(&r.w, WBXML_AirSync_ClientId, "done2");
	wbxml_start(&r.w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(&r.w, WBXML_Tasks_Subject, "Done here");
	wbxml_elem_str(&r.w, WBXML_Tasks_Complete, "1");
	wbxml_elem_str(&r.w, WBXML_Tasks_DateCompleted, "2023-05-01T00:00:00.000Z");
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.tasks.server_id);
	ck_assert_int_eq(ts_int(ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0),
				WBXML_AirSync_Status), 1);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));
	ck_assert_ptr_null(ts_sync(&t, &t.a, ts_key(&t, c), t.tasks.server_id, 0));
	ts_close(&t);
}
END_TEST

/* MS-ASCMD 2.2.3.11: an Add without ApplicationData answers Status 6 and writes nothing;
 * an empty <ApplicationData/> is still taken (Q-PARSE-1). */
START_TEST(test_add_without_application_data)
{
	struct ts t;
	struct ts_req r;

	ts_open(&t, 141);
	const char *key = prime(&t, &t.a, &t.contacts);
	ts_sync_begin(&r);
	ts_collection(&r, key, t.contacts.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Add);
	wbxml_elem_str(&r.w, WBXML_AirSync_ClientId, "none");
	wbxml_end(&r.w);
	wbxml_start(&r.w, WBXML_AirSync_Add);
	wbxml_elem_str(&r.w, WBXML_AirSync_ClientId, "empty");
	wbxml_elem_empty(&r.w, WBXML_AirSync_ApplicationData);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	struct wbxml_node *c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), t.contacts.server_id);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
	struct wbxml_node *none = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0);
	ck_assert_str_eq(wbxml_child_str(none, WBXML_AirSync_ClientId), "none");
	ck_assert_int_eq(ts_int(none, WBXML_AirSync_Status), 6);
	ck_assert_ptr_null(wbxml_child(none, WBXML_AirSync_ServerId));
	ck_assert_ptr_nonnull(reply_server_id(c, "empty"));
	ck_assert_uint_eq(ts_count(&t, &t.contacts), 1);
	ts_close(&t);
}
END_TEST

/* A user never reaches another's items: folder ServerIds are per user, item ServerIds are
 * looked up within the user. */
START_TEST(test_users_are_isolated)
{
	struct ts t;
	struct ts_req r;
	const char *error = NULL;

	ts_open(&t, 141);
	struct store_item x = ts_server_contact(&t, "Private", "Mike");
	struct store_user kate;
	ck_assert_int_eq(store_context_add(t.store, "other.org", &error), STORE_OK);
	ck_assert_int_eq(store_user_add(t.store, "other.org", "kate", TS_HASH, NULL, NULL, &error),
			 STORE_OK);
	ck_assert_int_eq(store_user_get(t.store, t.p, "other.org", "kate", &kate, &error),
			 STORE_OK);
	struct store_user mike = t.user;
	t.user = kate;
	struct ts_device k = { "KATE1", "Android", NULL, ts_device_row(&t, "KATE1"), 141 };
	/* Her Contacts folder may well have the same ServerId as his: it is hers. */
	struct store_folder hers;
	ck_assert_int_eq(store_folder_get_default(t.store, t.p, kate.id, STORE_FOLDER_CONTACTS,
						  &hers, &error), STORE_OK);
	const char *key = ts_key(&t, ts_coll(ts_sync(&t, &k, "0", hers.server_id, 0),
					     hers.server_id));
	struct wbxml_node *root = ts_sync(&t, &k, key, hers.server_id, 0);
	ck_assert_ptr_null(root);
	ts_sync_begin(&r);
	ts_collection(&r, key, hers.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, WBXML_AirSync_Fetch);
	wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, x.server_id);
	wbxml_end(&r.w);
	wbxml_start(&r.w, WBXML_AirSync_Delete);
	wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, x.server_id);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	struct wbxml_node *c = ts_coll(ts_send(&t, eas_cmd_sync, &k, &r), hers.server_id);
	ck_assert_int_eq(ts_int(ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Fetch, 0),
				WBXML_AirSync_Status), 8);
	ck_assert_int_eq(ts_int(ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Delete, 0),
				WBXML_AirSync_Status), 8);
	t.user = mike;
	ck_assert_uint_eq(ts_count(&t, &t.contacts), 1);
	ts_close(&t);
}
END_TEST

/* The collection's body options reach the converters, and stay for the next requests
 * (sticky options): BodyPreference with TruncationSize (12.0+), Truncation (2.5). */
START_TEST(test_body_options)
{
	static const int versions[] = { 25, 141 };

	for (size_t v = 0; v < 2; v++) {
		struct ts t;
		struct ts_req r;
		buf b = BUF_INIT;
		struct wbxml_writer w;
		const char *error = NULL;
		char text[1001];

		ts_open(&t, versions[v]);
		memset(text, 'x', 1000);
		text[1000] = '\0';
		for (int i = 0; i < 2; i++) {
			buf_truncate(&b, 0);
			wbxml_writer_init(&w, &b, 0);
			wbxml_start(&w, WBXML_AirSync_ApplicationData);
			wbxml_elem_str(&w, WBXML_Contacts_FirstName, "Body");
			wbxml_start(&w, WBXML_AirSyncBase_Body);
			wbxml_elem_uint(&w, WBXML_AirSyncBase_Type, 1);
			wbxml_elem_str(&w, WBXML_AirSyncBase_Data, text);
			wbxml_end(&w);
			wbxml_end(&w);
			ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
			ts_server_add(&t, &t.contacts, STORE_CLASS_CONTACTS, &b);
		}
		buf_free(&b);
		const char *key = ts_key(&t, ts_coll(ts_sync(&t, &t.a, "0", t.contacts.server_id,
							    0), t.contacts.server_id));
		ts_sync_begin(&r);
		ts_collection(&r, key, t.contacts.server_id);
		wbxml_elem_uint(&r.w, WBXML_AirSync_WindowSize, 1);
		wbxml_start(&r.w, WBXML_AirSync_Options);
		if (versions[v] == 25) {
			wbxml_elem_uint(&r.w, WBXML_AirSync_Truncation, 1);
		} else {
			wbxml_start(&r.w, WBXML_AirSyncBase_BodyPreference);
			wbxml_elem_uint(&r.w, WBXML_AirSyncBase_Type, 1);
			wbxml_elem_uint(&r.w, WBXML_AirSyncBase_TruncationSize, 10);
			wbxml_end(&r.w);
		}
		wbxml_end(&r.w);
		wbxml_end(&r.w);
		ts_sync_end(&r);
		struct wbxml_node *c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r),
					       t.contacts.server_id);
		for (int round = 0; round < 2; round++) {
			struct wbxml_node *add = ts_nth(c, WBXML_AirSync_Commands,
							WBXML_AirSync_Add, 0);
			struct wbxml_node *ad = wbxml_child(add, WBXML_AirSync_ApplicationData);
			if (versions[v] == 25) {
				const char *body = wbxml_child_str(ad, WBXML_Contacts_Body);
				ck_assert_ptr_nonnull(body);
				ck_assert_uint_eq(strlen(body), 512);
				ck_assert_str_eq(wbxml_child_str(ad, WBXML_Contacts_BodyTruncated),
						 "1");
			} else {
				struct wbxml_node *body = wbxml_child(ad, WBXML_AirSyncBase_Body);
				ck_assert_ptr_nonnull(body);
				ck_assert_uint_eq(strlen(wbxml_child_str(body, WBXML_AirSyncBase_Data)),
						  10);
				ck_assert_str_eq(wbxml_child_str(body, WBXML_AirSyncBase_Truncated),
						 "1");
			}
			/* The next window without Options: the same truncation. */
			if (round == 0)
				c = ts_coll(ts_sync(&t, &t.a, ts_key(&t, c), t.contacts.server_id,
						    1), t.contacts.server_id);
		}
		ts_close(&t);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sync");
	TCase *tc = tcase_create("sync");

	tcase_add_unchecked_fixture(tc, ts_base_setup, ts_base_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sync_keys);
	tcase_add_test(tc, test_options_round_trip);
	tcase_add_test(tc, test_request_parse_tolerance);
	tcase_add_test(tc, test_initial_sync_in_windows);
	tcase_add_test(tc, test_old_versions_full_responses);
	tcase_add_test(tc, test_retry_rule_with_adds);
	tcase_add_test(tc, test_retry_resends_a_lost_window);
	tcase_add_test(tc, test_reset_generations);
	tcase_add_test(tc, test_conflicts);
	tcase_add_test(tc, test_delete_and_fetch);
	tcase_add_test(tc, test_bad_application_data);
	tcase_add_test(tc, test_filter_and_soft_delete);
	tcase_add_test(tc, test_ghosting);
	tcase_add_test(tc, test_top_level_statuses);
	tcase_add_test(tc, test_collection_statuses);
	tcase_add_test(tc, test_empty_and_partial_requests);
	tcase_add_test(tc, test_request_window_and_time_budget);
	tcase_add_test(tc, test_failed_collection_writes_nothing);
	tcase_add_test(tc, test_retried_delete_not_echoed);
	tcase_add_test(tc, test_users_are_isolated);
	tcase_add_test(tc, test_body_options);
	tcase_add_test(tc, test_retry_rule_with_changes_and_deletes);
	tcase_add_test(tc, test_retry_rule_change_then_other_writer);
	tcase_add_test(tc, test_retry_rule_change_edited_again);
	tcase_add_test(tc, test_delete_of_other_devices_tombstone);
	tcase_add_test(tc, test_filter_narrowed_soft_deletes);
	tcase_add_test(tc, test_add_without_application_data);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
