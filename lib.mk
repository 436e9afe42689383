# lib.mk -- included by the Makefile: the shared library, the revision
# header, the man page and `make install` (docs/library.md).
#
# The shared library is built from the objects of the static one compiled
# again position-independent ($(B)/pic/), with every symbol hidden but the
# public API of include/aimcsim.h (AIMCSIM_API) and SystemC's sc_main hook.
# Its soname carries AIMCSIM_API_VERSION, read from the header.

SOVERSION  := $(shell sed -n 's/^\#define AIMCSIM_API_VERSION \([0-9][0-9]*\).*/\1/p' include/aimcsim.h)
SONAME     := libaimcsim.so.$(SOVERSION)
SO         := $(B)/$(SONAME)
PIC_OBJ    := $(LIB_OBJ:$(B)/%=$(B)/pic/%)
PIC_FLAGS  := -fPIC -fvisibility=hidden
MAN        := $(B)/aimcsim.1
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
SHARE      := $(DATADIR)/aimcsim
DOCDIR     ?= $(DATADIR)/doc/aimcsim
MANDIR     ?= $(DATADIR)/man

.PHONY: lib revision-check
lib: $(LIB) $(SO)

$(B)/pic/%.o: %.c $(FLAGS_STAMP) | $(B)/gen/params.def
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PIC_FLAGS) -c $< -o $@

$(B)/pic/%.o: %.cc $(FLAGS_STAMP) | $(B)/gen/params.def
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(PIC_FLAGS) -c $< -o $@

$(SO): $(PIC_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined $(LDFLAGS) $^ -o $@ $(LDLIBS)

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
$(B)/tools/prov.o $(B)/pic/tools/prov.o: $(REVISION_H)

# The man page: the program's own help tables as roff (`aimcsim help --man`),
# built with the program.
all: $(MAN)
$(MAN): $(PROG)
	$(PROG) help --man > $@.tmp && mv $@.tmp $@

# PREFIX, LIBDIR, INCLUDEDIR, DATADIR, DOCDIR, MANDIR place the files;
# DESTDIR stages them (packaging): aimcsim.pc names the final places.
install: $(PROG) $(LIB) $(SO) $(MAN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) \
	  $(DESTDIR)$(SHARE)/configs $(DESTDIR)$(SHARE)/plot $(DESTDIR)$(DOCDIR)/docs/img \
	  $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(PROG) $(DESTDIR)$(PREFIX)/bin/aimcsim
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libaimcsim.a
	install -m 755 $(SO) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libaimcsim.so
	install -m 644 include/aimcsim.h tlm/aimcsim_tlm.h $(DESTDIR)$(INCLUDEDIR)/
	{ echo 'prefix=$(PREFIX)'; echo 'libdir=$(LIBDIR)'; echo 'includedir=$(INCLUDEDIR)'; \
	  echo; echo 'Name: aimcsim'; \
	  echo 'Description: event-driven simulator of analog in-memory-computing accelerators'; \
	  echo 'Version: $(VERSION)'; echo 'Requires.private: $(PKGS)'; \
	  echo 'Libs: -L$${libdir} -laimcsim'; echo 'Libs.private: -lstdc++ -lm'; \
	  echo 'Cflags: -I$${includedir}'; } > $(DESTDIR)$(LIBDIR)/pkgconfig/aimcsim.pc
	cp -R configs/. $(DESTDIR)$(SHARE)/configs/
	install -m 755 tools/plot_*.sh $(DESTDIR)$(SHARE)/plot/
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	install -m 644 docs/img/*.png $(DESTDIR)$(DOCDIR)/docs/img/
	install -m 644 examples/*.c examples/*.cc $(DESTDIR)$(DOCDIR)/examples/
	install -m 644 $(MAN) $(DESTDIR)$(MANDIR)/man1/aimcsim.1
