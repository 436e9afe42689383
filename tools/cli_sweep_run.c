/*
 * cli_sweep_run.c -- running a sweep's points: locally, N processes at a
 * time (fork, exec of this program's `run`, waitpid), or elsewhere from a
 * job list of shell lines (GNU parallel, Slurm job arrays).
 *
 * Invariant: both ways leave a point's folder in the same state for the
 * same outcome -- point.args written before the run starts; stderr.txt the
 * run's stderr; on failure no stats.csv and a non-empty stderr.txt (the
 * exit status when the run said nothing) -- so sweep_write_csv cannot tell
 * them apart.  Every child started is waited for before returning.
 */
#define _DEFAULT_SOURCE /* isatty, fork, execv, dup2 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/ofile.h"
#include "sim/util.h"
#include "tools/sweep_int.h"

/* What a failed point's stderr.txt says when the run printed nothing; the
 * job lines write the same words (sweep_emit_jobs). */
#define SILENT_FAILURE "aimcsim run: exit status %d"
#define SILENT_FAILURE_SH "aimcsim run: exit status $s"

/* ---- local runs --------------------------------------------------------- */

typedef struct child {
    pid_t pid;        /* 0: free slot */
    long point;
} child;

typedef struct runner {
    const sweep *sw;
    child *slot;      /* jobs slots */
    int jobs, running;
    long done, failed;
    int progress;     /* print the status line (stderr is a terminal) */
    int shown;        /* a status line is on screen */
} runner;

static void show(runner *r)
{
    if (!r->progress)
        return;
    fprintf(stderr, "\r[%s] %ld/%ld done, %ld failed, %d running\033[K", r->sw->name,
            r->done, r->sw->npoints, r->failed, r->running);
    fflush(stderr);
    r->shown = 1;
}

/* Clears the status line before a message. */
static void unshow(runner *r)
{
    if (r->shown) {
        fprintf(stderr, "\r\033[K");
        r->shown = 0;
    }
}

/* Child side: stdin and stdout /dev/null, stderr the point's stderr.txt,
 * then exec.  Never returns. */
