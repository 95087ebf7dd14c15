/* Unit tests of Sync for calendars (sync-engine.c with calendar.c): Q-CAL-4 UID dedupe on
 * Add, refused input (Status 6, nothing written), 16.x per-instance Change/Delete with
 * InstanceId combined with a series edit from a 14.1 device, FilterType windows with an old
 * recurring series. */
#include "eas/test-sync.h"

#include "store/store-testing.h"
#include "pim/test-pim.h"

static struct store_folder calendar_folder(struct ts *t)
{
	struct store_folder f;
	const char *error = NULL;

	ck_assert_int_eq(store_folder_get_default(t->store, t->p, t->user.id,
						  STORE_FOLDER_CALENDAR, &f, &error), STORE_OK);
	return f;
}

/* Pairs (tag, text) of an event; tag 0 ends. A tag with text NULL opens a container that a
 * tag 1 entry closes. */
struct ev {
	uint16_t tag;
	const char *text;
};

static void ev_write(struct wbxml_writer *w, const struct ev *e)
{
	wbxml_start(w, WBXML_AirSync_ApplicationData);
	for (; e->tag != 0; e++) {
		if (e->tag == 1)
			wbxml_end(w);
		else if (e->text == NULL)
			wbxml_start(w, e->tag);
		else
			wbxml_elem_str(w, e->tag, e->text);
	}
	wbxml_end(w);
}

static struct store_item server_event(struct ts *t, const struct store_folder *f,
				      const struct ev *e)
{
	buf b = BUF_INIT;
	struct wbxml_writer w;
	const char *error;

	wbxml_writer_init(&w, &b, 0);
	ev_write(&w, e);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	struct store_item item = ts_server_add(t, f, STORE_CLASS_CALENDAR, &b);
	buf_free(&b);
	return item;
}

/* Initial Sync of the calendar for dev (filter -1: no Options); returns the collection. */
static struct wbxml_node *first_sync_c(struct ts *t, const struct ts_device *dev,
				       const char *id, int filter, int conflict,
				       const char **key_r)
{
	struct ts_req r;
	const char *key = ts_key(t, ts_coll(ts_sync(t, dev, "0", id, 0), id));

	ts_sync_begin(&r);
	ts_collection(&r, key, id);
	if (filter >= 0 || conflict >= 0) {
		wbxml_start(&r.w, WBXML_AirSync_Options);
		if (filter >= 0)
			wbxml_elem_uint(&r.w, WBXML_AirSync_FilterType, (uint64_t)filter);
		if (conflict >= 0)
			wbxml_elem_uint(&r.w, WBXML_AirSync_Conflict, (uint64_t)conflict);
		wbxml_end(&r.w);
	}
	wbxml_end(&r.w);
	ts_sync_end(&r);
	struct wbxml_node *root = ts_send(t, eas_cmd_sync, dev, &r);
	/* An empty answer (nothing to send, same key) is an empty body on 12.1+. */
	struct wbxml_node *c = root != NULL ? ts_coll(root, id) : NULL;
	*key_r = c != NULL && wbxml_child(c, WBXML_AirSync_SyncKey) != NULL ? ts_key(t, c) : key;
	return c;
}

static struct wbxml_node *first_sync(struct ts *t, const struct ts_device *dev,
				     const char *id, int filter, const char **key_r)
{
	return first_sync_c(t, dev, id, filter, -1, key_r);
}

/* One command: kind Add (client_id), Change or Delete (server_id, instance_id or NULL). */
static struct wbxml_node *command(struct ts *t, const struct ts_device *dev, const char *key,
				  const char *id, uint16_t kind, const char *cid,
				  const char *sid, const char *instance, const struct ev *e)
{
	struct ts_req r;

	ts_sync_begin(&r);
	ts_collection(&r, key, id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	wbxml_start(&r.w, kind);
	if (cid != NULL)
		wbxml_elem_str(&r.w, WBXML_AirSync_ClientId, cid);
	if (sid != NULL)
		wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, sid);
	if (instance != NULL)
		wbxml_elem_str(&r.w, WBXML_AirSyncBase_InstanceId, instance);
	if (e != NULL)
		ev_write(&r.w, e);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	return ts_coll(ts_send(t, eas_cmd_sync, dev, &r), id);
}

#define E(name, text) { WBXML_Calendar_##name, text }
#define OPEN(name) { WBXML_Calendar_##name, NULL }
#define CLOSE { 1, NULL }
#define END { 0, NULL }

