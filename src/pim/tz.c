/* tz.c: EAS TimeZone blobs <-> IANA zones, local <-> UTC through libical. See tz.h. */
#include "pim/tz.h"

#include <libical/ical.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- Blob ---- */

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static int32_t get32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
			 ((uint32_t)p[3] << 24));
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, int32_t v)
{
	uint32_t u = (uint32_t)v;

	p[0] = (unsigned char)(u & 0xff);
	p[1] = (unsigned char)((u >> 8) & 0xff);
	p[2] = (unsigned char)((u >> 16) & 0xff);
	p[3] = (unsigned char)(u >> 24);
}

/* SYSTEMTIME: wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, wSecond, wMilliseconds
 * (the Windows order: day of week before day, Q-CAL-7). */
static void get_systemtime(const unsigned char *p, struct pim_systemtime *st)
{
	st->year = get16(p);
	st->month = get16(p + 2);
	st->day_of_week = get16(p + 4);
	st->day = get16(p + 6);
	st->hour = get16(p + 8);
	st->minute = get16(p + 10);
	st->second = get16(p + 12);
	st->milliseconds = get16(p + 14);
}

static void put_systemtime(unsigned char *p, const struct pim_systemtime *st)
{
	put16(p, st->year);
	put16(p + 2, st->month);
	put16(p + 4, st->day_of_week);
	put16(p + 6, st->day);
	put16(p + 8, st->hour);
	put16(p + 10, st->minute);
	put16(p + 12, st->second);
	put16(p + 14, st->milliseconds);
}

