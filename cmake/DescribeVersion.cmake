# TOLLGATE_DESCRIBED_VERSION: `git describe` of the source tree (v0.1.0-3-gabc1234-dirty -> 0.1.0-3-gabc1234-dirty)
# when it is a git checkout, else the project version. Evaluated when CMake configures; scripts/build
# configures on every run, so a build from it is never stale.
set(TOLLGATE_DESCRIBED_VERSION "${PROJECT_VERSION}")
find_package(Git QUIET)
# Only this tree's own .git: a source tarball unpacked inside another repository must not take its version.
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(
    COMMAND "${GIT_EXECUTABLE}" describe --tags --match "v[0-9]*" --dirty --always
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    OUTPUT_VARIABLE described
    RESULT_VARIABLE described_status
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(described_status EQUAL 0 AND described MATCHES "^v([0-9].*)$")
    set(TOLLGATE_DESCRIBED_VERSION "${CMAKE_MATCH_1}")
  elseif(described_status EQUAL 0 AND NOT described STREQUAL "")
    # No release tag yet: the project version and the commit.
    set(TOLLGATE_DESCRIBED_VERSION "${PROJECT_VERSION}+g${described}")
  endif()
endif()