/* Q-CAL-4: a second Add of a known UID (14.1) or ClientUid (16.1) updates the event. */
static void dedupe(int version)
{
	struct ts t;
	ts_open(&t, version);
	struct store_folder cal = calendar_folder(&t);
	const char *key;
	uint16_t uid_tag = version >= 160 ? WBXML_Calendar_ClientUid : WBXML_Calendar_UID;

	first_sync(&t, &t.a, cal.server_id, -1, &key);
	const struct ev e1[] = { { uid_tag, "UID-42" }, E(Subject, "Party"),
				 E(StartTime, "20231120T180000Z"), E(EndTime, "20231120T220000Z"),
				 END };
	struct wbxml_node *c = command(&t, &t.a, key, cal.server_id, WBXML_AirSync_Add, "c1",
				       NULL, NULL, e1);
	struct wbxml_node *resp = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0);
	ck_assert_int_eq(ts_int(resp, WBXML_AirSync_Status), 1);
	const char *sid = pool_strdup(t.p, wbxml_child_str(resp, WBXML_AirSync_ServerId));
	key = ts_key(&t, c);

	const struct ev e2[] = { { uid_tag, "UID-42" }, E(Subject, "Party (from mail)"),
				 E(StartTime, "20231120T180000Z"), E(EndTime, "20231120T230000Z"),
				 END };
	c = command(&t, &t.a, key, cal.server_id, WBXML_AirSync_Add, "c2", NULL, NULL, e2);
	resp = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0);
	ck_assert_int_eq(ts_int(resp, WBXML_AirSync_Status), 1);
	ck_assert_str_eq(wbxml_child_str(resp, WBXML_AirSync_ServerId), sid);
	ck_assert_uint_eq(ts_count(&t, &cal), 1);

	/* The other device gets one event, the updated one. */
	c = first_sync(&t, &t.b, cal.server_id, -1, &key);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 1);
	ck_assert_str_eq(ts_prop(ts_nth(c, WBXML_AirSync_Commands, WBXML_AirSync_Add, 0),
				 WBXML_Calendar_Subject), "Party (from mail)");
	ts_close(&t);
}

START_TEST(test_calendar_uid_dedupe_141)
{
	dedupe(141);
}
END_TEST

START_TEST(test_calendar_uid_dedupe_161)
{
	dedupe(161);
}
END_TEST

/* A weekly Monday series at 08:00Z from 2023-11-06, ten occurrences. */
static const struct ev series[] = {
	E(UID, "SERIES-1"), E(Subject, "Standup"), E(StartTime, "20231106T080000Z"),
	E(EndTime, "20231106T083000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
	E(Occurrences, "10"), CLOSE, END,
};

/* Malformed input: Status 6 for the command, nothing written. */
START_TEST(test_calendar_refused)
{
	struct ts t;
	ts_open(&t, 141);
	struct store_folder cal = calendar_folder(&t);
	const char *key;

	first_sync(&t, &t.a, cal.server_id, -1, &key);
	const struct ev bad_tz[] = { E(Timezone, "AAAA"), E(StartTime, "20231120T180000Z"), END };
	const struct ev bad_recur[] = { E(StartTime, "20231120T180000Z"), OPEN(Recurrence),
					E(Type, "5"), E(MonthOfYear, "2"), E(DayOfMonth, "30"),
					CLOSE, END };
	const struct ev outside[] = {
		E(StartTime, "20231106T080000Z"), E(EndTime, "20231106T083000Z"),
		OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"), E(Occurrences, "10"), CLOSE,
		OPEN(Exceptions), OPEN(Exception), E(Deleted, "1"),
		E(ExceptionStartTime, "20240506T080000Z"), CLOSE, CLOSE, END,
	};
	const struct ev *bad[] = { bad_tz, bad_recur, outside };
	for (size_t i = 0; i < 3; i++) {
		struct wbxml_node *c = command(&t, &t.a, key, cal.server_id, WBXML_AirSync_Add,
					       "c1", NULL, NULL, bad[i]);
		struct wbxml_node *resp = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add,
						 0);
		ck_assert_int_eq(ts_int(resp, WBXML_AirSync_Status), 6);
		ck_assert_uint_eq(ts_count(&t, &cal), 0);
		key = ts_key(&t, c);
	}
	/* A Change that makes a stored series impossible is refused; the item stays. */
	struct wbxml_node *c = command(&t, &t.a, key, cal.server_id, WBXML_AirSync_Add, "c9",
				       NULL, NULL, series);
	struct wbxml_node *resp = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0);
	const char *sid = pool_strdup(t.p, wbxml_child_str(resp, WBXML_AirSync_ServerId));
	key = ts_key(&t, c);
	c = command(&t, &t.a, key, cal.server_id, WBXML_AirSync_Change, NULL, sid, NULL,
		    bad_recur);
	resp = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Change, 0);
	ck_assert_int_eq(ts_int(resp, WBXML_AirSync_Status), 6);
	struct store_item item;
	const char *error = NULL;
	ck_assert_int_eq(store_item_get(t.store, t.p, t.user.id, sid, true, &item, &error),
			 STORE_OK);
	ck_assert_str_eq(item.uid, "SERIES-1");
	ts_close(&t);
}
END_TEST

/* 14.1 device A made a series; 16.1 device B changes one occurrence and deletes another
 * with InstanceId; A renames the series: every change survives on both. */
