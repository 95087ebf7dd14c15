#include "config.h"
#include "mem.h"
#include "str.h"

#include <glib.h>
#include <string.h>

void config_init_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->data_dir = xstrdup("/var/lib/easd");
	cfg->listen[0] = xstrdup("127.0.0.1:8080");
	cfg->listen_count = 1;
	cfg->threads = 4;
	cfg->max_request_size = 64ull * 1024 * 1024;
	cfg->realm = xstrdup("easd");
	cfg->tls_cert = xstrdup("");
	cfg->tls_key = xstrdup("");
	cfg->trusted_proxies[0] = xstrdup("127.0.0.1");
	cfg->trusted_proxies[1] = xstrdup("::1");
	cfg->trusted_proxy_count = 2;
	cfg->max_failures_per_user = 10;
	cfg->max_failures_per_address = 50;
	cfg->failure_window = 300;
	cfg->auth_cache_ttl = 300;
	cfg->log_level = xstrdup("info");
	cfg->log_wbxml = false;
}

void config_free(struct config *cfg)
{
	free(cfg->data_dir);
	for (size_t i = 0; i < cfg->listen_count; i++)
		free(cfg->listen[i]);
	free(cfg->realm);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	for (size_t i = 0; i < cfg->trusted_proxy_count; i++)
		free(cfg->trusted_proxies[i]);
	free(cfg->log_level);
	memset(cfg, 0, sizeof(*cfg));
}

enum key_type { KEY_STRING, KEY_LIST, KEY_UINT, KEY_BOOL };

struct key_def {
	const char *group, *key;
	enum key_type type;
	size_t offset;   /* of the field in struct config */
	size_t count_offset; /* KEY_LIST: of its count */
	size_t max_count;    /* KEY_LIST */
	uint64_t min, max;   /* KEY_UINT */
};

#define OFF(f) offsetof(struct config, f)
static const struct key_def keys[] = {
	{ "server", "data", KEY_STRING, OFF(data_dir), 0, 0, 0, 0 },
	{ "server", "listen", KEY_LIST, OFF(listen), OFF(listen_count), CONFIG_MAX_LISTEN, 0, 0 },
	{ "server", "threads", KEY_UINT, OFF(threads), 0, 0, 1, 256 },
	{ "server", "max_request_size", KEY_UINT, OFF(max_request_size), 0, 0, 1024, UINT64_C(1) << 40 },
	{ "server", "realm", KEY_STRING, OFF(realm), 0, 0, 0, 0 },
	{ "server", "tls_cert", KEY_STRING, OFF(tls_cert), 0, 0, 0, 0 },
	{ "server", "tls_key", KEY_STRING, OFF(tls_key), 0, 0, 0, 0 },
	{ "server", "trusted_proxies", KEY_LIST, OFF(trusted_proxies), OFF(trusted_proxy_count), CONFIG_MAX_PROXIES, 0, 0 },
	{ "auth", "max_failures_per_user", KEY_UINT, OFF(max_failures_per_user), 0, 0, 1, 1000000 },
	{ "auth", "max_failures_per_address", KEY_UINT, OFF(max_failures_per_address), 0, 0, 1, 1000000 },
	{ "auth", "failure_window", KEY_UINT, OFF(failure_window), 0, 0, 1, 86400 },
	{ "auth", "cache_ttl", KEY_UINT, OFF(auth_cache_ttl), 0, 0, 0, 86400 },
	{ "log", "level", KEY_STRING, OFF(log_level), 0, 0, 0, 0 },
	{ "log", "wbxml", KEY_BOOL, OFF(log_wbxml), 0, 0, 0, 0 },
};

static const struct key_def *key_find(const char *group, const char *key)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].group, group) == 0 && strcmp(keys[i].key, key) == 0)
			return &keys[i];
	}
	return NULL;
}

static bool group_known(const char *group)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].group, group) == 0)
			return true;
	}
	return false;
}