static bool leap_year(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(unsigned y, unsigned m)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

unsigned pim_tz_month_days(int year, unsigned month)
{
	return month >= 1 && month <= 12 ? month_days((unsigned)year, month) : 0;
}

/* A transition date: month 0 (none), or a day-in-month rule (year 0, day 1-5) or an
 * absolute date (year != 0, day of that month). */
static int check_systemtime(const struct pim_systemtime *st, const char **error_r)
{
	if (st->month == 0)
		return 0;
	if (st->month > 12) {
		*error_r = "TimeZone: transition month beyond 12";
		return -1;
	}
	if (st->day_of_week > 6) {
		*error_r = "TimeZone: transition day of week beyond 6";
		return -1;
	}
	if (st->year == 0 ? st->day < 1 || st->day > 5 :
	    st->year > 9999 || st->day < 1 || st->day > month_days(st->year, st->month)) {
		*error_r = "TimeZone: transition day out of range";
		return -1;
	}
	/* 24:00 is not a SYSTEMTIME; Windows writes 23:59:59.999 for "end of day" */
	if (st->hour > 23 || st->minute > 59 || st->second > 59 || st->milliseconds > 999) {
		*error_r = "TimeZone: transition time out of range";
		return -1;
	}
	return 0;
}

#define MAX_BIAS (24 * 60)

int pim_tz_blob_decode(const void *data, size_t len, struct pim_tz_blob *blob_r,
		       const char **error_r)
{
	const unsigned char *p = data;
	struct pim_tz_blob b;

	if (len != PIM_TZ_BLOB_SIZE) {
		*error_r = "TimeZone: blob is not 172 bytes";
		return -1;
	}
	memset(&b, 0, sizeof(b));
	b.bias = get32(p);
	for (size_t i = 0; i < 32; i++)
		b.standard_name[i] = get16(p + 4 + 2 * i);
	get_systemtime(p + 68, &b.standard_date);
	b.standard_bias = get32(p + 84);
	for (size_t i = 0; i < 32; i++)
		b.daylight_name[i] = get16(p + 88 + 2 * i);
	get_systemtime(p + 152, &b.daylight_date);
	b.daylight_bias = get32(p + 168);

	if (b.bias < -MAX_BIAS || b.bias > MAX_BIAS || b.standard_bias < -MAX_BIAS ||
	    b.standard_bias > MAX_BIAS || b.daylight_bias < -MAX_BIAS ||
	    b.daylight_bias > MAX_BIAS) {
		*error_r = "TimeZone: bias beyond 24 hours";
		return -1;
	}
	if (check_systemtime(&b.standard_date, error_r) < 0 ||
	    check_systemtime(&b.daylight_date, error_r) < 0)
		return -1;
	*blob_r = b;
	return 0;
}

void pim_tz_blob_encode(const struct pim_tz_blob *blob, unsigned char out[PIM_TZ_BLOB_SIZE])
{
	put32(out, blob->bias);
	for (size_t i = 0; i < 32; i++)
		put16(out + 4 + 2 * i, blob->standard_name[i]);
	put_systemtime(out + 68, &blob->standard_date);
	put32(out + 84, blob->standard_bias);
	for (size_t i = 0; i < 32; i++)
		put16(out + 88 + 2 * i, blob->daylight_name[i]);
	put_systemtime(out + 152, &blob->daylight_date);
	put32(out + 168, blob->daylight_bias);
}

/* ---- Zones ---- */

/* Windows zones (the registry key names, which Windows and Gmail put in the blob's names)
 * and their IANA zones: the first IANA name is the one a blob maps to (CLDR's choice for the
 * territory "001"), the others are zones with the same rules that get this Windows name on
 * output. std/dlt: the display names Windows writes when they differ from the key name and
 * its "Daylight" form. The order matters for matching by rules: among zones with equal
 * rules the first wins, so the most used zone of each offset comes first. */
struct win_zone {
	const char *windows;
	const char *iana;       /* space-separated, canonical first */
	const char *std, *dlt;  /* NULL: windows, and windows with Standard -> Daylight */
};

static const struct win_zone win_zones[] = {
	{ "UTC", "Etc/UTC UTC Etc/GMT Etc/Universal Etc/Zulu", "Coordinated Universal Time",
	  "Coordinated Universal Time" },
	{ "GMT Standard Time", "Europe/London Europe/Dublin Europe/Lisbon Atlantic/Canary "
	  "Atlantic/Faroe Atlantic/Madeira Europe/Guernsey Europe/Isle_of_Man Europe/Jersey",
	  NULL, NULL },
	{ "Greenwich Standard Time", "Atlantic/Reykjavik Africa/Abidjan Africa/Accra "
	  "Africa/Dakar Africa/Bamako Africa/Monrovia", NULL, NULL },
	{ "W. Europe Standard Time", "Europe/Berlin Europe/Amsterdam Europe/Rome Europe/Stockholm "
	  "Europe/Vienna Europe/Zurich Europe/Oslo Europe/Luxembourg Europe/Monaco Europe/Malta "
	  "Europe/Andorra Europe/Vaduz Europe/San_Marino Europe/Vatican Europe/Gibraltar "
	  "Europe/Busingen Arctic/Longyearbyen", NULL, NULL },
	{ "Romance Standard Time", "Europe/Paris Europe/Brussels Europe/Copenhagen Europe/Madrid "
	  "Africa/Ceuta", NULL, NULL },
	{ "Central Europe Standard Time", "Europe/Budapest Europe/Prague Europe/Belgrade "
	  "Europe/Bratislava Europe/Ljubljana Europe/Podgorica Europe/Tirane", NULL, NULL },
	{ "Central European Standard Time", "Europe/Warsaw Europe/Sarajevo Europe/Skopje "
	  "Europe/Zagreb", NULL, NULL },
	{ "GTB Standard Time", "Europe/Bucharest Europe/Athens Asia/Nicosia Asia/Famagusta",
	  NULL, NULL },
	{ "FLE Standard Time", "Europe/Kiev Europe/Kyiv Europe/Helsinki Europe/Riga Europe/Sofia "
	  "Europe/Tallinn Europe/Vilnius Europe/Mariehamn Europe/Uzhgorod Europe/Zaporozhye",
	  NULL, NULL },
	{ "E. Europe Standard Time", "Europe/Chisinau", NULL, NULL },
	{ "Russian Standard Time", "Europe/Moscow Europe/Simferopol Europe/Kirov", NULL, NULL },
	{ "Belarus Standard Time", "Europe/Minsk", NULL, NULL },
	{ "Turkey Standard Time", "Europe/Istanbul", NULL, NULL },
	{ "Volgograd Standard Time", "Europe/Volgograd", NULL, NULL },
	{ "Azores Standard Time", "Atlantic/Azores", NULL, NULL },
	{ "Cape Verde Standard Time", "Atlantic/Cape_Verde", NULL, NULL },
	/* Africa */
	{ "W. Central Africa Standard Time", "Africa/Lagos Africa/Algiers Africa/Tunis "
	  "Africa/Kinshasa Africa/Luanda Africa/Douala Africa/Ndjamena", NULL, NULL },
	{ "Morocco Standard Time", "Africa/Casablanca Africa/El_Aaiun", NULL, NULL },
	{ "South Africa Standard Time", "Africa/Johannesburg Africa/Maputo Africa/Harare "
	  "Africa/Lusaka Africa/Kigali Africa/Lubumbashi Africa/Gaborone", NULL, NULL },
	{ "Egypt Standard Time", "Africa/Cairo", NULL, NULL },
	{ "Libya Standard Time", "Africa/Tripoli", NULL, NULL },
	{ "Sudan Standard Time", "Africa/Khartoum", NULL, NULL },
	{ "Namibia Standard Time", "Africa/Windhoek", NULL, NULL },
	{ "E. Africa Standard Time", "Africa/Nairobi Africa/Addis_Ababa Africa/Dar_es_Salaam "
	  "Africa/Kampala Africa/Mogadishu Indian/Antananarivo", NULL, NULL },
	{ "Kaliningrad Standard Time", "Europe/Kaliningrad", NULL, NULL },
	/* Middle East, Asia */
	{ "Israel Standard Time", "Asia/Jerusalem Asia/Tel_Aviv", "Jerusalem Standard Time",
	  "Jerusalem Daylight Time" },
	{ "Jordan Standard Time", "Asia/Amman", NULL, NULL },
	{ "Middle East Standard Time", "Asia/Beirut", NULL, NULL },
	{ "Syria Standard Time", "Asia/Damascus", NULL, NULL },
	{ "Arab Standard Time", "Asia/Riyadh Asia/Kuwait Asia/Qatar Asia/Bahrain Asia/Aden",
	  NULL, NULL },
	{ "Arabic Standard Time", "Asia/Baghdad", NULL, NULL },
	{ "Iran Standard Time", "Asia/Tehran", NULL, NULL },
	{ "Arabian Standard Time", "Asia/Dubai Asia/Muscat", NULL, NULL },
	{ "Russia Time Zone 3", "Europe/Samara", "Russia TZ 3 Standard Time",
	  "Russia TZ 3 Daylight Time" },
	{ "Azerbaijan Standard Time", "Asia/Baku", NULL, NULL },
	{ "Georgian Standard Time", "Asia/Tbilisi", NULL, NULL },
	{ "Caucasus Standard Time", "Asia/Yerevan", NULL, NULL },
	{ "Afghanistan Standard Time", "Asia/Kabul", NULL, NULL },
	{ "Pakistan Standard Time", "Asia/Karachi", NULL, NULL },
	{ "West Asia Standard Time", "Asia/Tashkent Asia/Samarkand Asia/Dushanbe "
	  "Asia/Ashgabat Indian/Maldives", NULL, NULL },
	{ "Ekaterinburg Standard Time", "Asia/Yekaterinburg", "Russia TZ 4 Standard Time",
	  "Russia TZ 4 Daylight Time" },
	{ "India Standard Time", "Asia/Kolkata Asia/Calcutta", NULL, NULL },
	{ "Sri Lanka Standard Time", "Asia/Colombo", NULL, NULL },
	{ "Nepal Standard Time", "Asia/Kathmandu Asia/Katmandu", NULL, NULL },
	{ "Bangladesh Standard Time", "Asia/Dhaka Asia/Thimphu", NULL, NULL },
	{ "Central Asia Standard Time", "Asia/Bishkek Asia/Urumqi", NULL, NULL },
	{ "Myanmar Standard Time", "Asia/Yangon Asia/Rangoon", NULL, NULL },
	{ "SE Asia Standard Time", "Asia/Bangkok Asia/Jakarta Asia/Ho_Chi_Minh Asia/Saigon "
	  "Asia/Phnom_Penh Asia/Vientiane", NULL, NULL },
	{ "N. Central Asia Standard Time", "Asia/Novosibirsk", "Novosibirsk Standard Time",
	  "Novosibirsk Daylight Time" },
	{ "North Asia Standard Time", "Asia/Krasnoyarsk", "Russia TZ 6 Standard Time",
	  "Russia TZ 6 Daylight Time" },
	{ "China Standard Time", "Asia/Shanghai Asia/Hong_Kong Asia/Macau Asia/Chongqing",
	  NULL, NULL },
	{ "Singapore Standard Time", "Asia/Singapore Asia/Kuala_Lumpur Asia/Manila "
	  "Asia/Makassar Asia/Brunei", "Malay Peninsula Standard Time",
	  "Malay Peninsula Daylight Time" },
	{ "Taipei Standard Time", "Asia/Taipei", NULL, NULL },
	{ "W. Australia Standard Time", "Australia/Perth", NULL, NULL },
	{ "North Asia East Standard Time", "Asia/Irkutsk", "Russia TZ 7 Standard Time",
	  "Russia TZ 7 Daylight Time" },
	{ "Ulaanbaatar Standard Time", "Asia/Ulaanbaatar", NULL, NULL },
	{ "Tokyo Standard Time", "Asia/Tokyo Asia/Jayapura Asia/Dili Pacific/Palau", NULL, NULL },
	{ "Korea Standard Time", "Asia/Seoul", NULL, NULL },
	{ "Yakutsk Standard Time", "Asia/Yakutsk", "Russia TZ 8 Standard Time",
	  "Russia TZ 8 Daylight Time" },
	/* Australia, Pacific */
	{ "Cen. Australia Standard Time", "Australia/Adelaide Australia/Broken_Hill", NULL, NULL },
	{ "AUS Central Standard Time", "Australia/Darwin", NULL, NULL },
	{ "E. Australia Standard Time", "Australia/Brisbane Australia/Lindeman", NULL, NULL },
	{ "AUS Eastern Standard Time", "Australia/Sydney Australia/Melbourne Australia/Canberra "
	  "Australia/ACT Australia/NSW Australia/Victoria", NULL, NULL },
	{ "Tasmania Standard Time", "Australia/Hobart", NULL, NULL },
	{ "West Pacific Standard Time", "Pacific/Port_Moresby Pacific/Guam Pacific/Saipan",
	  NULL, NULL },
	{ "Vladivostok Standard Time", "Asia/Vladivostok", "Russia TZ 9 Standard Time",
	  "Russia TZ 9 Daylight Time" },
	{ "Magadan Standard Time", "Asia/Magadan", NULL, NULL },
	{ "Central Pacific Standard Time", "Pacific/Guadalcanal Pacific/Noumea Pacific/Efate",
	  NULL, NULL },
	{ "New Zealand Standard Time", "Pacific/Auckland Antarctica/McMurdo", NULL, NULL },
	{ "Fiji Standard Time", "Pacific/Fiji", NULL, NULL },
	{ "Russia Time Zone 11", "Asia/Kamchatka", "Russia TZ 11 Standard Time",
	  "Russia TZ 11 Daylight Time" },
	{ "UTC+12", "Etc/GMT-12 Pacific/Tarawa Pacific/Majuro Pacific/Funafuti", NULL, NULL },
	{ "Tonga Standard Time", "Pacific/Tongatapu", NULL, NULL },
	{ "Samoa Standard Time", "Pacific/Apia", NULL, NULL },
	{ "UTC+13", "Etc/GMT-13 Pacific/Fakaofo Pacific/Enderbury Pacific/Kanton", NULL, NULL },
	{ "Line Islands Standard Time", "Pacific/Kiritimati Etc/GMT-14", NULL, NULL },
	{ "Chatham Islands Standard Time", "Pacific/Chatham", NULL, NULL },
	/* Americas */
	{ "Lord Howe Standard Time", "Australia/Lord_Howe", NULL, NULL },
	{ "Norfolk Standard Time", "Pacific/Norfolk", NULL, NULL },
	{ "Omsk Standard Time", "Asia/Omsk", NULL, NULL },
	{ "Mauritius Standard Time", "Indian/Mauritius Indian/Reunion Indian/Mahe", NULL, NULL },
	{ "Dateline Standard Time", "Etc/GMT+12", NULL, NULL },
	{ "UTC-11", "Etc/GMT+11 Pacific/Pago_Pago Pacific/Niue Pacific/Midway", NULL, NULL },
	{ "Hawaiian Standard Time", "Pacific/Honolulu Pacific/Tahiti Pacific/Rarotonga "
	  "Etc/GMT+10", NULL, NULL },
	{ "Aleutian Standard Time", "America/Adak", NULL, NULL },
	{ "Marquesas Standard Time", "Pacific/Marquesas", NULL, NULL },
	{ "UTC-09", "Etc/GMT+9 Pacific/Gambier", NULL, NULL },
	{ "UTC-08", "Etc/GMT+8 Pacific/Pitcairn", NULL, NULL },
	{ "Alaskan Standard Time", "America/Anchorage America/Juneau America/Nome "
	  "America/Sitka America/Yakutat", NULL, NULL },
	{ "Pacific Standard Time", "America/Los_Angeles America/Vancouver US/Pacific", NULL,
	  NULL },
	{ "Pacific Standard Time (Mexico)", "America/Tijuana", NULL, NULL },
	{ "US Mountain Standard Time", "America/Phoenix America/Creston America/Hermosillo",
	  NULL, NULL },
	{ "Mountain Standard Time", "America/Denver America/Edmonton America/Boise "
	  "America/Ciudad_Juarez US/Mountain", NULL, NULL },
	{ "Mountain Standard Time (Mexico)", "America/Mazatlan", NULL, NULL },
	{ "Central Standard Time", "America/Chicago America/Winnipeg America/Matamoros "
	  "US/Central", NULL, NULL },
	{ "Central Standard Time (Mexico)", "America/Mexico_City America/Monterrey "
	  "America/Merida", NULL, NULL },
	{ "Central America Standard Time", "America/Guatemala America/Costa_Rica "
	  "America/El_Salvador America/Tegucigalpa America/Managua", NULL, NULL },
	{ "Canada Central Standard Time", "America/Regina America/Swift_Current", NULL, NULL },
	{ "Eastern Standard Time", "America/New_York America/Toronto America/Detroit "
	  "America/Nassau America/Kentucky/Louisville US/Eastern", NULL, NULL },
	{ "US Eastern Standard Time", "America/Indiana/Indianapolis America/Indianapolis",
	  NULL, NULL },
	{ "SA Pacific Standard Time", "America/Bogota America/Lima America/Guayaquil "
	  "America/Panama America/Jamaica", NULL, NULL },
	{ "Eastern Standard Time (Mexico)", "America/Cancun", NULL, NULL },
	{ "Cuba Standard Time", "America/Havana", NULL, NULL },
	{ "Haiti Standard Time", "America/Port-au-Prince", NULL, NULL },
	{ "Easter Island Standard Time", "Pacific/Easter", NULL, NULL },
	{ "Venezuela Standard Time", "America/Caracas", NULL, NULL },
	{ "Atlantic Standard Time", "America/Halifax Atlantic/Bermuda America/Moncton "
	  "America/Thule", NULL, NULL },
	{ "SA Western Standard Time", "America/La_Paz America/Santo_Domingo "
	  "America/Puerto_Rico America/Manaus America/Port_of_Spain", NULL, NULL },
	{ "Pacific SA Standard Time", "America/Santiago", NULL, NULL },
	{ "Newfoundland Standard Time", "America/St_Johns", NULL, NULL },
	{ "E. South America Standard Time", "America/Sao_Paulo", NULL, NULL },
	{ "Argentina Standard Time", "America/Argentina/Buenos_Aires America/Buenos_Aires "
	  "America/Argentina/Cordoba", NULL, NULL },
	{ "SA Eastern Standard Time", "America/Cayenne America/Fortaleza America/Belem "
	  "America/Paramaribo", NULL, NULL },
	{ "Montevideo Standard Time", "America/Montevideo", NULL, NULL },
	{ "Greenland Standard Time", "America/Nuuk America/Godthab", NULL, NULL },
	{ "Paraguay Standard Time", "America/Asuncion", NULL, NULL },
	{ "UTC-02", "Etc/GMT+2 America/Noronha Atlantic/South_Georgia", NULL, NULL },
};

#define N_WIN_ZONES (sizeof(win_zones) / sizeof(win_zones[0]))

/* The i-th space-separated word of list into out (size outsize). false past the end. */
static bool list_word(const char *list, size_t i, char *out, size_t outsize)
{
	const char *p = list;

	for (;;) {
		const char *end;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			return false;
		end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		if (i == 0) {
			size_t len = (size_t)(end - p);

			if (len >= outsize)
				return false;
			memcpy(out, p, len);
			out[len] = '\0';
			return true;
		}
		i--;
		p = end;
	}
}

static bool list_has(const char *list, const char *name)
{
	char word[64];

	for (size_t i = 0; list_word(list, i, word, sizeof(word)); i++) {
		if (strcmp(word, name) == 0)
			return true;
	}
	return false;
}

/* The canonical (first) IANA name of a table row, a pointer into the table's string kept
 * in a static array so that callers get a NUL-terminated static string. */
static char canonical_names[N_WIN_ZONES][48];

static void names_init(void)
{
	for (size_t i = 0; i < N_WIN_ZONES; i++) {
		if (!list_word(win_zones[i].iana, 0, canonical_names[i],
			       sizeof(canonical_names[i])))
			canonical_names[i][0] = '\0';
	}
}

static void name_set(uint16_t out[32], const char *name)
{
	size_t i = 0;

	memset(out, 0, 32 * sizeof(out[0]));
	for (; name[i] != '\0' && i < 31; i++)
		out[i] = (uint16_t)(unsigned char)name[i];
}

static void daylight_name(const struct win_zone *z, char *out, size_t outsize)
{
	const char *std = strstr(z->windows, "Standard");

	if (z->dlt != NULL) {
		snprintf(out, outsize, "%s", z->dlt);
	} else if (std == NULL) {
		snprintf(out, outsize, "%s", z->windows);
	} else {
		snprintf(out, outsize, "%.*sDaylight%s", (int)(std - z->windows), z->windows,
			 std + strlen("Standard"));
	}
}

/* A blob name as ASCII (false when it holds other characters or is empty). */
static bool name_get(const uint16_t in[32], char out[33])
{
	size_t i = 0;

	for (; i < 32 && in[i] != 0; i++) {
		if (in[i] < 0x20 || in[i] > 0x7e)
			return false;
		out[i] = (char)in[i];
	}
	out[i] = '\0';
	return i > 0;
}

/* ---- Rules from libical ---- */

int64_t pim_tz_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void pim_tz_civil_from_days(int64_t z, int *y_r, unsigned *m_r, unsigned *d_r)
{
	int64_t era, y;
	unsigned doe, yoe, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	*y_r = (int)(y + (m <= 2));
	*m_r = m;
	*d_r = d;
}

/* UTC offset (seconds east) of zone at a UTC instant. */
static int zone_offset(icaltimezone *z, int64_t t)
{
	return pim_tz_zone_offset((const struct pim_tz_zone *)z, t);
}

/* A transition instant as a Windows day-in-month rule: the local wall-clock time (in the
 * offset in force before it) of the week-th weekday of the month, 5 = last. */
static void rule_of(int64_t t, int offset_before, struct pim_systemtime *st)
{
	int64_t local = t + offset_before;
	int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int64_t secs = local - days * 86400;
	int y;
	unsigned m, d;

	pim_tz_civil_from_days(days, &y, &m, &d);
	memset(st, 0, sizeof(*st));
	st->month = (uint16_t)m;
	st->day_of_week = (uint16_t)(((days % 7) + 11) % 7);  /* 1970-01-01 was a Thursday */
	st->day = (uint16_t)(d + 7 > month_days((unsigned)y, m) ? 5 : (d - 1) / 7 + 1);
	st->hour = (uint16_t)(secs / 3600);
	st->minute = (uint16_t)(secs / 60 % 60);
	st->second = (uint16_t)(secs % 60);
}

/* The first instant in (lo, hi] whose offset differs from lo's (offset(hi) != offset(lo)). */
static int64_t find_change(icaltimezone *z, int64_t lo, int64_t hi)
{
	int off_lo = zone_offset(z, lo);

	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (zone_offset(z, mid) == off_lo)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

/* The blob rules of zone z in year: the two offset changes of the year (daylight saving
 * on and off); none (or an odd count: a zone that changed its standard offset) is a zone
 * without daylight saving at its offset of the year's end. */
static void zone_rules(icaltimezone *z, int year, struct pim_tz_blob *b)
{
	int64_t start = pim_tz_days_from_civil(year, 1, 1) * 86400;
	int64_t end = pim_tz_days_from_civil(year + 1, 1, 1) * 86400;
	int64_t changes[4];
	int before[4], after[4];
	size_t n = 0;
	int prev = zone_offset(z, start);

	/* weekly samples: offset changes of a zone are months apart (a change and its undoing
	 * within one week would be missed; no zone does that) */
	for (int64_t prev_t = start; prev_t < end && n < 4;) {
		int64_t t = prev_t + 7 * 86400 < end ? prev_t + 7 * 86400 : end;
		int off = zone_offset(z, t);

		if (off != prev) {
			changes[n] = find_change(z, prev_t, t);
			before[n] = prev;
			after[n] = off;
			n++;
			prev = off;
		}
		prev_t = t;
	}
	memset(&b->standard_date, 0, sizeof(b->standard_date));
	memset(&b->daylight_date, 0, sizeof(b->daylight_date));
	b->standard_bias = 0;
	if (n != 2 || before[0] != after[1] || before[1] != after[0]) {
		b->bias = -zone_offset(z, end) / 60;
		b->daylight_bias = b->bias == 0 ? 0 : -60;
		return;
	}
	/* standard time is the smaller offset (Windows has no negative daylight saving) */
	int std = before[0] < after[0] ? before[0] : after[0];
	int dst = before[0] < after[0] ? after[0] : before[0];
	size_t on = before[0] == std ? 0 : 1, off = 1 - on;

	b->bias = -std / 60;
	b->daylight_bias = -(dst - std) / 60;
	rule_of(changes[on], std, &b->daylight_date);
	rule_of(changes[off], dst, &b->standard_date);
}

static icaltimezone *builtin_zone(const char *iana)
{
	if (iana == NULL || *iana == '\0' || strcmp(iana, "UTC") == 0 ||
	    strcmp(iana, "Etc/UTC") == 0)
		return icaltimezone_get_utc_timezone();
	return icaltimezone_get_builtin_timezone(iana);
}

static const struct win_zone *win_zone_of_iana(const char *iana)
{
	for (size_t i = 0; i < N_WIN_ZONES; i++) {
		if (list_has(win_zones[i].iana, iana))
			return &win_zones[i];
	}
	return NULL;
}

int pim_tz_to_blob(const char *iana, int year, struct pim_tz_blob *blob_r)
{
	icaltimezone *z = builtin_zone(iana);
	const struct win_zone *w = iana == NULL || *iana == '\0' ? &win_zones[0] :
				   win_zone_of_iana(iana);
	struct pim_tz_blob b;

	if (z == NULL || year < 1900 || year > 2999)
		return -1;
	memset(&b, 0, sizeof(b));
	zone_rules(z, year, &b);
	if (w != NULL) {
		char dlt[64];

		name_set(b.standard_name, w->std != NULL ? w->std : w->windows);
		daylight_name(w, dlt, sizeof(dlt));
		name_set(b.daylight_name, dlt);
	}
	*blob_r = b;
	return 0;
}

/* ---- Blob -> zone ---- */

/* Rules of every table zone for the current year, computed once. */
static struct pim_tz_blob table_rules[N_WIN_ZONES];
static bool table_rules_ok[N_WIN_ZONES];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
	time_t now = time(NULL);
	struct tm tm;
	int year;

	gmtime_r(&now, &tm);
	year = tm.tm_year + 1900;
	names_init();
	for (size_t i = 0; i < N_WIN_ZONES; i++) {
		icaltimezone *z = builtin_zone(canonical_names[i]);

		if (z == NULL)
			continue;
		memset(&table_rules[i], 0, sizeof(table_rules[i]));
		zone_rules(z, year, &table_rules[i]);
		table_rules_ok[i] = true;
	}
}

static bool has_dst(const struct pim_tz_blob *b)
{
	/* no transition dates: no daylight saving whatever DaylightBias says (TbSync, Q-CAL-7) */
	return b->standard_date.month != 0 && b->daylight_date.month != 0 &&
	       b->daylight_bias != b->standard_bias;
}

static bool same_date(const struct pim_systemtime *a, const struct pim_systemtime *b,
		      bool exact)
{
	if (a->month != b->month)
		return false;
	return !exact || (a->day_of_week == b->day_of_week && a->day == b->day &&
			  a->hour == b->hour && a->minute == b->minute);
}

enum match_level {
	MATCH_EXACT,        /* same offsets and transition rules */
	MATCH_MONTHS,       /* same offsets and transition months (a zone's older rules) */
	MATCH_HEMISPHERE,   /* same offsets, daylight saving in the same half of the year
			     * (rules the table does not know, e.g. US rules before 2007) */
};

/* Whether blob b has the rules of table zone i at the given level. Never offsets alone:
 * with daylight saving both blobs have it in the same season (Q-CAL-7). */
static bool rules_match(const struct pim_tz_blob *b, size_t i, enum match_level level)
{
	const struct pim_tz_blob *t = &table_rules[i];

	if (!table_rules_ok[i] || b->bias + b->standard_bias != t->bias + t->standard_bias ||
	    has_dst(b) != has_dst(t))
		return false;
	if (!has_dst(b))
		return true;
	if (b->bias + b->daylight_bias != t->bias + t->daylight_bias)
		return false;
	if (level == MATCH_HEMISPHERE)
		return (b->daylight_date.month < b->standard_date.month) ==
		       (t->daylight_date.month < t->standard_date.month);
	return same_date(&b->standard_date, &t->standard_date, level == MATCH_EXACT) &&
	       same_date(&b->daylight_date, &t->daylight_date, level == MATCH_EXACT);
}

static bool name_matches(const char *name, const struct win_zone *w, bool is_daylight)
{
	char dlt[64];

	if (!is_daylight)
		return strcasecmp(name, w->windows) == 0 ||
		       (w->std != NULL && strcasecmp(name, w->std) == 0);
	daylight_name(w, dlt, sizeof(dlt));
	return strcasecmp(name, dlt) == 0;
}

/* A blob whose absolute transition dates (year != 0) are turned into day-in-month rules. */
static void absolute_to_rule(struct pim_systemtime *st)
{
	int64_t days;
	struct pim_systemtime r;

	if (st->month == 0 || st->year == 0)
		return;
	days = pim_tz_days_from_civil(st->year, st->month, st->day);
	rule_of(days * 86400 + st->hour * 3600 + st->minute * 60 + st->second, 0, &r);
	*st = r;
}

/* Names a fixed offset zone "Etc/GMT+N" (POSIX sign: +N is west of Greenwich). */
static const char *fixed_zone(int32_t bias)
{
	static const char *const names[] = {
		"Etc/GMT-14", "Etc/GMT-13", "Etc/GMT-12", "Etc/GMT-11", "Etc/GMT-10", "Etc/GMT-9",
		"Etc/GMT-8", "Etc/GMT-7", "Etc/GMT-6", "Etc/GMT-5", "Etc/GMT-4", "Etc/GMT-3",
		"Etc/GMT-2", "Etc/GMT-1", "Etc/UTC", "Etc/GMT+1", "Etc/GMT+2", "Etc/GMT+3",
		"Etc/GMT+4", "Etc/GMT+5", "Etc/GMT+6", "Etc/GMT+7", "Etc/GMT+8", "Etc/GMT+9",
		"Etc/GMT+10", "Etc/GMT+11", "Etc/GMT+12",
	};

	if (bias % 60 != 0 || bias < -14 * 60 || bias > 12 * 60)
		return NULL;
	return names[bias / 60 + 14];
}

void pim_tz_init(void)
{
	pthread_once(&table_once, table_init);
}

const char *pim_tz_from_blob(const struct pim_tz_blob *blob)
{
	struct pim_tz_blob b = *blob;
	char name[33];

	pthread_once(&table_once, table_init);
	absolute_to_rule(&b.standard_date);
	absolute_to_rule(&b.daylight_date);

	/* 1. the names: Windows key or display names (Gmail, Outlook), or an IANA name,
	 * accepted when the offsets agree (a "Customized Time Zone" falls through) */
	if (name_get(b.standard_name, name) || name_get(b.daylight_name, name)) {
		bool std_named = name_get(b.standard_name, name);

		for (size_t i = 0; i < N_WIN_ZONES; i++) {
			if (!name_matches(name, &win_zones[i], !std_named))
				continue;
			if (table_rules_ok[i] &&
			    b.bias + b.standard_bias == table_rules[i].bias + table_rules[i].standard_bias &&
			    has_dst(&b) == has_dst(&table_rules[i]))
				return canonical_names[i];
			break;
		}
		if (strchr(name, '/') != NULL) {
			const struct win_zone *w = win_zone_of_iana(name);

			for (size_t i = 0; w != NULL && i < N_WIN_ZONES; i++) {
				if (&win_zones[i] == w && rules_match(&b, i, MATCH_MONTHS))
					return canonical_names[i];
			}
		}
	}
	/* 2. bias plus transition rules, exact first, then looser */
	for (int level = MATCH_EXACT; level <= MATCH_HEMISPHERE; level++) {
		for (size_t i = 0; i < N_WIN_ZONES; i++) {
			if (rules_match(&b, i, (enum match_level)level))
				return canonical_names[i];
		}
	}
	/* 3. a zone without daylight saving that the table lacks: a fixed offset */
	if (!has_dst(&b))
		return fixed_zone(b.bias + b.standard_bias);
	return NULL;
}

/* ---- Conversions ---- */

/* libical expands a zone's transitions up to the year asked for, which for a year like 9000
 * costs seconds and megabytes (a hostile Until or start could ask for it). The Gregorian
 * calendar has 14 kinds of year (weekday of January 1, leap or not) and zone rules no
 * longer change after the tz data's last explicit transition (< 2069): a date after 2096
 * is converted through the year of 2069-2096 of the same kind, shifted back. */
#define PROXY_FIRST 2069
#define PROXY_LAST 2096

static unsigned weekday_of(int64_t days)
{
	return (unsigned)(((days % 7) + 11) % 7);
}

/* Seconds to add to an instant of year to land on the same calendar position of a
 * proxy year (0 up to PROXY_LAST). */
static int64_t proxy_shift(int year)
{
	int64_t jan1 = pim_tz_days_from_civil(year, 1, 1);

	if (year <= PROXY_LAST)
		return 0;
	for (int y = PROXY_LAST; y >= PROXY_FIRST; y--) {
		int64_t pjan1 = pim_tz_days_from_civil(y, 1, 1);

		if (leap_year((unsigned)y) == leap_year((unsigned)year) &&
		    weekday_of(pjan1) == weekday_of(jan1))
			return (pjan1 - jan1) * 86400;
	}
	return 0;   /* not reached: 2069-2096 holds every kind of year */
}

static int year_of(int64_t t)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int y;
	unsigned m, d;

	pim_tz_civil_from_days(days, &y, &m, &d);
	return y;
}

