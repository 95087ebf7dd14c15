/* store-testing.h: hooks for the store's own unit tests (fault injection, short busy
 * timeouts, alternative migration lists). Nothing outside src/store/test-*.c uses them. */
#ifndef EASD_STORE_TESTING_H
#define EASD_STORE_TESTING_H

#include <stdbool.h>

#include "store/store.h"
#include "store/store-schema.h"

/* The n-th database step from now (statement, DDL, BEGIN or COMMIT; never ROLLBACK) fails
 * as a disk I/O error would; 0 turns injection off. One fault per call. */
void store_test_fail_after(struct store *store, unsigned n);
/* True while the fault set by store_test_fail_after has not fired yet. */
bool store_test_fault_pending(const struct store *store);
/* Replaces the busy timeout (STORE_BUSY_TIMEOUT_MS) of this handle. */
void store_test_set_busy_timeout(struct store *store, int ms);
/* store_migrate with another list of steps. */
enum store_result store_test_migrate_with(struct store *store, const struct store_migration *steps,
					  size_t count, int *from_r, int *to_r,
					  const char **error_r);

#endif
