/* Unit tests of SoftDelete when an unchanged item ages out of a FilterType window as time
 * passes (issue 6 point 5, MS-ASCMD 2.2.3.172; sync-engine.c age_out): the request time
 * (ts_now) moves, nothing is written, and the next Sync SoftDeletes what the device holds
 * that now ends before the window: single events and series whose last occurrence is past,
 * never an endless series; GetItemEstimate counts them; a lost answer is repeated; the
 * device's own write of the same request stays with it; windows and MoreAvailable; filter 0
 * ages nothing and stays a quiet, write-free answer. */
#include "eas/test-sync.h"

#include <time.h>

#define DAY 86400
#define T0 ((int64_t)1700000000) /* 2023-11-14T22:13:20Z */

static struct store_folder calendar_folder(struct ts *t)
{
	struct store_folder f;
	const char *error = NULL;

	ck_assert_int_eq(store_folder_get_default(t->store, t->p, t->user.id,
						  STORE_FOLDER_CALENDAR, &f, &error), STORE_OK);
	return f;
}

/* An EAS compact time ("20231114T221320Z") of unix seconds, in the test pool. */
static const char *eas_time(struct ts *t, int64_t when)
{
	time_t tt = (time_t)when;
	struct tm tm;
	char *s = pool_alloc(t->p, 32);

	gmtime_r(&tt, &tm);
	strftime(s, 32, "%Y%m%dT%H%M%SZ", &tm);
	return s;
}

/* ApplicationData of an event from start to end (recur: a Recurrence of that many daily
 * occurrences; -1 an endless weekly one; 0 none). */
static void event_appdata(struct ts *t, struct wbxml_writer *w, const char *subject,
			  int64_t start, int64_t end, int recur)
{
	wbxml_start(w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(w, WBXML_Calendar_Subject, subject);
	wbxml_elem_str(w, WBXML_Calendar_StartTime, eas_time(t, start));
	wbxml_elem_str(w, WBXML_Calendar_EndTime, eas_time(t, end));
	if (recur != 0) {
		wbxml_start(w, WBXML_Calendar_Recurrence);
		wbxml_elem_str(w, WBXML_Calendar_Type, recur > 0 ? "0" : "1");
		wbxml_elem_str(w, WBXML_Calendar_Interval, "1");
		if (recur > 0) {
			char n[16];
			snprintf(n, sizeof(n), "%d", recur);
			wbxml_elem_str(w, WBXML_Calendar_Occurrences, n);
		} else {
			/* The weekday of start (DayOfWeek bit 0 = Sunday). */
			time_t tt = (time_t)start;
			struct tm tm;
			char dow[8];
			gmtime_r(&tt, &tm);
			snprintf(dow, sizeof(dow), "%d", 1 << tm.tm_wday);
			wbxml_elem_str(w, WBXML_Calendar_DayOfWeek, dow);
		}
		wbxml_end(w);
	}
	wbxml_end(w);
}

/* A server-side event (origin 0); returns its ServerId (test pool). */
static const char *server_event(struct ts *t, const struct store_folder *f, const char *subject,
				int64_t start, int64_t end, int recur)
{
	buf b = BUF_INIT;
	struct wbxml_writer w;
	const char *error;

	wbxml_writer_init(&w, &b, 0);
	event_appdata(t, &w, subject, start, end, recur);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	struct store_item item = ts_server_add(t, f, STORE_CLASS_CALENDAR, &b);
	buf_free(&b);
	return pool_strdup(t->p, item.server_id);
}

/* A Sync of the collection with key (window 0: none; filter -1: no Options; a Change of
 * change_sid with a new subject when not NULL). Returns the collection, NULL for the empty
 * answer of 12.1+ (nothing changed). */
static struct wbxml_node *sync_c(struct ts *t, const struct ts_device *dev, const char *key,
				 const char *id, unsigned window, int filter,
				 const char *change_sid)
{
	struct ts_req r;

	ts_sync_begin(&r);
	ts_collection(&r, key, id);
	if (window > 0)
		wbxml_elem_uint(&r.w, WBXML_AirSync_WindowSize, window);
	if (filter >= 0) {
		wbxml_start(&r.w, WBXML_AirSync_Options);
		wbxml_elem_uint(&r.w, WBXML_AirSync_FilterType, (uint64_t)filter);
		wbxml_end(&r.w);
	}
	if (change_sid != NULL) {
		wbxml_start(&r.w, WBXML_AirSync_Commands);
		wbxml_start(&r.w, WBXML_AirSync_Change);
		wbxml_elem_str(&r.w, WBXML_AirSync_ServerId, change_sid);
		wbxml_start(&r.w, WBXML_AirSync_ApplicationData);
		wbxml_elem_str(&r.w, WBXML_Calendar_Subject, "Edited on the phone");
		wbxml_end(&r.w);
		wbxml_end(&r.w);
		wbxml_end(&r.w);
	}
	wbxml_end(&r.w);
	ts_sync_end(&r);
	struct wbxml_node *root = ts_send(t, eas_cmd_sync, dev, &r);
	ck_assert_uint_eq(t->http, 200);
	return root != NULL ? ts_coll(root, id) : NULL;
}

/* True for an answer that changes nothing: the empty one of 12.1+, or no commands. */
static bool is_quiet(const struct wbxml_node *c)
{
	return c == NULL || (wbxml_child(c, WBXML_AirSync_Commands) == NULL &&
			     wbxml_child(c, WBXML_AirSync_MoreAvailable) == NULL);
}

/* SyncKey 0, then Syncs with filter until everything is sent and confirmed; returns the
 * key the device holds and the number of Adds it got. */
static const char *initial_sync(struct ts *t, const struct ts_device *dev, const char *id,
				int filter, size_t *adds_r)
{
	const char *key = ts_key(t, ts_coll(ts_sync(t, dev, "0", id, 0), id));
	size_t adds = 0;

	for (int round = 0;; round++) {
		ck_assert_int_lt(round, 20);
		struct wbxml_node *c = sync_c(t, dev, key, id, 0, filter, NULL);
		if (c == NULL)
			break;
		ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
		size_t n = ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add);
		const char *next = ts_key(t, c);
		if (n == 0 && strcmp(next, key) == 0)
			break;
		adds += n;
		key = next;
	}
	*adds_r = adds;
	return key;
}