START_TEST(test_calendar_instances)
{
	struct ts t;
	ts_open(&t, 141);
	t.b.version = 161;
	struct store_folder cal = calendar_folder(&t);
	const char *ka, *kb;

	/* A lets the client win (Conflict 0): its series edit merges with B's changes. */
	first_sync_c(&t, &t.a, cal.server_id, -1, 0, &ka);
	struct wbxml_node *c = command(&t, &t.a, ka, cal.server_id, WBXML_AirSync_Add, "c1",
				       NULL, NULL, series);
	const char *sid = pool_strdup(t.p, wbxml_child_str(
		ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0), WBXML_AirSync_ServerId));
	ka = ts_key(&t, c);
	c = first_sync(&t, &t.b, cal.server_id, -1, &kb);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 1);

	const struct ev moved[] = { E(Subject, "Standup (moved)"),
				    E(StartTime, "20231113T090000Z"),
				    E(EndTime, "20231113T093000Z"), END };
	c = command(&t, &t.b, kb, cal.server_id, WBXML_AirSync_Change, NULL, sid,
		    "20231113T080000Z", moved);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Change), 0);
	kb = ts_key(&t, c);
	c = command(&t, &t.b, kb, cal.server_id, WBXML_AirSync_Delete, NULL, sid,
		    "20231120T080000Z", NULL);
	kb = ts_key(&t, c);
	ck_assert_uint_eq(ts_count(&t, &cal), 1);
	/* An InstanceId that is no occurrence: Status 6 with the InstanceId echoed. */
	c = command(&t, &t.b, kb, cal.server_id, WBXML_AirSync_Change, NULL, sid,
		    "20231114T080000Z", moved);
	struct wbxml_node *resp = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Change, 0);
	ck_assert_int_eq(ts_int(resp, WBXML_AirSync_Status), 6);
	ck_assert_str_eq(wbxml_child_str(resp, WBXML_AirSyncBase_InstanceId), "20231114T080000Z");
	kb = ts_key(&t, c);

	/* A (14.1), which has not seen B's edits, renames the series without Exceptions: the
	 * merged series (its rename, B's exceptions) comes back to it in the same answer. */
	const struct ev rename[] = { E(Subject, "Daily standup"), END };
	c = command(&t, &t.a, ka, cal.server_id, WBXML_AirSync_Change, NULL, sid, NULL, rename);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Change), 0);
	struct wbxml_node *ch = ts_nth(c, WBXML_AirSync_Commands, WBXML_AirSync_Change, 0);
	ck_assert_ptr_nonnull(ch);
	struct wbxml_node *ad = wbxml_child(ch, WBXML_AirSync_ApplicationData);
	ck_assert_str_eq(wbxml_child_str(ad, WBXML_Calendar_Subject), "Daily standup");
	struct wbxml_node *exs = wbxml_child(ad, WBXML_Calendar_Exceptions);
	ck_assert_ptr_nonnull(exs);
	size_t n = 0;
	bool seen_moved = false, seen_deleted = false;
	wbxml_foreach_child(exs, ex) {
		const char *st = wbxml_child_str(ex, WBXML_Calendar_ExceptionStartTime);
		const char *subj = wbxml_child_str(ex, WBXML_Calendar_Subject);
		const char *del = wbxml_child_str(ex, WBXML_Calendar_Deleted);
		seen_moved |= st != NULL && strcmp(st, "20231113T080000Z") == 0 && subj != NULL &&
			      strcmp(subj, "Standup (moved)") == 0;
		seen_deleted |= st != NULL && strcmp(st, "20231120T080000Z") == 0 && del != NULL &&
				strcmp(del, "1") == 0;
		n++;
	}
	ck_assert_uint_eq(n, 2);
	ck_assert(seen_moved && seen_deleted);

	/* B gets the rename with its exceptions kept, as InstanceId. */
	c = ts_coll(ts_sync(&t, &t.b, kb, cal.server_id, 0), cal.server_id);
	ch = ts_nth(c, WBXML_AirSync_Commands, WBXML_AirSync_Change, 0);
	ck_assert_ptr_nonnull(ch);
	ad = wbxml_child(ch, WBXML_AirSync_ApplicationData);
	ck_assert_str_eq(wbxml_child_str(ad, WBXML_Calendar_Subject), "Daily standup");
	exs = wbxml_child(ad, WBXML_Calendar_Exceptions);
	ck_assert_ptr_nonnull(exs);
	ck_assert_str_eq(wbxml_child_str(exs->children, WBXML_AirSyncBase_InstanceId),
			 "20231113T080000Z");
	ts_close(&t);
}
END_TEST

/* Whether the stored series holds the text (WBXML strings are inline). */
static bool stored_has(struct ts *t, const char *sid, const char *text)
{
	struct store_item it;
	const char *error = NULL;

	ck_assert_int_eq(store_item_get(t->store, t->p, t->user.id, sid, true, &it, &error),
			 STORE_OK);
	return memmem(it.data, it.data_len, text, strlen(text)) != NULL;
}

/* A stale 14.1 series Change with its Exceptions list (Conflict 0) keeps B's exception
 * beside A's own; its answer lost, the same request again merges the same way and sends
 * the merged series back to A again (found by review). */
