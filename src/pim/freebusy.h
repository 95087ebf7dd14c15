/* freebusy.h: free/busy of a user computed from the appointments of all their calendar
 * folders (recurring series expanded in their zone with deleted and moved exceptions), as
 * the store query that ResolveRecipients Availability (MS-ASCMD 2.2.3.113 MergedFreeBusy)
 * uses. */
#ifndef EASD_PIM_FREEBUSY_H
#define EASD_PIM_FREEBUSY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/pool.h"
#include "store/store.h"

/* The values of MergedFreeBusy (and the precedence of overlapping appointments: the higher
 * wins). An appointment's BusyStatus 0 (free) is ignored; 4 (working elsewhere) counts as
 * tentative: the person can be reached, not in the usual place. */
enum pim_fb_status {
	PIM_FB_FREE = 0,
	PIM_FB_TENTATIVE = 1,
	PIM_FB_BUSY = 2,
	PIM_FB_OOF = 3,
	PIM_FB_NO_DATA = 4,
};

/* A busy span [start_utc, end_utc) with the strongest status of the appointments in it. */
struct pim_busy {
	int64_t start_utc, end_utc;
	enum pim_fb_status status;
};

/* The merged busy spans of the user within [from_utc, to_utc) (clipped to it), in time
 * order, adjacent spans of equal status joined, no overlap. An appointment whose stored form
 * cannot be read is skipped (and counted in *skipped_r, which may be NULL). Returns 0, or -1
 * with *error_r (a store error; a window longer than PIM_FB_MAX_WINDOW). */
#define PIM_FB_MAX_WINDOW (366LL * 86400)
int pim_freebusy(struct store *store, pool *p, int64_t user_id, int64_t from_utc,
		 int64_t to_utc, struct pim_busy **busy_r, size_t *count_r, size_t *skipped_r,
		 const char **error_r);

/* The MergedFreeBusy string of spans: one digit per interval_s seconds from from_utc
 * (the last interval may be partial), each the strongest status overlapping it ('0' when
 * none). interval_s >= 60. From the pool; NULL when the window is empty or too long. */
const char *pim_freebusy_merged(pool *p, const struct pim_busy *busy, size_t count,
				int64_t from_utc, int64_t to_utc, int64_t interval_s);

#endif
