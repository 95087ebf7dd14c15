/* vcard.h: contacts as vCard (RFC 2426 3.0, RFC 6350 4.0; 2.1 input with QUOTED-PRINTABLE
 * and CHARSET=ISO-8859-1 is accepted) for `easctl contacts import|export`.
 *
 * Input is hostile: every line and count is bounded, errors name the line. A card maps to
 * a contact's ApplicationData (as a 16.1 client would send it), which the Contacts class
 * then checks and stores like any Add. Properties with no vCard counterpart are exported as
 * X-EAS-<Tag> (e.g. X-EAS-YomiFirstName) and read back, so export + import keeps them. */
#ifndef EASD_PIM_VCARD_H
#define EASD_PIM_VCARD_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/pool.h"
#include "wbxml/wbxml.h"

struct pim_vcard_limits {
	size_t max_input;   /* bytes of the whole file */
	size_t max_line;    /* bytes of one unfolded line (a PHOTO is one line) */
	size_t max_cards;
	size_t max_props;   /* properties of one card */
};

/* 256 MB input, 8 MB lines, 100,000 cards, 1,000 properties per card. */
void pim_vcard_limits_default(struct pim_vcard_limits *limits_r);

struct pim_vcard {
	size_t line;                 /* the line of its BEGIN:VCARD (1-based) */
	struct wbxml_node *appdata;  /* the contact; NULL when error is set */
	const char *error;           /* "line 12: ..." when this card cannot be imported */
	unsigned dropped;            /* values with no free EAS slot (4th e-mail, ...) */
	const char *uid;             /* its UID (unescaped, 1-1024 bytes), NULL when none */
};

/* Parses a vCard file. Returns -1 with *error_r ("line N: ...") when the file as a whole
 * is unusable (a limit exceeded, a NUL byte, a card not closed, text outside cards, nested
 * cards); cards whose content is bad are returned with their own error. */
int pim_vcard_parse(pool *p, const char *text, size_t len,
		    const struct pim_vcard_limits *limits, struct pim_vcard **cards_r,
		    size_t *count_r, const char **error_r);

/* Appends a contact (its stored ApplicationData, see pim_item_decode) as one vCard of
 * version 3 (3.0) or 4 (4.0), CRLF line ends, folded at 75 bytes. */
void pim_vcard_write(buf *out, pool *p, const struct wbxml_node *appdata, int version);
/* The same with a UID property (uid NULL or "": none), so that a re-import of the card
 * finds the contact it came from. */
void pim_vcard_write_uid(buf *out, pool *p, const struct wbxml_node *appdata, int version,
			 const char *uid);

#endif