START_TEST(test_calendar_stale_retry)
{
	struct ts t;
	ts_open(&t, 141);
	struct store_folder cal = calendar_folder(&t);
	const char *ka, *kb;

	first_sync_c(&t, &t.a, cal.server_id, -1, 0, &ka);
	struct wbxml_node *c = command(&t, &t.a, ka, cal.server_id, WBXML_AirSync_Add, "c1",
				       NULL, NULL, series);
	const char *sid = pool_strdup(t.p, wbxml_child_str(
		ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0), WBXML_AirSync_ServerId));
	ka = ts_key(&t, c);
	first_sync(&t, &t.b, cal.server_id, -1, &kb);
	const struct ev b_change[] = {
		E(UID, "SERIES-1"), E(Subject, "Standup"), E(StartTime, "20231106T080000Z"),
		E(EndTime, "20231106T083000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
		E(Occurrences, "10"), CLOSE,
		OPEN(Exceptions), OPEN(Exception), E(ExceptionStartTime, "20231113T080000Z"),
		E(Subject, "B moved"), CLOSE, CLOSE, END };
	command(&t, &t.b, kb, cal.server_id, WBXML_AirSync_Change, NULL, sid, NULL, b_change);
	ck_assert(stored_has(&t, sid, "B moved"));

	const struct ev a_change[] = {
		E(UID, "SERIES-1"), E(Subject, "Standup"), E(StartTime, "20231106T080000Z"),
		E(EndTime, "20231106T083000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
		E(Occurrences, "10"), CLOSE, E(Location, "Room 9"),
		OPEN(Exceptions), OPEN(Exception), E(ExceptionStartTime, "20231120T080000Z"),
		E(Subject, "A own"), CLOSE, CLOSE, END };
	for (int attempt = 0; attempt < 2; attempt++) {
		c = command(&t, &t.a, ka, cal.server_id, WBXML_AirSync_Change, NULL, sid, NULL,
			    a_change);
		ck_assert_msg(stored_has(&t, sid, "B moved"), "attempt %d lost B's exception",
			      attempt);
		ck_assert(stored_has(&t, sid, "A own"));
		ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Change),
				  0);
		ck_assert_msg(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change) == 1,
			      "attempt %d: the merged series does not go back to A", attempt);
	}
	ts_close(&t);
}
END_TEST

static int64_t stored_modseq(struct ts *t, const char *sid)
{
	struct store_item it;
	const char *error = NULL;
	ck_assert_int_eq(store_item_get(t->store, t->p, t->user.id, sid, false, &it, &error),
			 STORE_OK);
	return it.modseq;
}

/* a plain (not stale) 14.1 series Change, answer lost, repeated: the first attempt
 * sends nothing back; the retry must answer the same. */
START_TEST(test_calendar_plain_retry_141)
{
	struct ts t;
	ts_open(&t, 141);
	struct store_folder cal = calendar_folder(&t);
	const char *ka;
	first_sync(&t, &t.a, cal.server_id, -1, &ka);
	struct wbxml_node *c = command(&t, &t.a, ka, cal.server_id, WBXML_AirSync_Add, "c1",
				       NULL, NULL, series);
	const char *sid = pool_strdup(t.p, wbxml_child_str(
		ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0), WBXML_AirSync_ServerId));
	ka = ts_key(&t, c);
	const struct ev a_change[] = {
		E(UID, "SERIES-1"), E(Subject, "Standup"), E(StartTime, "20231106T080000Z"),
		E(EndTime, "20231106T083000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
		E(Occurrences, "10"), CLOSE, E(Location, "Room 9"),
		OPEN(Exceptions), OPEN(Exception), E(ExceptionStartTime, "20231120T080000Z"),
		E(Subject, "A own"), CLOSE, CLOSE, END };
	int64_t ms[2];
	size_t echo[2];
	for (int attempt = 0; attempt < 2; attempt++) {
		c = command(&t, &t.a, ka, cal.server_id, WBXML_AirSync_Change, NULL, sid, NULL,
			    a_change);
		ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Change), 0);
		echo[attempt] = ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change);
		ms[attempt] = stored_modseq(&t, sid);
	}
	ck_assert_msg(echo[0] == echo[1], "first attempt echoed %zu, retry %zu", echo[0], echo[1]);
	ck_assert_int_eq(ms[0], ms[1]);
	ts_close(&t);
}
END_TEST

/* B adds an exception; A (14.1, Conflict 0, stale) sets the series' TimeZone to a
 * CET one (same UTC StartTime; weekly at 10:00 local, so after the October change the
 * occurrences are at 09:00Z) with its Exceptions list (empty). B's exception (at 08:00Z, an
 * occurrence of the UTC series only) is kept by the merge: A's Change must not be refused. */