/* The ServerIds of the SoftDeletes of a collection, as one string "a b". */
static const char *soft_deletes(struct ts *t, const struct wbxml_node *c)
{
	buf b = BUF_INIT;
	const struct wbxml_node *cmds = c != NULL ? wbxml_child(c, WBXML_AirSync_Commands) : NULL;

	if (cmds != NULL) {
		wbxml_foreach_child(cmds, x) {
			if (x->tag != WBXML_AirSync_SoftDelete)
				continue;
			if (b.len > 0)
				buf_append(&b, " ", 1);
			const char *sid = wbxml_child_str(x, WBXML_AirSync_ServerId);
			ck_assert_ptr_nonnull(sid);
			buf_append(&b, sid, strlen(sid));
		}
	}
	const char *s = pool_strdup(t->p, b.len > 0 ? buf_cstr(&b) : "");
	buf_free(&b);
	return s;
}

/* GetItemEstimate of the calendar with key and FilterType filter (-1: none, only 14.0+) in
 * the version's form. */
static int estimate_f(struct ts *t, const struct ts_device *dev, const char *key,
		      const char *id, int filter)
{
	struct ts_req r;

	ts_begin(&r);
	wbxml_start(&r.w, WBXML_GetItemEstimate_GetItemEstimate);
	wbxml_start(&r.w, WBXML_GetItemEstimate_Collections);
	wbxml_start(&r.w, WBXML_GetItemEstimate_Collection);
	if (dev->version < 140) {
		wbxml_elem_str(&r.w, WBXML_GetItemEstimate_Class, "Calendar");
		wbxml_elem_str(&r.w, WBXML_GetItemEstimate_CollectionId, id);
		wbxml_elem_uint(&r.w, WBXML_AirSync_FilterType, (uint64_t)(filter < 0 ? 4 : filter));
		wbxml_elem_str(&r.w, WBXML_AirSync_SyncKey, key);
	} else {
		wbxml_elem_str(&r.w, WBXML_AirSync_SyncKey, key);
		wbxml_elem_str(&r.w, WBXML_GetItemEstimate_CollectionId, id);
		if (filter >= 0) {
			wbxml_start(&r.w, WBXML_AirSync_Options);
			wbxml_elem_uint(&r.w, WBXML_AirSync_FilterType, (uint64_t)filter);
			wbxml_end(&r.w);
		}
	}
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	wbxml_end(&r.w);
	struct wbxml_node *root = ts_send(t, eas_cmd_getitemestimate, dev, &r);
	ck_assert_ptr_nonnull(root);
	struct wbxml_node *resp = wbxml_child(root, WBXML_GetItemEstimate_Response);
	ck_assert_int_eq(ts_int(resp, WBXML_GetItemEstimate_Status), 1);
	return ts_int(wbxml_child(resp, WBXML_GetItemEstimate_Collection),
		      WBXML_GetItemEstimate_Estimate);
}

