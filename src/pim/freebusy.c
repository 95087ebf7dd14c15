/* freebusy.c: free/busy of a user from their calendar folders. See freebusy.h. */
#include "pim/freebusy.h"

#include "pim/ical-event.h"
#include "pim/pim.h"
#include "pim/recur.h"
#include "store/store-folder.h"

#include <stdlib.h>
#include <string.h>

#define FB_PAGE 500
/* Occurrences of one series in one window: a daily series has 366 a year; more means a
 * broken item, which would otherwise cost the whole query. */
#define FB_MAX_OCCURRENCES 2000

struct fb_list {
	pool *p;
	struct pim_busy *v;
	size_t count, cap;
};

static void fb_add(struct fb_list *l, int64_t start, int64_t end, enum pim_fb_status st)
{
	if (l->count == l->cap) {
		size_t cap = l->cap == 0 ? 64 : l->cap * 2;
		struct pim_busy *v = pool_calloc(l->p, cap, sizeof(*v));
		if (l->count > 0)
			memcpy(v, l->v, l->count * sizeof(*v));
		l->v = v;
		l->cap = cap;
	}
	l->v[l->count++] = (struct pim_busy){ start, end, st };
}

/* BusyStatus as a free/busy status; FREE: not busy at all. */
static enum pim_fb_status fb_status(unsigned busy_status)
{
	switch (busy_status) {
	case 1: return PIM_FB_TENTATIVE;
	case 2: return PIM_FB_BUSY;
	case 3: return PIM_FB_OOF;
	case 4: return PIM_FB_TENTATIVE;
	default: return PIM_FB_FREE;
	}
}

/* MS-ASCAL 2.2.2.28 MeetingStatus: the meeting (1) and cancelled (4) bits both set (5, 7,
 * 13, 15): the meeting no longer takes anybody's time. */
static bool cancelled(const char *meeting_status)
{
	unsigned v = 0;

	if (meeting_status == NULL || meeting_status[0] == '\0')
		return false;
	for (const char *c = meeting_status; *c != '\0'; c++) {
		if (*c < '0' || *c > '9' || v > 15)
			return false;
		v = v * 10 + (unsigned)(*c - '0');
	}
	return (v & 5) == 5;
}

struct fb_series {
	struct fb_list *list;
	const struct pim_event_info *info;
	int64_t from, to;
};

static int fb_occurrence(const struct pim_occurrence *occ, void *context)
{
	struct fb_series *s = context;
	unsigned busy = s->info->busy_status;

	if (occ->is_exception) {
		for (size_t i = 0; i < s->info->exception_count; i++) {
			const char *v;
			if (s->info->exceptions[i].original_start_utc != occ->original_start_utc)
				continue;
			v = wbxml_child_str(s->info->exception_nodes[i], WBXML_Calendar_BusyStatus);
			if (v != NULL && v[0] >= '0' && v[0] <= '4' && v[1] == '\0')
				busy = (unsigned)(v[0] - '0');
			if (cancelled(wbxml_child_str(s->info->exception_nodes[i],
						      WBXML_Calendar_MeetingStatus)))
				return 0;
			break;
		}
	}
	enum pim_fb_status st = fb_status(busy);
	int64_t start = occ->start_utc < s->from ? s->from : occ->start_utc;
	int64_t end = occ->end_utc > s->to ? s->to : occ->end_utc;
	if (st != PIM_FB_FREE && end > start)
		fb_add(s->list, start, end, st);
	return 0;
}

/* Adds the busy spans of one appointment. -1 when it cannot be read. */
static int fb_item(pool *p, const struct store_item *item, int64_t from, int64_t to,
		   struct fb_list *list)
{
	struct wbxml_node *ad;
	struct pim_event_info info;
	const char *error;

	if (pim_item_decode(p, item, &ad, &error) < 0 || pim_event_read(p, ad, &info, &error) < 0)
		return -1;
	if (cancelled(wbxml_child_str(ad, WBXML_Calendar_MeetingStatus)))
		return 0;
	if (!info.recurring) {
		struct pim_occurrence occ = { info.start_utc, info.end_utc, info.start_utc, false };
		struct fb_series s = { list, &info, from, to };
		if (occ.start_utc < to && occ.end_utc > from)
			(void)fb_occurrence(&occ, &s);
		return 0;
	}
	struct pim_recur_series series = {
		.recur = &info.recur,
		/* A blob no IANA zone matches expands by its own rules, not in UTC. */
		.zone = info.has_blob ? NULL : info.zone,
		.blob = info.has_blob ? &info.blob : NULL,
		.start_utc = info.start_utc,
		.duration_s = info.end_utc - info.start_utc,
		.all_day = info.all_day,
		.exceptions = info.exceptions,
		.exception_count = info.exception_count,
	};
	struct fb_series s = { list, &info, from, to };
	return pim_recur_expand(&series, from, to, FB_MAX_OCCURRENCES, fb_occurrence, &s,
				&error) < 0 ? -1 : 0;
}

struct fb_edge {
	int64_t t;
	int delta;          /* +1 start, -1 end */
	enum pim_fb_status st;
};

