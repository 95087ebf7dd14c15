/* test-wbxml-xml.c: the XML view of WBXML (wbxml-xml.c) and `easctl wbxml` (easctl-wbxml.c).
 *
 * The Makefile links src/cmd unit tests with the layer libraries but not with the other
 * .c files of src/cmd (those go into easd and easctl), so the two files under test are
 * included here directly. */
#include "cmd/wbxml-xml.c"
#include "cmd/easctl-wbxml.c"

#include "wbxml/testdata-corpus.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* XML -> WBXML; aborts the test on failure. */
static void xml_to_wbxml(pool *p, const char *xml, buf *out)
{
	struct wbxml_node *root = NULL;
	const char *error = NULL;

	if (wbxml_xml_parse(p, xml, strlen(xml), &root, &error) < 0)
		ck_abort_msg("parse failed: %s", error);
	if (wbxml_encode_tree(root, out, 0, &error) < 0)
		ck_abort_msg("encode failed: %s", error);
}

/* WBXML -> XML text; aborts the test on failure. */
static void wbxml_to_xml(pool *p, const void *data, size_t len, buf *out)
{
	struct wbxml_node *root = NULL;
	const char *error = NULL;

	if (wbxml_decode(p, data, len, NULL, &root, &error) < 0)
		ck_abort_msg("decode failed: %s", error);
	wbxml_xml_write(root, out);
}

static const char *parse_error(pool *p, const char *xml)
{
	struct wbxml_node *root = NULL;
	const char *error = NULL;

	ck_assert_int_eq(wbxml_xml_parse(p, xml, strlen(xml), &root, &error), -1);
	ck_assert_ptr_nonnull(error);
	return error;
}

#define ck_assert_bytes(b, expected) \
	do { \
		ck_assert_uint_eq((b)->len, sizeof(expected)); \
		ck_assert_mem_eq((b)->data, expected, sizeof(expected)); \
	} while (0)

/* Every corpus document: WBXML -> XML -> WBXML gives the same bytes. One test for the whole
 * corpus (a forked test costs more than the check under ASan); failures are listed by name. */
START_TEST(test_corpus_round_trip)
{
	pool *p = pool_new(0);
	buf report = BUF_INIT;

	for (size_t i = 0; i < CORPUS_DOC_COUNT; i++) {
		const struct corpus_doc *doc = &corpus_docs[i];
		buf bytes = BUF_INIT, xml = BUF_INIT, again = BUF_INIT;
		struct wbxml_node *root = NULL;
		const char *error = NULL;

		if (corpus_encode(doc, &bytes, &error) < 0 ||
		    wbxml_decode(p, bytes.data, bytes.len, NULL, &root, &error) < 0) {
			buf_printf(&report, "\n  %s: %s", doc->name, error);
		} else {
			wbxml_xml_write(root, &xml);
			if (wbxml_xml_parse(p, xml.data, xml.len, &root, &error) < 0 ||
			    wbxml_encode_tree(root, &again, 0, &error) < 0)
				buf_printf(&report, "\n  %s: %s", doc->name, error);
			else if (again.len != bytes.len || memcmp(again.data, bytes.data, bytes.len) != 0)
				buf_printf(&report, "\n  %s: the XML round trip changes the bytes "
					   "(%zu -> %zu)", doc->name, bytes.len, again.len);
		}
		buf_free(&bytes);
		buf_free(&xml);
		buf_free(&again);
	}
	ck_assert_msg(report.len == 0, "%s", buf_cstr(&report));
	buf_free(&report);
	pool_free(&p);
}
END_TEST

static const unsigned char foldersync0[] = {
	0x03, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, 0x30, 0x00, 0x01, 0x01
};

/* The FolderSync request of ../shared/FACTS.md, both ways, to the byte and to the character. */
START_TEST(test_foldersync_exact)
{
	pool *p = pool_new(0);
	buf xml = BUF_INIT, bytes = BUF_INIT;

	wbxml_to_xml(p, foldersync0, sizeof(foldersync0), &xml);
	ck_assert_str_eq(buf_cstr(&xml), "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			 "<FolderSync xmlns=\"FolderHierarchy:\">\n"
			 "  <SyncKey>0</SyncKey>\n"
			 "</FolderSync>\n");
	xml_to_wbxml(p, buf_cstr(&xml), &bytes);
	ck_assert_bytes(&bytes, foldersync0);
	buf_free(&xml);
	buf_free(&bytes);
	pool_free(&p);
}
END_TEST