/* The estimate with the state's filter (4 in these tests). */
static int estimate(struct ts *t, const struct ts_device *dev, const char *key, const char *id)
{
	return estimate_f(t, dev, key, id, -1);
}

/* What the device holds of the item at its confirmed key (0: nothing). */
static int64_t held_at(struct ts *t, const struct ts_device *dev, const struct store_folder *f,
		       const char *sid)
{
	struct store_sync_state st;
	struct store_item item;
	struct store_sync_view v;
	const char *error = NULL;

	ck_assert_int_eq(store_sync_state_get(t->store, t->p, dev->row, f->id, &st, &error),
			 STORE_OK);
	ck_assert_int_eq(store_item_get(t->store, t->p, t->user.id, sid, false, &item, &error),
			 STORE_OK);
	enum store_result r = store_sync_view_get(t->store, st.id, item.id, &v, &error);
	if (r == STORE_NOT_FOUND)
		return 0;
	ck_assert_int_eq(r, STORE_OK);
	return v.modseq;
}

/* FilterType 4 (two weeks): an event that ended 3 days ago, a daily series whose last
 * occurrence ended 6 days ago, an endless weekly series that started a year ago and a future
 * event are on the phone; 12 days later the first two have left the window: the estimate
 * says 2, the Sync SoftDeletes exactly them, the Sync after it is quiet and the view no
 * longer holds them. */
static void ages_out(int version)
{
	struct ts t;
	ts_open(&t, version);
	ts_now = T0;
	struct store_folder cal = calendar_folder(&t);
	const char *single = server_event(&t, &cal, "Three days ago", T0 - 3 * DAY,
					  T0 - 3 * DAY + 3600, 0);
	const char *ended = server_event(&t, &cal, "Ended series", T0 - 10 * DAY,
					 T0 - 10 * DAY + 3600, 5);
	const char *endless = server_event(&t, &cal, "Weekly", T0 - 365 * DAY,
					   T0 - 365 * DAY + 1800, -1);
	const char *future = server_event(&t, &cal, "Future", T0 + 30 * DAY, T0 + 30 * DAY + 60,
					  0);
	size_t adds;
	const char *key = initial_sync(&t, &t.a, cal.server_id, 4, &adds);
	ck_assert_uint_eq(adds, 4);
	ck_assert(is_quiet(sync_c(&t, &t.a, key, cal.server_id, 0, -1, NULL)));

	/* A week later nothing has aged (the series ended 13 days before the new now): a
	 * quiet answer that writes nothing (the state's bound stays where it was). */
	struct store_sync_state before, after;
	const char *error = NULL;
	ck_assert_int_eq(store_sync_state_get(t.store, t.p, t.a.row, cal.id, &before, &error),
			 STORE_OK);
	ck_assert_int_eq(before.window_checked, T0 - 14 * DAY);
	ts_now = T0 + 7 * DAY;
	ck_assert_int_eq(estimate(&t, &t.a, key, cal.server_id), 0);
	struct wbxml_node *c = sync_c(&t, &t.a, key, cal.server_id, 0, -1, NULL);
	ck_assert(is_quiet(c));
	ck_assert_int_eq(store_sync_state_get(t.store, t.p, t.a.row, cal.id, &after, &error),
			 STORE_OK);
	ck_assert_int_eq(after.window_checked, before.window_checked);
	ck_assert_int_eq(after.modseq, before.modseq);

	ts_now = T0 + 12 * DAY;
	ck_assert_int_eq(estimate(&t, &t.a, key, cal.server_id), 2);
	c = sync_c(&t, &t.a, key, cal.server_id, 0, -1, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 1);
	/* Ordered by the end of the item: the series ended first. */
	char want[128];
	snprintf(want, sizeof(want), "%s %s", ended, single);
	ck_assert_str_eq(soft_deletes(&t, c), want);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add) +
				  ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change) +
				  ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Delete),
			  0);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_MoreAvailable));
	const char *next = ts_key(&t, c);
	ck_assert_str_ne(next, key);
	/* With the new key nothing is left: estimate 0 and a quiet answer. */
	ck_assert_int_eq(estimate(&t, &t.a, next, cal.server_id), 0);
	c = sync_c(&t, &t.a, next, cal.server_id, 0, -1, NULL);
	if (version >= 121)
		ck_assert_ptr_null(c); /* the empty answer */
	else
		ck_assert(is_quiet(c));
	ck_assert_int_eq(held_at(&t, &t.a, &cal, single), 0);
	ck_assert_int_eq(held_at(&t, &t.a, &cal, ended), 0);
	ck_assert_int_gt(held_at(&t, &t.a, &cal, endless), 0);
	ck_assert_int_gt(held_at(&t, &t.a, &cal, future), 0);
	/* The items stay on the server. */
	ck_assert_uint_eq(ts_count(&t, &cal), 4);

	/* Years later the endless series is still there. */
	ts_now = T0 + 3 * 365 * DAY;
	c = sync_c(&t, &t.a, next, cal.server_id, 0, -1, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(soft_deletes(&t, c), future);
	ts_close(&t);
}

