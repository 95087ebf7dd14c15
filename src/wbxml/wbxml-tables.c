/* wbxml-tables.c: names, namespaces and protocol versions of the EAS code pages, generated
 * from wbxml-pages.def. */
#include "wbxml/wbxml.h"

#include <string.h>

struct wbxml_tag_info {
	const char *name;
	unsigned versions;
};

/* Indexed by [page][token]; a NULL name is a token the specification does not define. A token
 * listed twice in the .def is a compile error (-Woverride-init under -Wextra). */
static const struct wbxml_tag_info tag_table[WBXML_PAGE_COUNT][64] = {
#define WBXML_PAGE_BEGIN(page, num, ns)
#define WBXML_TAG_DEF(page, token, name, versions) \
	[WBXML_PAGE_##page][token] = { #name, (versions) },
#define WBXML_TAG_DEF_NAMED(page, token, name, xml_name, versions) \
	[WBXML_PAGE_##page][token] = { xml_name, (versions) },
#define WBXML_PAGE_END(page)
#include "wbxml/wbxml-pages.def"
#undef WBXML_PAGE_BEGIN
#undef WBXML_TAG_DEF
#undef WBXML_TAG_DEF_NAMED
#undef WBXML_PAGE_END
};

struct wbxml_page_info {
	const char *name;
	const char *ns; /* "AirSync:" */
};

static const struct wbxml_page_info page_table[WBXML_PAGE_COUNT] = {
#define WBXML_PAGE_BEGIN(page, num, ns) [num] = { #page, ns ":" },
#define WBXML_TAG_DEF(page, token, name, versions)
#define WBXML_PAGE_END(page)
#include "wbxml/wbxml-pages.def"
#undef WBXML_PAGE_BEGIN
#undef WBXML_TAG_DEF
#undef WBXML_PAGE_END
};

/* The page numbers of the .def must agree with enum wbxml_page. */
#define WBXML_PAGE_BEGIN(page, num, ns) \
	_Static_assert((num) == WBXML_PAGE_##page, "page number of " #page);
#define WBXML_TAG_DEF(page, token, name, versions) \
	_Static_assert((token) >= 0x05 && (token) <= 0x3f, "token of " #page " " #name);
#define WBXML_PAGE_END(page)
#include "wbxml/wbxml-pages.def"
#undef WBXML_PAGE_BEGIN
#undef WBXML_TAG_DEF
#undef WBXML_PAGE_END

unsigned wbxml_version_bit(unsigned version)
{
	switch (version) {
	case 25: return WBXML_V25;
	case 120: return WBXML_V120;
	case 121: return WBXML_V121;
	case 140: return WBXML_V140;
	case 141: return WBXML_V141;
	case 160: return WBXML_V160;
	case 161: return WBXML_V161;
	default: return 0;
	}
}

const char *wbxml_tag_name(uint16_t tag)
{
	unsigned page = WBXML_TAG_PAGE(tag);

	if (page >= WBXML_PAGE_COUNT || (tag & 0xc0) != 0)
		return NULL;
	return tag_table[page][WBXML_TAG_TOKEN(tag)].name;
}

const char *wbxml_page_name(unsigned page)
{
	return page < WBXML_PAGE_COUNT ? page_table[page].name : NULL;
}

const char *wbxml_page_namespace(unsigned page)
{
	return page < WBXML_PAGE_COUNT ? page_table[page].ns : NULL;
}

unsigned wbxml_tag_versions(uint16_t tag)
{
	unsigned page = WBXML_TAG_PAGE(tag);

	if (page >= WBXML_PAGE_COUNT || (tag & 0xc0) != 0)
		return 0;
	return tag_table[page][WBXML_TAG_TOKEN(tag)].versions;
}

int wbxml_tag_lookup(const char *page_name, const char *tag_name, uint16_t *tag_r)
{
	for (unsigned page = 0; page < WBXML_PAGE_COUNT; page++) {
		if (strcmp(page_table[page].name, page_name) != 0)
			continue;
		for (unsigned token = 0; token < 64; token++) {
			const char *name = tag_table[page][token].name;
			if (name != NULL && strcmp(name, tag_name) == 0) {
				*tag_r = WBXML_TAG(page, token);
				return 0;
			}
		}
		return -1;
	}
	return -1;
}
