#!/bin/sh
# Runs the link command given as arguments with every system shared library
# that has a static archive beside it (an absolute lib*.so path, or -lNAME
# found in a -L directory) replaced by that archive, all archives in one
# --start-group at the end so their mutual references resolve in any order.
# C and C++ run-time libraries stay shared. See cmake/StaticLink.cmake.
set -eu
archives=""
dirs=""
for arg do
  shift
  case $arg in
    -L/*) dirs="$dirs ${arg#-L}" ;;
  esac
  case $arg in
    /usr/lib/*/lib*.so | /usr/lib/*/lib*.so.* | /lib/*/lib*.so | /lib/*/lib*.so.*)
      archive="${arg%%.so*}.a"
      if [ -f "$archive" ]; then
        archives="$archives $archive"
        continue
      fi
      ;;
    -lc | -lm | -ldl | -lrt | -lpthread | -latomic | -lstdc++ | -lgcc | -lgcc_s) ;;
    -l*)
      for dir in $dirs; do
        if [ -f "$dir/lib${arg#-l}.a" ]; then
          archives="$archives $dir/lib${arg#-l}.a"
          continue 2
        fi
      done
      ;;
  esac
  set -- "$@" "$arg"
done
# shellcheck disable=SC2086 # archives are system paths without blanks
exec "$@" -Wl,--start-group $archives -Wl,--end-group
