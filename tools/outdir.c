/*
 * outdir.c -- the output folder of a run (tools/outdir.h).
 *
 * Invariant: only names aimcsim writes are ever removed -- the result
 * files, the partial snapshot, the manifest, and temporary files named
 * NAME.tmp.XXXXXX after one of them (sim/ofile.h) -- whatever a manifest
 * lists; a folder shared with other files keeps them.
 */
#include "tools/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/ofile.h"
#include "sim/util.h"

const char *const OUTDIR_RESULTS[] = {"stats.json",    "stats.csv",        "projections.csv",
                                      "layers.csv",    "tags.csv",         "critpath.csv",
                                      "trace.pftrace", "trace.pftrace.gz", "trace.json",
                                      "trace.json.gz", "power.csv",        "power.csv.gz",
                                      NULL};

/* 1 if name is one of aimcsim's files in an output folder. */
static int ours(const char *name)
{
    for (int i = 0; OUTDIR_RESULTS[i]; i++)
        if (!strcmp(name, OUTDIR_RESULTS[i]))
            return 1;
    return !strcmp(name, OUTDIR_PARTIAL) || !strcmp(name, OUTDIR_MANIFEST);
}

/* 1 if name is a temporary file of one of them: NAME.tmp.XXXXXX. */
static int our_temporary(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    if (!t || strlen(t + 5) != 6)
        return 0;
    char base[256];
    size_t n = (size_t)(t - name);
    if (n >= sizeof base)
        return 0;
    memcpy(base, name, n);
    base[n] = 0;
    return ours(base);
}

static int remove_in(const char *dir, const char *name, char *err, size_t errlen)
{
    char *p = xasprintf("%s/%s", dir, name);
    int rc = 0;
    if (unlink(p) != 0 && errno != ENOENT)
        rc = errf(err, errlen, "--out %s: cannot remove %s: %s", dir, name, strerror(errno));
    free(p);
    return rc;
}

void outdir_remove_results(const char *dir)
{
    for (int i = 0; OUTDIR_RESULTS[i]; i++)
        remove_in(dir, OUTDIR_RESULTS[i], NULL, 0);
}

int outdir_prepare(const char *dir, int trace, char *err, size_t errlen)
{
    char e[ERR_LEN];
    if (ofile_mkdirs(dir, e, sizeof e) < 0)
        return errf(err, errlen, "--out %s: %s", dir, e);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return errf(err, errlen, "--out %s: not a directory (expected a folder for the output "
                    "files)", dir);
    /* The previous manifest's names (known ones only), then every known
     * name and the temporaries a killed run left. */
    char *mpath = xasprintf("%s/%s", dir, OUTDIR_MANIFEST);
    char *text = read_text_file(mpath, TEXT_FILE_MAX_BYTES, NULL, NULL, 0);
    free(mpath);
    for (char *l = text, *n; l && *l; l = n) {
        n = strchr(l, '\n');
        n = n ? (*n = 0, n + 1) : l + strlen(l);
        if (*l != '#' && ours(l) && remove_in(dir, l, err, errlen) < 0) {
            free(text);
            return -1;
        }
    }
    free(text);
    DIR *d = opendir(dir);
    if (!d)
        return errf(err, errlen, "--out %s: cannot read the folder: %s", dir, strerror(errno));
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d)))
        if (ours(de->d_name) || our_temporary(de->d_name))
            rc = remove_in(dir, de->d_name, err, errlen);
    closedir(d);
    if (rc < 0)
        return -1;
    /* The manifest of this run: written first, it is also the proof that
     * the folder takes files. */
    mpath = xasprintf("%s/%s", dir, OUTDIR_MANIFEST);
    ofile *o = ofile_open(mpath, 1, e, sizeof e);
    free(mpath);
    if (!o)
        return errf(err, errlen, "--out %s: %s", dir, e);
    ofile_puts(o, "# aimcsim: the files the last run in this folder may have written; the "
                  "next run removes them\n");
    for (int i = 0; OUTDIR_RESULTS[i]; i++)
        if (trace || (strncmp(OUTDIR_RESULTS[i], "trace.", 6) &&
                      strncmp(OUTDIR_RESULTS[i], "power.", 6)))
            ofile_printf(o, "%s\n", OUTDIR_RESULTS[i]);
    ofile_printf(o, "%s\n", OUTDIR_PARTIAL);
    if (ofile_commit(o, e, sizeof e) < 0)
        return errf(err, errlen, "--out %s: %s", dir, e);
    return 0;
}
