/*
 * llmc.h -- the file formats of llm.c (github.com/karpathy/llm.c): GPT-2
 * checkpoints and token files, read for the functional model of
 * `aimcsim profile` (docs/profile.md).
 *
 * Checkpoint (train_gpt2.py write_model, read by train_gpt2.c
 * gpt2_build_from_checkpoint): a header of 256 little-endian int32,
 *   [0] magic 20240326, [1] version (3: fp32; 5: bf16, refused here),
 *   [2] maxT (context), [3] V (vocabulary), [4] L (layers), [5] NH (heads),
 *   [6] C (channels), [7] Vp (vocabulary padded, >= V), the rest 0;
 * then the parameters as little-endian fp32, in this order:
 *   wte (Vp, C), wpe (maxT, C), ln1w (L, C), ln1b (L, C), qkvw (L, 3C, C),
 *   qkvb (L, 3C), attprojw (L, C, C), attprojb (L, C), ln2w (L, C),
 *   ln2b (L, C), fcw (L, 4C, C), fcb (L, 4C), fcprojw (L, C, 4C),
 *   fcprojb (L, C), lnfw (C), lnfb (C).
 * A weight matrix is (out, in) row-major: y[o] = sum_i W[o][i] x[i] + b[o].
 * The LM head is wte (tied); its rows V..Vp-1 are padding.
 *
 * Token file (dev/data/data_common.py write_datafile, read by
 * llmc/dataloader.h): a header of 256 little-endian int32, [0] magic
 * 20240520, [1] version 1, [2] token count; then the tokens as
 * little-endian uint16.
 *
 * Both readers are strict: a wrong magic or version, a header value out of
 * range, a file shorter or longer than the header says are errors, with
 * messages that name the file and the header word or byte offset.  The
 * structures own their arrays; *_free releases them.  No globals.
 */
#ifndef AIMCSIM_LLMC_H
#define AIMCSIM_LLMC_H

#include <stddef.h>
#include <stdint.h>

#define LLMC_HEADER_WORDS 256
#define LLMC_MODEL_MAGIC 20240326
#define LLMC_MODEL_FP32 3
#define LLMC_MODEL_BF16 5
#define LLMC_TOKENS_MAGIC 20240520
#define LLMC_TOKENS_VERSION 1
#define LLMC_NTENSORS 16

/* The parameter tensors, in file order. */
enum llmc_tensor {
    LLMC_WTE, LLMC_WPE, LLMC_LN1W, LLMC_LN1B, LLMC_QKVW, LLMC_QKVB, LLMC_ATTPROJW,
    LLMC_ATTPROJB, LLMC_LN2W, LLMC_LN2B, LLMC_FCW, LLMC_FCB, LLMC_FCPROJW, LLMC_FCPROJB,
    LLMC_LNFW, LLMC_LNFB
};

typedef struct llmc_model {
    uint32_t max_t;             /* context: position embeddings */
    uint32_t vocab;             /* V: real vocabulary */
    uint32_t vocab_padded;      /* Vp >= V: rows of wte */
    uint32_t layers, heads, channels;
    size_t nparams;             /* floats after the header */
    float *mem;                 /* all parameters (owned) */
    float *t[LLMC_NTENSORS];    /* each tensor, a view into mem */
    size_t size[LLMC_NTENSORS]; /* floats of each tensor */
} llmc_model;

typedef struct llmc_tokens {
    uint32_t n;                 /* tokens */
    uint16_t *tok;              /* owned */
} llmc_tokens;

/* Floats of each tensor for the given dimensions (size[LLMC_NTENSORS]);
 * returns their sum. */
size_t llmc_tensor_sizes(uint32_t max_t, uint32_t vocab_padded, uint32_t layers,
                         uint32_t channels, size_t size[LLMC_NTENSORS]);
/* "wte", "wpe", ... "lnfb". */
const char *llmc_tensor_name(int t);

/* Reads a checkpoint.  Errors ("path: header word 1 (version) = 5: ...",
 * "path: 4096 bytes, expected 8192 ...") return -1; m then holds nothing. */
int llmc_model_load(llmc_model *m, const char *path, char *err, size_t errlen);
void llmc_model_free(llmc_model *m);

/* Reads a token file; errors as above. */
int llmc_tokens_load(llmc_tokens *t, const char *path, char *err, size_t errlen);
void llmc_tokens_free(llmc_tokens *t);

#endif