/* The MS-ASWBXML example "server response that contains a new contact", written as in the
 * specification (namespaces without the colon, indented): encodes to the specification's bytes
 * (given there up to "Funk" of FileAs; the rest follows from the token tables). */
static const char spec_sync_xml[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	"<Sync xmlns=\"AirSync\" xmlns:airsyncbase=\"AirSyncBase\" xmlns:contacts=\"Contacts\">\n"
	"  <Collections>\n"
	"    <Collection>\n"
	"      <Class>Contacts</Class>\n"
	"      <SyncKey>2</SyncKey>\n"
	"      <CollectionId>2</CollectionId>\n"
	"      <Status>1</Status>\n"
	"      <Commands>\n"
	"        <Add>\n"
	"          <ServerId>2:1</ServerId>\n"
	"          <ApplicationData>\n"
	"            <airsyncbase:Body>\n"
	"              <airsyncbase:Type>1</airsyncbase:Type>\n"
	"              <airsyncbase:EstimatedDataSize>0</airsyncbase:EstimatedDataSize>\n"
	"              <airsyncbase:Truncated>1</airsyncbase:Truncated>\n"
	"            </airsyncbase:Body>\n"
	"            <contacts:FileAs>Funk, Don</contacts:FileAs>\n"
	"            <contacts:FirstName>Don</contacts:FirstName>\n"
	"            <contacts:LastName>Funk</contacts:LastName>\n"
	"            <airsyncbase:NativeBodyType>1</airsyncbase:NativeBodyType>\n"
	"          </ApplicationData>\n"
	"        </Add>\n"
	"      </Commands>\n"
	"    </Collection>\n"
	"  </Collections>\n"
	"</Sync>\n";

static const unsigned char spec_sync_bytes[] = {
	0x03, 0x01, 0x6A, 0x00, 0x45, 0x5C, 0x4F, 0x50, 0x03, 0x43, 0x6F, 0x6E, 0x74, 0x61, 0x63,
	0x74, 0x73, 0x00, 0x01, 0x4B, 0x03, 0x32, 0x00, 0x01, 0x52, 0x03, 0x32, 0x00, 0x01, 0x4E,
	0x03, 0x31, 0x00, 0x01, 0x56, 0x47, 0x4D, 0x03, 0x32, 0x3A, 0x31, 0x00, 0x01, 0x5D, 0x00,
	0x11, 0x4A, 0x46, 0x03, 0x31, 0x00, 0x01, 0x4C, 0x03, 0x30, 0x00, 0x01, 0x4D, 0x03, 0x31,
	0x00, 0x01, 0x01, 0x00, 0x01, 0x5E, 0x03, 0x46, 0x75, 0x6E, 0x6B,
	/* from here on derived from the token tables */
	',', ' ', 'D', 'o', 'n', 0x00, 0x01,           /* FileAs "Funk, Don" */
	0x5F, 0x03, 'D', 'o', 'n', 0x00, 0x01,          /* FirstName */
	0x69, 0x03, 'F', 'u', 'n', 'k', 0x00, 0x01,     /* LastName */
	0x00, 0x11, 0x56, 0x03, '1', 0x00, 0x01,        /* airsyncbase:NativeBodyType */
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01,             /* ApplicationData ... Sync */
};

START_TEST(test_spec_example)
{
	pool *p = pool_new(0);
	buf bytes = BUF_INIT, xml = BUF_INIT;

	xml_to_wbxml(p, spec_sync_xml, &bytes);
	ck_assert_bytes(&bytes, spec_sync_bytes);
	/* and our XML for those bytes: the same document, with colons in the namespaces */
	wbxml_to_xml(p, spec_sync_bytes, sizeof(spec_sync_bytes), &xml);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&xml), "<Sync xmlns=\"AirSync:\" "
				     "xmlns:contacts=\"Contacts:\" xmlns:airsyncbase=\"AirSyncBase:\">\n"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&xml), "\n            <airsyncbase:Body>\n"
				     "              <airsyncbase:Type>1</airsyncbase:Type>\n"));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&xml),
				     "\n            <contacts:FileAs>Funk, Don</contacts:FileAs>\n"));
	buf_free(&bytes);
	buf_free(&xml);
	pool_free(&p);
}
END_TEST

