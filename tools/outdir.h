/*
 * outdir.h -- the output folder of a run (`--out DIR`) and its policy
 * (docs/outputs.md, "The output folder"):
 *
 *  - the folder is made usable before anything is simulated: created if
 *    missing, written to (a folder that cannot take files is bad input);
 *  - the files an earlier aimcsim run wrote there are removed first: the
 *    result files (OUTDIR_RESULTS), the partial snapshot, the temporary
 *    files a killed run left beside them, and whatever the previous
 *    manifest lists among those names; nothing else is ever removed;
 *  - the manifest (OUTDIR_MANIFEST) then lists the files this run may
 *    write, so that the next run removes exactly them;
 *  - a run that fails after it started leaves no file under a result
 *    name, only the partial snapshot (OUTDIR_PARTIAL).
 */
#ifndef AIMCSIM_OUTDIR_H
#define AIMCSIM_OUTDIR_H

#include <stddef.h>

/* The files of a complete run, NULL-terminated: stats.json, stats.csv,
 * projections.csv, layers.csv, tags.csv, critpath.csv, trace.json,
 * trace.json.gz, power.csv. */
extern const char *const OUTDIR_RESULTS[];
/* The statistics of a run that failed or was interrupted, marked partial. */
#define OUTDIR_PARTIAL "stats.partial.json"
/* The list of the files a run may write in its folder. */
#define OUTDIR_MANIFEST "aimcsim-files.txt"

/* Prepares dir for a run (with trace: the trace files may be written):
 * 0, or -1 with "--out DIR: what is wrong". */
int outdir_prepare(const char *dir, int trace, char *err, size_t errlen);
/* Removes every result file from dir (after a failure: none may remain). */
void outdir_remove_results(const char *dir);

#endif
