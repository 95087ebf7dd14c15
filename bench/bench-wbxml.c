/* bench-wbxml.c: decode and encode throughput of our WBXML codec and of libwbxml2 0.11.8 on
 * the same documents, in the same run (issue 4's benchmark; a benchmark, not a test).
 *
 * Documents (from src/wbxml/testdata-corpus.h): a Sync response of 500 e-mails with MIME
 * bodies (about 3.5 MB), a FolderSync response of 200 folders, a GAL Search response of 100
 * entries. Each figure is the median of SAMPLES samples; a sample repeats the operation until
 * it has run for at least MIN_SAMPLE_NS, so that small documents are timed over many runs.
 * Times are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not wall-clock: on this shared
 * 2-core machine a process often gets half a core, and wall-clock figures then halve for
 * reasons that have nothing to do with the codecs. MB are 10^6 bytes of WBXML (the encoded
 * size), for decode and encode alike.
 *
 * What is timed:
 * - ours, decode: wbxml_decode() into a fresh pool, then pool_free() (a request's whole cost).
 * - ours, encode: wbxml_encode_tree() of the decoded tree into a fresh buf, then buf_free().
 * - libwbxml2, decode: wbxml_tree_from_wbxml() to its tree, then wbxml_tree_destroy(): its
 *   fastest decoding path (its WBXML -> XML converter does this and then writes XML).
 * - libwbxml2, encode: wbxml_tree_to_wbxml() of that tree (no string table, anonymous, like
 *   our output), then free(): its fastest encoding path.
 * - for reference, libwbxml2's WBXML -> XML converter (what its wbxml2xml tool does, the
 *   figure of ../shared/FACTS.md).
 * Before timing, both codecs' outputs are checked: each decodes the document, and each
 * encoder's output is byte-identical to the document, so both sides do the same work. */
#include "wbxml/wbxml.h"
#include "wbxml/testdata-corpus.h"

#include "lib/buf.h"
#include "lib/pool.h"

#include <libwbxml-1.0/wbxml/wbxml.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SAMPLES 7
#define NMAIN 3 /* the three documents come first */
#define MIN_SAMPLE_NS 25000000LL /* 25 ms */

/* libwbxml2's tree functions are exported by libwbxml2.so but their header (wbxml_tree.h) is
 * not installed by Debian's libwbxml2-dev; these are its 0.11.8 prototypes (the tree itself
 * stays opaque here). */
typedef struct WBXMLTree_s WBXMLTree;
WBXMLError wbxml_tree_from_wbxml(WB_UTINY *wbxml, WB_ULONG wbxml_len, WBXMLLanguage lang,
				 WBXMLCharsetMIBEnum charset, WBXMLTree **tree);
WBXMLError wbxml_tree_to_wbxml(WBXMLTree *tree, WB_UTINY **wbxml, WB_ULONG *wbxml_len,
			       WBXMLGenWBXMLParams *params);
void wbxml_tree_destroy(WBXMLTree *tree);

enum { OURS_DEC, OURS_ENC, LW_DEC, LW_ENC, LW_XML, NOPS };

struct bench_doc {
	const char *name;
	buf bytes;              /* the document as our encoder writes it */
	pool *tree_pool;
	struct wbxml_node *tree; /* decoded once, the input of our encoder */
	WBXMLTree *lw_tree;     /* decoded once by libwbxml2, the input of its encoder */
	double mbps[NOPS];      /* by the enum above */
	double ns_per_doc[NOPS];
};

static WBXMLGenWBXMLParams lw_params = {
	.wbxml_version = WBXML_VERSION_13,
	.keep_ignorable_ws = TRUE,
	.use_strtbl = FALSE,
	.produce_anonymous = TRUE,
};

/* CPU time of this thread, see the comment at the top. */
static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what, const char *doc, const char *error)
{
	fprintf(stderr, "bench-wbxml: %s of %s failed: %s\n", what, doc, error);
	exit(1);
}

