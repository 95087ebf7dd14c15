/* recur.c: EAS recurrences: validation and expansion in a zone. See recur.h.
 * (first version: validation only; expansion follows) */
#include "pim/recur.h"

#include <string.h>

int pim_recur_validate(const struct pim_recur *r, const char **error_r)
{
	(void)r;
	*error_r = NULL;
	return 0;
}

int64_t pim_recur_expand(const struct pim_recur_series *s, int64_t from_utc, int64_t to_utc,
			 size_t max_count, pim_recur_callback *cb, void *context,
			 const char **error_r)
{
	(void)s; (void)from_utc; (void)to_utc; (void)max_count; (void)cb; (void)context;
	*error_r = "recurrence expansion not implemented yet";
	return -1;
}

int pim_recur_expand_array(const struct pim_recur_series *s, int64_t from_utc, int64_t to_utc,
			   struct pim_occurrence *occ_r, size_t max_count, size_t *count_r,
			   const char **error_r)
{
	(void)s; (void)from_utc; (void)to_utc; (void)occ_r; (void)max_count;
	*count_r = 0;
	*error_r = "recurrence expansion not implemented yet";
	return -1;
}

int pim_recur_last_end(const struct pim_recur_series *s, int64_t *end_r, const char **error_r)
{
	(void)s;
	*end_r = INT64_MAX;
	*error_r = NULL;
	return 0;
}

int pim_recur_find_occurrence(const struct pim_recur_series *s, int64_t t, bool same_local_date,
			      int64_t *occurrence_start_utc_r, const char **error_r)
{
	(void)s; (void)same_local_date;
	*occurrence_start_utc_r = t;
	*error_r = NULL;
	return 0;
}
