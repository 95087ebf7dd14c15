/* test-wbxml.c: unit tests of the WBXML codec: tables, round trips, known bytes, version
 * filtering, typed access, hostile input, and the replay of tests/regress/wbxml/. */
#include "wbxml/wbxml.h"

#include "lib/buf.h"
#include "lib/pool.h"
#include "lib/utf8.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR 0x03, 0x01, 0x6a, 0x00

/* FolderSync with SyncKey 0 (../shared/FACTS.md). */
static const unsigned char foldersync0[] = {
	0x03, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, 0x30, 0x00, 0x01, 0x01
};

static int decode(pool *p, const void *data, size_t len, struct wbxml_node **root_r,
		  const char **error_r)
{
	return wbxml_decode(p, data, len, NULL, root_r, error_r);
}

/* Decodes and expects failure; returns the error text. */
static const char *decode_fails(pool *p, const void *data, size_t len)
{
	struct wbxml_node *root = NULL;
	const char *error = NULL;

	ck_assert_int_eq(decode(p, data, len, &root, &error), -1);
	ck_assert_ptr_nonnull(error);
	return error;
}

static struct wbxml_node *decode_ok(pool *p, const void *data, size_t len)
{
	struct wbxml_node *root = NULL;
	const char *error = NULL;

	if (decode(p, data, len, &root, &error) < 0)
		ck_abort_msg("decode failed: %s", error);
	ck_assert_ptr_nonnull(root);
	return root;
}

/* A realistic Sync request: Add of a contact, with a Change and a Delete. */
static void build_sync_request(buf *out, unsigned version)
{
	struct wbxml_writer w;
	const char *error;

	wbxml_writer_init(&w, out, version);
	wbxml_start(&w, WBXML_AirSync_Sync);
	wbxml_start(&w, WBXML_AirSync_Collections);
	wbxml_start(&w, WBXML_AirSync_Collection);
	wbxml_elem_str(&w, WBXML_AirSync_SyncKey, "1234567890");
	wbxml_elem_str(&w, WBXML_AirSync_CollectionId, "2");
	wbxml_elem_uint(&w, WBXML_AirSync_WindowSize, 100);
	wbxml_start(&w, WBXML_AirSync_Commands);
	wbxml_start(&w, WBXML_AirSync_Add);
	wbxml_elem_str(&w, WBXML_AirSync_ClientId, "c-17");
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	wbxml_elem_str(&w, WBXML_Contacts_FileAs, "Funk, Don");
	wbxml_elem_str(&w, WBXML_Contacts_FirstName, "Don");
	wbxml_elem_str(&w, WBXML_Contacts_LastName, "Funk");
	wbxml_elem_str(&w, WBXML_Contacts_Email1Address, "\"Don Funk\" <don@example.com>");
	wbxml_elem_opaque(&w, WBXML_Contacts_Picture, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
	wbxml_start(&w, WBXML_AirSyncBase_Body);
	wbxml_elem_uint(&w, WBXML_AirSyncBase_Type, 1);
	wbxml_elem_str(&w, WBXML_AirSyncBase_Data, "Notes with ümlauts and € signs");
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_start(&w, WBXML_AirSync_Delete);
	wbxml_elem_str(&w, WBXML_AirSync_ServerId, "2:5");
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
}

/* ---- Tables ---- */

START_TEST(test_tables_every_page_has_tags)
{
	for (unsigned page = 0; page < WBXML_PAGE_COUNT; page++) {
		unsigned tags = 0;
		ck_assert_ptr_nonnull(wbxml_page_name(page));
		ck_assert_ptr_nonnull(wbxml_page_namespace(page));
		for (unsigned token = 0; token < 64; token++) {
			uint16_t tag = WBXML_TAG(page, token), found;
			const char *name = wbxml_tag_name(tag);
			if (name == NULL) {
				ck_assert_uint_eq(wbxml_tag_versions(tag), 0);
				continue;
			}
			tags++;
			ck_assert_uint_ge(token, 5);
			ck_assert_uint_ne(wbxml_tag_versions(tag), 0);
			ck_assert_uint_eq(wbxml_tag_versions(tag) & ~(unsigned)WBXML_VALL, 0);
			/* Names are unique within a page: the lookup finds this very token. */
			ck_assert_int_eq(wbxml_tag_lookup(wbxml_page_name(page), name, &found), 0);
			ck_assert_uint_eq(found, tag);
		}
		ck_assert_msg(tags > 0, "page %u has no tags", page);
	}
	ck_assert_ptr_null(wbxml_page_name(WBXML_PAGE_COUNT));
	ck_assert_ptr_null(wbxml_tag_name(WBXML_TAG(254, 5)));
}
END_TEST

START_TEST(test_tables_spec_names)
{
	uint16_t tag;

	ck_assert_str_eq(wbxml_page_name(WBXML_PAGE_ItemOperations), "ItemOperations");
	ck_assert_str_eq(wbxml_page_namespace(WBXML_PAGE_AirSync), "AirSync:");
	ck_assert_str_eq(wbxml_tag_name(WBXML_Calendar_DtStamp), "DtStamp");
	ck_assert_str_eq(wbxml_tag_name(WBXML_Calendar_OrganizerEmail), "OrganizerEmail");
	ck_assert_str_eq(wbxml_tag_name(WBXML_ComposeMail_Mime), "Mime");
	ck_assert_str_eq(wbxml_tag_name(WBXML_Email_ReplyTo), "Reply-To");
	ck_assert_int_eq(wbxml_tag_lookup("Email", "Reply-To", &tag), 0);
	ck_assert_uint_eq(tag, WBXML_TAG(2, 0x19));
	ck_assert_int_eq(wbxml_tag_lookup("Email", "ReplyTo", &tag), -1);
	ck_assert_int_eq(wbxml_tag_lookup("NoSuchPage", "Sync", &tag), -1);
	ck_assert_uint_eq(WBXML_FolderHierarchy_FolderSync, 0x0716);
	ck_assert_uint_eq(WBXML_AirSync_SyncKey, 0x000b);
	ck_assert_uint_eq(WBXML_Find_Picture, 0x1922);
	ck_assert_uint_eq(wbxml_tag_versions(WBXML_Find_Find), WBXML_V161);
	ck_assert_uint_eq(wbxml_tag_versions(WBXML_AirSync_Sync), WBXML_VALL);
	ck_assert_uint_eq(wbxml_version_bit(141), WBXML_V141);
	ck_assert_uint_eq(wbxml_version_bit(130), 0);
}
END_TEST

/* ---- Round trips and known bytes ---- */

/* Every tag of every page: <Sync><tag>text</tag></Sync> encodes, decodes to the same tag and
 * text, and re-encodes to the same bytes. */
START_TEST(test_roundtrip_every_tag)
{
	unsigned count = 0;

	for (unsigned page = 0; page < WBXML_PAGE_COUNT; page++) {
		for (unsigned token = 5; token < 64; token++) {
			uint16_t tag = WBXML_TAG(page, token);
			const char *name = wbxml_tag_name(tag);
			if (name == NULL)
				continue;
			pool *p = pool_new(0);
			buf out = BUF_INIT, again = BUF_INIT;
			struct wbxml_writer w;
			const char *error;
			char text[128];

			snprintf(text, sizeof(text), "%s:%s", wbxml_page_name(page), name);
			wbxml_writer_init(&w, &out, 0);
			wbxml_start(&w, WBXML_AirSync_Sync);
			wbxml_elem_str(&w, tag, text);
			wbxml_end(&w);
			ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);

			struct wbxml_node *root = decode_ok(p, out.data, out.len);
			ck_assert_uint_eq(root->tag, WBXML_AirSync_Sync);
			ck_assert_ptr_nonnull(root->children);
			ck_assert_uint_eq(root->children->tag, tag);
			ck_assert_ptr_null(root->children->next);
			ck_assert_str_eq(wbxml_child_str(root, tag), text);
			ck_assert_str_eq(wbxml_tag_name(root->children->tag), name);

			ck_assert_int_eq(wbxml_encode_tree(root, &again, 0, &error), 0);
			ck_assert_uint_eq(again.len, out.len);
			ck_assert_mem_eq(again.data, out.data, out.len);
			buf_free(&out);
			buf_free(&again);
			pool_free(&p);
			count++;
		}
	}
	ck_assert_uint_gt(count, 600);
}
END_TEST

