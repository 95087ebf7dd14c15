/* easctl: the administration tool of easd. `easctl [--data DIR | --config FILE] COMMAND ...`
 * Commands are grouped (context, user) in tables in easctl-*.c; this file holds the global
 * options, the dispatcher, argument parsing, help texts and the shared helpers. */
#include "cmd/easctl.h"
#include "lib/config.h"
#include "lib/login.h"
#include "lib/mem.h"
#include "lib/password.h"
#include "lib/utf8.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include("cmd/easctl-wbxml.h")
#include "cmd/easctl-wbxml.h"
#define EASCTL_HAVE_WBXML 1
#endif
#endif

#define PASSWORD_MAX 1024

static const struct easctl_group *const groups[] = {
	&easctl_context_group,
	&easctl_user_group,
	&easctl_contacts_group,
	&easctl_tasks_group,
	&easctl_calendar_group,
	&easctl_policy_group,
	&easctl_device_group,
};
#define GROUP_COUNT (sizeof(groups) / sizeof(groups[0]))

void easctl_error(const char *fmt, ...)
{
	va_list ap;
	fputs("easctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Run as root on a data directory that belongs to another user (easd's service account),
 * easctl becomes that user, so that a database file it creates can be opened by easd.
 * Returns 0, or -1 after printing why it could not. */
static int become_data_dir_owner(const char *data_dir)
{
	struct stat st;

	if (geteuid() != 0 || stat(data_dir, &st) < 0 || st.st_uid == 0)
		return 0;
	if (setgroups(0, NULL) < 0 || setgid(st.st_gid) < 0 || setuid(st.st_uid) < 0) {
		easctl_error("cannot switch to the owner (uid %u) of %s: %s", (unsigned)st.st_uid,
			     data_dir, strerror(errno));
		return -1;
	}
	return 0;
}

struct store *easctl_store(struct easctl *ctl)
{
	const char *error;

	if (ctl->store == NULL && become_data_dir_owner(ctl->data_dir) < 0)
		return NULL;
	if (ctl->store == NULL && store_open(ctl->data_dir, &ctl->store, &error) != STORE_OK) {
		easctl_error("%s", error);
		return NULL;
	}
	return ctl->store;
}

/* ---- Help ---- */

static void print_global_usage(FILE *out)
{
	fputs("usage: easctl [--data DIR | --config FILE] COMMAND [ARGS...]\n"
	      "\n"
	      "Administers an easd installation: its contexts (one per mail domain), users and\n"
	      "database. Changes take effect at once, also while easd runs. Run as root on a data\n"
	      "directory that belongs to another user, easctl works as that user.\n"
	      "\n"
	      "Options:\n"
	      "  --data DIR     the data directory (default: the config file's data key,\n"
	      "                 else /var/lib/easd); the config file is not read then\n"
	      "  --config FILE  the configuration file (default: " CONFIG_DEFAULT_PATH
	      " if it exists)\n"
	      "  -h, --help     this text\n"
	      "\n"
	      "Commands:\n", out);
	for (size_t g = 0; g < GROUP_COUNT; g++) {
		for (size_t i = 0; i < groups[g]->leaf_count; i++) {
			const struct easctl_leaf *leaf = &groups[g]->leaves[i];
			char synopsis[128];
			snprintf(synopsis, sizeof(synopsis), "%s %s%s%s", groups[g]->name, leaf->name,
				 *leaf->args != '\0' ? " " : "", leaf->args);
			fprintf(out, "  %s\n      %s\n", synopsis, leaf->summary);
		}
	}
	fputs("  migrate\n      apply pending database schema migrations\n", out);
#ifdef EASCTL_HAVE_WBXML
	fputs("  wbxml decode|encode ...\n      convert between WBXML and XML (easctl wbxml --help)\n",
	      out);
#endif
	fputs("  help [COMMAND [SUBCOMMAND]]\n      this text, or a command's\n"
	      "\n"
	      "LOGIN is user@domain, domain\\user, or user alone for the default context.\n"
	      "Every command takes --help. Exit status: 0 success, 1 failure, 2 usage error.\n",
	      out);
}

static void print_leaf_help(FILE *out, const struct easctl_group *group,
			    const struct easctl_leaf *leaf)
{
	fprintf(out, "usage: easctl %s %s%s%s\n\n%s", group->name, leaf->name,
		*leaf->args != '\0' ? " " : "", leaf->args, leaf->help);
}

static void print_group_help(FILE *out, const struct easctl_group *group)
{
	fprintf(out, "usage: easctl %s SUBCOMMAND ...\n\n%s.\n\nSubcommands:\n", group->name,
		group->summary);
	for (size_t i = 0; i < group->leaf_count; i++) {
		const struct easctl_leaf *leaf = &group->leaves[i];
		fprintf(out, "  %s %s%s%s\n      %s\n", group->name, leaf->name,
			*leaf->args != '\0' ? " " : "", leaf->args, leaf->summary);
	}
	fprintf(out, "\nSee `easctl %s SUBCOMMAND --help`.\n", group->name);
}

static const char migrate_help[] =
	"Applies the pending schema migrations to the database in the data directory (creating\n"
	"both when missing) and prints the schema versions before and after. easd and every\n"
	"other easctl command migrate by themselves when they open the database; running it\n"
	"again is a no-op.\n";

/* A usage error: the message and how to get help, on stderr; returns the exit status. */
static int usage_error(const char *help_cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *help_cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("easctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'easctl %s%s--help'.\n", help_cmd, *help_cmd != '\0' ? " " : "");
	return EASCTL_EXIT_USAGE;
}

/* ---- Argument parsing of a leaf ---- */

static const struct option leaf_options[] = {
	{ "password-stdin", no_argument, NULL, 'p' },
	{ "name", required_argument, NULL, 'n' },
	{ "email", required_argument, NULL, 'e' },
	{ "force", no_argument, NULL, 'f' },
	{ "folder", required_argument, NULL, 'F' },
	{ "version", required_argument, NULL, 'V' },
	{ "skip-bad", no_argument, NULL, 's' },
	{ "account-only", no_argument, NULL, 'A' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static unsigned option_bit(int c)
{
	switch (c) {
	case 'p': return EASCTL_OPT_PASSWORD_STDIN;
	case 'n': return EASCTL_OPT_NAME;
	case 'e': return EASCTL_OPT_EMAIL;
	case 'f': return EASCTL_OPT_FORCE;
	case 'F': return EASCTL_OPT_FOLDER;
	case 'V': return EASCTL_OPT_VERSION;
	case 's': return EASCTL_OPT_SKIP_BAD;
	case 'A': return EASCTL_OPT_ACCOUNT_ONLY;
	default: return 0;
	}
}

/* Parses argv (argv[0] is the leaf name) into args; options may come before or after the
 * operands ("--" ends them). Returns -1 when help was printed (exit 0), the exit status of a
 * usage error (>0), else 0. */
static int parse_leaf(const struct easctl_group *group, const struct easctl_leaf *leaf,
		      int argc, char **argv, struct easctl_args *args)
{
	char cmd[64];
	int c;

	snprintf(cmd, sizeof(cmd), "%s %s", group->name, leaf->name);
	memset(args, 0, sizeof(*args));
	optind = 0; /* glibc: a full reset; argv[0] is skipped */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", leaf_options, NULL)) != -1) {
		const char *opt = argv[optind - 1];
		if (c == 'h') {
			print_leaf_help(stdout, group, leaf);
			return -1;
		}
		if (c == ':')
			return usage_error(cmd, "option '%s' needs a value", opt);
		if (c == '?')
			return usage_error(cmd, "unknown option '%s'", opt);
		if ((leaf->options & option_bit(c)) == 0)
			return usage_error(cmd, "'easctl %s' takes no option '%s'", cmd, opt);
		switch (c) {
		case 'p': args->password_stdin = true; break;
		case 'f': args->force = true; break;
		case 'n': args->name = optarg; break;
		case 'e': args->email = optarg; break;
		case 'F': args->folder = optarg; break;
		case 'V': args->version = optarg; break;
		case 's': args->skip_bad = true; break;
		case 'A': args->account_only = true; break;
		}
	}
	for (; optind < argc; optind++) {
		if (args->npos == leaf->max_pos)
			return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
		args->pos[args->npos++] = argv[optind];
	}
	if (args->npos < leaf->min_pos)
		return usage_error(cmd, "missing argument: easctl %s %s", cmd, leaf->args);
	if ((leaf->options & EASCTL_OPT_PASSWORD_STDIN) != 0 && !args->password_stdin)
		return usage_error(cmd, "--password-stdin is required (the password is read from "
					"standard input)");
	return 0;
}

static const struct easctl_group *find_group(const char *name)
{
	for (size_t g = 0; g < GROUP_COUNT; g++) {
		if (strcmp(groups[g]->name, name) == 0)
			return groups[g];
	}
	return NULL;
}

static const struct easctl_leaf *find_leaf(const struct easctl_group *group, const char *name)
{
	for (size_t i = 0; i < group->leaf_count; i++) {
		if (strcmp(group->leaves[i].name, name) == 0)
			return &group->leaves[i];
	}
	return NULL;
}

/* argv[0] is the group name. */
static int run_group(struct easctl *ctl, const struct easctl_group *group, int argc, char **argv)
{
	struct easctl_args args;

	if (argc < 2)
		return usage_error(group->name, "'easctl %s' needs a subcommand", group->name);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_group_help(stdout, group);
		return EASCTL_EXIT_OK;
	}
	const struct easctl_leaf *leaf = find_leaf(group, argv[1]);
	if (leaf == NULL)
		return usage_error(group->name, "unknown subcommand '%s %s'", group->name, argv[1]);
	int ret = parse_leaf(group, leaf, argc - 1, argv + 1, &args);
	if (ret != 0)
		return ret < 0 ? EASCTL_EXIT_OK : ret;
	return leaf->run(ctl, &args);
}

static int cmd_migrate(struct easctl *ctl, int argc, char **argv)
{
	struct store *store = NULL;
	const char *error;
	int from, to;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs("usage: easctl migrate\n\n", stdout);
		fputs(migrate_help, stdout);
		return EASCTL_EXIT_OK;
	}
	if (argc > 1)
		return usage_error("migrate", "unexpected argument '%s'", argv[1]);
	if (become_data_dir_owner(ctl->data_dir) < 0)
		return EASCTL_EXIT_FAIL;
	if (store_open_unmigrated(ctl->data_dir, &store, &error) != STORE_OK) {
		easctl_error("%s", error);
		return EASCTL_EXIT_FAIL;
	}
	if (store_migrate(store, &from, &to, &error) != STORE_OK) {
		easctl_error("%s", error);
		store_close(&store);
		return EASCTL_EXIT_FAIL;
	}
	store_close(&store);
	if (from == to)
		printf("schema is up to date (version %d)\n", to);
	else
		printf("migrated the schema from version %d to %d\n", from, to);
	return EASCTL_EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_global_usage(stdout);
		return EASCTL_EXIT_OK;
	}
	if (strcmp(argv[1], "migrate") == 0) {
		fputs("usage: easctl migrate\n\n", stdout);
		fputs(migrate_help, stdout);
		return EASCTL_EXIT_OK;
	}
#ifdef EASCTL_HAVE_WBXML
	if (strcmp(argv[1], "wbxml") == 0) {
		char *wbxml_argv[] = { "wbxml", "--help", NULL };
		return easctl_wbxml_main(2, wbxml_argv);
	}
#endif
	const struct easctl_group *group = find_group(argv[1]);
	if (group == NULL)
		return usage_error("", "no help for unknown command '%s'", argv[1]);
	if (argc < 3) {
		print_group_help(stdout, group);
		return EASCTL_EXIT_OK;
	}
	const struct easctl_leaf *leaf = find_leaf(group, argv[2]);
	if (leaf == NULL)
		return usage_error(group->name, "unknown subcommand '%s %s'", group->name, argv[2]);
	print_leaf_help(stdout, group, leaf);
	return EASCTL_EXIT_OK;
}