START_TEST(test_calendar_stale_zone_change)
{
	struct ts t;
	ts_open(&t, 141);
	struct store_folder cal = calendar_folder(&t);
	const char *ka, *kb;
	const struct ev s0[] = {
		E(UID, "SERIES-Z"), E(Subject, "Standup"), E(StartTime, "20231023T080000Z"),
		E(EndTime, "20231023T083000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
		E(Occurrences, "10"), CLOSE, END };
	first_sync_c(&t, &t.a, cal.server_id, -1, 0, &ka);
	struct wbxml_node *c = command(&t, &t.a, ka, cal.server_id, WBXML_AirSync_Add, "c1",
				       NULL, NULL, s0);
	const char *sid = pool_strdup(t.p, wbxml_child_str(
		ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0), WBXML_AirSync_ServerId));
	ka = ts_key(&t, c);
	first_sync(&t, &t.b, cal.server_id, -1, &kb);
	const struct ev b_change[] = {
		E(UID, "SERIES-Z"), E(Subject, "Standup"), E(StartTime, "20231023T080000Z"),
		E(EndTime, "20231023T083000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
		E(Occurrences, "10"), CLOSE,
		OPEN(Exceptions), OPEN(Exception), E(ExceptionStartTime, "20231106T080000Z"),
		E(Subject, "B moved"), CLOSE, CLOSE, END };
	c = command(&t, &t.b, kb, cal.server_id, WBXML_AirSync_Change, NULL, sid, NULL, b_change);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Change), 0);
	const char *cet = tp_tz_blob(t.p, -60, true, "CET");
	const struct ev a_change[] = {
		{ WBXML_Calendar_Timezone, cet },
		E(UID, "SERIES-Z"), E(Subject, "Standup"), E(StartTime, "20231023T080000Z"),
		E(EndTime, "20231023T083000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
		E(Occurrences, "10"), CLOSE,
		OPEN(Exceptions), OPEN(Exception), E(ExceptionStartTime, "20231113T090000Z"),
		E(Subject, "A own"), CLOSE, CLOSE, END };
	c = command(&t, &t.a, ka, cal.server_id, WBXML_AirSync_Change, NULL, sid, NULL, a_change);
	struct wbxml_node *resp = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Change, 0);
	ck_assert_msg(resp == NULL, "A's Change refused with Status %d",
		      resp ? (int)ts_int(resp, WBXML_AirSync_Status) : 0);
	ck_assert(stored_has(&t, sid, "A own"));
	ts_close(&t);
}
END_TEST

/* FilterType 4 (two weeks back) at 2023-11-14: an event of 2020 stays out, a series that
 * started in 2019 and still recurs is sent, so is last week's event. */
START_TEST(test_calendar_filter_window)
{
	struct ts t;
	ts_open(&t, 141);
	struct store_folder cal = calendar_folder(&t);
	const char *key;

	const struct ev old[] = { E(Subject, "Old"), E(StartTime, "20200301T080000Z"),
				  E(EndTime, "20200301T090000Z"), END };
	const struct ev old_series[] = { E(Subject, "Weekly since 2019"),
					 E(StartTime, "20190107T080000Z"),
					 E(EndTime, "20190107T090000Z"), OPEN(Recurrence),
					 E(Type, "1"), E(DayOfWeek, "2"), CLOSE, END };
	const struct ev recent[] = { E(Subject, "Last week"), E(StartTime, "20231108T080000Z"),
				     E(EndTime, "20231108T090000Z"), END };
	server_event(&t, &cal, old);
	server_event(&t, &cal, old_series);
	server_event(&t, &cal, recent);
	struct wbxml_node *c = first_sync(&t, &t.a, cal.server_id, 4, &key);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 2);
	for (size_t i = 0; i < 2; i++) {
		const char *s = ts_prop(ts_nth(c, WBXML_AirSync_Commands, WBXML_AirSync_Add, i),
					WBXML_Calendar_Subject);
		ck_assert(strcmp(s, "Old") != 0);
	}
	/* Filter 0: the old one comes too. */
	struct ts_req r;
	ts_sync_begin(&r);
	ts_collection(&r, key, cal.server_id);
	wbxml_start(&r.w, WBXML_AirSync_Options);
	wbxml_elem_uint(&r.w, WBXML_AirSync_FilterType, 0);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	c = ts_coll(ts_send(&t, eas_cmd_sync, &t.a, &r), cal.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 1);
	ck_assert_str_eq(ts_prop(ts_nth(c, WBXML_AirSync_Commands, WBXML_AirSync_Add, 0),
				 WBXML_Calendar_Subject), "Old");
	ts_close(&t);
}
END_TEST

/* ---- The retry rule with several commands on one series (found by review) ---- */
static const char *rv_add(struct ts *t, const struct store_folder *cal, const char **ka)
{
	struct wbxml_node *c = command(t, &t->a, *ka, cal->server_id, WBXML_AirSync_Add, "c1",
				       NULL, NULL, series);
	const char *sid = pool_strdup(t->p, wbxml_child_str(
		ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Add, 0), WBXML_AirSync_ServerId));
	*ka = ts_key(t, c);
	return sid;
}

/* cmds: 'D' occurrence Delete (inst), 'C' occurrence Change (inst, e), 'S' series Change (e),
 * 'X' whole Delete */
struct rv_cmd { char k; const char *inst; const struct ev *e; };