START_TEST(test_aging_soft_delete_25)
{
	ages_out(25);
}
END_TEST

START_TEST(test_aging_soft_delete_141)
{
	ages_out(141);
}
END_TEST

START_TEST(test_aging_soft_delete_161)
{
	ages_out(161);
}
END_TEST

/* The answer with the SoftDelete is lost: the retry with the old key gets it again, the
 * pending key then confirms it. */
START_TEST(test_aging_retry_after_loss)
{
	struct ts t;
	ts_open(&t, 141);
	ts_now = T0;
	struct store_folder cal = calendar_folder(&t);
	const char *single = server_event(&t, &cal, "Soon past", T0 - DAY, T0 - DAY + 60, 0);
	server_event(&t, &cal, "Future", T0 + DAY, T0 + DAY + 60, 0);
	size_t adds;
	const char *key = initial_sync(&t, &t.a, cal.server_id, 4, &adds);
	ck_assert_uint_eq(adds, 2);

	ts_now = T0 + 14 * DAY;
	struct wbxml_node *c = sync_c(&t, &t.a, key, cal.server_id, 0, -1, NULL);
	ck_assert_str_eq(soft_deletes(&t, c), single);
	const char *lost = ts_key(&t, c);
	/* Lost. The retry a day later: the same SoftDelete with the same new key. */
	ts_now = T0 + 15 * DAY;
	c = sync_c(&t, &t.a, key, cal.server_id, 0, -1, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(soft_deletes(&t, c), single);
	ck_assert_str_eq(ts_key(&t, c), lost);
	ck_assert_int_gt(held_at(&t, &t.a, &cal, single), 0); /* not confirmed yet */
	ck_assert(is_quiet(sync_c(&t, &t.a, lost, cal.server_id, 0, -1, NULL)));
	ck_assert_int_eq(held_at(&t, &t.a, &cal, single), 0);
	/* The old key is gone now. */
	c = sync_c(&t, &t.a, key, cal.server_id, 0, -1, NULL);
	ck_assert_int_eq(ts_int(c, WBXML_AirSync_Status), 3);
	ts_close(&t);
}
END_TEST

/* The device changes an event in the request in which it would age out: its own write stays
 * with it (Q-SYNC-8), no second command for that ServerId; an event it changed while inside
 * the window ages out later like any other. */
START_TEST(test_aging_own_change)
{
	struct ts t;
	ts_open(&t, 141);
	ts_now = T0;
	struct store_folder cal = calendar_folder(&t);
	const char *x = server_event(&t, &cal, "X", T0 - DAY, T0 - DAY + 60, 0);
	const char *y = server_event(&t, &cal, "Y", T0 + DAY, T0 + DAY + 60, 0);
	size_t adds;
	const char *key = initial_sync(&t, &t.a, cal.server_id, 4, &adds);
	ck_assert_uint_eq(adds, 2);

	/* Y is edited on the phone while inside the window. */
	struct wbxml_node *c = sync_c(&t, &t.a, key, cal.server_id, 0, -1, y);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Change), 0);
	ck_assert_str_eq(soft_deletes(&t, c), "");
	key = ts_key(&t, c);

	/* X has aged; the phone edits it in the same request. */
	ts_now = T0 + 14 * DAY;
	c = sync_c(&t, &t.a, key, cal.server_id, 0, -1, x);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Responses, WBXML_AirSync_Change), 0);
	ck_assert_str_eq(soft_deletes(&t, c), "");
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_Commands));
	key = ts_key(&t, c);
	c = sync_c(&t, &t.a, key, cal.server_id, 0, -1, NULL);
	ck_assert(is_quiet(c));
	ck_assert_int_gt(held_at(&t, &t.a, &cal, x), 0);

	/* Y (the phone's earlier edit) leaves when its time comes. */
	ts_now = T0 + 16 * DAY;
	c = sync_c(&t, &t.a, key, cal.server_id, 0, -1, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(soft_deletes(&t, c), y);
	ts_close(&t);
}
END_TEST