START_TEST(test_known_bytes_foldersync)
{
	buf out = BUF_INIT;
	struct wbxml_writer w;
	const char *error;
	pool *p = pool_new(0);

	wbxml_writer_init(&w, &out, 141);
	wbxml_start(&w, WBXML_FolderHierarchy_FolderSync);
	wbxml_elem_str(&w, WBXML_FolderHierarchy_SyncKey, "0");
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	ck_assert_uint_eq(out.len, sizeof(foldersync0));
	ck_assert_mem_eq(out.data, foldersync0, sizeof(foldersync0));

	struct wbxml_node *root = decode_ok(p, foldersync0, sizeof(foldersync0));
	ck_assert_uint_eq(root->tag, WBXML_FolderHierarchy_FolderSync);
	ck_assert(root->has_content);
	ck_assert_str_eq(wbxml_child_str(root, WBXML_FolderHierarchy_SyncKey), "0");
	ck_assert_ptr_null(root->parent);
	ck_assert_ptr_eq(root->children->parent, root);
	buf_free(&out);
	pool_free(&p);
}
END_TEST

/* The Sync response of MS-ASWBXML section 4 (new contact), byte for byte. */
START_TEST(test_known_bytes_spec_sync_response)
{
	static const unsigned char spec[] = {
		0x03, 0x01, 0x6A, 0x00, 0x45, 0x5C, 0x4F, 0x50, 0x03, 0x43, 0x6F, 0x6E, 0x74, 0x61,
		0x63, 0x74, 0x73, 0x00, 0x01, 0x4B, 0x03, 0x32, 0x00, 0x01, 0x52, 0x03, 0x32, 0x00,
		0x01, 0x4E, 0x03, 0x31, 0x00, 0x01, 0x56, 0x47, 0x4D, 0x03, 0x32, 0x3A, 0x31, 0x00,
		0x01, 0x5D, 0x00, 0x11, 0x4A, 0x46, 0x03, 0x31, 0x00, 0x01, 0x4C, 0x03, 0x30, 0x00,
		0x01, 0x4D, 0x03, 0x31, 0x00, 0x01, 0x01, 0x00, 0x01, 0x5E, 0x03, 0x46, 0x75, 0x6E,
		0x6B, 0x2C, 0x20, 0x44, 0x6F, 0x6E, 0x00, 0x01, 0x5F, 0x03, 0x44, 0x6F, 0x6E, 0x00,
		0x01, 0x69, 0x03, 0x46, 0x75, 0x6E, 0x6B, 0x00, 0x01, 0x00, 0x11, 0x56, 0x03, 0x31,
		0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01
	};
	pool *p = pool_new(0);
	buf again = BUF_INIT;
	const char *error;

	struct wbxml_node *sync = decode_ok(p, spec, sizeof(spec));
	struct wbxml_node *coll = wbxml_child(wbxml_child(sync, WBXML_AirSync_Collections),
					      WBXML_AirSync_Collection);
	ck_assert_ptr_nonnull(coll);
	ck_assert_str_eq(wbxml_child_str(coll, WBXML_AirSync_Class), "Contacts");
	struct wbxml_node *add = wbxml_child(wbxml_child(coll, WBXML_AirSync_Commands),
					     WBXML_AirSync_Add);
	ck_assert_str_eq(wbxml_child_str(add, WBXML_AirSync_ServerId), "2:1");
	struct wbxml_node *data = wbxml_child(add, WBXML_AirSync_ApplicationData);
	ck_assert_str_eq(wbxml_child_str(data, WBXML_Contacts_FileAs), "Funk, Don");
	ck_assert_str_eq(wbxml_child_str(data, WBXML_Contacts_LastName), "Funk");
	uint64_t v;
	ck_assert_int_eq(wbxml_child_uint(data, WBXML_AirSyncBase_NativeBodyType, 10, &v, &error), 0);
	ck_assert_uint_eq(v, 1);
	/* Our encoder produces exactly the specification's bytes. */
	ck_assert_int_eq(wbxml_encode_tree(sync, &again, 141, &error), 0);
	ck_assert_uint_eq(again.len, sizeof(spec));
	ck_assert_mem_eq(again.data, spec, sizeof(spec));
	buf_free(&again);
	pool_free(&p);
}
END_TEST

