/* easd: the Exchange ActiveSync daemon. Reads the configuration, opens (and migrates) the
 * store, serves HTTP(S) until SIGTERM or SIGINT; SIGHUP reloads the configuration and the TLS
 * certificate. Never daemonizes itself (systemd runs it as Type=simple); logs to stderr.
 *
 * Signals are blocked in every thread and read from a signalfd in the main thread, so no work
 * happens inside a signal handler. */
#include "lib/config.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/password.h"
#include "pim/tz.h"
#include "server/server.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_USAGE 2
/* How long SIGTERM lets requests in progress finish. */
#define SHUTDOWN_GRACE_MS 10000

struct options {
	const char *config_path;   /* --config, or NULL */
	const char *data_dir;      /* --data, or NULL */
	const char *listen[CONFIG_MAX_LISTEN];
	size_t listen_count;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: easd --data DIR --listen ADDR:PORT [--listen ...] [--config FILE]\n"
		"            [--foreground] [--help] [--version]\n"
		"\n"
		"Exchange ActiveSync server.\n"
		"  --data DIR          data directory (the store); overrides [server] data\n"
		"  --listen ADDR:PORT  listen address, repeatable: 127.0.0.1:8080, [::1]:8080,\n"
		"                      0.0.0.0:443; http://... forces plain HTTP, https://... TLS;\n"
		"                      port 0 lets the kernel choose. Overrides [server] listen\n"
		"  --config FILE       configuration file (default %s, read only if it exists)\n"
		"  --foreground        accepted for compatibility: easd never detaches\n"
		"Signals: SIGTERM/SIGINT stop gracefully, SIGHUP reloads the configuration and the\n"
		"TLS certificate.\n",
		CONFIG_DEFAULT_PATH);
}

/* Parses the command line. Returns -1 (exit status in *exit_r) when easd should not run. */
static int parse_args(int argc, char **argv, struct options *opts, int *exit_r)
{
	static const struct option longopts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(opts, 0, sizeof(*opts));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opts->data_dir = optarg;
			break;
		case 'l':
			if (opts->listen_count == CONFIG_MAX_LISTEN) {
				fprintf(stderr, "easd: at most %d --listen\n", CONFIG_MAX_LISTEN);
				*exit_r = EXIT_USAGE;
				return -1;
			}
			opts->listen[opts->listen_count++] = optarg;
			break;
		case 'c':
			opts->config_path = optarg;
			break;
		case 'f':
			break;
		case 'h':
			usage(stdout);
			*exit_r = 0;
			return -1;
		case 'V':
			printf("easd %s\n", EASD_VERSION);
			*exit_r = 0;
			return -1;
		default:
			fprintf(stderr, "easd: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage(stderr);
			*exit_r = EXIT_USAGE;
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "easd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		*exit_r = EXIT_USAGE;
		return -1;
	}
	return 0;
}

/* Builds the configuration: defaults, then the file, then the command line. 0 or -1 (logged). */
static int load_config(const struct options *opts, struct config *cfg)
{
	const char *path = opts->config_path;
	char *error = NULL;

	config_init_defaults(cfg);
	if (path == NULL && access(CONFIG_DEFAULT_PATH, F_OK) == 0)
		path = CONFIG_DEFAULT_PATH;
	if (path != NULL && config_load(cfg, path, &error) < 0) {
		log_error("%s", error);
		g_free(error);
		config_free(cfg);
		return -1;
	}
	if (opts->data_dir != NULL) {
		free(cfg->data_dir);
		cfg->data_dir = xstrdup(opts->data_dir);
	}
	if (opts->listen_count > 0) {
		for (size_t i = 0; i < cfg->listen_count; i++)
			free(cfg->listen[i]);
		for (size_t i = 0; i < opts->listen_count; i++)
			cfg->listen[i] = xstrdup(opts->listen[i]);
		cfg->listen_count = opts->listen_count;
	}
	return 0;
}

static void apply_log_level(const struct config *cfg)
{
	enum log_level level;

	if (log_level_parse(cfg->log_level, &level) == 0)
		log_set_level(level);
}

/* SIGHUP: a new configuration, applied where it can be; a broken file keeps the old one. */
static void reload(const struct options *opts, struct config *cfg, struct srv_server *server)
{
	struct config fresh;
	char *error = NULL;

	log_info("easd: SIGHUP: reloading the configuration");
	if (load_config(opts, &fresh) < 0) {
		log_error("easd: reload failed, keeping the running configuration");
		return;
	}
	if (srv_server_reconfigure(server, &fresh, &error) < 0) {
		log_error("easd: %s; keeping the current TLS certificate", error);
		free(error);
	}
	apply_log_level(&fresh);
	config_free(cfg);
	*cfg = fresh;
}

/* Serves until SIGTERM or SIGINT. */
static int serve(int sigfd, const struct options *opts, struct config *cfg, struct srv_server *server)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sigfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si)) {
			log_error("easd: reading signals: %s", strerror(errno));
			return -1;
		}
		if (si.ssi_signo == SIGHUP) {
			reload(opts, cfg, server);
		} else {
			log_info("easd: %s: stopping", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
			return 0;
		}
	}
}

static int ensure_dir(const char *dir)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	log_error("easd: cannot create the data directory %s: %s", dir, strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	struct options opts;
	struct config cfg;
	struct store *store = NULL;
	struct srv_server *server = NULL;
	const char *serror = NULL;
	char *error = NULL;
	int exit_code = 0;
	sigset_t sigs;

	if (parse_args(argc, argv, &opts, &exit_code) < 0)
		return exit_code;
	/* Under systemd the journal adds timestamps; on a terminal we do. */
	log_set_timestamps(getenv("JOURNAL_STREAM") == NULL && isatty(STDERR_FILENO));
	if (load_config(&opts, &cfg) < 0)
		return 1;
	apply_log_level(&cfg);

	/* Before any thread starts, so that every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sigfd < 0) {
		log_error("easd: signalfd: %s", strerror(errno));
		config_free(&cfg);
		return 1;
	}

	if (password_init() < 0) {
		log_error("easd: cannot initialise libsodium");
		exit_code = 1;
		goto out;
	}
	/* The time-zone table's rules are built once here, not by the first calendar request. */
	pim_tz_init();
	if (ensure_dir(cfg.data_dir) < 0) {
		exit_code = 1;
		goto out;
	}
	if (store_open(cfg.data_dir, &store, &serror) != STORE_OK) {
		log_error("easd: cannot open the store in %s: %s", cfg.data_dir, serror);
		exit_code = 1;
		goto out;
	}
	log_info("easd %s: data %s (schema version %d)", EASD_VERSION, cfg.data_dir,
		 store_schema_version());
	if ((server = srv_server_new(&cfg, &error)) == NULL ||
	    srv_server_start(server, &error) < 0) {
		log_error("easd: %s", error);
		free(error);
		exit_code = 1;
		goto out;
	}
	if (serve(sigfd, &opts, &cfg, server) < 0)
		exit_code = 1;
	srv_server_stop(server, SHUTDOWN_GRACE_MS);
	log_info("easd: stopped");
out:
	srv_server_free(&server);
	store_close(&store);
	close(sigfd);
	config_free(&cfg);
	return exit_code;
}
