/* wbxml-xml.h: WBXML trees as XML for people (easctl wbxml decode|encode, debug logs).
 *
 * The XML looks like the examples of the specifications: the root element in the default
 * namespace of its code page, a prefix for every other page used, declared on the root:
 *
 *   <?xml version="1.0" encoding="utf-8"?>
 *   <Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:">
 *     <Collections>
 *       ...
 *           <airsyncbase:Body>
 *             <airsyncbase:Type>1</airsyncbase:Type>
 *
 * Prefixes are the page names in lower case. What WBXML has and XML has not is marked with
 * attributes (EAS itself never uses attributes):
 * - OPAQUE content is written base64 with opaque="base64": <Mime opaque="base64">RnJvbTog...
 * - STR_I content that XML 1.0 cannot hold (control characters) is written base64 with
 *   str="base64".
 * - <Tag/> is a tag without content; <Tag></Tag> a tag with the content bit and no text.
 *   (An empty STR_I becomes <Tag></Tag> and comes back as no text: the same to EAS.)
 * - Tokens without a name in our table are written <Tag_0x3f>, and pages beyond 25 use the
 *   namespace "Page254:" (prefix page254); both are read back.
 * Text is written exactly: spaces are kept and CR is written as &#13;, so that decode, then
 * encode gives the same bytes for every document our decoder accepts (but the empty STR_I).
 *
 * Reading accepts the namespaces with or without the trailing colon ("AirSync" as in the
 * schemas) and in any letter case ("Gal:" as libwbxml2 writes it). */
#ifndef EASD_WBXML_XML_H
#define EASD_WBXML_XML_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "wbxml/wbxml.h"

/* Appends root and its subtree as an indented XML document (two spaces a level) to out. */
void wbxml_xml_write(const struct wbxml_node *root, buf *out);

/* Parses the XML document xml[0..len) into a tree allocated from p. Returns 0, or -1 with
 * *error_r (allocated from p) naming the line and what was wrong. */
int wbxml_xml_parse(pool *p, const void *xml, size_t len, struct wbxml_node **root_r,
		    const char **error_r);

#endif
