/* password.h: password hashing (argon2id through libsodium) and verification. */
#ifndef EASD_PASSWORD_H
#define EASD_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Initialises libsodium; call once at start. 0 or -1. */
int password_init(void);
/* Writes an argon2id hash string of password[0..len) into hash (PASSWORD_HASH_MAX bytes).
 * 0, or -1 (out of memory for the hash parameters). */
#define PASSWORD_HASH_MAX 128
int password_hash(const char *password, size_t len, char hash[PASSWORD_HASH_MAX]);
/* True when password[0..len) matches hash (constant-time compare inside libsodium). */
bool password_verify(const char *hash, const char *password, size_t len);

#endif