START_TEST(test_roundtrip_sync_request)
{
	pool *p = pool_new(0);
	buf out = BUF_INIT, again = BUF_INIT;
	const char *error;

	build_sync_request(&out, 141);
	struct wbxml_node *root = decode_ok(p, out.data, out.len);
	struct wbxml_node *coll = wbxml_child(wbxml_child(root, WBXML_AirSync_Collections),
					      WBXML_AirSync_Collection);
	uint64_t ws;
	ck_assert_int_eq(wbxml_child_uint(coll, WBXML_AirSync_WindowSize, 512, &ws, &error), 0);
	ck_assert_uint_eq(ws, 100);
	struct wbxml_node *app = wbxml_child(wbxml_child(wbxml_child(coll, WBXML_AirSync_Commands),
							 WBXML_AirSync_Add),
					     WBXML_AirSync_ApplicationData);
	struct wbxml_node *pic = wbxml_child(app, WBXML_Contacts_Picture);
	const unsigned char *bytes;
	size_t len;
	ck_assert_uint_eq(pic->value_kind, WBXML_VALUE_OPAQUE);
	ck_assert_int_eq(wbxml_node_bytes(pic, &bytes, &len), 0);
	ck_assert_uint_eq(len, 16);
	ck_assert_mem_eq(bytes, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
	ck_assert_ptr_null(wbxml_node_str(pic));
	ck_assert_str_eq(wbxml_child_str(wbxml_child(app, WBXML_AirSyncBase_Body),
					 WBXML_AirSyncBase_Data),
			 "Notes with ümlauts and € signs");
	ck_assert_int_eq(wbxml_encode_tree(root, &again, 0, &error), 0);
	ck_assert_uint_eq(again.len, out.len);
	ck_assert_mem_eq(again.data, out.data, out.len);
	buf_free(&out);
	buf_free(&again);
	pool_free(&p);
}
END_TEST

/* ---- Encoder ---- */

START_TEST(test_writer_switches_page_only_when_needed)
{
	buf out = BUF_INIT;
	struct wbxml_writer w;
	const char *error;

	wbxml_writer_init(&w, &out, 0);
	wbxml_start(&w, WBXML_AirSync_ApplicationData);
	wbxml_elem_empty(&w, WBXML_Contacts_FileAs);
	wbxml_elem_empty(&w, WBXML_Contacts_FirstName);
	wbxml_elem_empty(&w, WBXML_AirSync_Class);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	static const unsigned char expect[] = {
		HDR, 0x5d, 0x00, 0x01, 0x1e, 0x1f, 0x00, 0x00, 0x10, 0x01
	};
	ck_assert_uint_eq(out.len, sizeof(expect));
	ck_assert_mem_eq(out.data, expect, sizeof(expect));
	buf_free(&out);
}
END_TEST

START_TEST(test_writer_mb_u_int32)
{
	buf out = BUF_INIT;
	struct wbxml_writer w;
	const char *error;
	pool *p = pool_new(0);
	static unsigned char big[200];

	memset(big, 0xab, sizeof(big));
	wbxml_writer_init(&w, &out, 0);
	wbxml_start(&w, WBXML_ItemOperations_Data);
	wbxml_opaque(&w, big, sizeof(big));
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	/* 200 = 0x81 0x48 in mb_u_int32. */
	static const unsigned char expect[] = { HDR, 0x00, 0x14, 0x4c, 0xc3, 0x81, 0x48 };
	ck_assert_mem_eq(out.data, expect, sizeof(expect));
	ck_assert_uint_eq(out.len, sizeof(expect) + sizeof(big) + 1);
	struct wbxml_node *root = decode_ok(p, out.data, out.len);
	ck_assert_uint_eq(root->value_len, sizeof(big));
	ck_assert_mem_eq(root->value, big, sizeof(big));
	buf_free(&out);
	pool_free(&p);
}
END_TEST

START_TEST(test_version_filtering)
{
	pool *p = pool_new(0);
	const char *error;

	for (unsigned i = 0; i < 2; i++) {
		unsigned version = i == 0 ? 121 : 160;
		buf out = BUF_INIT;
		struct wbxml_writer w;

		wbxml_writer_init(&w, &out, version);
		wbxml_start(&w, WBXML_AirSync_Sync);
		wbxml_elem_uint(&w, WBXML_AirSync_Wait, 5);             /* 12.1 and later */
		wbxml_start(&w, WBXML_AirSync_ApplicationData);
		wbxml_start(&w, WBXML_AirSyncBase_Location);          /* 16.0 and later */
		wbxml_elem_str(&w, WBXML_AirSyncBase_City, "Berlin");  /* dropped with its parent */
		wbxml_opaque(&w, "x", 1);
		wbxml_end(&w);
		wbxml_elem_str(&w, WBXML_Calendar_Location, "Room 1"); /* not in 16.x */
		wbxml_elem_str(&w, WBXML_Find_SearchId, "s");          /* 16.1 only */
		wbxml_elem_empty(&w, WBXML_TAG(254, 5));               /* unknown: never sent */
		wbxml_end(&w);
		wbxml_end(&w);
		ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);

		struct wbxml_node *root = decode_ok(p, out.data, out.len);
		struct wbxml_node *app = wbxml_child(root, WBXML_AirSync_ApplicationData);
		ck_assert_ptr_nonnull(wbxml_child(root, WBXML_AirSync_Wait));
		ck_assert_ptr_nonnull(app);
		ck_assert_ptr_null(wbxml_child(app, WBXML_Find_SearchId));
		ck_assert_ptr_null(wbxml_child(app, WBXML_TAG(254, 5)));
		if (version == 121) {
			ck_assert_ptr_null(wbxml_child(app, WBXML_AirSyncBase_Location));
			ck_assert_str_eq(wbxml_child_str(app, WBXML_Calendar_Location), "Room 1");
		} else {
			struct wbxml_node *loc = wbxml_child(app, WBXML_AirSyncBase_Location);
			ck_assert_ptr_nonnull(loc);
			ck_assert_str_eq(wbxml_child_str(loc, WBXML_AirSyncBase_City), "Berlin");
			ck_assert_ptr_null(wbxml_child(app, WBXML_Calendar_Location));
		}
		buf_free(&out);
	}

	/* 2.5 lacks Wait: the whole element goes, the document stays balanced. */
	buf out = BUF_INIT;
	struct wbxml_writer w;
	wbxml_writer_init(&w, &out, 25);
	wbxml_start(&w, WBXML_AirSync_Sync);
	wbxml_elem_uint(&w, WBXML_AirSync_Wait, 5);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
	static const unsigned char expect[] = { HDR, 0x05 };
	ck_assert_uint_eq(out.len, sizeof(expect));
	ck_assert_mem_eq(out.data, expect, sizeof(expect));
	buf_free(&out);
	pool_free(&p);
}
END_TEST

