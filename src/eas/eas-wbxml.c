#include "eas/eas-wbxml.h"

#include "lib/log.h"

int eas_decode_request(struct eas_request *req, uint16_t expected_root,
		       struct wbxml_node **root_r, const char **error_r)
{
	struct wbxml_node *root;

	if (req->body_len == 0) {
		*error_r = "empty request body";
		return -1;
	}
	if (!wbxml_looks_like(req->body, req->body_len)) {
		*error_r = "request body is not WBXML";
		return -1;
	}
	if (wbxml_decode(req->pool, req->body, req->body_len, NULL, &root, error_r) < 0)
		return -1;
	if (root->tag != expected_root) {
		const char *name = wbxml_tag_name(root->tag);
		*error_r = pool_printf(req->pool, "unexpected root element %s (0x%04x)",
				       name != NULL ? name : "?", root->tag);
		return -1;
	}
	*root_r = root;
	return 0;
}

void eas_writer_start(const struct eas_request *req, struct eas_response *resp,
		      struct wbxml_writer *w)
{
	/* eas_version values (25, 120, ... 161) are the numbers wbxml_version_bit takes. */
	wbxml_writer_init(w, &resp->body, (unsigned)req->version);
}

void eas_writer_finish(struct eas_response *resp, struct wbxml_writer *w)
{
	const char *error;

	if (wbxml_writer_finish(w, &error) < 0) {
		log_error("encoding the response failed: %s", error);
		buf_truncate(&resp->body, 0);
		resp->http_status = 500;
	}
}
