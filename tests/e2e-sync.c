/* End-to-end tests of Sync (issue 5, point 4) with contacts, each on 2.5, 12.1, 14.1 and
 * 16.1: two phones of one user converge on adds, changes and deletes made on each and on
 * the server (easctl contacts import); windowing over 1,000 contacts; the retry rule (the
 * same SyncKey twice, with Adds); a lost answer followed by SyncKey 0; conflicts both ways;
 * ghosted properties; contact photos that are too large or not base64. The phones are the
 * emulator of tests/phone.c, which also checks every answer against the protocol rules. */
#include "harness.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

#define LOGIN "mike@ox.io"
#define USER "mike"
#define PASSWORD "Mike-pw-1"

static const char *const versions[] = { "2.5", "12.1", "14.1", "16.1" };

/* Context ox.io with mike, and easd. */
static void start_server(void)
{
	h_add_context(h_env, "ox.io", true);
	h_add_user(h_env, LOGIN, PASSWORD);
	h_easd_start(h_env, NULL);
}

/* A provisioned phone of mike with its folder list. */
static void phone(struct h_device *dev, const char *device_id, const char *version)
{
	h_device_init(dev, LOGIN, PASSWORD);
	dev->device_id = device_id;
	dev->version = version;
	h_dev_start(h_env, dev);
}

static const char *contacts_of(const struct h_device *dev)
{
	const char *id = h_dev_folder_of_type(dev, 9);

	ck_assert_msg(id != NULL, "%s has no Contacts folder", dev->device_id);
	return id;
}

/* Imports count generated contacts into mike's contacts (one easctl run). */
static void import(const char *prefix, unsigned count)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.vcf", prefix);
	h_easctl_ok(h_env, NULL, "contacts", "import", LOGIN, h_write_vcards(h_env, name, prefix, count),
		    NULL);
}

/* Live contacts of mike in the database. */
static int64_t stored_contacts(void)
{
	return h_db_int(h_env_data_dir(h_env),
			"SELECT count(*) FROM items i JOIN folders f ON f.id = i.folder_id "
			"JOIN users u ON u.id = f.user_id WHERE u.name = '" USER "' AND f.type = 9 "
			"AND i.deleted = 0");
}