START_TEST(test_writer_errors)
{
	buf out = BUF_INIT;
	struct wbxml_writer w;
	const char *error = NULL;

	/* Embedded NUL in a string. */
	wbxml_writer_init(&w, &out, 0);
	wbxml_start(&w, WBXML_AirSync_Sync);
	wbxml_strn(&w, "a\0b", 3);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "NUL"));
	buf_truncate(&out, 0);

	/* Unclosed element. */
	wbxml_writer_init(&w, &out, 0);
	wbxml_start(&w, WBXML_AirSync_Sync);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), -1);
	buf_truncate(&out, 0);

	/* End without start. */
	wbxml_writer_init(&w, &out, 0);
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), -1);
	buf_truncate(&out, 0);

	/* Two roots, text outside an element, empty document, unknown version. */
	wbxml_writer_init(&w, &out, 0);
	wbxml_elem_empty(&w, WBXML_AirSync_Sync);
	wbxml_elem_empty(&w, WBXML_AirSync_Sync);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), -1);
	buf_truncate(&out, 0);
	wbxml_writer_init(&w, &out, 0);
	wbxml_str(&w, "x");
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), -1);
	buf_truncate(&out, 0);
	wbxml_writer_init(&w, &out, 0);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), -1);
	buf_truncate(&out, 0);
	wbxml_writer_init(&w, &out, 130);
	wbxml_elem_empty(&w, WBXML_AirSync_Sync);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), -1);
	buf_free(&out);
}
END_TEST

/* ---- Decoder details ---- */

START_TEST(test_decode_string_pieces_and_empty)
{
	pool *p = pool_new(0);
	/* <Sync><SyncKey>"ab" "cd"</SyncKey><Class/><ServerId></ServerId><ClientId>""</ClientId></Sync> */
	static const unsigned char in[] = {
		HDR, 0x45, 0x4b, 0x03, 'a', 'b', 0x00, 0x03, 'c', 'd', 0x00, 0x01,
		0x10, 0x4d, 0x01, 0x4c, 0x03, 0x00, 0x01, 0x01
	};
	struct wbxml_node *root = decode_ok(p, in, sizeof(in));
	ck_assert_str_eq(wbxml_child_str(root, WBXML_AirSync_SyncKey), "abcd");
	ck_assert_uint_eq(wbxml_child(root, WBXML_AirSync_SyncKey)->value_len, 4);
	struct wbxml_node *cls = wbxml_child(root, WBXML_AirSync_Class);
	ck_assert(!cls->has_content);
	ck_assert_str_eq(wbxml_node_str(cls), "");
	struct wbxml_node *sid = wbxml_child(root, WBXML_AirSync_ServerId);
	ck_assert(sid->has_content);
	ck_assert_uint_eq(sid->value_kind, WBXML_VALUE_NONE);
	ck_assert_str_eq(wbxml_node_str(sid), "");
	ck_assert_str_eq(wbxml_child_str(root, WBXML_AirSync_ClientId), "");
	ck_assert_uint_eq(wbxml_child(root, WBXML_AirSync_ClientId)->value_kind,
			  WBXML_VALUE_STRING);
	ck_assert_ptr_null(wbxml_node_str(root)); /* children only */
	ck_assert_ptr_null(wbxml_child_str(root, WBXML_AirSync_Status));
	pool_free(&p);
}
END_TEST

/* Q-MAIL-3: invalid UTF-8 is replaced by U+FFFD, the element is kept. */
START_TEST(test_decode_invalid_utf8_replaced)
{
	pool *p = pool_new(0);
	static const unsigned char in[] = {
		HDR, 0x4b, 0x03, 'a', 0xff, 'b', 0xc3, 0x00, 0x01
	};
	struct wbxml_node *root = decode_ok(p, in, sizeof(in));
	ck_assert_str_eq(wbxml_node_str(root), "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	ck_assert_uint_eq(root->value_len, 8);
	pool_free(&p);
}
END_TEST

/* The decoder's UTF-8 check agrees with lib/utf8.c on the tricky cases: what it keeps is
 * valid, what it replaces is replaced exactly as utf8_append_sanitized() does. */
START_TEST(test_decode_utf8_edge_cases)
{
	static const char *const cases[] = {
		"plain ascii that is longer than one word",
		"\xc3\xbc\xd0\x96\xe2\x82\xac\xf0\x9f\x98\x80 valid mix",
		"\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf", "\xe0\xa0\x80",
		"\xed\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xee\x80\x80",
		"\xf0\x8f\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80", "\xff", "\x80", "abcdefg\xc3", "abcdefgh\xe2\x82",
		"\xf0\x9f\x98", "\xc3\x28", "\xe2\x28\xa1", "12345678\xf0\x28\x8c\xbc",
	};
	pool *p = pool_new(0);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf in = BUF_INIT, expect = BUF_INIT;
		unsigned char hdr[] = { HDR, 0x4b, 0x03 };
		buf_append(&in, hdr, sizeof(hdr));
		buf_append(&in, cases[i], strlen(cases[i]) + 1);
		buf_putc(&in, 0x01);
		utf8_append_sanitized(&expect, cases[i], strlen(cases[i]));
		struct wbxml_node *root = decode_ok(p, in.data, in.len);
		ck_assert_uint_eq(root->value_len, expect.len);
		ck_assert_mem_eq(root->value, expect.data, expect.len);
		ck_assert(utf8_valid(root->value, root->value_len, NULL));
		buf_free(&in);
		buf_free(&expect);
	}
	pool_free(&p);
}
END_TEST