/* Five aged events with WindowSize 2: 2 + MoreAvailable, 2 + MoreAvailable, 1; then quiet.
 * A server change goes first and shares the window with them. */
START_TEST(test_aging_window_and_more_available)
{
	struct ts t;
	ts_open(&t, 141);
	ts_now = T0;
	struct store_folder cal = calendar_folder(&t);
	const char *sid[5];
	for (int i = 0; i < 5; i++)
		sid[i] = server_event(&t, &cal, "Past soon", T0 - 5 * DAY + i * 3600,
				      T0 - 5 * DAY + i * 3600 + 60, 0);
	const char *keep = server_event(&t, &cal, "Future", T0 + DAY, T0 + DAY + 60, 0);
	size_t adds;
	const char *key = initial_sync(&t, &t.a, cal.server_id, 4, &adds);
	ck_assert_uint_eq(adds, 6);

	ts_now = T0 + 10 * DAY;
	buf b = BUF_INIT;
	struct wbxml_writer w;
	const char *error;
	wbxml_writer_init(&w, &b, 0);
	event_appdata(&t, &w, "Future, renamed", T0 + DAY, T0 + DAY + 60, 0);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	ts_server_update(&t, STORE_CLASS_CALENDAR, keep, &b);
	buf_free(&b);

	ck_assert_int_eq(estimate(&t, &t.a, key, cal.server_id), 6);
	struct wbxml_node *c = sync_c(&t, &t.a, key, cal.server_id, 2, -1, NULL);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Change), 1);
	ck_assert_str_eq(soft_deletes(&t, c), sid[0]);
	ck_assert_ptr_nonnull(wbxml_child(c, WBXML_AirSync_MoreAvailable));
	key = ts_key(&t, c);
	ck_assert_int_eq(estimate(&t, &t.a, key, cal.server_id), 4);
	char want[64];
	c = sync_c(&t, &t.a, key, cal.server_id, 2, -1, NULL);
	snprintf(want, sizeof(want), "%s %s", sid[1], sid[2]);
	ck_assert_str_eq(soft_deletes(&t, c), want);
	ck_assert_ptr_nonnull(wbxml_child(c, WBXML_AirSync_MoreAvailable));
	key = ts_key(&t, c);
	c = sync_c(&t, &t.a, key, cal.server_id, 2, -1, NULL);
	snprintf(want, sizeof(want), "%s %s", sid[3], sid[4]);
	ck_assert_str_eq(soft_deletes(&t, c), want);
	ck_assert_ptr_null(wbxml_child(c, WBXML_AirSync_MoreAvailable));
	key = ts_key(&t, c);
	ck_assert(is_quiet(sync_c(&t, &t.a, key, cal.server_id, 2, -1, NULL)));
	ck_assert_int_gt(held_at(&t, &t.a, &cal, keep), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(held_at(&t, &t.a, &cal, sid[i]), 0);
	ts_close(&t);
}
END_TEST

/* Filter 0 (everything): nothing ages, the Sync stays quiet and writes nothing (the state
 * row is as it was). */
