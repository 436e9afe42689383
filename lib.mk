# lib.mk -- included by the Makefile: the revision header, the man page.

.PHONY: revision-check

# The source revision for provenance (tools/prov.c): `git describe` when the
# tree is a git checkout of its own, "unknown" otherwise (a tarball builds
# too); the header is rewritten only when the revision changes.
REVISION_H := $(B)/gen/revision.h
$(REVISION_H): revision-check
	@mkdir -p $(dir $@)
	@r=unknown; \
	 if [ "$$(git rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
	   r=$$(git describe --always --dirty --tags 2>/dev/null || echo unknown); fi; \
	 echo "#define AIMCSIM_REVISION \"$$r\"" > $@.tmp; \
	 if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(B)/tools/prov.o: $(REVISION_H)

# The man page: the program's own help tables as roff (`aimcsim help --man`).
MAN := $(B)/aimcsim.1
$(MAN): $(PROG)
	$(PROG) help --man > $@.tmp && mv $@.tmp $@