START_TEST(test_decode_opaque_with_nul)
{
	pool *p = pool_new(0);
	static const unsigned char in[] = { HDR, 0x4b, 0xc3, 0x03, 'a', 0x00, 'b', 0x01 };
	struct wbxml_node *root = decode_ok(p, in, sizeof(in));
	const unsigned char *data;
	size_t len;
	ck_assert_int_eq(wbxml_node_bytes(root, &data, &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(data, "a\0b", 3);
	ck_assert_ptr_null(wbxml_node_str(root));
	pool_free(&p);
}
END_TEST

/* Q-PARSE-2: unknown code pages (Outlook.com's page 254) and unknown tokens are accepted,
 * have no name, and can be skipped: the known elements around them are still found. */
START_TEST(test_decode_unknown_page_and_token_q_parse_2)
{
	pool *p = pool_new(0);
	static const unsigned char in[] = {
		HDR, 0x45,                          /* <Sync> */
		0x57,                               /*  <Options> */
		0x00, 0xfe, 0x45, 0x46, 0x03, 'n', 0x00, 0x01, 0x01, /* <WL:5><WL:6>n</></> */
		0x00, 0x00, 0x58, 0x03, '3', 0x00, 0x01, /* <FilterType>3</> */
		0x7f, 0x01,                         /* <AirSync token 0x3f></> (unknown) */
		0x00, 0x63, 0x05,                   /* page 99, empty token 5 */
		0x01, 0x01
	};
	struct wbxml_node *root = decode_ok(p, in, sizeof(in));
	struct wbxml_node *opts = wbxml_child(root, WBXML_AirSync_Options);
	ck_assert_ptr_nonnull(opts);
	struct wbxml_node *wl = opts->children;
	ck_assert_uint_eq(wl->tag, 0xfe05);
	ck_assert_ptr_null(wbxml_tag_name(wl->tag));
	ck_assert_uint_eq(wl->children->tag, 0xfe06);
	ck_assert_str_eq(wbxml_node_str(wl->children), "n");
	uint64_t ft;
	const char *error;
	ck_assert_int_eq(wbxml_child_uint(opts, WBXML_AirSync_FilterType, 8, &ft, &error), 0);
	ck_assert_uint_eq(ft, 3);
	struct wbxml_node *unk = wbxml_child(opts, WBXML_TAG(0, 0x3f));
	ck_assert_ptr_nonnull(unk);
	ck_assert_ptr_null(wbxml_tag_name(unk->tag));
	ck_assert_ptr_nonnull(wbxml_child(opts, WBXML_TAG(99, 5)));
	/* Unknown elements survive a re-encode without version filtering. */
	buf again = BUF_INIT;
	ck_assert_int_eq(wbxml_encode_tree(root, &again, 0, &error), 0);
	ck_assert_uint_eq(again.len, sizeof(in));
	ck_assert_mem_eq(again.data, in, sizeof(in));
	buf_free(&again);
	pool_free(&p);
}
END_TEST

START_TEST(test_accessors)
{
	pool *p = pool_new(0);
	static const unsigned char in[] = {
		HDR, 0x45,
		0x55, 0x03, '4', '2', 0x00, 0x01,        /* WindowSize 42 */
		0x4e, 0x03, '-', '1', 0x00, 0x01,        /* Status -1 */
		0x58, 0xc3, 0x01, '3', 0x01,             /* FilterType as opaque */
		0x4b, 0x03, '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9', '9',
		'9', '9', '9', '9', '9', '9', '9', 0x00, 0x01, /* SyncKey: too big for 64 bits */
		0x4d, 0x03, '7', 0x00, 0x01, 0x4d, 0x03, '8', 0x00, 0x01, /* two ServerIds */
		0x01
	};
	struct wbxml_node *root = decode_ok(p, in, sizeof(in));
	uint64_t v = 0;
	const char *error = NULL;

	ck_assert_int_eq(wbxml_child_uint(root, WBXML_AirSync_WindowSize, 512, &v, &error), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(wbxml_child_uint(root, WBXML_AirSync_WindowSize, 10, &v, &error), -1);
	ck_assert_int_eq(wbxml_child_uint(root, WBXML_AirSync_Status, 200, &v, &error), -1);
	ck_assert_int_eq(wbxml_child_uint(root, WBXML_AirSync_FilterType, 8, &v, &error), -1);
	ck_assert_ptr_nonnull(strstr(error, "opaque"));
	ck_assert_int_eq(wbxml_child_uint(root, WBXML_AirSync_SyncKey, UINT64_MAX, &v, &error), -1);
	ck_assert_int_eq(wbxml_child_uint(root, WBXML_AirSync_Wait, 59, &v, &error), 1);
	ck_assert_int_eq(wbxml_node_uint(root, 5, &v, &error), -1);

	struct wbxml_node *sid = wbxml_child(root, WBXML_AirSync_ServerId);
	ck_assert_str_eq(wbxml_node_str(sid), "7");
	sid = wbxml_next_same(sid);
	ck_assert_ptr_nonnull(sid);
	ck_assert_str_eq(wbxml_node_str(sid), "8");
	ck_assert_ptr_null(wbxml_next_same(sid));
	unsigned n = 0;
	wbxml_foreach_child(root, child)
		n++;
	ck_assert_uint_eq(n, 6);
	const unsigned char *bytes;
	size_t len;
	ck_assert_int_eq(wbxml_node_bytes(root, &bytes, &len), -1);
	pool_free(&p);
}
END_TEST

START_TEST(test_looks_like)
{
	ck_assert(wbxml_looks_like(foldersync0, sizeof(foldersync0)));
	ck_assert(!wbxml_looks_like(foldersync0, 3));
	ck_assert(!wbxml_looks_like("From: a@b\r\n", 11)); /* raw MIME, Q-HTTP-3 */
	ck_assert(!wbxml_looks_like("", 0));
	static const unsigned char latin1[] = { 0x03, 0x01, 0x04, 0x00, 0x45 };
	ck_assert(!wbxml_looks_like(latin1, sizeof(latin1)));
	static const unsigned char v12[] = { 0x02, 0x01, 0x6a, 0x00, 0x45 };
	ck_assert(!wbxml_looks_like(v12, sizeof(v12)));
}
END_TEST

/* ---- Hostile input ---- */

/* Every proper prefix of a valid message is an error (never a crash, leak or overread). */
START_TEST(test_hostile_truncated_everywhere)
{
	buf msgs[3] = { BUF_INIT, BUF_INIT, BUF_INIT };

	build_sync_request(&msgs[0], 0);
	buf_append(&msgs[1], foldersync0, sizeof(foldersync0));
	/* A message whose opaque length needs several bytes. */
	struct wbxml_writer w;
	const char *error;
	static unsigned char blob[20000];
	memset(blob, 'z', sizeof(blob));
	wbxml_writer_init(&w, &msgs[2], 0);
	wbxml_start(&w, WBXML_ComposeMail_SendMail);
	wbxml_elem_str(&w, WBXML_ComposeMail_ClientId, "123");
	wbxml_elem_opaque(&w, WBXML_ComposeMail_Mime, blob, sizeof(blob));
	wbxml_end(&w);
	ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);

	for (unsigned m = 0; m < 3; m++) {
		pool *p = pool_new(0);
		decode_ok(p, msgs[m].data, msgs[m].len);
		for (size_t cut = 0; cut < msgs[m].len; cut++) {
			/* Copy so that ASan sees any read past the prefix. */
			unsigned char *copy = malloc(cut == 0 ? 1 : cut);
			memcpy(copy, msgs[m].data, cut);
			const char *e = decode_fails(p, copy, cut);
			ck_assert_ptr_nonnull(strstr(e, "offset"));
			free(copy);
		}
		pool_free(&p);
		buf_free(&msgs[m]);
	}
}
END_TEST

START_TEST(test_hostile_multibyte_integers)
{
	pool *p = pool_new(0);
	/* Public id in 6 bytes. */
	static const unsigned char six[] = { 0x03, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x6a, 0x00, 0x45, 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, six, sizeof(six)), "longer than 5 bytes"));
	/* Charset 2^32: overflows. */
	static const unsigned char ovf[] = { 0x03, 0x01, 0x90, 0x80, 0x80, 0x80, 0x00, 0x00, 0x45, 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, ovf, sizeof(ovf)), "overflows"));
	/* Opaque length 0xffffffff (valid 5-byte integer) past the end. */
	static const unsigned char big[] = { HDR, 0x45, 0xc3, 0x8f, 0xff, 0xff, 0xff, 0x7f, 0x01 };
	const char *e = decode_fails(p, big, sizeof(big));
	ck_assert_ptr_nonnull(strstr(e, "offset 5"));
	/* Opaque length overflowing 32 bits. */
	static const unsigned char big2[] = { HDR, 0x45, 0xc3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, big2, sizeof(big2)), "overflows"));
	/* Non-minimal encodings are still valid: public id 1 as 0x80 0x01. */
	static const unsigned char nonmin[] = { 0x03, 0x80, 0x01, 0x6a, 0x00, 0x05 };
	decode_ok(p, nonmin, sizeof(nonmin));
	pool_free(&p);
}
END_TEST

