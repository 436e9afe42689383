/*
 * chrome_int.h -- internals shared by the timeline-trace front end
 * (chrome.c: groups, layout, names, shared-track merging) and its
 * encoders (chrome_json.c, chrome_pf.c).  Not for use outside traces/chrome*.
 */
#ifndef AIMCSIM_CHROME_INT_H
#define AIMCSIM_CHROME_INT_H

#include <stdint.h>

#include "sim/util.h"
#include "traces/chrome.h"
#include "traces/tout.h"

typedef struct pend {
    uint64_t s, e;     /* interval [s, e), ps */
    uint32_t spans;    /* spans merged into it */
    uint32_t name;     /* interned name (used when spans == 1) */
    uint32_t tag;      /* interned tag + 1, 0 for none (spans == 1) */
    int64_t id;        /* (spans == 1) */
} pend;

typedef struct track {
    uint64_t flushed_end;  /* end of the last interval written (shared tracks) */
    uint32_t np;
    pend *p;               /* CHROME_PENDING + 1 entries; shared tracks only */
} track;

typedef struct tgroup {
    char *name, *prefix;
    uint32_t n;            /* units */
    char **unit_names;     /* n custom names (entries may be NULL), or NULL */
    uint32_t ntracks, per; /* tracks; units per track */
    uint32_t tid0;         /* tid of track 0 */
    track *tracks;         /* shared tracks' state (per > 1), else NULL */
} tgroup;

typedef struct iname {
    char *s;       /* the name */
    char *esc;     /* as a JSON string literal, quotes included */
    size_t len;    /* strlen(s) */
    size_t esclen;
    uint64_t hash;
} iname;

/* An encoder: how the events of the front end become bytes.  Each is
 * called with the layout fixed; track k of group g has tid g->tid0 + k
 * (from 1), its group pid g + 1.  span gets the spans of a unit's own
 * track (spans == 0, in the order given) and the intervals of shared
 * tracks (spans >= 1, final, in start order per track, never touching). */
typedef struct chrome_ops {
    const char *name;      /* the [trace] format name */
    const char *ext;       /* file name extension, dot included */
    const char *version;   /* the format and its version, in the file */
    void (*begin)(chrome_trace *t);
    void (*span)(chrome_trace *t, uint32_t pid, uint32_t tid, uint64_t s, uint64_t e,
                 uint32_t name, int64_t id, uint32_t tag, uint32_t spans);
    void (*counter)(chrome_trace *t, uint32_t pid, uint32_t name, uint64_t t_ps, double v);
    void (*end)(chrome_trace *t);   /* everything held written, the file closed */
    void (*free)(chrome_trace *t);  /* the encoder's state, also after an error */
} chrome_ops;

extern const chrome_ops chrome_json_ops, chrome_pf_ops;

struct chrome_trace {
    const chrome_ops *ops;
    void *enc;             /* the encoder's state */
    tout *o;
    char *path;
    uint32_t max_tracks;
    tgroup *g;
    int ng, gcap;
    char **meta;           /* key, value, key, value, ... */
    int nmeta;
    int laid_out, failed;
    uint64_t nev;          /* events written */
    char errmsg[ERR_LEN];
    iname *names;          /* interned span, tag and counter names */
    uint32_t nnames, names_cap;
    uint32_t *slots;       /* open addressing: name index + 1, 0 empty */
    uint32_t nslots;
};

/* Reports the first error (later calls fail); returns -1. */
int chrome_fail(chrome_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Track k's name in group g (allocated). */
char *chrome_track_name(const tgroup *g, uint32_t k);
/* A JSON string literal of s, quotes included (allocated). */
char *chrome_escape(const char *s, size_t *len);

#endif