static struct wbxml_node *rv_send(struct ts *t, const struct ts_device *dev, const char *key,
				  const char *id, const char *sid, const struct rv_cmd *cmds, int n)
{
	struct ts_req r;
	ts_sync_begin(&r);
	ts_collection(&r, key, id);
	wbxml_start(&r.w, WBXML_AirSync_Commands);
	for (int i = 0; i < n; i++) {
		bool del = cmds[i].k == 'D' || cmds[i].k == 'X';
		wbxml_start(&r.w, del ? WBXML_AirSync_Delete : WBXML_AirSync_Change);
		wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, sid);
		if (cmds[i].inst != NULL)
			wbxml_elem_str(&r.w, WBXML_AirSyncBase_InstanceId, cmds[i].inst);
		if (cmds[i].e != NULL)
			ev_write(&r.w, cmds[i].e);
		wbxml_end(&r.w);
	}
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	ts_sync_end(&r);
	return ts_coll(ts_send(t, eas_cmd_sync, dev, &r), id);
}

static void rv_run(int version, int stale, const struct rv_cmd *cmds, int n, const char *name)
{
	struct ts t;
	ts_open(&t, version);
	struct store_folder cal = calendar_folder(&t);
	const char *ka, *kb;
	first_sync_c(&t, &t.a, cal.server_id, -1, 0, &ka);
	const char *sid = rv_add(&t, &cal, &ka);
	if (stale) {
		first_sync(&t, &t.b, cal.server_id, -1, &kb);
		const struct ev bx[] = { E(Subject, "B moved"), END };
		struct wbxml_node *c = command(&t, &t.b, kb, cal.server_id, WBXML_AirSync_Change,
					       NULL, sid, "20231113T080000Z", bx);
		ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Change), 0);
	}
	int64_t ms[2];
	size_t echo[2], resp[2];
	for (int attempt = 0; attempt < 2; attempt++) {
		struct wbxml_node *c = rv_send(&t, &t.a, ka, cal.server_id, sid, cmds, n);
		resp[attempt] = ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Change) +
				ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Delete);
		echo[attempt] = ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change) +
				ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add);
		struct store_item it;
		const char *error = NULL;
		ms[attempt] = store_item_get(t.store, t.p, t.user.id, sid, false, &it, &error) ==
					      STORE_OK ? it.modseq : -1;
	}
	ck_assert_msg(resp[0] == resp[1] && echo[0] == echo[1] && ms[0] == ms[1],
		      "%s (stale %d): resp %zu/%zu echo %zu/%zu modseq %lld/%lld", name, stale,
		      resp[0], resp[1],
		      echo[0], echo[1], (long long)ms[0], (long long)ms[1]);
	ts_close(&t);
}

static const struct ev rv_move[] = { E(Subject, "Standup"), E(StartTime, "20231106T083000Z"),
	E(EndTime, "20231106T090000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
	E(Occurrences, "10"), CLOSE, END };
static const struct ev rv_x1[] = { E(Subject, "X one"), END };
static const struct ev rv_x2[] = { E(Subject, "X two"), END };
static const struct ev rv_ren[] = { E(Subject, "Renamed"), END };

/* Pairs (and one single) of commands on one series in one request, made with and without
 * another device's unseen exception (stale); each retried after a lost answer must give
 * the same answer, the same echo and no new write. */
static const struct {
	const char *name;
	struct rv_cmd cmds[2];
	int n;
} rv_cases[] = {
	{ "delete_then_move", { { 'D', "20231120T080000Z", NULL }, { 'S', NULL, rv_move } }, 2 },
	{ "xchange_then_move", { { 'C', "20231120T080000Z", rv_x1 }, { 'S', NULL, rv_move } }, 2 },
	{ "x1_x2", { { 'C', "20231120T080000Z", rv_x1 }, { 'C', "20231120T080000Z", rv_x2 } }, 2 },
	{ "ren_delete", { { 'S', NULL, rv_ren }, { 'D', "20231120T080000Z", NULL } }, 2 },
	{ "ren_whole_delete", { { 'S', NULL, rv_ren }, { 'X', NULL, NULL } }, 2 },
	{ "x1_ren", { { 'C', "20231120T080000Z", rv_x1 }, { 'S', NULL, rv_ren } }, 2 },
	{ "ren_move", { { 'S', NULL, rv_ren }, { 'S', NULL, rv_move } }, 2 },
	{ "single", { { 'S', NULL, rv_ren } }, 1 },
	{ "delete_alone", { { 'D', "20231120T080000Z", NULL } }, 1 },
	{ "two_deletes", { { 'D', "20231120T080000Z", NULL }, { 'D', "20231127T080000Z", NULL } },
	  2 },
};
#define RV_CASES (int)(sizeof(rv_cases) / sizeof(rv_cases[0]))

START_TEST(test_calendar_retry_matrix)
{
	int k = _i / 2, stale = _i % 2;
	rv_run(161, stale, rv_cases[k].cmds, rv_cases[k].n, rv_cases[k].name);
}
END_TEST

/* 16.1, B made an exception (13th) that A has not seen; A (Conflict 0) changes the
 * 20th occurrence twice in one request. The first attempt sends the merged series (with B's
 * exception) back to A; its answer is lost; the retry must too, or A never gets B's
 * exception. */
START_TEST(test_calendar_rv_stale_twice_divergence)
{
	struct ts t;
	ts_open(&t, 161);
	struct store_folder cal = calendar_folder(&t);
	const char *ka, *kb;
	first_sync_c(&t, &t.a, cal.server_id, -1, 0, &ka);
	const char *sid = rv_add(&t, &cal, &ka);
	first_sync(&t, &t.b, cal.server_id, -1, &kb);
	const struct ev bx[] = { E(Subject, "B moved"), END };
	command(&t, &t.b, kb, cal.server_id, WBXML_AirSync_Change, NULL, sid, "20231113T080000Z", bx);
	struct rv_cmd cmds[] = { { 'C', "20231120T080000Z", rv_x1 }, { 'C', "20231120T080000Z", rv_x2 } };
	struct wbxml_node *c = rv_send(&t, &t.a, ka, cal.server_id, sid, cmds, 2);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change), 1);
	/* answer lost: the same request again */
	c = rv_send(&t, &t.a, ka, cal.server_id, sid, cmds, 2);
	size_t got = ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change);
	const char *k2 = ts_key(&t, c);
	/* and later syncs of A */
	for (int i = 0; i < 2 && got == 0; i++) {
		struct wbxml_node *root = ts_sync(&t, &t.a, k2, cal.server_id, 1);
		struct wbxml_node *c2 = root != NULL ? ts_coll(root, cal.server_id) : NULL;
		if (c2 == NULL)
			break;
		got += ts_count_in(c2, WBXML_AirSync_Commands, WBXML_AirSync_Change);
		if (wbxml_child(c2, WBXML_AirSync_SyncKey) != NULL)
			k2 = ts_key(&t, c2);
	}
	ck_assert(stored_has(&t, sid, "B moved"));
	ck_assert_msg(got == 1, "A never gets the merged series with B's exception (got %zu)", got);
	ts_close(&t);
}
END_TEST