/* ---- Conversions by a blob's own rules ---- */

/* Local midnight-relative seconds (days since 1970 * 86400 + time) of a rule's transition
 * in year: the week-th day_of_week of the month (5 = last) at the rule's time. */
static int64_t rule_local(const struct pim_systemtime *st, int year)
{
	int64_t first = pim_tz_days_from_civil(year, st->month, 1);
	unsigned n = month_days((unsigned)year, st->month);
	int64_t day = first + (int64_t)((st->day_of_week + 7 - weekday_of(first)) % 7);

	day += 7 * (int64_t)(st->day - 1);
	while (day >= first + n)
		day -= 7;
	return day * 86400 + st->hour * 3600 + st->minute * 60 + st->second;
}

/* The blob's standard and daylight offsets (seconds east). */
static void blob_offsets(const struct pim_tz_blob *b, int *std_r, int *dst_r)
{
	*std_r = -(b->bias + b->standard_bias) * 60;
	*dst_r = -(b->bias + b->daylight_bias) * 60;
}

int pim_tz_blob_offset(const struct pim_tz_blob *blob, int64_t utc)
{
	struct pim_tz_blob b = *blob;
	int std, dst, year;
	int64_t on, off;

	blob_offsets(&b, &std, &dst);
	if (!has_dst(&b))
		return std;
	absolute_to_rule(&b.standard_date);
	absolute_to_rule(&b.daylight_date);
	year = year_of(utc + std);
	if (year < 1 || year > 9999)
		return std;
	/* DaylightDate is a wall-clock time in standard time, StandardDate in daylight time */
	on = rule_local(&b.daylight_date, year) - std;
	off = rule_local(&b.standard_date, year) - dst;
	if (on < off)
		return utc >= on && utc < off ? dst : std;
	return utc >= off && utc < on ? std : dst;   /* southern hemisphere */
}

