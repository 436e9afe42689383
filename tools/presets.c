/*
 * presets.c -- configurations found by name (presets.h).
 *
 * Invariant: a name never shadows a file: an argument that names an
 * existing file, or contains a '/', is used as given.
 */
#define _GNU_SOURCE /* dladdr */
#include "tools/presets.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/util.h"

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The folder of the file holding this code: the program, or the shared
 * library (dladdr); NULL when unknown.  The caller frees it. */
static char *code_dir(void)
{
    Dl_info info;
    char *path = NULL;
    if (dladdr((void *)code_dir, &info) && info.dli_fname && strchr(info.dli_fname, '/'))
        path = realpath(info.dli_fname, NULL);
    if (!path)
        path = realpath("/proc/self/exe", NULL);
    if (!path)
        return NULL;
    char *slash = strrchr(path, '/');
    *slash = 0;
    return path;
}

/* The data folders that exist, in search order (at most 3; the caller
 * frees each).  Returns how many. */
static int data_dirs(char *out[3])
{
    static const char *const rel[] = {"../share/aimcsim/configs",
                                      "../../share/aimcsim/configs", "../configs"};
    int n = 0;
    char *dir = code_dir();
    if (!dir)
        return 0;
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char *p = xasprintf("%s/%s", dir, rel[i]);
        char *r = realpath(p, NULL);
        free(p);
        if (r && is_dir(r))
            out[n++] = r;
        else
            free(r);
    }
    free(dir);
    return n;
}

char *presets_find(const char *path)
{
    if (is_file(path) || strchr(path, '/') || !*path)
        return xstrdup(path);
    size_t len = strlen(path);
    if (len > 4 && !strcmp(path + len - 4, ".ini"))
        len -= 4;
    char *dirs[3], *found = NULL;
    int n = data_dirs(dirs);
    for (int i = 0; i < n && !found; i++)
        for (int sub = 0; sub < 2 && !found; sub++) {
            char *p = xasprintf("%s/%s%.*s.ini", dirs[i], sub ? "experiments/" : "", (int)len,
                                path);
            if (is_file(p))
                found = p;
            else
                free(p);
        }
    for (int i = 0; i < n; i++)
        free(dirs[i]);
    return found;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the NAME of every NAME.ini in dir to the list names. */
static void add_names(const char *dir, char ***names, size_t *nn, size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".ini") || e->d_name[0] == '.')
            continue;
        if (*nn == *cap) {
            *cap = *cap ? 2 * *cap : 32;
            *names = xrealloc(*names, *cap * sizeof **names);
        }
        (*names)[(*nn)++] = xasprintf("%.*s", (int)(len - 4), e->d_name);
    }
    closedir(d);
}

void presets_list(char *buf, size_t n)
{
    buf[0] = 0;
    char *dirs[3];
    int nd = data_dirs(dirs);
    if (nd == 0)
        return;
    char **names = NULL;
    size_t nn = 0, cap = 0, used = 0;
    add_names(dirs[0], &names, &nn, &cap);
    char *exp = xasprintf("%s/experiments", dirs[0]);
    add_names(exp, &names, &nn, &cap);
    free(exp);
    qsort(names, nn, sizeof *names, by_name);
    for (size_t i = 0; i < nn; i++) {
        if (used < n)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", names[i]);
        free(names[i]);
    }
    if (used < n)
        snprintf(buf + used, n - used, " (in %s)", dirs[0]);
    free(names);
    for (int i = 0; i < nd; i++)
        free(dirs[i]);
}
