/* testutil.h -- helpers shared by the Criterion suites in tests/. */
#ifndef AIMCSIM_TESTUTIL_H
#define AIMCSIM_TESTUTIL_H

#include <stddef.h>

/* Path of the aimcsim program under test ($AIMCSIM, else build/aimcsim). */
const char *tu_prog(void);

/* Runs a shell command; stores its stdout and stderr (each NUL-terminated,
 * caller frees) and returns its exit status (or -1). */
int tu_sh(const char *cmd, char **out, char **err);

/* Writes text to a fresh temporary file; returns its path (caller frees). */
char *tu_tmpfile(const char *suffix, const char *text);

/* Reads a whole file; NULL if it cannot be read (caller frees). */
char *tu_slurp(const char *path, size_t *len);

struct config;
/* Loads INI text as the file "t.ini" on top of the defaults, then runs
 * config_check; returns -1 at the first failing step with its message in
 * err (c is filled either way: free it with config_free). */
int tu_config(struct config *c, const char *text, char *err, size_t errlen);

/* Nonzero when the slow tier is requested (AIMCSIM_SLOW=1 in the env). */
int tu_slow(void);

#endif
