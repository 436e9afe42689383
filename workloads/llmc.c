/*
 * llmc.c -- llm.c checkpoints and token files (formats in llmc.h).
 *
 * Invariant: a loaded model's tensors tile mem in file order, and mem
 * holds exactly nparams floats, the file's size less its header.
 */
#include "workloads/llmc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

static const char *const tensor_names[LLMC_NTENSORS] = {
    "wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb",
    "ln2w", "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb"};

const char *llmc_tensor_name(int t)
{
    return t >= 0 && t < LLMC_NTENSORS ? tensor_names[t] : "?";
}

size_t llmc_tensor_sizes(uint32_t max_t, uint32_t vocab_padded, uint32_t layers,
                         uint32_t channels, size_t size[LLMC_NTENSORS])
{
    size_t C = channels, L = layers;
    size[LLMC_WTE] = (size_t)vocab_padded * C;
    size[LLMC_WPE] = (size_t)max_t * C;
    size[LLMC_LN1W] = L * C;
    size[LLMC_LN1B] = L * C;
    size[LLMC_QKVW] = L * 3 * C * C;
    size[LLMC_QKVB] = L * 3 * C;
    size[LLMC_ATTPROJW] = L * C * C;
    size[LLMC_ATTPROJB] = L * C;
    size[LLMC_LN2W] = L * C;
    size[LLMC_LN2B] = L * C;
    size[LLMC_FCW] = L * 4 * C * C;
    size[LLMC_FCB] = L * 4 * C;
    size[LLMC_FCPROJW] = L * C * 4 * C;
    size[LLMC_FCPROJB] = L * C;
    size[LLMC_LNFW] = C;
    size[LLMC_LNFB] = C;
    size_t n = 0;
    for (int i = 0; i < LLMC_NTENSORS; i++)
        n += size[i];
    return n;
}

static int host_is_little(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static int32_t le32(const uint8_t *b)
{
    return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                     (uint32_t)b[3] << 24);
}

/* Opens path and reads its 256-word header; returns the file (positioned
 * after the header) and its size in bytes, or NULL with a message. */
static FILE *open_header(const char *path, int32_t hdr[LLMC_HEADER_WORDS], long long *bytes,
                         const char *what, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        errf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fseeko(f, 0, SEEK_END) != 0 || (*bytes = (long long)ftello(f)) < 0 ||
        fseeko(f, 0, SEEK_SET) != 0) {
        errf(err, errlen, "%s: cannot determine its size: %s", path, strerror(errno));
        fclose(f);
        return NULL;
    }
    uint8_t raw[LLMC_HEADER_WORDS * 4];
    if (*bytes < (long long)sizeof raw || fread(raw, 1, sizeof raw, f) != sizeof raw) {
        errf(err, errlen, "%s: %lld bytes: shorter than the 1024-byte header of an llm.c %s",
             path, *bytes, what);
        fclose(f);
        return NULL;
    }
    for (int i = 0; i < LLMC_HEADER_WORDS; i++)
        hdr[i] = le32(raw + 4 * i);
    return f;
}

static const char *const model_words[8] = {"magic", "version", "context", "vocab",
                                           "layers", "heads", "channels", "padded vocab"};

