/* libFuzzer target for the MS-ASHTTP query parsers (server/query.h): the input is tried as a
 * query string (both forms, with form detection) and as the packed bytes of the base64 form.
 * Checks that an accepted query yields bounded, NUL-terminated fields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/query.h"

static void check_field(const char *s, size_t max)
{
	if (s != NULL && strlen(s) > max)
		abort();
}

static void check(const struct srv_query *q)
{
	check_field(q->device_id, SRV_DEVICE_ID_MAX);
	check_field(q->device_type, SRV_DEVICE_TYPE_MAX);
	check_field(q->user, 2 * SRV_USER_MAX);
	check_field(q->params.item_id, SRV_PARAM_MAX);
	check_field(q->params.attachment_name, SRV_PARAM_MAX);
	check_field(q->cmd, 64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pool *p = pool_new(0);
	struct srv_query q;
	const char *error;
	char *text = pool_strndup(p, (const char *)data, size);

	if (srv_query_parse(p, text, strlen(text), &q, &error) == 0)
		check(&q);
	if (srv_query_parse_packed(p, data, size, &q, &error) == 0)
		check(&q);
	pool_free(&p);
	return 0;
}