/* Applies one key's value to cfg; on error returns -1 with *error_r (heap). */
static int key_apply(struct config *cfg, GKeyFile *kf, const struct key_def *def, char **error_r)
{
	GError *gerr = NULL;
	char *base = (char *)cfg;

	switch (def->type) {
	case KEY_STRING: {
		char *v = g_key_file_get_string(kf, def->group, def->key, &gerr);
		if (v == NULL)
			break;
		char **field = (char **)(base + def->offset);
		free(*field);
		*field = xstrdup(g_strstrip(v));
		g_free(v);
		return 0;
	}
	case KEY_LIST: {
		gsize n = 0;
		char **v = g_key_file_get_string_list(kf, def->group, def->key, &n, &gerr);
		if (v == NULL)
			break;
		char **field = (char **)(base + def->offset);
		size_t *count = (size_t *)(base + def->count_offset);
		size_t kept = 0;
		for (gsize i = 0; i < n; i++) {
			if (*g_strstrip(v[i]) != '\0')
				kept++;
		}
		if (kept > def->max_count) {
			*error_r = g_strdup_printf("[%s] %s: at most %zu entries", def->group,
						   def->key, def->max_count);
			g_strfreev(v);
			return -1;
		}
		for (size_t i = 0; i < *count; i++)
			free(field[i]);
		*count = 0;
		for (gsize i = 0; i < n; i++) {
			if (*v[i] != '\0')
				field[(*count)++] = xstrdup(v[i]);
		}
		g_strfreev(v);
		return 0;
	}
	case KEY_UINT: {
		char *v = g_key_file_get_string(kf, def->group, def->key, &gerr);
		uint64_t n;
		if (v == NULL)
			break;
		if (str_to_uint64(g_strstrip(v), def->max, &n) < 0 || n < def->min) {
			*error_r = g_strdup_printf("[%s] %s: '%s' is not a number from %llu to %llu",
						   def->group, def->key, v,
						   (unsigned long long)def->min,
						   (unsigned long long)def->max);
			g_free(v);
			return -1;
		}
		g_free(v);
		if (def->offset == OFF(max_request_size))
			*(uint64_t *)(base + def->offset) = n;
		else
			*(unsigned *)(base + def->offset) = (unsigned)n;
		return 0;
	}
	case KEY_BOOL: {
		gboolean v = g_key_file_get_boolean(kf, def->group, def->key, &gerr);
		if (gerr != NULL)
			break;
		*(bool *)(base + def->offset) = v;
		return 0;
	}
	}
	*error_r = g_strdup_printf("[%s] %s: %s", def->group, def->key,
				   gerr != NULL ? gerr->message : "bad value");
	if (gerr != NULL)
		g_error_free(gerr);
	return -1;
}

/* Copies every owned string of src into a fresh struct, so that a failed load can be
 * thrown away without touching the caller's config. */
static void config_copy(struct config *dst, const struct config *src)
{
	*dst = *src;
	dst->data_dir = xstrdup(src->data_dir);
	for (size_t i = 0; i < src->listen_count; i++)
		dst->listen[i] = xstrdup(src->listen[i]);
	dst->realm = xstrdup(src->realm);
	dst->tls_cert = xstrdup(src->tls_cert);
	dst->tls_key = xstrdup(src->tls_key);
	for (size_t i = 0; i < src->trusted_proxy_count; i++)
		dst->trusted_proxies[i] = xstrdup(src->trusted_proxies[i]);
	dst->log_level = xstrdup(src->log_level);
}

static int config_check(const struct config *cfg, char **error_r)
{
	if (cfg->listen_count == 0) {
		*error_r = g_strdup("[server] listen: at least one ADDR:PORT is needed");
		return -1;
	}
	if ((*cfg->tls_cert == '\0') != (*cfg->tls_key == '\0')) {
		*error_r = g_strdup("[server] tls_cert and tls_key go together");
		return -1;
	}
	if (strcmp(cfg->log_level, "debug") != 0 && strcmp(cfg->log_level, "info") != 0 &&
	    strcmp(cfg->log_level, "warn") != 0 && strcmp(cfg->log_level, "error") != 0) {
		*error_r = g_strdup_printf("[log] level: '%s' is not debug, info, warn or error",
					   cfg->log_level);
		return -1;
	}
	return 0;
}

int config_load(struct config *cfg, const char *path, char **error_r)
{
	GKeyFile *kf = g_key_file_new();
	GError *gerr = NULL;
	struct config tmp;
	int ret = -1;

	*error_r = NULL;
	g_key_file_set_list_separator(kf, ';');
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
		*error_r = g_strdup_printf("%s: %s", path, gerr->message);
		g_error_free(gerr);
		g_key_file_free(kf);
		return -1;
	}
	config_copy(&tmp, cfg);

	gsize ngroups = 0;
	char **groups = g_key_file_get_groups(kf, &ngroups);
	for (gsize g = 0; g < ngroups && *error_r == NULL; g++) {
		if (!group_known(groups[g])) {
			*error_r = g_strdup_printf("%s: unknown section [%s]", path, groups[g]);
			break;
		}
		gsize nkeys = 0;
		char **names = g_key_file_get_keys(kf, groups[g], &nkeys, NULL);
		for (gsize k = 0; names != NULL && k < nkeys; k++) {
			const struct key_def *def = key_find(groups[g], names[k]);
			char *err = NULL;
			if (def == NULL) {
				*error_r = g_strdup_printf("%s: unknown key '%s' in [%s]", path,
							   names[k], groups[g]);
				break;
			}
			if (key_apply(&tmp, kf, def, &err) < 0) {
				*error_r = g_strdup_printf("%s: %s", path, err);
				g_free(err);
				break;
			}
		}
		g_strfreev(names);
	}
	g_strfreev(groups);
	g_key_file_free(kf);

	if (*error_r == NULL) {
		char *err = NULL;
		if (config_check(&tmp, &err) < 0) {
			*error_r = g_strdup_printf("%s: %s", path, err);
			g_free(err);
		}
	}
	if (*error_r == NULL) {
		config_free(cfg);
		*cfg = tmp;
		ret = 0;
	} else {
		/* g_strdup'ed messages are returned as heap strings the caller free()s. */
		char *msg = xstrdup(*error_r);
		g_free(*error_r);
		*error_r = msg;
		config_free(&tmp);
	}
	return ret;
}