/* Opaque data comes out base64 with opaque="base64", strings XML cannot hold with str=, empty
 * tags as <Tag/> or <Tag></Tag> as they were, CR and spaces exactly, and all of it back. */
START_TEST(test_markers_round_trip)
{
	static const unsigned char doc[] = {
		0x03, 0x01, 0x6a, 0x00,
		0x00, 0x15, 0x45,                               /* <SendMail> */
		0x08,                                           /* <SaveInSentItems/> */
		0x51, 0x01,                                     /* <ClientId></ClientId> */
		0x50, 0xc3, 0x04, 'M', 0x00, '\r', 0xff, 0x01,  /* <Mime> opaque "M\0\r\xff" */
		0x52, 0x03, ' ', 'a', '\r', '\n', 'b', ' ', '<', '&', 0x00, 0x01, /* <Status> */
		0x53, 0x03, 'x', 0x01, 'y', 0x00, 0x01,         /* <AccountId> with a control char */
		0x01,
	};
	pool *p = pool_new(0);
	buf xml = BUF_INIT, again = BUF_INIT;

	wbxml_to_xml(p, doc, sizeof(doc), &xml);
	const char *x = buf_cstr(&xml);
	ck_assert_ptr_nonnull(strstr(x, "<SaveInSentItems/>"));
	ck_assert_ptr_nonnull(strstr(x, "<ClientId></ClientId>"));
	ck_assert_ptr_nonnull(strstr(x, "<Mime opaque=\"base64\">TQAN/w==</Mime>"));
	ck_assert_ptr_nonnull(strstr(x, "<Status> a&#13;\nb &lt;&amp;</Status>"));
	ck_assert_ptr_nonnull(strstr(x, "<AccountId str=\"base64\">eAF5</AccountId>"));
	xml_to_wbxml(p, x, &again);
	ck_assert_bytes(&again, doc);
	buf_free(&xml);
	buf_free(&again);
	pool_free(&p);
}
END_TEST

/* Tokens our table has no name for, and pages beyond 25 (Q-PARSE-2), survive the round trip. */
START_TEST(test_unknown_tokens)
{
	static const unsigned char doc[] = {
		0x03, 0x01, 0x6a, 0x00,
		0x45, 0x5c,                                     /* <Sync><Collections> */
		0x7f, 0x03, 'x', 0x00, 0x01,                    /* page 0 token 0x3f */
		0x00, 0xfe, 0x45, 0x03, 'y', 0x00, 0x01,        /* page 254 token 0x05 */
		0x00, 0x00, 0x01, 0x01,
	};
	pool *p = pool_new(0);
	buf xml = BUF_INIT, again = BUF_INIT;

	wbxml_to_xml(p, doc, sizeof(doc), &xml);
	const char *x = buf_cstr(&xml);
	ck_assert_ptr_nonnull(strstr(x, "xmlns:page254=\"Page254:\""));
	ck_assert_ptr_nonnull(strstr(x, "<Tag_0x3f>x</Tag_0x3f>"));
	ck_assert_ptr_nonnull(strstr(x, "<page254:Tag_0x05>y</page254:Tag_0x05>"));
	xml_to_wbxml(p, x, &again);
	/* the encoder does not switch back to page 0 just to write END */
	static const unsigned char expected[] = {
		0x03, 0x01, 0x6a, 0x00, 0x45, 0x5c, 0x7f, 0x03, 'x', 0x00, 0x01,
		0x00, 0xfe, 0x45, 0x03, 'y', 0x00, 0x01, 0x01, 0x01,
	};
	ck_assert_bytes(&again, expected);
	buf_free(&xml);
	buf_free(&again);
	pool_free(&p);
}
END_TEST

/* What people paste: libwbxml2's output (DOCTYPE, "Gal:" in its letter case, no colons), text
 * split by a comment, CDATA. */
