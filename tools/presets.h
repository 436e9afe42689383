/*
 * presets.h -- configurations found by name: `aimcsim run hermes-core`
 * from any folder runs the installed configs/hermes-core.ini.
 *
 * The data folders are found from where the code runs, so that an
 * installation can move: for a program or library at PREFIX/bin or
 * PREFIX/lib (or PREFIX/lib/<multiarch>), PREFIX/share/aimcsim/configs;
 * for the program in a build folder of the source tree, the tree's
 * configs/.  A name is looked up as NAME.ini, then experiments/NAME.ini,
 * in each folder in that order (a trailing ".ini" in NAME is allowed).
 */
#ifndef AIMCSIM_PRESETS_H
#define AIMCSIM_PRESETS_H

#include <stddef.h>

/* The configuration a CONFIG argument names: path itself when it is an
 * existing file or contains a '/', else the first preset of that name;
 * NULL when there is none.  The caller frees the result. */
char *presets_find(const char *path);

/* One line listing the presets ("default, hermes-core, ... (in DIR)"),
 * for messages; "" when no data folder exists. */
void presets_list(char *buf, size_t n);

#endif