START_TEST(test_aging_filter_0)
{
	struct ts t;
	ts_open(&t, 141);
	ts_now = T0;
	struct store_folder cal = calendar_folder(&t);
	server_event(&t, &cal, "Yesterday", T0 - DAY, T0 - DAY + 60, 0);
	size_t adds;
	const char *key = initial_sync(&t, &t.a, cal.server_id, 0, &adds);
	ck_assert_uint_eq(adds, 1);
	struct store_sync_state before, after;
	const char *error = NULL;
	ck_assert_int_eq(store_sync_state_get(t.store, t.p, t.a.row, cal.id, &before, &error),
			 STORE_OK);

	ts_now = T0 + 400 * DAY;
	ck_assert_int_eq(estimate(&t, &t.a, key, cal.server_id), 0);
	ck_assert(is_quiet(sync_c(&t, &t.a, key, cal.server_id, 0, -1, NULL)));
	ck_assert_int_eq(store_sync_state_get(t.store, t.p, t.a.row, cal.id, &after, &error),
			 STORE_OK);
	ck_assert_int_eq(after.modseq, before.modseq);
	ck_assert_int_eq(after.window_checked, before.window_checked);
	ck_assert_uint_eq(after.synckey, before.synckey);
	ts_close(&t);
}
END_TEST

/* A filter change rescans every item (SoftDeletes by the scan): the aged range starts at
 * the new window then, and nothing is sent twice. A wider filter brings aged items back. */
START_TEST(test_aging_filter_change)
{
	struct ts t;
	ts_open(&t, 141);
	ts_now = T0;
	struct store_folder cal = calendar_folder(&t);
	const char *a = server_event(&t, &cal, "Two days ago", T0 - 2 * DAY, T0 - 2 * DAY + 60, 0);
	const char *b = server_event(&t, &cal, "Ten days ago", T0 - 10 * DAY, T0 - 10 * DAY + 60,
				     0);
	size_t adds;
	const char *key = initial_sync(&t, &t.a, cal.server_id, 4, &adds);
	ck_assert_uint_eq(adds, 2);

	/* A day later with FilterType 3 (one week): b leaves by the rescan, once (also in the
	 * estimate, which asks with the new filter). */
	ts_now = T0 + DAY;
	ck_assert_int_eq(estimate_f(&t, &t.a, key, cal.server_id, 3), 1);
	ck_assert_int_eq(estimate_f(&t, &t.a, key, cal.server_id, 4), 0);
	struct wbxml_node *c = sync_c(&t, &t.a, key, cal.server_id, 0, 3, NULL);
	ck_assert_str_eq(soft_deletes(&t, c), b);
	key = ts_key(&t, c);
	ck_assert(is_quiet(sync_c(&t, &t.a, key, cal.server_id, 0, 3, NULL)));
	struct store_sync_state st;
	const char *error = NULL;
	ck_assert_int_eq(store_sync_state_get(t.store, t.p, t.a.row, cal.id, &st, &error),
			 STORE_OK);
	ck_assert_int_eq(st.window_checked, T0 + DAY - 7 * DAY);

	/* Six days later a leaves by aging. */
	ts_now = T0 + 6 * DAY;
	c = sync_c(&t, &t.a, key, cal.server_id, 0, 3, NULL);
	ck_assert_str_eq(soft_deletes(&t, c), a);
	key = ts_key(&t, c);

	/* FilterType 5 (one month): both come back as Adds, nothing aged. */
	c = sync_c(&t, &t.a, key, cal.server_id, 0, 5, NULL);
	ck_assert_uint_eq(ts_count_in(c, WBXML_AirSync_Commands, WBXML_AirSync_Add), 2);
	ck_assert_str_eq(soft_deletes(&t, c), "");
	ts_close(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sync-aging");
	TCase *tc = tcase_create("aging");

	tcase_add_unchecked_fixture(tc, ts_base_setup, ts_base_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_aging_soft_delete_25);
	tcase_add_test(tc, test_aging_soft_delete_141);
	tcase_add_test(tc, test_aging_soft_delete_161);
	tcase_add_test(tc, test_aging_retry_after_loss);
	tcase_add_test(tc, test_aging_own_change);
	tcase_add_test(tc, test_aging_window_and_more_available);
	tcase_add_test(tc, test_aging_filter_0);
	tcase_add_test(tc, test_aging_filter_change);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