int64_t pim_tz_blob_to_utc(const struct pim_tz_blob *blob, int64_t local)
{
	int std, dst;

	blob_offsets(blob, &std, &dst);
	/* daylight first: a repeated hour is taken in daylight time (the earlier instant) */
	if (pim_tz_blob_offset(blob, local - dst) == dst)
		return local - dst;
	return local - std;   /* standard time, or a skipped hour taken in standard time */
}

const struct pim_tz_zone *pim_tz_zone_get(const char *iana)
{
	return (const struct pim_tz_zone *)builtin_zone(iana);
}

int pim_tz_zone_offset(const struct pim_tz_zone *zone, int64_t utc)
{
	icaltimezone *z = (icaltimezone *)(uintptr_t)zone;
	int64_t shift;
	struct icaltimetype tt;
	int is_daylight = 0;

	if (z == icaltimezone_get_utc_timezone())
		return 0;
	shift = proxy_shift(year_of(utc));
	tt = icaltime_from_timet_with_zone((time_t)(utc + shift), 0,
					   icaltimezone_get_utc_timezone());
	return icaltimezone_get_utc_offset_of_utc_time(z, &tt, &is_daylight);
}

int64_t pim_tz_zone_to_utc(const struct pim_tz_zone *zone, int64_t local)
{
	icaltimezone *z = (icaltimezone *)(uintptr_t)zone;
	int64_t days, shift, secs;
	struct icaltimetype t = icaltime_null_time();
	int y;
	unsigned m, d;

	if (z == icaltimezone_get_utc_timezone())
		return local;
	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	shift = proxy_shift(year_of(local));
	pim_tz_civil_from_days(days + shift / 86400, &y, &m, &d);
	secs = local - days * 86400;
	t.year = y;
	t.month = (int)m;
	t.day = (int)d;
	t.hour = (int)(secs / 3600);
	t.minute = (int)(secs / 60 % 60);
	t.second = (int)(secs % 60);
	t.zone = z;
	return (int64_t)icaltime_as_timet_with_zone(t, z) - shift;
}

