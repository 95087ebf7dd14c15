/* sync-quirks.h: the client-family switches of Sync and GetItemEstimate (inside src/eas
 * only). Each is a named decision with the quirk it answers (../shared/CLIENT-QUIRKS.md),
 * keyed on what the request says about the client (DeviceType, User-Agent), and each has a
 * test hook so that the other branch can be proven too. */
#ifndef EASD_SYNC_QUIRKS_H
#define EASD_SYNC_QUIRKS_H

#include <stdbool.h>

#include "eas/eas.h"

/* Q-FOLD-4: the Sync Status for a collection that does not exist (deleted, or never was).
 * Servers disagree: Horde answers 12 ("FolderSync required") because iOS needs it to notice
 * lost state, Syncroton 3 to stop an iPhone loop; iPhones loop on 8. easd answers 12 to
 * every family: it names the real cause (the client's hierarchy is stale), and a FolderSync
 * heals it because folder ServerIds are never reused. */
int sync_quirk_unknown_collection_status(const struct eas_request *req);

/* Q-SYNC-6: whether a Sync that changes nothing may be answered with an empty body (12.1+).
 * Not for AS 2.5/12.0, and not for Nokia N800/N900 and MeeGo clients, which do not support
 * the shortcut: they get the full response (each collection with key and status). */
bool sync_quirk_empty_response_ok(const struct eas_request *req);

/* Q-SYNC-9: GetItemEstimate of a collection whose key is 0, unknown or stale. The
 * specification answers Status 3 or 4; Android ignores 4 and waits, so easd answers like
 * Syncroton (Status 1, Estimate 1): the client then runs a Sync, whose Status 3 makes it
 * start over properly. True: the tolerant answer. */
bool sync_quirk_estimate_tolerant(const struct eas_request *req);

/* Test hooks: force a value for every request (0 / -1: back to the per-family rules). */
void sync_quirk_test_set_unknown_collection_status(int status);
void sync_quirk_test_set_estimate_tolerant(int tolerant);

#endif
