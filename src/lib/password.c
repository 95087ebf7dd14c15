#include "password.h"

#include <sodium.h>

/* Interactive limits: about 64 MiB and a few tens of milliseconds per hash on this class of
 * machine. The server caches successful verifications so that a phone's every request does
 * not pay this (see server/auth.c). */
#define PASSWORD_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PASSWORD_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

_Static_assert(crypto_pwhash_STRBYTES <= PASSWORD_HASH_MAX, "hash buffer too small");

int password_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int password_hash(const char *password, size_t len, char hash[PASSWORD_HASH_MAX])
{
	if (crypto_pwhash_str_alg(hash, password, len, PASSWORD_OPSLIMIT, PASSWORD_MEMLIMIT,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -1;
	return 0;
}

bool password_verify(const char *hash, const char *password, size_t len)
{
	return crypto_pwhash_str_verify(hash, password, len) == 0;
}
