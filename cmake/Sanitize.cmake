# Sanitizer and fuzzing builds (scripts/sanitize.sh, scripts/fuzz.sh).
#
# TURNCOAT_SANITIZE=address instruments every target with AddressSanitizer
# and UndefinedBehaviorSanitizer; =thread with ThreadSanitizer. Both make any
# report fatal (-fno-sanitize-recover=all): a sanitizer finding fails the
# test that hit it, and so CI. TURNCOAT_FUZZ=ON (clang only) adds libFuzzer's
# coverage instrumentation to everything and builds the fuzz targets of
# tests/fuzz/; with TURNCOAT_SANITIZE=address the unit tests and the fuzzers
# then share one set of objects, so CI compiles the project once for both.
# The system libraries (gRPC, protobuf, Abseil) stay uninstrumented.
set(TURNCOAT_SANITIZE "" CACHE STRING "sanitizer build: address (ASan+UBSan) or thread (TSan)")
set_property(CACHE TURNCOAT_SANITIZE PROPERTY STRINGS "" address thread)
option(TURNCOAT_FUZZ "build the libFuzzer targets of tests/fuzz (clang)" OFF)

if(TURNCOAT_SANITIZE STREQUAL "address")
  set(turncoat_sanitizer_flags -fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(TURNCOAT_SANITIZE STREQUAL "thread")
  set(turncoat_sanitizer_flags -fsanitize=thread)
elseif(NOT TURNCOAT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "TURNCOAT_SANITIZE=${TURNCOAT_SANITIZE}: use address, thread or leave it empty")
endif()
if(turncoat_sanitizer_flags)
  # Readable stacks in reports without the cost of full debug info.
  add_compile_options(${turncoat_sanitizer_flags} -fno-omit-frame-pointer)
  add_link_options(${turncoat_sanitizer_flags})
endif()

if(TURNCOAT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TURNCOAT_FUZZ=ON needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# Under TSan every executable gets tests/tsan/absl_sync_annotations.cc,
# which shows TSan how Debian's uninstrumented Abseil orders memory (the
# file says why and how). Added once every directory is read, so no
# CMakeLists has to remember it.
if(TURNCOAT_SANITIZE STREQUAL "thread")
  add_library(turncoat_tsan_absl_annotations OBJECT
    "${PROJECT_SOURCE_DIR}/tests/tsan/absl_sync_annotations.cc")
  target_link_libraries(turncoat_tsan_absl_annotations PUBLIC
    absl::synchronization absl::time ${CMAKE_DL_LIBS})
  function(turncoat_annotate_executables dir)
    get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target IN LISTS targets)
      get_target_property(type ${target} TYPE)
      if(type STREQUAL "EXECUTABLE")
        target_link_libraries(${target} PRIVATE turncoat_tsan_absl_annotations)
      endif()
    endforeach()
    get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
    foreach(subdir IN LISTS subdirs)
      turncoat_annotate_executables("${subdir}")
    endforeach()
  endfunction()
  cmake_language(DEFER DIRECTORY "${PROJECT_SOURCE_DIR}"
    CALL turncoat_annotate_executables "${PROJECT_SOURCE_DIR}")
endif()
