/* easctl-wbxml.c: `easctl wbxml decode [FILE|-]` prints a WBXML document as indented XML;
 * `easctl wbxml encode [FILE|-]` turns such XML back into WBXML on stdout. The format is
 * described in wbxml-xml.h. Decoding uses the server's own limits, so a document this command
 * refuses is one easd refuses too, with the same message. */
#include "cmd/easctl-wbxml.h"
#include "cmd/wbxml-xml.h"

#include "lib/buf.h"
#include "lib/pool.h"
#include "wbxml/wbxml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { WBXML_EXIT_OK = 0, WBXML_EXIT_FAIL = 1, WBXML_EXIT_USAGE = 2 };

/* Larger inputs are refused before they are read whole (the decoder's own default is less). */
#define INPUT_MAX (256u * 1024 * 1024)

static const char usage_text[] =
	"usage: easctl wbxml decode [FILE|-]\n"
	"       easctl wbxml encode [FILE|-]\n"
	"\n"
	"decode  reads an EAS WBXML document (a request or response body) and prints it as\n"
	"        indented XML with the namespaces of the specification's examples.\n"
	"encode  reads such XML and writes the WBXML document to stdout (not to a terminal).\n"
	"\n"
	"FILE defaults to stdin (also \"-\"). In the XML, opaque=\"base64\" marks OPAQUE content\n"
	"(given in base64), str=\"base64\" a string XML cannot hold, <Tag/> a tag without\n"
	"content. Namespaces may omit the trailing colon (\"AirSync\" or \"AirSync:\").\n"
	"Exit status: 0 done, 1 bad input (the message names the byte offset or line),\n"
	"2 usage error.\n"
	"\n"
	"examples:\n"
	"  easctl wbxml decode request.bin\n"
	"  easctl wbxml decode request.bin > request.xml; easctl wbxml encode request.xml > again.bin\n";

/* Reads all of f into out; 0, or -1 with *error_r. */
static int read_all(FILE *f, buf *out, const char **error_r)
{
	for (;;) {
		if (out->len >= INPUT_MAX) {
			*error_r = "input larger than 256 MiB";
			return -1;
		}
		buf_reserve(out, 65536);
		size_t n = fread(out->data + out->len, 1, 65536, f);
		out->len += n;
		out->data[out->len] = '\0';
		if (n < 65536) {
			if (ferror(f)) {
				*error_r = strerror(errno);
				return -1;
			}
			if (feof(f))
				return 0;
		}
	}
}

/* Runs the command with the given streams (the unit test passes files); see the header. */
static int easctl_wbxml_run(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	const char *path = NULL;
	bool decode;

	if (cmd == NULL) {
		fputs(usage_text, err);
		return WBXML_EXIT_USAGE;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage_text, out);
		return WBXML_EXIT_OK;
	}
	if (strcmp(cmd, "decode") == 0) {
		decode = true;
	} else if (strcmp(cmd, "encode") == 0) {
		decode = false;
	} else {
		fprintf(err, "easctl wbxml: unknown command \"%s\"\n%s", cmd, usage_text);
		return WBXML_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, out);
			return WBXML_EXIT_OK;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(err, "easctl wbxml %s: unknown option %s\n%s", cmd, argv[i], usage_text);
			return WBXML_EXIT_USAGE;
		}
		if (path != NULL) {
			fprintf(err, "easctl wbxml %s: one input only\n%s", cmd, usage_text);
			return WBXML_EXIT_USAGE;
		}
		path = argv[i];
	}
	if (!decode && isatty(fileno(out))) {
		fprintf(err, "easctl wbxml encode: not writing binary WBXML to a terminal; "
			"redirect stdout to a file\n");
		return WBXML_EXIT_USAGE;
	}

	const char *name = path == NULL || strcmp(path, "-") == 0 ? "stdin" : path;
	FILE *f = in;
	if (path != NULL && strcmp(path, "-") != 0) {
		f = fopen(path, "rb");
		if (f == NULL) {
			fprintf(err, "easctl wbxml %s: %s: %s\n", cmd, path, strerror(errno));
			return WBXML_EXIT_FAIL;
		}
	}
	buf input = BUF_INIT, output = BUF_INIT;
	pool *p = pool_new(0);
	const char *error = NULL;
	struct wbxml_node *root = NULL;
	int status = WBXML_EXIT_FAIL;

	int ret = read_all(f, &input, &error);
	if (f != in)
		fclose(f);
	if (ret < 0) {
		fprintf(err, "easctl wbxml %s: %s: %s\n", cmd, name, error);
		goto out;
	}
	if (decode) {
		if (wbxml_decode(p, input.data, input.len, NULL, &root, &error) < 0) {
			fprintf(err, "easctl wbxml decode: %s: %s\n", name, error);
			goto out;
		}
		wbxml_xml_write(root, &output);
	} else {
		if (wbxml_xml_parse(p, input.data, input.len, &root, &error) < 0) {
			fprintf(err, "easctl wbxml encode: %s: %s\n", name, error);
			goto out;
		}
		if (wbxml_encode_tree(root, &output, 0, &error) < 0) {
			fprintf(err, "easctl wbxml encode: %s: %s\n", name, error);
			goto out;
		}
	}
	if (fwrite(output.data, 1, output.len, out) != output.len || fflush(out) != 0) {
		fprintf(err, "easctl wbxml %s: writing the output: %s\n", cmd, strerror(errno));
		goto out;
	}
	status = WBXML_EXIT_OK;
out:
	buf_free(&input);
	buf_free(&output);
	pool_free(&p);
	return status;
}

int easctl_wbxml_main(int argc, char **argv)
{
	return easctl_wbxml_run(argc, argv, stdin, stdout, stderr);
}