START_TEST(test_lenient_input)
{
	pool *p = pool_new(0);
	buf bytes = BUF_INIT;

	xml_to_wbxml(p, "<?xml version=\"1.0\"?>\n<!DOCTYPE ActiveSync PUBLIC \"-//MICROSOFT//DTD "
		     "ActiveSync//EN\" \"http://www.microsoft.com/\">\n"
		     "<FolderSync xmlns=\"folderhierarchy\"><SyncKey>0</SyncKey></FolderSync>", &bytes);
	ck_assert_bytes(&bytes, foldersync0);
	buf_truncate(&bytes, 0);
	xml_to_wbxml(p, "<Search xmlns=\"Search:\" xmlns:g=\"Gal:\"><g:DisplayName>A<!-- c -->"
		     "<![CDATA[<b>]]></g:DisplayName></Search>", &bytes);
	static const unsigned char expected[] = {
		0x03, 0x01, 0x6a, 0x00, 0x00, 0x0f, 0x45, 0x00, 0x10, 0x45, 0x03, 'A', '<', 'b', '>',
		0x00, 0x01, 0x01,
	};
	ck_assert_bytes(&bytes, expected);
	buf_free(&bytes);
	pool_free(&p);
}
END_TEST

/* Bad XML is refused with the line of the mistake. */
START_TEST(test_bad_xml)
{
	pool *p = pool_new(0);
	const char *e;

	e = parse_error(p, "<FolderSync xmlns=\"FolderHierarchy:\">\n<SyncKey>0</FolderSync>\n");
	ck_assert_msg(strncmp(e, "line 2: ", 8) == 0, "%s", e);
	e = parse_error(p, "<FolderSync xmlns=\"FolderHierarchy:\">\n\n  <Synckey>0</Synckey>\n"
			"</FolderSync>");
	ck_assert_msg(strncmp(e, "line 3: ", 8) == 0 && strstr(e, "Synckey") != NULL, "%s", e);
	e = parse_error(p, "<FolderSync><SyncKey>0</SyncKey></FolderSync>");
	ck_assert_msg(strstr(e, "no namespace") != NULL, "%s", e);
	e = parse_error(p, "<FolderSync xmlns=\"Nonsense:\"/>");
	ck_assert_msg(strstr(e, "unknown namespace") != NULL, "%s", e);
	e = parse_error(p, "<FolderSync xmlns=\"FolderHierarchy:\" id=\"1\"/>");
	ck_assert_msg(strstr(e, "attribute id") != NULL, "%s", e);
	e = parse_error(p, "<SendMail xmlns=\"ComposeMail:\">\n<Mime opaque=\"base64\">**</Mime>"
			"</SendMail>");
	ck_assert_msg(strncmp(e, "line 2: ", 8) == 0 && strstr(e, "base64") != NULL, "%s", e);
	e = parse_error(p, "<SendMail xmlns=\"ComposeMail:\"><ClientId str=\"base64\">AA==</ClientId>"
			"</SendMail>");
	ck_assert_msg(strstr(e, "NUL") != NULL, "%s", e);
	e = parse_error(p, "<!DOCTYPE x [<!ENTITY e \"boom\">]><FolderSync xmlns=\"FolderHierarchy:\">"
			"<SyncKey>&e;</SyncKey></FolderSync>");
	ck_assert_msg(strstr(e, "entity") != NULL, "%s", e);
	e = parse_error(p, "");
	ck_assert_ptr_nonnull(e);
	e = parse_error(p, "<a xmlns=\"AirSync:\"/><b/>");
	ck_assert_msg(strncmp(e, "line 1: ", 8) == 0, "%s", e);
	pool_free(&p);
}
END_TEST

/* ---- easctl wbxml ---- */

struct run_result {
	int status;
	buf out, err;
};

static void slurp(FILE *f, buf *b)
{
	char chunk[4096];
	size_t n;

	rewind(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
}

/* Runs `easctl wbxml ARGS` with stdin from data[0..len); collects stdout and stderr. */
static void run_cmd(struct run_result *r, const void *data, size_t len, int argc, char **argv)
{
	FILE *in = tmpfile(), *out = tmpfile(), *err = tmpfile();

	ck_assert(in != NULL && out != NULL && err != NULL);
	ck_assert_uint_eq(fwrite(data, 1, len, in), len);
	rewind(in);
	buf_init(&r->out);
	buf_init(&r->err);
	r->status = easctl_wbxml_run(argc, argv, in, out, err);
	fclose(in);
	slurp(out, &r->out);
	slurp(err, &r->err);
}

static void run_free(struct run_result *r)
{
	buf_free(&r->out);
	buf_free(&r->err);
}

START_TEST(test_cmd_decode_encode)
{
	struct run_result r;
	char *dec[] = { "wbxml", "decode", NULL }, *enc[] = { "wbxml", "encode", "-", NULL };

	run_cmd(&r, foldersync0, sizeof(foldersync0), 2, dec);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&r.out), "<SyncKey>0</SyncKey>"));
	ck_assert_uint_eq(r.err.len, 0);
	buf xml = r.out;
	buf_free(&r.err);

	run_cmd(&r, xml.data, xml.len, 3, enc);
	ck_assert_int_eq(r.status, 0);
	ck_assert_bytes(&r.out, foldersync0);
	run_free(&r);
	buf_free(&xml);
}
END_TEST