static void exec_point(const sweep *sw, const sweep_point *pt)
{
    char *path = xasprintf("%s/stderr.txt", pt->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    int nul = open("/dev/null", O_RDWR);
    if (fd < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(fd, 2) < 0)
        _exit(126);
    close(fd);
    close(nul);
    int n = 0;
    const char **argv = xcalloc((size_t)pt->nargs * 2 + 10, sizeof *argv);
    argv[n++] = sw->prog;
    argv[n++] = "run";
    argv[n++] = sw->cfg_abs;
    for (int k = 0; k < pt->nargs; k++) {
        argv[n++] = "--set";
        argv[n++] = pt->args[k];
    }
    argv[n++] = "--out";
    argv[n++] = pt->dir;
    argv[n++] = "--quiet";
    if (sw->trace)
        argv[n++] = "--trace";
    argv[n] = NULL;
    /* The very program that runs the sweep, even if it was rebuilt since
     * (then sw->prog is the new one); sw->prog where there is no /proc. */
    execv("/proc/self/exe", (char *const *)argv);
    execv(sw->prog, (char *const *)argv);
    fprintf(stderr, "aimcsim %s: cannot run %s: %s\n", sw->name, sw->prog, strerror(errno));
    _exit(127);
}

static int start(runner *r, long p, const sweep_point *pt, char *err, size_t errlen)
{
    int s = 0;
    while (r->slot[s].pid)
        s++;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return errf(err, errlen, "%s: fork: %s", pt->name, strerror(errno));
    if (pid == 0)
        exec_point(r->sw, pt);
    r->slot[s].pid = pid;
    r->slot[s].point = p;
    r->running++;
    show(r);
    return 0;
}

/* Waits for one child; records its outcome in its folder.  -1 when there
 * was nothing to wait for (with a message). */
static int reap(runner *r, char *err, size_t errlen)
{
    int st;
    pid_t pid;
    do
        pid = waitpid(-1, &st, 0);
    while (pid < 0 && errno == EINTR);
    if (pid < 0)
        return errf(err, errlen, "waitpid: %s", strerror(errno));
    int s = 0;
    while (s < r->jobs && r->slot[s].pid != pid)
        s++;
    if (s == r->jobs)
        return 0; /* not one of ours */
    long p = r->slot[s].point;
    r->slot[s].pid = 0;
    r->running--;
    r->done++;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
    if (code != 0) {
        sweep_point pt;
        sweep_point_make(r->sw, p, &pt);
        char *path = xasprintf("%s/stats.csv", pt.dir);
        unlink(path);
        free(path);
        char *first = NULL;
        if (sweep_point_state(&pt, NULL, &first) != SWEEP_FAILED) {
            /* The run said nothing: write why, as the job lines do. */
            path = xasprintf("%s/stderr.txt", pt.dir);
            FILE *f = fopen(path, "w");
            free(path);
            if (f) {
                fprintf(f, SILENT_FAILURE "\n", code);
                fclose(f);
            }
            sweep_point_state(&pt, NULL, &first);
        }
        r->failed++;
        unshow(r);
        fprintf(stderr, "aimcsim %s: %s: failed: %s\n", r->sw->name, pt.name,
                first ? first : "(no message)");
        free(first);
        sweep_point_free(&pt);
    }
    show(r);
    return 0;
}

int sweep_run_local(const sweep *sw, int jobs, int force, int progress, sweep_counts *n,
                    char *err, size_t errlen)
{
    runner r = {sw, xcalloc((size_t)jobs, sizeof(child)), jobs, 0, 0, 0, progress, 0};
    int rc = 0;
    for (long p = 0; p < sw->npoints && rc == 0; p++) {
        sweep_point pt;
        sweep_point_make(sw, p, &pt);
        int ready = sweep_point_prepare(&pt, force, err, errlen);
        if (ready == 1) {
            n->skipped++;
            r.done++;
            show(&r);
        } else if (ready < 0) {
            rc = -1;
        } else {
            while (rc == 0 && r.running == jobs)
                rc = reap(&r, err, errlen);
            if (rc == 0)
                rc = start(&r, p, &pt, err, errlen);
        }
        sweep_point_free(&pt);
    }
    /* Whatever happened, no child is left behind. */
    char e2[ERR_LEN];
    while (r.running > 0 && reap(&r, e2, sizeof e2) == 0)
        ;
    n->failed = r.failed;
    if (r.shown) {
        show(&r);
        fprintf(stderr, "\n");
    }
    free(r.slot);
    return rc;
}

/* ---- job lists ---------------------------------------------------------- */

void sweep_sh_word(FILE *f, const char *s, int always)
{
    int plain = !always && *s;
    for (const char *c = s; *c && plain; c++)
        plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                (*c >= '0' && *c <= '9') || strchr("._+=,:/@%-", *c);
    if (plain) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    fputc('\'', f);
}

static void sq(FILE *f, const char *s) { sweep_sh_word(f, s, 1); }

int sweep_emit_jobs(const sweep *sw, const char *path, int force, char *err, size_t errlen)
{
    ofile *o = ofile_open(path, 1, err, errlen);
    if (!o)
        return -1;
    char *line = NULL;
    size_t len = 0;
    int rc = 0;
    for (long p = 0; p < sw->npoints && rc == 0; p++) {
        sweep_point pt;
        sweep_point_make(sw, p, &pt);
        if (sweep_point_prepare(&pt, force, err, errlen) < 0) {
            rc = -1;
            sweep_point_free(&pt);
            break;
        }
        /* cd (relative paths in --set values mean the same as here); skip
         * when done; else run with stderr in the folder, and on failure
         * leave no stats.csv and a non-empty stderr.txt. */
        FILE *f = open_memstream(&line, &len);
        if (!f) {
            rc = errf(err, errlen, "open_memstream: %s", strerror(errno));
            sweep_point_free(&pt);
            break;
        }
        fputs("cd ", f);
        sq(f, sw->cwd);
        fputs(" && D=", f);
        sq(f, pt.dir);
        fputs(" && { test -f \"$D/stats.csv\" || ", f);
        sq(f, sw->prog);
        fputs(" run ", f);
        sq(f, sw->cfg_abs);
        for (int k = 0; k < pt.nargs; k++) {
            fputs(" --set ", f);
            sq(f, pt.args[k]);
        }
        fputs(" --out \"$D\" --quiet", f);
        if (sw->trace)
            fputs(" --trace", f);
        fputs(" 2>\"$D/stderr.txt\" || { s=$?; rm -f \"$D/stats.csv\"; "
              "test -s \"$D/stderr.txt\" || echo \"" SILENT_FAILURE_SH "\" >\"$D/stderr.txt\"; "
              "exit $s; }; }\n", f);
        fclose(f);
        ofile_write(o, line, len);
        free(line);
        line = NULL;
        sweep_point_free(&pt);
    }
    if (rc < 0) {
        ofile_abort(o);
        return -1;
    }
    return ofile_commit(o, err, errlen);
}