int pim_tz_local_to_utc(const char *iana, int year, int month, int day, int hour, int minute,
			int second, int64_t *utc_r)
{
	const struct pim_tz_zone *z = pim_tz_zone_get(iana);

	if (z == NULL || year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > (int)month_days((unsigned)year, (unsigned)month) || hour < 0 || hour > 23 ||
	    minute < 0 || minute > 59 || second < 0 || second > 59)
		return -1;
	*utc_r = pim_tz_zone_to_utc(z, pim_tz_days_from_civil(year, (unsigned)month,
							      (unsigned)day) * 86400 +
					       hour * 3600 + minute * 60 + second);
	return 0;
}

int pim_tz_utc_to_local(const char *iana, int64_t utc, int *year_r, int *month_r, int *day_r,
			int *hour_r, int *minute_r, int *second_r)
{
	const struct pim_tz_zone *z = pim_tz_zone_get(iana);
	int64_t local, days, secs;
	unsigned m, d;

	/* years 1-9999 */
	if (z == NULL || utc < INT64_C(-62135596800) + 86400 ||
	    utc > INT64_C(253402300799) - 86400)
		return -1;
	local = utc + pim_tz_zone_offset(z, utc);
	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	secs = local - days * 86400;
	pim_tz_civil_from_days(days, year_r, &m, &d);
	*month_r = (int)m;
	*day_r = (int)d;
	*hour_r = (int)(secs / 3600);
	*minute_r = (int)(secs / 60 % 60);
	*second_r = (int)(secs % 60);
	return 0;
}