int llmc_model_load(llmc_model *m, const char *path, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    int32_t h[LLMC_HEADER_WORDS];
    long long bytes;
    FILE *f = open_header(path, h, &bytes, "checkpoint", err, errlen);
    if (!f)
        return -1;
    int rc = -1;
    if (h[0] != LLMC_MODEL_MAGIC) {
        errf(err, errlen, "%s: header word 0 (magic) = %d: not an llm.c GPT-2 checkpoint "
             "(expected %d%s)", path, h[0], LLMC_MODEL_MAGIC,
             h[0] == LLMC_TOKENS_MAGIC ? "; this is a token file" : "");
        goto out;
    }
    if (h[1] == LLMC_MODEL_BF16) {
        errf(err, errlen, "%s: header word 1 (version) = 5: a bf16 checkpoint; aimcsim reads "
             "fp32 checkpoints only (version 3, e.g. gpt2_124M.bin, not gpt2_124M_bf16.bin)",
             path);
        goto out;
    }
    if (h[1] != LLMC_MODEL_FP32) {
        errf(err, errlen, "%s: header word 1 (version) = %d: unsupported (expected 3: fp32, "
             "padded vocabulary)", path, h[1]);
        goto out;
    }
    static const int32_t maxv[8] = {0, 0, 1 << 24, 1 << 24, 4096, 65536, 1 << 20, 1 << 24};
    for (int i = 2; i < 8; i++)
        if (h[i] < 1 || h[i] > maxv[i]) {
            errf(err, errlen, "%s: header word %d (%s) = %d: must be in [1, %d]", path, i,
                 model_words[i], h[i], maxv[i]);
            goto out;
        }
    if (h[6] % h[5]) {
        errf(err, errlen, "%s: header word 5 (heads) = %d: does not divide the channels (%d)",
             path, h[5], h[6]);
        goto out;
    }
    if (h[7] < h[3]) {
        errf(err, errlen, "%s: header word 7 (padded vocab) = %d: less than the vocabulary "
             "(%d)", path, h[7], h[3]);
        goto out;
    }
    m->max_t = (uint32_t)h[2];
    m->vocab = (uint32_t)h[3];
    m->layers = (uint32_t)h[4];
    m->heads = (uint32_t)h[5];
    m->channels = (uint32_t)h[6];
    m->vocab_padded = (uint32_t)h[7];
    m->nparams = llmc_tensor_sizes(m->max_t, m->vocab_padded, m->layers, m->channels, m->size);
    long long want = 1024 + 4 * (long long)m->nparams;
    if (bytes != want) {
        errf(err, errlen, "%s: %lld bytes, expected %lld (the 1024-byte header and %zu fp32 "
             "parameters of a %u-layer, %u-channel model): %s", path, bytes, want,
             m->nparams, m->layers, m->channels, bytes < want ? "truncated" : "trailing bytes");
        goto out;
    }
    m->mem = xmalloc(m->nparams * sizeof *m->mem);
    if (fread(m->mem, sizeof *m->mem, m->nparams, f) != m->nparams) {
        errf(err, errlen, "%s: read error after the header", path);
        goto out;
    }
    if (!host_is_little())
        for (size_t i = 0; i < m->nparams; i++) {
            uint8_t *b = (uint8_t *)&m->mem[i], t0 = b[0], t1 = b[1];
            b[0] = b[3];
            b[1] = b[2];
            b[2] = t1;
            b[3] = t0;
        }
    float *p = m->mem;
    for (int i = 0; i < LLMC_NTENSORS; i++) {
        m->t[i] = p;
        p += m->size[i];
    }
    rc = 0;
out:
    fclose(f);
    if (rc)
        llmc_model_free(m);
    return rc;
}

void llmc_model_free(llmc_model *m)
{
    free(m->mem);
    memset(m, 0, sizeof *m);
}

int llmc_tokens_load(llmc_tokens *t, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    int32_t h[LLMC_HEADER_WORDS];
    long long bytes;
    FILE *f = open_header(path, h, &bytes, "token file", err, errlen);
    if (!f)
        return -1;
    int rc = -1;
    if (h[0] != LLMC_TOKENS_MAGIC) {
        errf(err, errlen, "%s: header word 0 (magic) = %d: not an llm.c token file "
             "(expected %d%s)", path, h[0], LLMC_TOKENS_MAGIC,
             h[0] == LLMC_MODEL_MAGIC ? "; this is a checkpoint" : "");
        goto out;
    }
    if (h[1] != LLMC_TOKENS_VERSION) {
        errf(err, errlen, "%s: header word 1 (version) = %d: unsupported (expected 1: GPT-2 "
             "uint16 tokens)", path, h[1]);
        goto out;
    }
    if (h[2] < 0) {
        errf(err, errlen, "%s: header word 2 (tokens) = %d: negative", path, h[2]);
        goto out;
    }
    long long want = 1024 + 2 * (long long)h[2];
    if (bytes != want) {
        errf(err, errlen, "%s: %lld bytes, expected %lld (the 1024-byte header and %d uint16 "
             "tokens): %s", path, bytes, want, h[2], bytes < want ? "truncated" : "trailing bytes");
        goto out;
    }
    t->n = (uint32_t)h[2];
    t->tok = xmalloc((t->n ? t->n : 1) * sizeof *t->tok);
    uint8_t *raw = xmalloc(t->n ? 2 * (size_t)t->n : 1);
    if (fread(raw, 2, t->n, f) != t->n) {
        free(raw);
        errf(err, errlen, "%s: read error after the header", path);
        goto out;
    }
    for (uint32_t i = 0; i < t->n; i++)
        t->tok[i] = (uint16_t)(raw[2 * i] | raw[2 * i + 1] << 8);
    free(raw);
    rc = 0;
out:
    fclose(f);
    if (rc)
        llmc_tokens_free(t);
    return rc;
}

void llmc_tokens_free(llmc_tokens *t)
{
    free(t->tok);
    memset(t, 0, sizeof *t);
}
