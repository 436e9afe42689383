#!/bin/sh
# stream_keep.sh -- the commands of some tags of a command stream
# (docs/command-stream.md), alone: those whose tag is named NAME or
# NAME.lora for a NAME given, renumbered from 0, with their dependencies
# among themselves; dependencies on the other commands are dropped (their
# data is there at time 0).  The provenance is dropped too, so that
# `aimcsim exec` runs the result on the chip alone.  tools/exp_lora.sh
# times a layer this way.
#
# usage: tools/stream_keep.sh NAME... < STREAM > OUT     (plain text streams)
set -eu
[ $# -gt 0 ] || { echo "usage: $0 NAME... < STREAM > OUT" >&2; exit 2; }
awk -v names="$*" '
BEGIN { n = 0; split(names, nm, " "); for (i in nm) { want[nm[i]] = 1; want[nm[i] ".lora"] = 1 } }
$1 == "tag" { if ($4 in want) k[$2] = 1; print; next }
$1 == "prov" { next }
$1 == "end" { print "end " n; next }
$1 ~ /^[0-9]+$/ {
    t = ""; d = ""; di = 0
    for (i = 2; i <= NF; i++) {
        if ($i ~ /^tag=/) t = substr($i, 5)
        if ($i ~ /^deps=/) di = i
    }
    if (!(t in k)) next
    id[$1] = n
    split(substr($di, 6), ds, ",")
    for (j = 1; j in ds; j++)
        if (ds[j] != "" && (ds[j] in id)) d = d (d == "" ? "" : ",") id[ds[j]]
    $1 = n++
    $di = "deps=" d
    print; next }
{ print }'
