# turncoat_link_static(TARGET)
#
# Links an executable against the static archives of its system libraries
# (gRPC, protobuf, Abseil, RE2, OpenSSL, nghttp2, c-ares, zlib: Debian's -dev
# packages ship them beside the shared ones) instead of the shared libraries;
# libc and libstdc++ stay shared. Why: turncoat starts an agent and a replica
# per replica, and a process loading ~70 shared libraries spends ~30 ms of CPU
# in the run-time linker before main, at n = 31 about a quarter of the
# cluster's start-up CPU (bench/README.md, "Start-up, third round"). They are
# also linked position-dependent (-no-pie): a PIE of this size carries ~34,000
# relative relocations, which the run-time linker applies by writing, and so
# copying, every page that holds a pointer (~120 page faults, ~3 ms a
# process); these are test-cluster processes on loopback, where the address
# randomisation a PIE buys does not matter. Only the executables started once
# per replica use it: tests and the harness link faster against the shared
# libraries.
#
# The link command is rewritten by cmake/link-static.sh, run as the target's
# linker launcher, so the executable keeps its ordinary target dependencies.
# Off (or without the archives) the target links as before.
option(TURNCOAT_STATIC_LINK
  "link turncoat-agent and refbft against static gRPC/protobuf/Abseil archives" ON)

function(turncoat_link_static target)
  if(NOT TURNCOAT_STATIC_LINK)
    return()
  endif()
  get_target_property(grpc_location gRPC::grpc++ LOCATION)
  string(REGEX REPLACE "\\.so(\\.[0-9.]*)?$" ".a" grpc_archive "${grpc_location}")
  if(NOT EXISTS "${grpc_archive}")
    message(STATUS "${target}: no ${grpc_archive}, linking against shared libraries")
    return()
  endif()
  set(launcher "${PROJECT_SOURCE_DIR}/cmake/link-static.sh")
  set_target_properties(${target} PROPERTIES
    CXX_LINKER_LAUNCHER "${launcher}"
    LINK_DEPENDS "${launcher}")
  target_link_options(${target} PRIVATE -no-pie)
endfunction()