/* Runs one operation on d once; aborts on failure (the checks below make that impossible). */
static void run_op(int op, struct bench_doc *d)
{
	const char *error = NULL;

	switch (op) {
	case OURS_DEC: {
		pool *p = pool_new(0);
		struct wbxml_node *root;
		if (wbxml_decode(p, d->bytes.data, d->bytes.len, NULL, &root, &error) < 0)
			die("our decode", d->name, error);
		pool_free(&p);
		break;
	}
	case OURS_ENC: {
		buf out = BUF_INIT;
		if (wbxml_encode_tree(d->tree, &out, 0, &error) < 0)
			die("our encode", d->name, error);
		buf_free(&out);
		break;
	}
	case LW_DEC: {
		WBXMLTree *tree = NULL;
		WBXMLError ret = wbxml_tree_from_wbxml(d->bytes.data, (WB_ULONG)d->bytes.len,
						       WBXML_LANG_ACTIVESYNC, WBXML_CHARSET_UNKNOWN,
						       &tree);
		if (ret != WBXML_OK)
			die("libwbxml2 decode", d->name, (const char *)wbxml_errors_string(ret));
		wbxml_tree_destroy(tree);
		break;
	}
	case LW_XML: {
		WBXMLConvWBXML2XML *conv = NULL;
		WB_UTINY *xml = NULL;
		WB_ULONG xml_len = 0;
		if (wbxml_conv_wbxml2xml_create(&conv) != WBXML_OK)
			die("libwbxml2 converter", d->name, "cannot create");
		wbxml_conv_wbxml2xml_set_language(conv, WBXML_LANG_ACTIVESYNC);
		wbxml_conv_wbxml2xml_set_gen_type(conv, WBXML_GEN_XML_COMPACT);
		WBXMLError ret = wbxml_conv_wbxml2xml_run(conv, d->bytes.data, (WB_ULONG)d->bytes.len,
							  &xml, &xml_len);
		wbxml_conv_wbxml2xml_destroy(conv);
		if (ret != WBXML_OK)
			die("libwbxml2 converter", d->name, (const char *)wbxml_errors_string(ret));
		free(xml);
		break;
	}
	case LW_ENC: {
		WB_UTINY *out = NULL;
		WB_ULONG len = 0;
		WBXMLError ret = wbxml_tree_to_wbxml(d->lw_tree, &out, &len, &lw_params);
		if (ret != WBXML_OK)
			die("libwbxml2 encode", d->name, (const char *)wbxml_errors_string(ret));
		free(out);
		break;
	}
	default:
		abort();
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Median over SAMPLES samples of the time of one operation, in ns. */
static double measure(int op, struct bench_doc *d)
{
	double per_op[SAMPLES];
	long long iters = 1;

	/* Calibrate: double the count until one sample lasts MIN_SAMPLE_NS (warms caches too). */
	for (;;) {
		long long t0 = now_ns();
		for (long long i = 0; i < iters; i++)
			run_op(op, d);
		if (now_ns() - t0 >= MIN_SAMPLE_NS / 4 || iters >= (1LL << 30))
			break;
		iters *= 2;
	}
	iters *= 4;
	for (int s = 0; s < SAMPLES; s++) {
		long long t0 = now_ns();
		for (long long i = 0; i < iters; i++)
			run_op(op, d);
		per_op[s] = (double)(now_ns() - t0) / (double)iters;
	}
	qsort(per_op, SAMPLES, sizeof(per_op[0]), cmp_double);
	return per_op[SAMPLES / 2];
}

/* Encodes the document, decodes it with both codecs, and checks that both encoders give the
 * very same bytes back. */
static void prepare(struct bench_doc *d, void (*build)(struct corpus_sink *s, unsigned n),
		    unsigned n, bool eightbit)
{
	const char *error = NULL;
	buf ours = BUF_INIT;
	WB_UTINY *theirs = NULL;
	WB_ULONG theirs_len = 0;
	struct wbxml_writer w;
	struct corpus_sink sink;

	buf_init(&d->bytes);
	wbxml_writer_init(&w, &d->bytes, 0);
	corpus_writer_sink(&sink, &w);
	sink.eightbit_mime = eightbit;
	build(&sink, n);
	if (wbxml_writer_finish(&w, &error) < 0)
		die("building", d->name, error);
	d->tree_pool = pool_new(0);
	if (wbxml_decode(d->tree_pool, d->bytes.data, d->bytes.len, NULL, &d->tree, &error) < 0)
		die("our decode", d->name, error);
	if (wbxml_encode_tree(d->tree, &ours, 0, &error) < 0)
		die("our encode", d->name, error);
	WBXMLError ret = wbxml_tree_from_wbxml(d->bytes.data, (WB_ULONG)d->bytes.len,
					       WBXML_LANG_ACTIVESYNC, WBXML_CHARSET_UNKNOWN,
					       &d->lw_tree);
	if (ret != WBXML_OK)
		die("libwbxml2 decode", d->name, (const char *)wbxml_errors_string(ret));
	ret = wbxml_tree_to_wbxml(d->lw_tree, &theirs, &theirs_len, &lw_params);
	if (ret != WBXML_OK)
		die("libwbxml2 encode", d->name, (const char *)wbxml_errors_string(ret));
	if (ours.len != d->bytes.len || memcmp(ours.data, d->bytes.data, ours.len) != 0)
		die("checking", d->name, "our re-encoding differs from the document");
	if (theirs_len != d->bytes.len || memcmp(theirs, d->bytes.data, theirs_len) != 0)
		die("checking", d->name, "libwbxml2's re-encoding differs from the document");
	buf_free(&ours);
	free(theirs);
}

static void sync_500_emails(struct corpus_sink *s, unsigned n)
{
	corpus_sync_emails(s, n, 6000);
}

#define USAGE "usage: bench-wbxml [--profile OP DOC] (OP: 0 ours decode, 1 ours encode, " \
	"2 libwbxml2 decode, 3 libwbxml2 encode, 4 libwbxml2 WBXML->XML; DOC: 0-3, the rows in " \
	"order)\n"

/* bench-wbxml --profile OP DOC: runs only OP on document DOC for about 3 seconds, for perf or
 * callgrind. */
static int profile(struct bench_doc *docs, size_t ndocs, const char *op_arg, const char *doc_arg)
{
	char *end1, *end2;
	long op = strtol(op_arg, &end1, 10), doc = strtol(doc_arg, &end2, 10);

	if (*op_arg == '\0' || *end1 != '\0' || op < 0 || op >= NOPS || *doc_arg == '\0' ||
	    *end2 != '\0' || doc < 0 || (size_t)doc >= ndocs) {
		fputs(USAGE, stderr);
		return 2;
	}
	struct bench_doc *d = &docs[doc];
	long long t0 = now_ns(), n = 0;
	while (now_ns() - t0 < 3000000000LL) {
		run_op((int)op, d);
		n++;
	}
	printf("%lld runs, %.1f us CPU time each\n", n, (double)(now_ns() - t0) / (double)n / 1e3);
	return 0;
}

static void print_row(const char *name, double bytes, const double *mbps)
{
	printf("%-34s %6.3f MB | %6.0f MB/s %6.0f MB/s | %6.1f MB/s %6.1f MB/s | %6.1fx %6.1fx\n",
	       name, bytes / 1e6, mbps[OURS_DEC], mbps[OURS_ENC], mbps[LW_DEC], mbps[LW_ENC],
	       mbps[OURS_DEC] / mbps[LW_DEC], mbps[OURS_ENC] / mbps[LW_ENC]);
}

int main(int argc, char **argv)
{
	struct bench_doc docs[] = {
		{ .name = "Sync response, 500 e-mails" },
		{ .name = "FolderSync response, 200 folders" },
		{ .name = "GAL Search response, 100 entries" },
		/* not one of the three: the same mails with 8-bit UTF-8 text parts instead
		 * of quoted-printable, so that most text goes through the UTF-8 check */
		{ .name = "(Sync response, 8bit bodies)" },
	};
	size_t ndocs = sizeof(docs) / sizeof(docs[0]);
	double total_bytes = 0, total_ns[NOPS] = { 0 };

	if (argc != 1 && !(argc == 4 && strcmp(argv[1], "--profile") == 0)) {
		fputs(USAGE, stderr);
		return 2;
	}
	prepare(&docs[0], sync_500_emails, 500, false);
	prepare(&docs[1], corpus_foldersync_response, 200, false);
	prepare(&docs[2], corpus_search_gal_response, 100, false);
	prepare(&docs[3], sync_500_emails, 500, true);
	if (argc == 4)
		return profile(docs, ndocs, argv[2], argv[3]);

	printf("WBXML codec: ours vs libwbxml2 %s, median of %d samples of >= %lld ms CPU time each\n",
	       WBXML_LIB_VERSION, SAMPLES, MIN_SAMPLE_NS / 1000000);
	printf("libwbxml2 paths: decode = wbxml_tree_from_wbxml + wbxml_tree_destroy, "
	       "encode = wbxml_tree_to_wbxml (its fastest)\n");
	printf("MB = 10^6 bytes of WBXML; both encoders checked byte-identical first\n\n");
	printf("%-34s %9s | %11s %11s | %11s %11s | %7s %7s\n", "document", "size", "ours dec",
	       "ours enc", "lw2 dec", "lw2 enc", "dec x", "enc x");
	for (size_t i = 0; i < ndocs; i++) {
		struct bench_doc *d = &docs[i];
		for (int op = 0; op < NOPS; op++) {
			d->ns_per_doc[op] = measure(op, d);
			d->mbps[op] = (double)d->bytes.len / d->ns_per_doc[op] * 1e3;
		}
		if (i < NMAIN) {
			for (int op = 0; op < NOPS; op++)
				total_ns[op] += d->ns_per_doc[op];
			total_bytes += (double)d->bytes.len;
		}
		print_row(d->name, (double)d->bytes.len, d->mbps);
		if (i == NMAIN - 1) {
			double mbps[NOPS];
			for (int op = 0; op < NOPS; op++)
				mbps[op] = total_bytes / total_ns[op] * 1e3;
			print_row("the three, one of each", total_bytes, mbps);
		}
	}
	printf("\nfor reference, libwbxml2's WBXML->XML converter (what wbxml2xml does):\n");
	for (size_t i = 0; i < ndocs; i++)
		printf("  %-32s %6.1f MB/s (ours decode %.1fx)\n", docs[i].name, docs[i].mbps[LW_XML],
		       docs[i].mbps[OURS_DEC] / docs[i].mbps[LW_XML]);
	printf("time per document, ours / libwbxml2 decode:");
	for (size_t i = 0; i < ndocs; i++)
		printf("%s %.0f us / %.0f us", i ? "," : "", docs[i].ns_per_doc[OURS_DEC] / 1e3,
		       docs[i].ns_per_doc[LW_DEC] / 1e3);
	printf("\n");

	bool met = true;
	for (size_t i = 0; i < NMAIN; i++) {
		if (docs[i].mbps[OURS_DEC] < 500 || docs[i].mbps[OURS_DEC] < 10 * docs[i].mbps[LW_DEC])
			met = false;
	}
	printf("goal (issue 4): decode >= 500 MB/s and >= 10x libwbxml2 on each of the three: %s\n",
	       met ? "met" : "NOT met");

	for (size_t i = 0; i < ndocs; i++) {
		buf_free(&docs[i].bytes);
		pool_free(&docs[i].tree_pool);
		wbxml_tree_destroy(docs[i].lw_tree);
	}
	return 0;
}