/* 16.1 series Change then Delete of the whole item, answer lost, retried: the first
 * attempt answered both OK (no Responses); so must the retry. */
START_TEST(test_calendar_rv_change_then_delete_status)
{
	struct ts t;
	ts_open(&t, 161);
	struct store_folder cal = calendar_folder(&t);
	const char *ka;
	first_sync_c(&t, &t.a, cal.server_id, -1, 0, &ka);
	const char *sid = rv_add(&t, &cal, &ka);
	struct rv_cmd cmds[] = { { 'S', NULL, rv_ren }, { 'X', NULL, NULL } };
	for (int attempt = 0; attempt < 2; attempt++) {
		struct wbxml_node *c = rv_send(&t, &t.a, ka, cal.server_id, sid, cmds, 2);
		struct wbxml_node *r = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Change, 0);
		ck_assert_msg(r == NULL, "attempt %d: the Change answered Status %d", attempt,
			      r != NULL ? ts_int(r, WBXML_AirSync_Status) : 0);
		ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Delete), 0);
	}
	ts_close(&t);
}
END_TEST

/* 14.1, Conflict 0. B adds an exception A has not seen; A's series Change (with its
 * Exceptions list) is stale: the merged series goes back to A. The answer is lost and A,
 * edited again meanwhile, repeats the key with a newer Change: the merge still has B's
 * exception that A never got, so it must still go back to A. */
START_TEST(test_calendar_rv_stale_retry_newer_content)
{
	struct ts t;
	ts_open(&t, 141);
	struct store_folder cal = calendar_folder(&t);
	const char *ka, *kb;
	first_sync_c(&t, &t.a, cal.server_id, -1, 0, &ka);
	const char *sid = rv_add(&t, &cal, &ka);
	first_sync(&t, &t.b, cal.server_id, -1, &kb);
	const struct ev b_change[] = {
		E(UID, "SERIES-1"), E(Subject, "Standup"), E(StartTime, "20231106T080000Z"),
		E(EndTime, "20231106T083000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
		E(Occurrences, "10"), CLOSE,
		OPEN(Exceptions), OPEN(Exception), E(ExceptionStartTime, "20231113T080000Z"),
		E(Subject, "B moved"), CLOSE, CLOSE, END };
	command(&t, &t.b, kb, cal.server_id, WBXML_AirSync_Change, NULL, sid, NULL, b_change);
	const struct ev a1[] = {
		E(UID, "SERIES-1"), E(Subject, "Standup"), E(StartTime, "20231106T080000Z"),
		E(EndTime, "20231106T083000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
		E(Occurrences, "10"), CLOSE, E(Location, "Room 9"),
		OPEN(Exceptions), OPEN(Exception), E(ExceptionStartTime, "20231120T080000Z"),
		E(Subject, "A own"), CLOSE, CLOSE, END };
	const struct ev a2[] = {
		E(UID, "SERIES-1"), E(Subject, "Standup"), E(StartTime, "20231106T080000Z"),
		E(EndTime, "20231106T083000Z"), OPEN(Recurrence), E(Type, "1"), E(DayOfWeek, "2"),
		E(Occurrences, "10"), CLOSE, E(Location, "Room 10"),
		OPEN(Exceptions), OPEN(Exception), E(ExceptionStartTime, "20231120T080000Z"),
		E(Subject, "A own"), CLOSE, CLOSE, END };
	struct wbxml_node *c = command(&t, &t.a, ka, cal.server_id, WBXML_AirSync_Change, NULL,
				       sid, NULL, a1);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change), 1);
	c = command(&t, &t.a, ka, cal.server_id, WBXML_AirSync_Change, NULL, sid, NULL, a2);
	ck_assert(stored_has(&t, sid, "B moved"));
	ck_assert(stored_has(&t, sid, "Room 10"));
	ck_assert_msg(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change) == 1,
		      "the merged series (B's exception) no longer goes back to A");
	ts_close(&t);
}
END_TEST

