#include "login.h"
#include "str.h"

#include <string.h>

/* Splits "user@domain" at the last '@'; false when there is none. */
static bool split_at(const char *s, size_t len, pool *p, const char **user_r,
		     const char **domain_r)
{
	const char *at = memrchr(s, '@', len);
	if (at == NULL)
		return false;
	*user_r = pool_strndup(p, s, (size_t)(at - s));
	*domain_r = pool_strndup(p, at + 1, len - (size_t)(at - s) - 1);
	return true;
}

int login_parse(const char *login, pool *p, const char **user_r, const char **domain_r,
		const char **error_r)
{
	size_t len = strlen(login);
	const char *user, *domain = NULL;

	if (len == 0) {
		*error_r = "empty login";
		return -1;
	}
	if (len > LOGIN_MAX_LEN) {
		*error_r = "login too long";
		return -1;
	}
	const char *bs = strchr(login, '\\');
	if (bs != NULL) {
		/* ox.io\mike, and ox.io\mike@ox.io as some Windows clients write it */
		const char *rest = bs + 1, *user2, *domain2;
		domain = pool_strndup(p, login, (size_t)(bs - login));
		if (split_at(rest, strlen(rest), p, &user2, &domain2)) {
			if (!str_eq_nocase(domain, domain2)) {
				*error_r = "login names two different domains";
				return -1;
			}
			user = user2;
		} else {
			user = pool_strdup(p, rest);
		}
	} else if (!split_at(login, len, p, &user, &domain)) {
		user = pool_strdup(p, login);
	}
	if (*user == '\0') {
		*error_r = "login has an empty user name";
		return -1;
	}
	if (domain != NULL) {
		if (*domain == '\0') {
			*error_r = "login has an empty domain";
			return -1;
		}
		char *lc = pool_strdup(p, domain);
		str_lcase(lc);
		domain = lc;
	}
	*user_r = user;
	*domain_r = domain;
	return 0;
}