/* ---- Shared helpers ---- */

int easctl_parse_login(struct easctl *ctl, const char *login, const char **domain_r,
		       const char **user_r)
{
	const char *error;

	if (login_parse(login, ctl->pool, user_r, domain_r, &error) < 0) {
		easctl_error("'%s': %s (expected user@domain, domain\\user or user)", login, error);
		return -1;
	}
	return 0;
}

/* Reads one line from fd without echo when it is a terminal. */
static ssize_t read_line(char **line_r, size_t *cap_r, bool *tty_r)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	ssize_t n;

	*tty_r = tty;
	if (tty) {
		fputs("Password: ", stderr);
		fflush(stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	n = getline(line_r, cap_r, stdin);
	if (tty)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return n;
}

char *easctl_read_password(size_t *len_r)
{
	char *line = NULL;
	size_t cap = 0;
	bool tty;
	ssize_t n = read_line(&line, &cap, &tty);

	if (n < 0) {
		if (ferror(stdin))
			easctl_error("cannot read the password from standard input: %s",
				     strerror(errno));
		else
			easctl_error("empty password (give it as the first line of standard input)");
		free(line);
		return NULL;
	}
	size_t len = (size_t)n;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r') /* a file written on Windows */
		len--;
	line[len] = '\0';
	const char *why = NULL;
	if (len == 0)
		why = "empty password (give it as the first line of standard input)";
	else if (len > PASSWORD_MAX)
		why = "password longer than 1024 bytes";
	else if (memchr(line, '\0', len) != NULL)
		why = "password contains a NUL byte";
	else if (!utf8_valid(line, len, NULL))
		why = "password is not valid UTF-8";
	if (why != NULL) {
		easctl_error("%s", why);
		easctl_password_free(line, cap);
		return NULL;
	}
	*len_r = len;
	return line;
}

void easctl_password_free(char *password, size_t len)
{
	if (password == NULL)
		return;
	explicit_bzero(password, len);
	free(password);
}

void easctl_table_init(struct easctl_table *t, pool *p, size_t columns, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->columns = columns;
	t->pool = p;
	t->cap = 16;
	t->cells = pool_calloc(p, t->cap * columns, sizeof(*t->cells));
	va_start(ap, columns);
	for (size_t i = 0; i < columns; i++)
		t->cells[i] = va_arg(ap, const char *);
	va_end(ap);
	t->rows = 1;
}

void easctl_table_row(struct easctl_table *t, ...)
{
	va_list ap;

	if (t->rows == t->cap) {
		size_t cells;
		if (!size_mul(t->cap * 2, t->columns, &cells))
			i_panic("easctl: table too large");
		const char **bigger = pool_calloc(t->pool, cells, sizeof(*bigger));
		memcpy(bigger, t->cells, t->rows * t->columns * sizeof(*bigger));
		t->cells = bigger;
		t->cap *= 2;
	}
	va_start(ap, t);
	for (size_t i = 0; i < t->columns; i++) {
		const char *cell = va_arg(ap, const char *);
		t->cells[t->rows * t->columns + i] = cell == NULL || *cell == '\0' ? "-" : cell;
	}
	va_end(ap);
	t->rows++;
}

/* Width of s on a terminal, counting code points (good enough for names and addresses). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	}
	return w;
}

void easctl_table_print(const struct easctl_table *t)
{
	size_t width[16] = { 0 };

	if (t->columns > 16)
		i_panic("easctl: too many table columns");
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->columns; c++) {
			size_t w = text_width(t->cells[r * t->columns + c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->columns; c++) {
			const char *cell = t->cells[r * t->columns + c];
			fputs(cell, stdout);
			if (c + 1 < t->columns) {
				for (size_t pad = text_width(cell); pad < width[c] + 2; pad++)
					fputc(' ', stdout);
			}
		}
		fputc('\n', stdout);
	}
}

const char *easctl_format_time(pool *p, int64_t unix_seconds)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	char text[32];

	if (gmtime_r(&t, &tm) == NULL || strftime(text, sizeof(text), "%Y-%m-%d %H:%M", &tm) == 0)
		return "?";
	return pool_strdup(p, text);
}

/* ---- main ---- */

/* Decides the data directory: --data, else the config file's (an explicit --config must
 * load; the default one only when it exists). Returns 0 or an exit status. */
static int resolve_data_dir(struct easctl *ctl, const char *data_opt, const char *config_opt)
{
	struct config cfg;
	char *error = NULL;

	if (data_opt != NULL && config_opt == NULL) {
		ctl->data_dir = data_opt;
		return 0;
	}
	config_init_defaults(&cfg);
	const char *path = config_opt;
	if (path == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = CONFIG_DEFAULT_PATH;
	if (path != NULL && config_load(&cfg, path, &error) < 0) {
		easctl_error("%s", error);
		free(error);
		config_free(&cfg);
		return EASCTL_EXIT_FAIL;
	}
	ctl->data_dir = pool_strdup(ctl->pool, data_opt != NULL ? data_opt : cfg.data_dir);
	config_free(&cfg);
	return 0;
}

static const struct option global_options[] = {
	{ "data", required_argument, NULL, 'd' },
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int run(struct easctl *ctl, int argc, char **argv)
{
	const char *data_opt = NULL, *config_opt = NULL;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", global_options, NULL)) != -1) {
		switch (c) {
		case 'd': data_opt = optarg; break;
		case 'c': config_opt = optarg; break;
		case 'h':
			print_global_usage(stdout);
			return EASCTL_EXIT_OK;
		case ':':
			return usage_error("", "option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("", "no command given");
	if (data_opt != NULL && *data_opt == '\0')
		return usage_error("", "--data needs a directory");

	argc -= optind;
	argv += optind;
	if (strcmp(argv[0], "help") == 0)
		return cmd_help(argc, argv);
#ifdef EASCTL_HAVE_WBXML
	if (strcmp(argv[0], "wbxml") == 0)
		return easctl_wbxml_main(argc, argv); /* needs no data directory */
#endif
	const struct easctl_group *group = find_group(argv[0]);
	if (group == NULL && strcmp(argv[0], "migrate") != 0)
		return usage_error("", "unknown command '%s'", argv[0]);
	if ((ret = resolve_data_dir(ctl, data_opt, config_opt)) != 0)
		return ret;
	if (group == NULL)
		return cmd_migrate(ctl, argc, argv);
	return run_group(ctl, group, argc, argv);
}

int main(int argc, char **argv)
{
	struct easctl ctl = { .pool = pool_new(0) };

	if (password_init() < 0) {
		easctl_error("cannot initialise libsodium");
		return EASCTL_EXIT_FAIL;
	}
	int ret = run(&ctl, argc, argv);
	store_close(&ctl.store);
	pool_free(&ctl.pool);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		easctl_error("writing the output failed: %s", strerror(errno));
		ret = EASCTL_EXIT_FAIL;
	}
	return ret;
}
