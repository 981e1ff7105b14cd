#!/bin/sh
# Creates applet symlinks next to the pedia binary: make-symlinks.sh OUTDIR TARGET NAME...
set -e
dir=$1; target=$2; shift 2
for name in "$@"; do ln -sfn "$target" "$dir/$name"; done