/* A's Change of a contact, answer lost; A then deletes the contact and repeats the
 * key with a Delete. The Change was A's own write: the Delete must not conflict with it. */
START_TEST(test_calendar_rv_change_lost_then_delete)
{
	struct ts t;
	ts_open(&t, 161);
	struct store_folder cal = calendar_folder(&t);
	const char *ka;
	first_sync_c(&t, &t.a, cal.server_id, -1, -1, &ka);
	const char *sid = rv_add(&t, &cal, &ka);

	struct rv_cmd ch[] = { { 'S', NULL, rv_ren } };
	rv_send(&t, &t.a, ka, cal.server_id, sid, ch, 1);
	struct rv_cmd del[] = { { 'X', NULL, NULL } };
	struct wbxml_node *c = rv_send(&t, &t.a, ka, cal.server_id, sid, del, 1);
	struct wbxml_node *r = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Delete, 0);
	ck_assert_msg(r == NULL, "the Delete answered Status %d",
		      r != NULL ? ts_int(r, WBXML_AirSync_Status) : 0);
	struct store_item it;
	const char *error = NULL;
	ck_assert_msg(store_item_get(t.store, t.p, t.user.id, sid, false, &it, &error) ==
		      STORE_NOT_FOUND, "the item is still there");
	ts_close(&t);
}
END_TEST

/* A changes one occurrence twice in one request (answer lost). B syncs the result and
 * edits another occurrence. A's retry must not write again: B's edit, made on the latest
 * version, would be refused as a conflict (server wins) and lost. */
START_TEST(test_calendar_rv_retry_rewrite_loses_b_edit)
{
	struct ts t;
	ts_open(&t, 161);
	struct store_folder cal = calendar_folder(&t);
	const char *ka, *kb;
	first_sync(&t, &t.a, cal.server_id, -1, &ka);
	const char *sid = rv_add(&t, &cal, &ka);
	first_sync(&t, &t.b, cal.server_id, -1, &kb);
	struct rv_cmd cmds[] = { { 'C', "20231120T080000Z", rv_x1 }, { 'C', "20231120T080000Z", rv_x2 } };
	rv_send(&t, &t.a, ka, cal.server_id, sid, cmds, 2);
	struct wbxml_node *c = ts_coll(ts_sync(&t, &t.b, kb, cal.server_id, 0), cal.server_id);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change), 1);
	kb = ts_key(&t, c);
	rv_send(&t, &t.a, ka, cal.server_id, sid, cmds, 2); /* A's retry */
	const struct ev be[] = { E(Subject, "B edit"), END };
	c = command(&t, &t.b, kb, cal.server_id, WBXML_AirSync_Change, NULL, sid,
		    "20231127T080000Z", be);
	struct wbxml_node *r = ts_nth(c, WBXML_AirSync_Responses, WBXML_AirSync_Change, 0);
	ck_assert_msg(r == NULL, "B's Change answered Status %d", r ? ts_int(r, WBXML_AirSync_Status) : 0);
	ck_assert_msg(stored_has(&t, sid, "B edit"), "B's edit lost");
	ts_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sync-calendar");
	TCase *tc = tcase_create("calendar");

	tcase_add_unchecked_fixture(tc, ts_base_setup, ts_base_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_calendar_uid_dedupe_141);
	tcase_add_test(tc, test_calendar_uid_dedupe_161);
	tcase_add_test(tc, test_calendar_refused);
	tcase_add_test(tc, test_calendar_instances);
	tcase_add_test(tc, test_calendar_filter_window);
	tcase_add_test(tc, test_calendar_stale_retry);
	tcase_add_test(tc, test_calendar_plain_retry_141);
	tcase_add_test(tc, test_calendar_stale_zone_change);
	tcase_add_test(tc, test_calendar_rv_retry_rewrite_loses_b_edit);
	tcase_add_test(tc, test_calendar_rv_stale_retry_newer_content);
	tcase_add_test(tc, test_calendar_rv_change_lost_then_delete);
	tcase_add_test(tc, test_calendar_rv_stale_twice_divergence);
	tcase_add_test(tc, test_calendar_rv_change_then_delete_status);
	tcase_add_loop_test(tc, test_calendar_retry_matrix, 0, 2 * RV_CASES);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
