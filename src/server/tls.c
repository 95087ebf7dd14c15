/* tls.c: current certificate/key pair for GnuTLS (see tls.h). */
#include "server/tls.h"

#include "lib/mem.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_CHAIN 16

struct pair {
	struct pair *older;
	gnutls_pcert_st pcert[MAX_CHAIN];
	unsigned pcert_count;
	gnutls_privkey_t key;
	char subject[256];
	time_t expires;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pair *current;

static void pair_free(struct pair *p)
{
	for (unsigned i = 0; i < p->pcert_count; i++)
		gnutls_pcert_deinit(&p->pcert[i]);
	if (p->key != NULL)
		gnutls_privkey_deinit(p->key);
	free(p);
}

static char *tls_error(const char *what, const char *file, int ret)
{
	char text[512];

	snprintf(text, sizeof(text), "%s %s: %s", what, file, gnutls_strerror(ret));
	return xstrdup(text);
}

/* True when the private key belongs to the leaf certificate. */
static bool key_matches(struct pair *p)
{
	gnutls_pubkey_t pub;
	unsigned char id1[64], id2[64];
	size_t len1 = sizeof(id1), len2 = sizeof(id2);
	bool ok = false;

	if (gnutls_pubkey_init(&pub) < 0)
		return false;
	if (gnutls_pubkey_import_privkey(pub, p->key, 0, 0) == 0 &&
	    gnutls_pubkey_get_key_id(pub, 0, id1, &len1) == 0 &&
	    gnutls_pubkey_get_key_id(p->pcert[0].pubkey, 0, id2, &len2) == 0)
		ok = len1 == len2 && memcmp(id1, id2, len1) == 0;
	gnutls_pubkey_deinit(pub);
	return ok;
}

static void describe_leaf(struct pair *p)
{
	gnutls_x509_crt_t crt;
	size_t len = sizeof(p->subject);

	snprintf(p->subject, sizeof(p->subject), "?");
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &p->pcert[0].cert, GNUTLS_X509_FMT_DER) == 0) {
		if (gnutls_x509_crt_get_dn(crt, p->subject, &len) < 0)
			snprintf(p->subject, sizeof(p->subject), "?");
		p->expires = gnutls_x509_crt_get_expiration_time(crt);
	}
	gnutls_x509_crt_deinit(crt);
}

int srv_tls_load(const char *cert_file, const char *key_file, char **error_r)
{
	struct pair *p = xcalloc(1, sizeof(*p));
	gnutls_datum_t data = { NULL, 0 };
	int ret;

	p->pcert_count = MAX_CHAIN;
	ret = gnutls_pcert_list_import_x509_file(p->pcert, &p->pcert_count, cert_file,
						 GNUTLS_X509_FMT_PEM, NULL, NULL, 0);
	if (ret < 0) {
		p->pcert_count = 0;
		*error_r = tls_error("cannot load the certificate", cert_file, ret);
		pair_free(p);
		return -1;
	}
	if (p->pcert_count == 0) {
		*error_r = tls_error("no certificate in", cert_file, GNUTLS_E_NO_CERTIFICATE_FOUND);
		pair_free(p);
		return -1;
	}
	if ((ret = gnutls_load_file(key_file, &data)) < 0 ||
	    (ret = gnutls_privkey_init(&p->key)) < 0 ||
	    (ret = gnutls_privkey_import_x509_raw(p->key, &data, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		*error_r = tls_error("cannot load the private key", key_file, ret);
		gnutls_free(data.data);
		pair_free(p);
		return -1;
	}
	gnutls_free(data.data);
	if (!key_matches(p)) {
		char text[512];
		snprintf(text, sizeof(text), "the key %s does not belong to the certificate %s",
			 key_file, cert_file);
		*error_r = xstrdup(text);
		pair_free(p);
		return -1;
	}
	describe_leaf(p);
	pthread_mutex_lock(&lock);
	p->older = current;
	current = p;
	pthread_mutex_unlock(&lock);
	return 0;
}

bool srv_tls_loaded(void)
{
	pthread_mutex_lock(&lock);
	bool loaded = current != NULL;
	pthread_mutex_unlock(&lock);
	return loaded;
}

static int cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
			 const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
			 gnutls_pcert_st **pcert, unsigned int *pcert_length,
			 gnutls_privkey_t *privkey)
{
	(void)session;
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	pthread_mutex_lock(&lock);
	struct pair *p = current;
	pthread_mutex_unlock(&lock);
	if (p == NULL) {
		*pcert_length = 0;
		return -1;
	}
	*pcert = p->pcert;
	*pcert_length = p->pcert_count;
	*privkey = p->key;
	return 0;
}

gnutls_certificate_retrieve_function2 *srv_tls_callback(void)
{
	return cert_callback;
}

void srv_tls_describe(char *out, unsigned size)
{
	pthread_mutex_lock(&lock);
	if (current == NULL) {
		snprintf(out, size, "none");
	} else {
		char when[32] = "?";
		struct tm tm;
		if (gmtime_r(&current->expires, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d", &tm);
		snprintf(out, size, "%s (expires %s)", current->subject, when);
	}
	pthread_mutex_unlock(&lock);
}

void srv_tls_free(void)
{
	pthread_mutex_lock(&lock);
	while (current != NULL) {
		struct pair *older = current->older;
		pair_free(current);
		current = older;
	}
	pthread_mutex_unlock(&lock);
}
