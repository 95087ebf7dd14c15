/* eas-wbxml.h: the WBXML side shared by every command: decoding the request body with
 * the request's limits, and starting a WBXML response for the negotiated version. */
#ifndef EASD_EAS_WBXML_H
#define EASD_EAS_WBXML_H

#include "eas/eas.h"
#include "wbxml/wbxml.h"

/* Decodes req's body into a tree whose root must be expected_root. Returns 0, or -1 with
 * *error_r when the body is empty, not WBXML, malformed, or has another root element (the
 * caller answers its command's protocol-error status). */
int eas_decode_request(struct eas_request *req, uint16_t expected_root,
		       struct wbxml_node **root_r, const char **error_r);

/* Starts a WBXML response in resp->body for req's protocol version: elements the version
 * does not have are dropped by the writer. */
void eas_writer_start(const struct eas_request *req, struct eas_response *resp,
		      struct wbxml_writer *w);

/* Ends the response begun with eas_writer_start. An encoder failure is a bug in the
 * command: logged, and the response becomes HTTP 500 with an empty body. */
void eas_writer_finish(struct eas_response *resp, struct wbxml_writer *w);

#endif
