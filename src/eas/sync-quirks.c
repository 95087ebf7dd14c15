/* sync-quirks.c: the client-family switches of Sync (sync-quirks.h). */
#include "eas/sync-quirks.h"

#include "eas/sync-request.h"

#include <ctype.h>
#include <string.h>

static int forced_unknown_status;
static int forced_estimate_tolerant = -1;

/* ASCII case-insensitive substring search; NULL haystacks never match. */
static bool contains_nocase(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	if (haystack == NULL)
		return false;
	for (const char *h = haystack; *h != '\0'; h++) {
		size_t i = 0;
		while (i < n && h[i] != '\0' &&
		       tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

static bool client_is(const struct eas_request *req, const char *name)
{
	return contains_nocase(req->device_type, name) || contains_nocase(req->user_agent, name);
}

int sync_quirk_unknown_collection_status(const struct eas_request *req)
{
	if (forced_unknown_status != 0)
		return forced_unknown_status;
	/* One rule for every family for now (see sync-quirks.h); a family that needs 3 or 8
	 * gets its client_is() test here. */
	(void)req;
	return SYNC_STATUS_HIERARCHY_CHANGED;
}

bool sync_quirk_empty_response_ok(const struct eas_request *req)
{
	if (req->version < EAS_VERSION_121)
		return false;
	return !client_is(req, "MeeGo") && !client_is(req, "N800") && !client_is(req, "N900");
}

bool sync_quirk_estimate_tolerant(const struct eas_request *req)
{
	(void)req;
	if (forced_estimate_tolerant >= 0)
		return forced_estimate_tolerant != 0;
	return true;
}

void sync_quirk_test_set_unknown_collection_status(int status)
{
	forced_unknown_status = status;
}

void sync_quirk_test_set_estimate_tolerant(int tolerant)
{
	forced_estimate_tolerant = tolerant;
}