static int edge_cmp(const void *a, const void *b)
{
	const struct fb_edge *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t ? 1 : 0;
}

/* Sweeps the spans into non-overlapping ones with the strongest status. */
static void fb_merge(pool *p, const struct fb_list *in, struct pim_busy **out_r,
		     size_t *count_r)
{
	struct fb_edge *edges = malloc((in->count * 2 + 1) * sizeof(*edges));
	struct fb_list out = { .p = p };
	size_t active[4] = { 0, 0, 0, 0 };

	if (edges == NULL)
		abort();
	for (size_t i = 0; i < in->count; i++) {
		edges[2 * i] = (struct fb_edge){ in->v[i].start_utc, 1, in->v[i].status };
		edges[2 * i + 1] = (struct fb_edge){ in->v[i].end_utc, -1, in->v[i].status };
	}
	qsort(edges, in->count * 2, sizeof(*edges), edge_cmp);
	for (size_t i = 0; i < in->count * 2;) {
		int64_t t = edges[i].t;
		for (; i < in->count * 2 && edges[i].t == t; i++) {
			if (edges[i].delta > 0)
				active[edges[i].st]++;
			else
				active[edges[i].st]--;
		}
		enum pim_fb_status st = PIM_FB_FREE;
		for (int s = PIM_FB_OOF; s > PIM_FB_FREE; s--) {
			if (active[s] > 0) {
				st = (enum pim_fb_status)s;
				break;
			}
		}
		/* Close the open span at t; open a new one unless the status stays. */
		if (out.count > 0 && out.v[out.count - 1].end_utc == INT64_MAX) {
			if (out.v[out.count - 1].status == st)
				continue;
			out.v[out.count - 1].end_utc = t;
		}
		if (st != PIM_FB_FREE) {
			if (out.count > 0 && out.v[out.count - 1].end_utc == t &&
			    out.v[out.count - 1].status == st)
				out.v[out.count - 1].end_utc = INT64_MAX;
			else
				fb_add(&out, t, INT64_MAX, st);
		}
	}
	free(edges);
	*out_r = out.v;
	*count_r = out.count;
}

int pim_freebusy(struct store *store, pool *p, int64_t user_id, int64_t from, int64_t to,
		 struct pim_busy **busy_r, size_t *count_r, size_t *skipped_r,
		 const char **error_r)
{
	struct store_folder *folders;
	size_t nfolders, skipped = 0;
	struct fb_list list = { .p = p };

	*busy_r = NULL;
	*count_r = 0;
	if (to < from || to - from > PIM_FB_MAX_WINDOW) {
		*error_r = "free/busy window is negative or longer than a year";
		return -1;
	}
	if (store_folder_list(store, p, user_id, 0, &folders, &nfolders, error_r) != STORE_OK)
		return -1;
	for (size_t f = 0; f < nfolders; f++) {
		if (store_folder_type_class(folders[f].type) != STORE_CLASS_CALENDAR)
			continue;
		int64_t after = 0;
		for (;;) {
			pool *page = pool_new(0);
			struct store_item *items;
			size_t n;
			if (store_items_list(store, page, folders[f].id, after, FB_PAGE, true, &items,
					     &n, error_r) != STORE_OK) {
				*error_r = pool_strdup(p, *error_r);
				pool_free(&page);
				return -1;
			}
			for (size_t i = 0; i < n; i++) {
				const struct store_item *it = &items[i];
				after = it->id;
				/* filter_start/end: the span of the whole series (0, 0: unknown). */
				bool known = it->filter_start != 0 || it->filter_end != 0;
				if (known && (it->filter_start >= to || it->filter_end < from))
					continue;
				if (fb_item(page, it, from, to, &list) < 0)
					skipped++;
			}
			pool_free(&page);
			if (n < FB_PAGE)
				break;
		}
	}
	fb_merge(p, &list, busy_r, count_r);
	if (skipped_r != NULL)
		*skipped_r = skipped;
	return 0;
}

const char *pim_freebusy_merged(pool *p, const struct pim_busy *busy, size_t count,
				int64_t from, int64_t to, int64_t interval_s)
{
	if (interval_s < 60 || to <= from || to - from > PIM_FB_MAX_WINDOW)
		return NULL;
	size_t slots = (size_t)((to - from + interval_s - 1) / interval_s);
	char *s = pool_alloc(p, slots + 1);

	memset(s, '0', slots);
	s[slots] = '\0';
	for (size_t i = 0; i < count; i++) {
		int64_t a = busy[i].start_utc < from ? from : busy[i].start_utc;
		int64_t b = busy[i].end_utc > to ? to : busy[i].end_utc;
		if (b <= a)
			continue;
		size_t first = (size_t)((a - from) / interval_s);
		size_t last = (size_t)((b - 1 - from) / interval_s);
		for (size_t k = first; k <= last && k < slots; k++) {
			if (s[k] - '0' < (int)busy[i].status)
				s[k] = (char)('0' + busy[i].status);
		}
	}
	return s;
}