/* The view as sorted "ServerId FileAs JobTitle Email1Address" lines (malloc'd). */
static char *view_text(struct h_device *dev, const char *coll)
{
	struct h_collection *c = h_dev_collection(dev, coll);
	char **lines = c->item_count > 0 ? calloc(c->item_count, sizeof(*lines)) : NULL;
	buf out = BUF_INIT;

	for (size_t i = 0; i < c->item_count; i++) {
		const struct h_item *it = &c->items[i];
		buf l = BUF_INIT;
		const char *fa = h_item_prop(it, WBXML_Contacts_FileAs);
		const char *jt = h_item_prop(it, WBXML_Contacts_JobTitle);
		const char *em = h_item_prop(it, WBXML_Contacts_Email1Address);
		buf_printf(&l, "%s|%s|%s|%s", it->server_id != NULL ? it->server_id : "(none)",
			   fa != NULL ? fa : "", jt != NULL ? jt : "", em != NULL ? em : "");
		lines[i] = (char *)buf_detach(&l, NULL);
	}
	for (size_t i = 0; i + 1 < c->item_count; i++) {
		for (size_t j = i + 1; j < c->item_count; j++) {
			if (strcmp(lines[i], lines[j]) > 0) {
				char *t = lines[i];
				lines[i] = lines[j];
				lines[j] = t;
			}
		}
	}
	for (size_t i = 0; i < c->item_count; i++) {
		buf_printf(&out, "%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	if (out.data == NULL)
		buf_puts(&out, "");
	return (char *)buf_detach(&out, NULL);
}

/* One Sync of the collection that must answer Status 1; returns the collection result's
 * counts in *r (freed by the caller). */
static void sync_ok(struct h_device *dev, const char *coll, unsigned flags, struct h_sync_result *r)
{
	h_dev_sync(h_env, dev, coll, flags, r);
	ck_assert_msg(r->http == 200 && (r->empty || h_sync_status(r) == 1),
		      "%s (%s): Sync of %s: HTTP %ld, Status %d\n%s", dev->device_id, dev->version, coll,
		      r->http, h_sync_status(r), r->xml);
}

static unsigned adds_of(const struct h_sync_result *r)
{
	return r->coll_count > 0 ? r->coll[0].adds : 0;
}

static unsigned changes_of(const struct h_sync_result *r)
{
	return r->coll_count > 0 ? r->coll[0].changes : 0;
}

static unsigned deletes_of(const struct h_sync_result *r)
{
	return r->coll_count > 0 ? r->coll[0].deletes : 0;
}

/* Two phones of one user (A of the version under test, B of another) converge on adds,
 * changes and deletes made on each and on the server; neither gets its own writes back
 * (Q-SYNC-8). */
START_TEST(test_two_phones_converge)
{
	struct h_device a, b;
	struct h_sync_result r;
	const char *va = versions[_i], *vb = versions[(_i + 2) % 4];

	start_server();
	import("Early", 3);
	phone(&a, "PHONEA0001", va);
	phone(&b, "PHONEB0002", vb);
	b.form = strcmp(vb, "2.5") == 0 ? H_QUERY_PLAIN : H_QUERY_BASE64;
	const char *ca = contacts_of(&a), *cb = contacts_of(&b);
	ck_assert_str_eq(ca, cb);
	h_dev_sync_all(h_env, &a, ca, NULL);
	h_dev_sync_all(h_env, &b, cb, NULL);
	ck_assert_int_eq(h_dev_count(&a, ca), 3);
	ck_assert_int_eq(h_dev_count(&b, cb), 3);

	/* A adds a contact; its answer maps the ClientId, nothing comes back. */
	const char *cid = h_dev_add(&a, ca, WBXML_Contacts_FileAs, "Xavier, Xena",
				    WBXML_Contacts_FirstName, "Xena", WBXML_Contacts_LastName, "Xavier",
				    WBXML_AirSyncBase_Body, "met at the fair",
				    WBXML_Contacts_Categories, "Friends\nFair", 0);
	sync_ok(&a, ca, 0, &r);
	const struct h_cmd_response *resp = h_sync_response(&r, H_CMD_ADD, cid);
	ck_assert_msg(resp != NULL && resp->status == 1, "A's Add: %s", r.xml);
	ck_assert_int_eq(adds_of(&r), 0);
	h_sync_result_free(&r);
	struct h_item *x = h_dev_find(&a, ca, WBXML_Contacts_FileAs, "Xavier, Xena");
	ck_assert(x != NULL && x->server_id != NULL);
	char *xid = strdup(x->server_id);

	/* B sees it, with its body and categories. */
	sync_ok(&b, cb, 0, &r);
	ck_assert_int_eq(adds_of(&r), 1);
	h_sync_result_free(&r);
	struct h_item *bx = h_dev_item(&b, cb, xid);
	ck_assert_msg(bx != NULL, "B does not see %s", xid);
	ck_assert_str_eq(h_item_prop(bx, WBXML_Contacts_FirstName), "Xena");
	ck_assert_str_eq(h_item_prop(bx, WBXML_AirSyncBase_Body), "met at the fair");
	ck_assert_str_eq(h_item_prop(bx, WBXML_Contacts_Categories), "Friends\nFair");

	/* B changes it; A gets the change, B does not get its own change back. */
	h_dev_change(&b, cb, xid, WBXML_Contacts_JobTitle, "Chief", 0);
	sync_ok(&b, cb, 0, &r);
	ck_assert_int_eq(changes_of(&r), 0);
	h_sync_result_free(&r);
	sync_ok(&a, ca, 0, &r);
	ck_assert_int_eq(changes_of(&r), 1);
	h_sync_result_free(&r);
	ck_assert_str_eq(h_item_prop(h_dev_item(&a, ca, xid), WBXML_Contacts_JobTitle), "Chief");
	ck_assert_str_eq(h_item_prop(h_dev_item(&a, ca, xid), WBXML_Contacts_FirstName), "Xena");

	/* A deletes an imported contact; B loses it. */
	struct h_item *early = h_dev_find(&a, ca, WBXML_Contacts_FileAs, "Early 2");
	ck_assert(early != NULL);
	char *eid = strdup(early->server_id);
	h_dev_delete(&a, ca, eid);
	sync_ok(&a, ca, 0, &r);
	ck_assert_int_eq(deletes_of(&r), 0);
	h_sync_result_free(&r);
	sync_ok(&b, cb, 0, &r);
	ck_assert_int_eq(deletes_of(&r), 1);
	h_sync_result_free(&r);
	ck_assert_ptr_null(h_dev_item(&b, cb, eid));

	/* The server adds two; both phones add one each at the same time. */
	import("Late", 2);
	h_dev_add(&a, ca, WBXML_Contacts_FileAs, "From A", 0);
	h_dev_add(&b, cb, WBXML_Contacts_FileAs, "From B", 0);
	h_dev_sync_all(h_env, &a, ca, NULL);
	h_dev_sync_all(h_env, &b, cb, NULL);
	h_dev_sync_all(h_env, &a, ca, NULL);

	char *ta = view_text(&a, ca), *tb = view_text(&b, cb);
	ck_assert_msg(strcmp(ta, tb) == 0, "the phones differ:\nA (%s):\n%sB (%s):\n%s", va, ta, vb, tb);
	ck_assert_int_eq(h_dev_count(&a, ca), 3 - 1 + 1 + 2 + 2);
	ck_assert_int_eq(stored_contacts(), (int64_t)h_dev_count(&a, ca));
	h_dev_assert_unique(&a, ca);
	h_dev_assert_unique(&b, cb);
	free(ta);
	free(tb);
	free(xid);
	free(eid);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

/* 1,000 contacts with WindowSize 25: 40 answers of at most 25, MoreAvailable on all but the
 * last, every contact exactly once; contacts imported halfway arrive as well. */
START_TEST(test_window_1000)
{
	struct h_device a;
	struct h_sync_result r;

	start_server();
	import("Bulk", 1000);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *ca = contacts_of(&a);
	struct h_collection *c = h_dev_collection(&a, ca);
	c->window_size = 25;
	sync_ok(&a, ca, 0, &r);  /* SyncKey 0 */
	h_sync_result_free(&r);
	unsigned rounds = 0, adds = 0;
	bool more = true;
	while (more) {
		ck_assert_msg(rounds < 100, "still MoreAvailable after %u rounds", rounds);
		sync_ok(&a, ca, 0, &r);
		rounds++;
		ck_assert_int_le(r.coll[0].commands, 25);
		more = r.coll[0].more_available;
		if (more)
			ck_assert_int_eq(r.coll[0].commands, 25);
		adds += r.coll[0].adds;
		h_sync_result_free(&r);
		if (rounds == 20)
			import("Midway", 10);
	}
	ck_assert_int_eq(adds, 1010);
	ck_assert_int_eq(rounds, 41);  /* 1010 / 25, rounded up */
	ck_assert_int_eq(h_dev_count(&a, ca), 1010);
	h_dev_assert_unique(&a, ca);
	for (unsigned i = 1; i <= 1000; i += 37) {
		char mail[64];
		snprintf(mail, sizeof(mail), "Bulk.%u@example.com", i);
		ck_assert_msg(h_dev_count_with(&a, ca, WBXML_Contacts_Email1Address, mail) == 1,
			      "%s: %zu times", mail, h_dev_count_with(&a, ca, WBXML_Contacts_Email1Address, mail));
	}
	/* Nothing left: the next Sync changes nothing. */
	sync_ok(&a, ca, 0, &r);
	ck_assert_int_eq(r.coll_count > 0 ? r.coll[0].commands : 0, 0);
	h_sync_result_free(&r);
	h_device_free(&a);
}
END_TEST

/* The retry rule: a phone that lost the answer to a Sync carrying Adds sends the same
 * SyncKey with the same Adds again: the server creates nothing twice, answers the same
 * (ServerIds, server changes), and the key of the retried answer works. */
START_TEST(test_retry_rule)
{
	struct h_device a, b;
	struct h_sync_result lost, lost2, retry, r;

	start_server();
	import("Base", 2);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *ca = contacts_of(&a);
	h_dev_sync_all(h_env, &a, ca, NULL);
	import("Server", 2);  /* changes the lost answer carries too */
	const char *c1 = h_dev_add(&a, ca, WBXML_Contacts_FileAs, "Retry One", 0);
	const char *c2 = h_dev_add(&a, ca, WBXML_Contacts_FileAs, "Retry Two", 0);
	char *key = strdup(h_device_sync_key(&a, ca));

	h_dev_sync(h_env, &a, ca, H_SYNC_LOSE, &lost);
	ck_assert_msg(h_sync_status(&lost) == 1, "%s", lost.xml);
	ck_assert_int_eq(stored_contacts(), 6);
	h_dev_sync(h_env, &a, ca, H_SYNC_LOSE, &lost2);
	ck_assert_str_eq(h_device_sync_key(&a, ca), key);
	sync_ok(&a, ca, 0, &retry);
	ck_assert_int_eq(stored_contacts(), 6);
	ck_assert_msg(strcmp(lost.summary, retry.summary) == 0 && strcmp(lost2.summary, retry.summary) == 0,
		      "the retried answer differs from the lost one:\nlost:\n%slost again:\n%sretry:\n%s",
		      lost.summary, lost2.summary, retry.summary);
	const struct h_cmd_response *r1 = h_sync_response(&retry, H_CMD_ADD, c1);
	const struct h_cmd_response *r2 = h_sync_response(&retry, H_CMD_ADD, c2);
	ck_assert(r1 != NULL && r2 != NULL && r1->status == 1 && r2->status == 1);
	ck_assert_str_eq(r1->server_id, h_sync_response(&lost, H_CMD_ADD, c1)->server_id);
	ck_assert_int_eq(adds_of(&retry), 2);
	h_sync_result_free(&lost);
	h_sync_result_free(&lost2);
	h_sync_result_free(&retry);
	/* The new key works (SOGo answers Status 3 here, FACTS.md); nothing more to send. */
	sync_ok(&a, ca, 0, &r);
	ck_assert_int_eq(r.coll_count > 0 ? r.coll[0].commands : 0, 0);
	h_sync_result_free(&r);
	ck_assert_int_eq(h_dev_count(&a, ca), 6);
	h_dev_assert_unique(&a, ca);

	/* Another phone sees each of A's contacts once. */
	phone(&b, "PHONEB0002", versions[_i]);
	h_dev_sync_all(h_env, &b, ca, NULL);
	ck_assert_int_eq(h_dev_count_with(&b, ca, WBXML_Contacts_FileAs, "Retry One"), 1);
	ck_assert_int_eq(h_dev_count_with(&b, ca, WBXML_Contacts_FileAs, "Retry Two"), 1);
	ck_assert_int_eq(h_dev_count(&b, ca), 6);
	free(key);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

/* A phone loses an answer (with server changes and the answer to its Add), then starts
 * over with SyncKey 0: it ends with every contact once, its own included, and the keys of
 * the old state are refused (Status 3). */
START_TEST(test_lost_answer_then_reset)
{
	struct h_device a;
	struct h_sync_result r;

	start_server();
	import("Base", 5);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *ca = contacts_of(&a);
	h_dev_sync_all(h_env, &a, ca, NULL);
	import("More", 3);
	h_dev_add(&a, ca, WBXML_Contacts_FileAs, "Mine", 0);
	char *old_key = strdup(h_device_sync_key(&a, ca));
	h_dev_sync(h_env, &a, ca, H_SYNC_LOSE, &r);
	ck_assert_int_eq(adds_of(&r), 3);
	h_sync_result_free(&r);

	h_dev_reset_collection(&a, ca);
	h_dev_sync_all(h_env, &a, ca, NULL);
	ck_assert_int_eq(h_dev_count(&a, ca), 9);
	ck_assert_int_eq(h_dev_count_with(&a, ca, WBXML_Contacts_FileAs, "Mine"), 1);
	ck_assert_int_eq(stored_contacts(), 9);
	h_dev_assert_unique(&a, ca);

	/* The key of the state before the reset is unknown now. */
	char *new_key = strdup(h_device_sync_key(&a, ca));
	h_device_set_sync_key(&a, ca, old_key);
	h_dev_sync(h_env, &a, ca, 0, &r);
	ck_assert_msg(h_sync_status(&r) == 3, "old key %s: Status %d\n%s", old_key, h_sync_status(&r), r.xml);
	h_sync_result_free(&r);
	/* ... and the current one still works. */
	h_device_set_sync_key(&a, ca, new_key);
	sync_ok(&a, ca, 0, &r);
	h_sync_result_free(&r);
	free(old_key);
	free(new_key);
	h_device_free(&a);
}
END_TEST

/* Conflicts both ways: with server-wins (Conflict 1, the default) the phone's Change of an
 * item another phone changed first is refused with Status 7 and the server's version comes
 * back; with client-wins (Conflict 0) the phone's Change is taken and reaches the other. */
START_TEST(test_conflicts)
{
	struct h_device a, b;
	struct h_sync_result r;

	start_server();
	import("Conflict", 1);
	phone(&a, "PHONEA0001", versions[_i]);
	phone(&b, "PHONEB0002", versions[_i]);
	const char *c = contacts_of(&a);
	h_dev_sync_all(h_env, &a, c, NULL);
	h_dev_sync_all(h_env, &b, c, NULL);
	char *sid = strdup(h_dev_collection(&a, c)->items[0].server_id);

	/* Server wins. */
	h_dev_collection(&a, c)->conflict = 1;
	h_dev_change(&b, c, sid, WBXML_Contacts_JobTitle, "from B", 0);
	sync_ok(&b, c, 0, &r);
	h_sync_result_free(&r);
	h_dev_change(&a, c, sid, WBXML_Contacts_JobTitle, "from A", 0);
	sync_ok(&a, c, 0, &r);
	const struct h_cmd_response *resp = h_sync_response(&r, H_CMD_CHANGE, sid);
	ck_assert_msg(resp != NULL && resp->status == 7, "server wins: the Change of A:\n%s", r.xml);
	h_sync_result_free(&r);
	h_dev_sync_all(h_env, &a, c, NULL);
	ck_assert_str_eq(h_item_prop(h_dev_item(&a, c, sid), WBXML_Contacts_JobTitle), "from B");
	sync_ok(&b, c, 0, &r);
	ck_assert_int_eq(changes_of(&r), 0);
	h_sync_result_free(&r);
	ck_assert_str_eq(h_item_prop(h_dev_item(&b, c, sid), WBXML_Contacts_JobTitle), "from B");

	/* Client wins. */
	h_dev_collection(&a, c)->conflict = 0;
	h_dev_change(&b, c, sid, WBXML_Contacts_JobTitle, "from B again", 0);
	sync_ok(&b, c, 0, &r);
	h_sync_result_free(&r);
	h_dev_change(&a, c, sid, WBXML_Contacts_JobTitle, "from A again", 0);
	sync_ok(&a, c, 0, &r);
	resp = h_sync_response(&r, H_CMD_CHANGE, sid);
	ck_assert_msg(resp == NULL || resp->status == 1, "client wins: the Change of A:\n%s", r.xml);
	h_sync_result_free(&r);
	h_dev_sync_all(h_env, &a, c, NULL);
	ck_assert_str_eq(h_item_prop(h_dev_item(&a, c, sid), WBXML_Contacts_JobTitle), "from A again");
	sync_ok(&b, c, 0, &r);
	ck_assert_int_eq(changes_of(&r), 1);
	h_sync_result_free(&r);
	ck_assert_str_eq(h_item_prop(h_dev_item(&b, c, sid), WBXML_Contacts_JobTitle), "from A again");
	free(sid);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

/* Ghosting: a phone that declared Supported keeps what it did not list when it changes a
 * contact, and clears what it listed but left out; a phone that declared nothing clears
 * nothing it left out (Q-PARSE-3). */
START_TEST(test_ghosted_properties)
{
	static const uint16_t supported[] = { WBXML_Contacts_FileAs, WBXML_Contacts_FirstName,
					      WBXML_Contacts_LastName, WBXML_Contacts_Email1Address };
	struct h_device a, b, n;
	struct h_sync_result r;

	start_server();
	h_env_write_file(h_env, "one.vcf",
			 "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ghost\r\nN:Host;Ghost;;;\r\n"
			 "EMAIL:ghost@example.com\r\nTITLE:Spook\r\nTEL;TYPE=CELL:+15550001\r\n"
			 "END:VCARD\r\n");
	h_easctl_ok(h_env, NULL, "contacts", "import", LOGIN, h_env_path(h_env, "one.vcf"), NULL);
	phone(&a, "PHONEA0001", versions[_i]);
	phone(&b, "PHONEB0002", versions[(_i + 1) % 4]);
	phone(&n, "PHONEN0003", versions[_i]);
	const char *c = contacts_of(&a);
	struct h_collection *ac = h_dev_collection(&a, c);
	ac->supported = supported;
	ac->supported_count = sizeof(supported) / sizeof(supported[0]);
	h_dev_sync_all(h_env, &a, c, NULL);
	h_dev_sync_all(h_env, &b, c, NULL);
	h_dev_sync_all(h_env, &n, c, NULL);
	char *sid = strdup(ac->items[0].server_id);

	/* A edits the first name: its Change carries the four listed properties only. */
	h_dev_change(&a, c, sid, WBXML_Contacts_FirstName, "Casper", 0);
	sync_ok(&a, c, 0, &r);
	h_sync_result_free(&r);
	h_dev_sync_all(h_env, &b, c, NULL);
	struct h_item *it = h_dev_item(&b, c, sid);
	ck_assert_str_eq(h_item_prop(it, WBXML_Contacts_FirstName), "Casper");
	ck_assert_str_eq(h_item_prop(it, WBXML_Contacts_JobTitle), "Spook");
	ck_assert_str_eq(h_item_prop(it, WBXML_Contacts_MobilePhoneNumber), "+15550001");
	ck_assert_str_eq(h_item_prop(it, WBXML_Contacts_Email1Address), "ghost@example.com");

	/* A removes the address: listed and absent, so it is cleared; the rest stays. */
	h_dev_change(&a, c, sid, WBXML_Contacts_Email1Address, "", 0);
	sync_ok(&a, c, 0, &r);
	h_sync_result_free(&r);
	h_dev_sync_all(h_env, &b, c, NULL);
	it = h_dev_item(&b, c, sid);
	ck_assert_ptr_null(h_item_prop(it, WBXML_Contacts_Email1Address));
	ck_assert_str_eq(h_item_prop(it, WBXML_Contacts_JobTitle), "Spook");
	ck_assert_str_eq(h_item_prop(it, WBXML_Contacts_MobilePhoneNumber), "+15550001");

	/* N never declared Supported and sends only the property it edited. */
	h_dev_sync_all(h_env, &n, c, NULL);
	h_dev_change_only(&n, c, sid, WBXML_Contacts_LastName, "Ghostly", 0);
	sync_ok(&n, c, 0, &r);
	h_sync_result_free(&r);
	h_dev_sync_all(h_env, &b, c, NULL);
	it = h_dev_item(&b, c, sid);
	ck_assert_str_eq(h_item_prop(it, WBXML_Contacts_LastName), "Ghostly");
	ck_assert_str_eq(h_item_prop(it, WBXML_Contacts_FirstName), "Casper");
	ck_assert_str_eq(h_item_prop(it, WBXML_Contacts_JobTitle), "Spook");
	ck_assert_str_eq(h_item_prop(it, WBXML_Contacts_MobilePhoneNumber), "+15550001");
	free(sid);
	h_device_free(&a);
	h_device_free(&b);
	h_device_free(&n);
}
END_TEST

/* A photo that is too large (over 5 MB of base64) or not base64 never fails the contact
 * (Q-CNT-3): an Add keeps the contact without it, a Change keeps the photo it had. */
START_TEST(test_hostile_picture)
{
	struct h_device a, b;
	struct h_sync_result r;
	size_t big_len = 5u * 1024 * 1024 + 4;
	char *big = malloc(big_len + 1);

	ck_assert_ptr_nonnull(big);
	memset(big, 'A', big_len);
	big[big_len] = '\0';
	start_server();
	phone(&a, "PHONEA0001", versions[_i]);
	phone(&b, "PHONEB0002", versions[_i]);
	const char *c = contacts_of(&a);
	h_dev_sync_all(h_env, &a, c, NULL);
	h_dev_sync_all(h_env, &b, c, NULL);

	const char *big_add = h_dev_add(&a, c, WBXML_Contacts_FileAs, "Big photo",
					WBXML_Contacts_Picture, big, 0);
	const char *bad_add = h_dev_add(&a, c, WBXML_Contacts_FileAs, "Bad photo",
					WBXML_Contacts_Picture, "*** not base64 ***", 0);
	const char *ok_add = h_dev_add(&a, c, WBXML_Contacts_FileAs, "Good photo",
				       WBXML_Contacts_Picture, "R0lGODlhAQABAAAAACw=", 0);
	sync_ok(&a, c, 0, &r);
	ck_assert_int_eq(h_sync_response(&r, H_CMD_ADD, big_add)->status, 1);
	ck_assert_int_eq(h_sync_response(&r, H_CMD_ADD, bad_add)->status, 1);
	ck_assert_int_eq(h_sync_response(&r, H_CMD_ADD, ok_add)->status, 1);
	h_sync_result_free(&r);
	h_dev_sync_all(h_env, &b, c, NULL);
	ck_assert_ptr_null(h_item_prop(h_dev_find(&b, c, WBXML_Contacts_FileAs, "Big photo"),
				       WBXML_Contacts_Picture));
	ck_assert_ptr_null(h_item_prop(h_dev_find(&b, c, WBXML_Contacts_FileAs, "Bad photo"),
				       WBXML_Contacts_Picture));
	struct h_item *good = h_dev_find(&b, c, WBXML_Contacts_FileAs, "Good photo");
	ck_assert_str_eq(h_item_prop(good, WBXML_Contacts_Picture), "R0lGODlhAQABAAAAACw=");

	/* Changes with a hostile photo keep the one it has. */
	char *gid = strdup(good->server_id);
	h_dev_change_only(&a, c, gid, WBXML_Contacts_JobTitle, "Model", WBXML_Contacts_Picture, big, 0);
	sync_ok(&a, c, 0, &r);
	h_sync_result_free(&r);
	h_dev_change_only(&a, c, gid, WBXML_Contacts_Picture, "%%%", 0);
	sync_ok(&a, c, 0, &r);
	h_sync_result_free(&r);
	h_dev_sync_all(h_env, &b, c, NULL);
	good = h_dev_item(&b, c, gid);
	ck_assert_str_eq(h_item_prop(good, WBXML_Contacts_JobTitle), "Model");
	ck_assert_str_eq(h_item_prop(good, WBXML_Contacts_Picture), "R0lGODlhAQABAAAAACw=");
	free(gid);
	free(big);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

/* `easctl device resync`: the phone's states are dropped, its next FolderSync answers 9
 * and its next Sync 3; it starts over (FolderSync 0, SyncKey 0) and ends with every contact
 * once. Another phone of the user goes on unaffected. */
START_TEST(test_device_resync)
{
	struct h_device a, b;
	struct h_sync_result r;
	struct h_folder_result fr;
	struct h_result er;

	start_server();
	import("Resync", 4);
	phone(&a, "PHONEA0001", versions[_i]);
	phone(&b, "PHONEB0002", versions[(_i + 3) % 4]);
	const char *c = contacts_of(&a);
	h_dev_sync_all(h_env, &a, c, NULL);
	h_dev_sync_all(h_env, &b, c, NULL);

	h_easctl(h_env, NULL, &er, "device", "resync", LOGIN, a.device_id, NULL);
	ck_assert_msg(er.status == 0, "easctl device resync: %s", er.err);
	h_result_free(&er);
	h_dev_add(&a, c, WBXML_Contacts_FileAs, "Before resync", 0);
	h_dev_sync(h_env, &a, c, 0, &r);
	ck_assert_msg(h_sync_status(&r) == 3, "Sync after resync: Status %d\n%s", h_sync_status(&r),
		      r.xml);
	h_sync_result_free(&r);
	ck_assert_int_eq(h_dev_folder_sync(h_env, &a, &fr), 9);
	ck_assert_int_eq(stored_contacts(), 4);

	/* The phone starts over: its unsent contact goes with the new state. */
	free(a.folder_sync_key);
	a.folder_sync_key = NULL;
	ck_assert_int_eq(h_dev_folder_sync(h_env, &a, &fr), 1);
	c = contacts_of(&a);
	h_device_set_sync_key(&a, c, "0");
	h_dev_sync_all(h_env, &a, c, NULL);
	ck_assert_int_eq(h_dev_count(&a, c), 5);
	h_dev_assert_unique(&a, c);
	ck_assert_int_eq(stored_contacts(), 5);

	/* B goes on with its keys and gets A's new contact. */
	sync_ok(&b, c, 0, &r);
	ck_assert_int_eq(adds_of(&r), 1);
	h_sync_result_free(&r);
	ck_assert_int_eq(h_dev_folder_sync(h_env, &b, &fr), 1);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

/* Windowing with lost answers: every other window's answer is lost and asked again; each
 * contact arrives exactly once. */
START_TEST(test_window_with_losses)
{
	struct h_device a;
	struct h_sync_result r, again;

	start_server();
	import("Paged", 110);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *c = contacts_of(&a);
	h_dev_collection(&a, c)->window_size = 25;
	sync_ok(&a, c, 0, &r);   /* SyncKey 0 */
	h_sync_result_free(&r);
	bool more = true;
	unsigned rounds = 0, adds = 0;
	while (more) {
		ck_assert_msg(++rounds < 40, "no end");
		if (rounds % 2 == 1) {
			h_dev_sync(h_env, &a, c, H_SYNC_LOSE, &r);
			sync_ok(&a, c, 0, &again);
			ck_assert_msg(strcmp(r.summary, again.summary) == 0, "window %u differs:\n%s\n%s",
				      rounds, r.summary, again.summary);
			h_sync_result_free(&r);
			r = again;
		} else {
			sync_ok(&a, c, 0, &r);
		}
		adds += r.coll[0].adds;
		more = r.coll[0].more_available;
		h_sync_result_free(&r);
	}
	ck_assert_int_eq(adds, 110);
	ck_assert_int_eq(h_dev_count(&a, c), 110);
	h_dev_assert_unique(&a, c);
	h_device_free(&a);
}
END_TEST

/* A Change of a contact another phone deleted meanwhile: Status 8 for the Change, and the
 * Delete reaches the phone; nothing comes back to life. */
START_TEST(test_change_after_delete)
{
	struct h_device a, b;
	struct h_sync_result r;

	start_server();
	import("Gone", 2);
	phone(&a, "PHONEA0001", versions[_i]);
	phone(&b, "PHONEB0002", versions[(_i + 1) % 4]);
	const char *c = contacts_of(&a);
	h_dev_sync_all(h_env, &a, c, NULL);
	h_dev_sync_all(h_env, &b, c, NULL);
	char *x = strdup(h_dev_find(&a, c, WBXML_Contacts_FileAs, "Gone 1")->server_id);

	h_dev_delete(&b, c, x);
	sync_ok(&b, c, 0, &r);
	h_sync_result_free(&r);
	h_dev_change(&a, c, x, WBXML_Contacts_JobTitle, "Too late", 0);
	sync_ok(&a, c, 0, &r);
	const struct h_cmd_response *resp = h_sync_response(&r, H_CMD_CHANGE, x);
	ck_assert_msg(resp != NULL && resp->status == 8, "Change of a deleted contact:\n%s", r.xml);
	h_sync_result_free(&r);
	h_dev_sync_all(h_env, &a, c, NULL);
	ck_assert_ptr_null(h_dev_item(&a, c, x));
	ck_assert_int_eq(h_dev_count(&a, c), 1);
	ck_assert_int_eq(stored_contacts(), 1);
	h_dev_sync_all(h_env, &b, c, NULL);
	ck_assert_int_eq(h_dev_count(&b, c), 1);
	free(x);
	h_device_free(&a);
	h_device_free(&b);
}
END_TEST

/* Several collections in one request with a top-level WindowSize (12.1+): no answer carries
 * more commands than it in all, and every contact and task arrives once. */
START_TEST(test_request_window_across_collections)
{
	struct h_device a;
	struct h_sync_result r;

	start_server();
	import("Multi", 30);
	buf ics = BUF_INIT;
	buf_puts(&ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\n");
	for (int i = 1; i <= 30; i++)
		buf_printf(&ics, "BEGIN:VTODO\r\nUID:t%d@e2e\r\nDTSTAMP:20260101T000000Z\r\n"
			   "SUMMARY:Task %d\r\nEND:VTODO\r\n", i, i);
	buf_puts(&ics, "END:VCALENDAR\r\n");
	h_easctl_ok(h_env, NULL, "tasks", "import", LOGIN, h_env_write_file(h_env, "t.ics", buf_cstr(&ics)),
		    NULL);
	buf_free(&ics);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *c = contacts_of(&a), *t = h_dev_folder_of_type(&a, 7);
	const char *both[] = { c, t };
	a.window_size = 25;   /* the emulator checks every answer against it */
	h_dev_sync_multi(h_env, &a, both, 2, 0, &r);   /* SyncKey 0 */
	ck_assert_msg(r.coll_count == 2, "%s", r.xml);
	h_sync_result_free(&r);
	bool more = true;
	unsigned rounds = 0;
	while (more) {
		ck_assert_msg(++rounds < 20, "no end");
		h_dev_sync_multi(h_env, &a, both, 2, 0, &r);
		ck_assert_msg(r.http == 200 && (r.empty || r.coll_count == 2), "%s", r.xml);
		more = false;
		for (size_t i = 0; i < r.coll_count; i++) {
			ck_assert_int_eq(r.coll[i].status, 1);
			more = more || r.coll[i].more_available;
		}
		h_sync_result_free(&r);
	}
	ck_assert_int_eq(h_dev_count(&a, c), 30);
	ck_assert_int_eq(h_dev_count(&a, t), 30);
	ck_assert_int_ge(rounds, 3);
	h_dev_assert_unique(&a, c);
	h_dev_assert_unique(&a, t);
	h_device_free(&a);
}
END_TEST

/* GetChanges 0 (12.1+) with the phone's own Add: nothing comes back then or later
 * (Q-SYNC-8), while the server's import waits for the next Sync that asks for changes; a
 * Fetch returns the whole contact. */
START_TEST(test_get_changes_off_and_fetch)
{
	struct h_device a;
	struct h_sync_result r;

	start_server();
	import("Fetch", 1);
	phone(&a, "PHONEA0001", versions[_i]);
	const char *c = contacts_of(&a);
	h_dev_sync_all(h_env, &a, c, NULL);
	struct h_collection *col = h_dev_collection(&a, c);
	import("Waiting", 2);
	col->get_changes_off = true;
	const char *cid = h_dev_add(&a, c, WBXML_Contacts_FileAs, "Quiet add", 0);
	sync_ok(&a, c, 0, &r);
	ck_assert_int_eq(h_sync_response(&r, H_CMD_ADD, cid)->status, 1);
	ck_assert_int_eq(r.coll[0].commands, 0);
	h_sync_result_free(&r);
	col->get_changes_off = false;
	struct h_sync_all all;
	h_dev_sync_all(h_env, &a, c, &all);
	ck_assert_int_eq(all.adds, 2);
	ck_assert_int_eq(h_dev_count(&a, c), 4);
	h_dev_assert_unique(&a, c);

	struct h_item *it = h_dev_find(&a, c, WBXML_Contacts_FileAs, "Fetch 1");
	char *sid = strdup(it->server_id);
	h_dev_fetch(&a, c, sid);
	sync_ok(&a, c, 0, &r);
	const struct h_cmd_response *f = h_sync_response(&r, H_CMD_FETCH, sid);
	ck_assert_msg(f != NULL && f->status == 1 && strstr(r.xml, "Fetch.1@example.com") != NULL,
		      "Fetch:\n%s", r.xml);
	h_sync_result_free(&r);
	ck_assert_str_eq(h_item_prop(h_dev_item(&a, c, sid), WBXML_Contacts_Email1Address),
			 "Fetch.1@example.com");
	free(sid);
	h_device_free(&a);
}
END_TEST

static Suite *sync_suite(void)
{
	Suite *s = suite_create("e2e-sync");
	TCase *tc = h_tcase_new("sync");

	tcase_add_loop_test(tc, test_two_phones_converge, 0, 4);
	tcase_add_loop_test(tc, test_window_1000, 0, 4);
	tcase_add_loop_test(tc, test_retry_rule, 0, 4);
	tcase_add_loop_test(tc, test_lost_answer_then_reset, 0, 4);
	tcase_add_loop_test(tc, test_conflicts, 0, 4);
	tcase_add_loop_test(tc, test_ghosted_properties, 0, 4);
	tcase_add_loop_test(tc, test_hostile_picture, 0, 4);
	tcase_add_loop_test(tc, test_device_resync, 0, 4);
	tcase_add_loop_test(tc, test_window_with_losses, 0, 4);
	tcase_add_loop_test(tc, test_change_after_delete, 0, 4);
	tcase_add_loop_test(tc, test_request_window_across_collections, 1, 4);  /* 12.1+ */
	tcase_add_loop_test(tc, test_get_changes_off_and_fetch, 1, 4);  /* 12.1+ */
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return h_main(sync_suite());
}
