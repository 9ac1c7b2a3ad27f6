/*
 * names.c -- the tables of names the decoder matches, and their literals.
 */
#include "names.h"

#define NAME(s) {s, sizeof(s) - 1, {{0, 0}, {0, 0}, 0}}
#define KEY(s) NAME(s)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

Name LEVELS[N_LEVELS] = {NAME("OK"), NAME("MINOR"), NAME("MAJOR"), NAME("INVALID")};
Name QUALITIES[N_QUALITIES] = {NAME("Original"), NAME("Interpolated")};
Name TYPES[N_TYPES] = {NAME("double"), NAME("long"), NAME("enum"), NAME("string"),
                       NAME("minMaxDouble")};
Name META_TYPES[N_META_TYPES] = {NAME("numeric"), NAME("enum")};
Key SAMPLE_KEYS[N_SAMPLE_KEYS] = {
    KEY("time"),     KEY("severity"), KEY("status"),  KEY("quality"), KEY("metaData"),
    KEY("type"),     KEY("value"),    KEY("minimum"), KEY("maximum")};
Key SEV_KEYS[N_SEV_KEYS] = {KEY("level"), KEY("hasValue")};
Key META_KEYS[N_META_KEYS] = {
    KEY("type"),     KEY("precision"), KEY("units"),    KEY("displayLow"), KEY("displayHigh"),
    KEY("warnLow"),  KEY("warnHigh"),  KEY("alarmLow"), KEY("alarmHigh"),  KEY("states")};
Name NONFINITE[7] = {NAME("NaN"), NAME("Infinity"), NAME("-Infinity"),
                     NAME("inf"), NAME("+infinity"), NAME("+inf"), NAME("-inf")};

static int lit_init(Lit *l, const char *prefix, const char *s, size_t n, const char *suffix)
{
    uint8_t w[16] = {0}, m[16] = {0};
    size_t a = strlen(prefix), z = strlen(suffix);
    if (a + n + z > sizeof w)
        return -1;
    memcpy(w, prefix, a);
    memcpy(w + a, s, n);
    memcpy(w + a + n, suffix, z);
    memset(m, 0xFF, a + n + z);
    memcpy(l->w, w, 16);
    memcpy(l->m, m, 16);
    l->n = a + n + z;
    return 0;
}

static int init_names(Name *names, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (lit_init(&names[i].quoted, "\"", names[i].s, names[i].len, "\""))
            return -1;
    return 0;
}

static int init_keys(Key *keys, size_t count)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (lit_init(&keys[i].member, "\"", keys[i].name, keys[i].len, "\":"))
            return -1;
    return 0;
}

int jv1_names_init(void)
{
    return init_names(LEVELS, COUNT(LEVELS)) || init_names(QUALITIES, COUNT(QUALITIES)) ||
           init_names(TYPES, COUNT(TYPES)) || init_names(META_TYPES, COUNT(META_TYPES)) ||
           init_names(NONFINITE, COUNT(NONFINITE)) ||
           init_keys(SAMPLE_KEYS, COUNT(SAMPLE_KEYS)) || init_keys(SEV_KEYS, COUNT(SEV_KEYS)) ||
           init_keys(META_KEYS, COUNT(META_KEYS));
}