START_TEST(test_hostile_opaque_past_end)
{
	pool *p = pool_new(0);
	static const unsigned char in[] = { HDR, 0x45, 0xc3, 0x0a, 'a', 'b', 0x01 };
	const char *e = decode_fails(p, in, sizeof(in));
	ck_assert_ptr_nonnull(strstr(e, "past the end"));
	ck_assert_ptr_nonnull(strstr(e, "offset 5"));
	pool_free(&p);
}
END_TEST

START_TEST(test_hostile_depth_bomb)
{
	pool *p = pool_new(0);
	size_t n = 100000;
	unsigned char *in = malloc(4 + n * 2);
	memcpy(in, (unsigned char[]){ HDR }, 4);
	memset(in + 4, 0x45, n);
	memset(in + 4 + n, 0x01, n);
	const char *e = decode_fails(p, in, 4 + n * 2);
	ck_assert_ptr_nonnull(strstr(e, "deeper than the limit of 32"));
	ck_assert_ptr_nonnull(strstr(e, "offset 36")); /* the 33rd start tag */

	/* Exactly the limit is fine. */
	struct wbxml_limits limits;
	wbxml_limits_default(&limits);
	memset(in + 4 + limits.max_depth, 0x01, limits.max_depth);
	struct wbxml_node *root;
	ck_assert_int_eq(wbxml_decode(p, in, 4 + limits.max_depth * 2, &limits, &root, &e), 0);
	free(in);
	pool_free(&p);
}
END_TEST

