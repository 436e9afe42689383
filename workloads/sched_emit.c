/*
 * sched_emit.c -- the scheduler's emission primitives (sched_int.h): each
 * appends one command to the buffer of the current step.
 *
 * Invariant: ids are consecutive from 0 in emission order; every
 * dependency names an id already emitted and lists are stored increasing,
 * each id once (so the stream is acyclic by construction and valid for the
 * stream writer).
 */
#include <stdlib.h>

#include "sim/util.h"
#include "workloads/sched_int.h"

void sched_ids_push(sched_ids *l, uint64_t id)
{
    if (id == SCHED_NONE)
        return;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = id;
}

void sched_ids_free(sched_ids *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

cmd *sched_new(sched *s, int op, unit_id unit, uint32_t tag)
{
    if (s->nbuf == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 1024;
        s->buf = xrealloc(s->buf, s->cap * sizeof *s->buf);
    }
    cmd *c = &s->buf[s->nbuf++].c;
    c->id = s->next_id++;
    c->op = (uint8_t)op;
    c->unit = unit;
    c->tag = tag;
    c->arb = 0;
    c->prio = 0;
    return c;
}

uint64_t sched_deps(sched *s, const uint64_t *deps, size_t nd)
{
    if (s->ndeps + nd > s->dcap) {
        while (s->ndeps + nd > s->dcap)
            s->dcap = s->dcap ? 2 * s->dcap : 4096;
        s->deps = xrealloc(s->deps, s->dcap * sizeof *s->deps);
    }
    struct sched_pending *p = &s->buf[s->nbuf - 1];
    p->dep_off = s->ndeps;
    uint64_t *d = s->deps + s->ndeps;
    uint32_t n = 0;
    int sorted = 1;
    for (size_t i = 0; i < nd; i++)
        if (deps[i] != SCHED_NONE) {
            if (n && deps[i] <= d[n - 1])
                sorted = 0;
            d[n++] = deps[i];
        }
    if (!sorted) { /* the stream lists dependencies increasing, once each */
        qsort(d, n, sizeof *d, cmp_u64);
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            if (k == 0 || d[i] != d[k - 1])
                d[k++] = d[i];
        n = k;
    }
    s->ndeps += n;
    p->c.ndeps = n;
    p->c.deps = NULL;
    return p->c.id;
}

/* The dependency list of one id. */
static uint64_t deps1(sched *s, uint64_t dep) { return sched_deps(s, &dep, 1); }

static void dig_set(cmd *c, int kind, uint32_t m, uint32_t n, uint32_t k)
{
    c->u.dig.kind = (uint8_t)kind;
    c->u.dig.m = m;
    c->u.dig.n = n;
    c->u.dig.k = k;
}

uint64_t sched_dig(sched *s, uint32_t cl, uint32_t tag, int kind, uint32_t m, uint32_t n,
                   uint32_t k, uint64_t a, uint64_t b)
{
    dig_set(sched_new(s, CMD_DIG, UNIT(UNIT_CLUSTER, cl), tag), kind, m, n, k);
    uint64_t d[2] = {a, b};
    return sched_deps(s, d, 2);
}

uint64_t sched_dig_ids(sched *s, uint32_t cl, uint32_t tag, int kind, uint32_t m, uint32_t n,
                       uint32_t k, const sched_ids *deps)
{
    dig_set(sched_new(s, CMD_DIG, UNIT(UNIT_CLUSTER, cl), tag), kind, m, n, k);
    return sched_deps(s, deps->v, deps->n);
}

uint64_t sched_xfer(sched *s, unit_id src, unit_id dst, uint64_t bytes, uint32_t tag,
                    uint64_t dep)
{
    cmd *c = sched_new(s, CMD_XFER, src, tag);
    c->u.xfer.dst = dst;
    c->u.xfer.bytes = bytes;
    return deps1(s, dep);
}

uint64_t sched_mcast(sched *s, unit_id src, unit_id dst, uint32_t n, uint64_t bytes,
                     uint32_t tag, uint64_t dep)
{
    if (n <= 1)
        return sched_xfer(s, src, dst, bytes, tag, dep);
    cmd *c = sched_new(s, CMD_MCAST, src, tag);
    c->u.mcast.dst = dst;
    c->u.mcast.dsts = n;
    c->u.mcast.bytes = bytes;
    return deps1(s, dep);
}

uint64_t sched_mem(sched *s, struct sched_place pl, int write, uint64_t off, uint64_t bytes,
                   uint32_t tag, uint64_t dep)
{
    cmd *c = sched_new(s, CMD_MEM, pl.unit, tag);
    c->u.mem.write = (uint8_t)write;
    c->u.mem.addr = pl.addr + off;
    c->u.mem.bytes = bytes;
    return deps1(s, dep);
}

uint64_t sched_sync(sched *s, int op, uint32_t tag, int kind, uint64_t value,
                    const sched_ids *deps)
{
    cmd *c = sched_new(s, op, UNIT(UNIT_NONE, 0), tag);
    c->u.mark.kind = (uint8_t)kind;
    c->u.mark.value = value;
    return sched_deps(s, deps->v, deps->n);
}

uint64_t sched_join(sched *s, uint32_t tag, const sched_ids *deps)
{
    if (deps->n == 0)
        return SCHED_NONE;
    if (deps->n == 1)
        return deps->v[0];
    return sched_sync(s, CMD_SYNC, tag, 0, 0, deps);
}

uint64_t *sched_outp(sched *s, uint32_t node, uint32_t pos, uint32_t seq)
{
    return &s->out[((size_t)node * s->pslots + pos % s->pslots) * s->B + seq];
}

uint64_t sched_input(sched *s, int32_t in, uint32_t pos, uint32_t seq, uint32_t cl,
                     uint32_t tag)
{
    if (in < 0)
        return SCHED_NONE;
    uint64_t id = *sched_outp(s, (uint32_t)in, pos, seq);
    uint32_t from = s->node_cluster[in];
    if (from == cl || id == SCHED_NONE)
        return id;
    const model_proj *pj = s->m->node[in].proj >= 0 ? &s->m->proj[s->m->node[in].proj] : NULL;
    uint64_t elems = pj ? pj->out : s->m->d_model;
    return sched_xfer(s, UNIT(UNIT_CLUSTER, from), UNIT(UNIT_CLUSTER, cl), elems * s->act_bytes,
                      tag, id);
}