/* A file argument, and the errors: bad WBXML names the offset, bad XML the line, a missing
 * file its name; all exit 1. */
START_TEST(test_cmd_errors)
{
	struct run_result r;
	char path[] = "/tmp/easd-test-wbxml-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, foldersync0, sizeof(foldersync0)), (ssize_t)sizeof(foldersync0));
	close(fd);
	char *dec_file[] = { "wbxml", "decode", path, NULL };
	run_cmd(&r, "", 0, 3, dec_file);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&r.out), "<FolderSync xmlns=\"FolderHierarchy:\">"));
	run_free(&r);
	unlink(path);

	run_cmd(&r, "", 0, 3, dec_file);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&r.err), path));
	ck_assert_uint_eq(r.out.len, 0);
	run_free(&r);

	char *dec[] = { "wbxml", "decode", NULL };
	run_cmd(&r, foldersync0, sizeof(foldersync0) - 2, 2, dec);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(buf_cstr(&r.err), "offset") != NULL, "%s", buf_cstr(&r.err));
	ck_assert_uint_eq(r.out.len, 0);
	run_free(&r);

	char *enc[] = { "wbxml", "encode", NULL };
	const char *bad = "<FolderSync xmlns=\"FolderHierarchy:\">\n  <Bogus/>\n</FolderSync>\n";
	run_cmd(&r, bad, strlen(bad), 2, enc);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(buf_cstr(&r.err), "stdin: line 2:") != NULL, "%s", buf_cstr(&r.err));
	ck_assert_uint_eq(r.out.len, 0);
	run_free(&r);
}
END_TEST

/* Usage errors exit 2 with the usage on stderr; --help exits 0 with it on stdout. */
START_TEST(test_cmd_usage)
{
	static const struct { int argc; const char *argv[5]; int status; } cases[] = {
		{ 1, { "wbxml" }, 2 },
		{ 2, { "wbxml", "frobnicate" }, 2 },
		{ 3, { "wbxml", "decode", "--fast" }, 2 },
		{ 4, { "wbxml", "encode", "a", "b" }, 2 },
		{ 2, { "wbxml", "--help" }, 0 },
		{ 3, { "wbxml", "decode", "--help" }, 0 },
		{ 3, { "wbxml", "encode", "-h" }, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run_result r;
		run_cmd(&r, "", 0, cases[i].argc, (char **)cases[i].argv);
		ck_assert_int_eq(r.status, cases[i].status);
		const buf *usage = cases[i].status == 0 ? &r.out : &r.err;
		ck_assert_msg(strstr(buf_cstr(usage), "usage: easctl wbxml decode") != NULL,
			      "case %zu: no usage text", i);
		run_free(&r);
	}
}
END_TEST

static Suite *wbxml_xml_suite(void)
{
	Suite *s = suite_create("wbxml-xml");
	TCase *tc = tcase_create("xml");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_corpus_round_trip);
	tcase_add_test(tc, test_foldersync_exact);
	tcase_add_test(tc, test_spec_example);
	tcase_add_test(tc, test_markers_round_trip);
	tcase_add_test(tc, test_unknown_tokens);
	tcase_add_test(tc, test_lenient_input);
	tcase_add_test(tc, test_bad_xml);
	suite_add_tcase(s, tc);

	TCase *cmd = tcase_create("easctl wbxml");
	tcase_add_test(cmd, test_cmd_decode_encode);
	tcase_add_test(cmd, test_cmd_errors);
	tcase_add_test(cmd, test_cmd_usage);
	suite_add_tcase(s, cmd);
	return s;
}

int main(void)
{
	xmlInitParser();
	SRunner *sr = srunner_create(wbxml_xml_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	xmlCleanupParser();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