START_TEST(test_hostile_limits)
{
	pool *p = pool_new(0);
	struct wbxml_limits limits;
	struct wbxml_node *root;
	const char *e;

	/* Node count. */
	static const unsigned char many[] = { HDR, 0x45, 0x0b, 0x0b, 0x0b, 0x0b, 0x01 };
	wbxml_limits_default(&limits);
	limits.max_nodes = 4;
	ck_assert_int_eq(wbxml_decode(p, many, sizeof(many), &limits, &root, &e), -1);
	ck_assert_ptr_nonnull(strstr(e, "more elements than the limit of 4"));
	limits.max_nodes = 5;
	ck_assert_int_eq(wbxml_decode(p, many, sizeof(many), &limits, &root, &e), 0);

	/* String and opaque length. */
	static const unsigned char str[] = { HDR, 0x4b, 0x03, 'a', 'b', 'c', 'd', 0x00, 0x01 };
	static const unsigned char opq[] = { HDR, 0x4b, 0xc3, 0x04, 'a', 'b', 'c', 'd', 0x01 };
	wbxml_limits_default(&limits);
	limits.max_string = 3;
	ck_assert_int_eq(wbxml_decode(p, str, sizeof(str), &limits, &root, &e), -1);
	ck_assert_ptr_nonnull(strstr(e, "limit of 3 bytes"));
	ck_assert_int_eq(wbxml_decode(p, opq, sizeof(opq), &limits, &root, &e), -1);
	ck_assert_ptr_nonnull(strstr(e, "limit of 3 bytes"));
	limits.max_string = 4;
	ck_assert_int_eq(wbxml_decode(p, str, sizeof(str), &limits, &root, &e), 0);
	ck_assert_int_eq(wbxml_decode(p, opq, sizeof(opq), &limits, &root, &e), 0);

	/* Input size, checked before anything is parsed. */
	limits.max_input = sizeof(str) - 1;
	ck_assert_int_eq(wbxml_decode(p, str, sizeof(str), &limits, &root, &e), -1);
	ck_assert_ptr_nonnull(strstr(e, "exceeds the limit"));

	wbxml_limits_default(&limits);
	ck_assert_uint_eq(limits.max_depth, 32);
	ck_assert_uint_ge(limits.max_input, limits.max_string);
	pool_free(&p);
}
END_TEST

START_TEST(test_hostile_header)
{
	pool *p = pool_new(0);
	/* Huge declared string table. */
	static const unsigned char strtbl[] = { 0x03, 0x01, 0x6a, 0x8f, 0xff, 0xff, 0xff, 0x7f, 0x45, 0x01 };
	const char *e = decode_fails(p, strtbl, sizeof(strtbl));
	ck_assert_ptr_nonnull(strstr(e, "string table not supported"));
	ck_assert_ptr_nonnull(strstr(e, "offset 3"));
	static const unsigned char strtbl1[] = { 0x03, 0x01, 0x6a, 0x01, 'x', 0x45, 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, strtbl1, sizeof(strtbl1)), "string table"));
	static const unsigned char ver[] = { 0x02, 0x01, 0x6a, 0x00, 0x45, 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, ver, sizeof(ver)), "version"));
	static const unsigned char pubid[] = { 0x03, 0x05, 0x6a, 0x00, 0x45, 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, pubid, sizeof(pubid)), "public id"));
	static const unsigned char pubid0[] = { 0x03, 0x00, 0x00, 0x6a, 0x00, 0x45, 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, pubid0, sizeof(pubid0)), "public id"));
	static const unsigned char cs[] = { 0x03, 0x01, 0x04, 0x00, 0x45, 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, cs, sizeof(cs)), "charset 4"));
	static const unsigned char noroot[] = { HDR };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, noroot, sizeof(noroot)), "no root"));
	static const unsigned char onlyswitch[] = { HDR, 0x00, 0x07 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, onlyswitch, sizeof(onlyswitch)), "no root"));
	pool_free(&p);
}
END_TEST

START_TEST(test_hostile_structure)
{
	pool *p = pool_new(0);
	static const unsigned char end_first[] = { HDR, 0x01 };
	const char *e = decode_fails(p, end_first, sizeof(end_first));
	ck_assert_ptr_nonnull(strstr(e, "END without a start tag"));
	ck_assert_ptr_nonnull(strstr(e, "offset 4"));
	static const unsigned char extra_end[] = { HDR, 0x45, 0x01, 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, extra_end, sizeof(extra_end)), "after the end"));
	static const unsigned char two_roots[] = { HDR, 0x05, 0x05 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, two_roots, sizeof(two_roots)), "after the end"));
	static const unsigned char text_root[] = { HDR, 0x03, 'a', 0x00 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, text_root, sizeof(text_root)), "outside"));
	static const unsigned char unclosed[] = { HDR, 0x45, 0x4b, 0x03, 'a', 0x00 };
	e = decode_fails(p, unclosed, sizeof(unclosed));
	ck_assert_ptr_nonnull(strstr(e, "AirSync:SyncKey"));
	ck_assert_ptr_nonnull(strstr(e, "2 elements not closed"));
	static const unsigned char no_nul[] = { HDR, 0x4b, 0x03, 'a', 'b' };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, no_nul, sizeof(no_nul)), "NUL"));
	static const unsigned char mixed[] = { HDR, 0x4b, 0x03, 'a', 0x00, 0xc3, 0x01, 'b', 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, mixed, sizeof(mixed)), "second text value"));
	static const unsigned char split[] = { HDR, 0x45, 0x03, 'a', 0x00, 0x0b, 0x03, 'b', 0x00, 0x01 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, split, sizeof(split)), "after a child"));
	static const unsigned char trunc_switch[] = { HDR, 0x45, 0x00 };
	ck_assert_ptr_nonnull(strstr(decode_fails(p, trunc_switch, sizeof(trunc_switch)), "SWITCH_PAGE"));
	pool_free(&p);
}
END_TEST

/* Attributes, entities, literals, extensions, PI and string-table references are rejected. */
START_TEST(test_hostile_unsupported_tokens)
{
	static const struct {
		unsigned char token;
		const char *what;
	} cases[] = {
		{ 0x85, "attributes" }, { 0xc5, "attributes" }, { 0xff, "attributes" },
		{ 0x02, "ENTITY" }, { 0x04, "LITERAL" }, { 0x40, "EXT_I" }, { 0x41, "EXT_I" },
		{ 0x42, "EXT_I" }, { 0x43, "PI" }, { 0x44, "LITERAL_C" }, { 0x80, "EXT_T" },
		{ 0x81, "EXT_T" }, { 0x82, "EXT_T" }, { 0x83, "STR_T" }, { 0x84, "LITERAL_A" },
		{ 0xc0, "EXT" }, { 0xc1, "EXT" }, { 0xc2, "EXT" }, { 0xc4, "LITERAL_AC" },
	};
	pool *p = pool_new(0);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char in[] = { HDR, 0x45, cases[i].token, 0x00, 0x00, 0x01, 0x01 };
		const char *e = decode_fails(p, in, sizeof(in));
		ck_assert_msg(strstr(e, cases[i].what) != NULL, "0x%02x: %s", cases[i].token, e);
		ck_assert_msg(strstr(e, "offset 5") != NULL, "0x%02x: %s", cases[i].token, e);
		/* Also as the first token of the body. */
		unsigned char first[] = { HDR, cases[i].token, 0x00, 0x01 };
		e = decode_fails(p, first, sizeof(first));
		ck_assert_msg(strstr(e, "offset 4") != NULL, "0x%02x: %s", cases[i].token, e);
	}
	pool_free(&p);
}
END_TEST

/* ---- Regression inputs ---- */

static char *srcdir_path(const char *rel)
{
	const char *dir = getenv("EASD_SRCDIR");
	size_t len = (dir != NULL ? strlen(dir) : 1) + strlen(rel) + 2;
	char *path = malloc(len);

	snprintf(path, len, "%s/%s", dir != NULL ? dir : ".", rel);
	return path;
}

static unsigned char *read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	buf b = BUF_INIT;
	unsigned char chunk[65536];
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	if (b.data == NULL)
		buf_reserve(&b, 1);
	return buf_detach(&b, len_r);
}

/* Decodes every file of DIR (relative to the source tree); when one decodes, re-encodes it
 * and checks that the result decodes to the same bytes again. Returns files seen, and how
 * many decoded. */
static unsigned replay_dir(const char *rel, unsigned *decoded_r)
{
	char *dirpath = srcdir_path(rel);
	DIR *dir = opendir(dirpath);
	unsigned files = 0;
	struct dirent *de;

	*decoded_r = 0;
	ck_assert_msg(dir != NULL, "cannot open %s (run from the repository root or set "
		      "EASD_SRCDIR)", dirpath);
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "README") == 0)
			continue;
		size_t plen = strlen(dirpath) + strlen(de->d_name) + 2;
		char *path = malloc(plen);
		snprintf(path, plen, "%s/%s", dirpath, de->d_name);
		size_t len;
		unsigned char *data = read_file(path, &len);
		pool *p = pool_new(0);
		struct wbxml_node *root;
		const char *error;
		if (wbxml_decode(p, data, len, NULL, &root, &error) == 0) {
			buf once = BUF_INIT, twice = BUF_INIT;
			struct wbxml_node *root2;
			ck_assert_int_eq(wbxml_encode_tree(root, &once, 0, &error), 0);
			ck_assert_int_eq(wbxml_decode(p, once.data, once.len, NULL, &root2, &error), 0);
			ck_assert_int_eq(wbxml_encode_tree(root2, &twice, 0, &error), 0);
			ck_assert_uint_eq(once.len, twice.len);
			ck_assert_mem_eq(once.data, twice.data, once.len);
			buf_free(&once);
			buf_free(&twice);
			(*decoded_r)++;
		}
		pool_free(&p);
		free(data);
		free(path);
		files++;
	}
	closedir(dir);
	free(dirpath);
	return files;
}

START_TEST(test_replay_regressions)
{
	unsigned decoded;

	/* Crash inputs found by fuzzing and hand-written hostile inputs: each must be handled
	 * (error or success) without a crash; the page 254 input (Q-PARSE-2) decodes. */
	unsigned files = replay_dir("tests/regress/wbxml", &decoded);
	ck_assert_uint_ge(files, 7);
	ck_assert_uint_ge(decoded, 1);
}
END_TEST

START_TEST(test_seed_corpus_decodes)
{
	unsigned decoded;
	unsigned files = replay_dir("tests/fuzz-seeds/wbxml", &decoded);

	ck_assert_uint_ge(files, 5);
	ck_assert_uint_eq(decoded, files); /* seeds are valid EAS messages */
}
END_TEST

static Suite *wbxml_suite(void)
{
	Suite *s = suite_create("wbxml");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tables_every_page_has_tags);
	tcase_add_test(tc, test_tables_spec_names);
	tcase_add_test(tc, test_roundtrip_every_tag);
	tcase_add_test(tc, test_known_bytes_foldersync);
	tcase_add_test(tc, test_known_bytes_spec_sync_response);
	tcase_add_test(tc, test_roundtrip_sync_request);
	tcase_add_test(tc, test_writer_switches_page_only_when_needed);
	tcase_add_test(tc, test_writer_mb_u_int32);
	tcase_add_test(tc, test_version_filtering);
	tcase_add_test(tc, test_writer_errors);
	tcase_add_test(tc, test_decode_string_pieces_and_empty);
	tcase_add_test(tc, test_decode_invalid_utf8_replaced);
	tcase_add_test(tc, test_decode_utf8_edge_cases);
	tcase_add_test(tc, test_decode_opaque_with_nul);
	tcase_add_test(tc, test_decode_unknown_page_and_token_q_parse_2);
	tcase_add_test(tc, test_accessors);
	tcase_add_test(tc, test_looks_like);
	tcase_add_test(tc, test_hostile_truncated_everywhere);
	tcase_add_test(tc, test_hostile_multibyte_integers);
	tcase_add_test(tc, test_hostile_opaque_past_end);
	tcase_add_test(tc, test_hostile_depth_bomb);
	tcase_add_test(tc, test_hostile_limits);
	tcase_add_test(tc, test_hostile_header);
	tcase_add_test(tc, test_hostile_structure);
	tcase_add_test(tc, test_hostile_unsupported_tokens);
	tcase_add_test(tc, test_replay_regressions);
	tcase_add_test(tc, test_seed_corpus_decodes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wbxml_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
