# The behaviour corpus: tests/corpus/*.c, one small program per behaviour a
# real program may show (a syscall, a signal, a memory trick, a process-tree
# shape). Each prints "rrt-corpus: ok" when it got what it expected and is
# recorded, packed and replayed by tests/corpus_run.sh under hard time limits
# (a hang fails the test, it never stalls CI). Adding a program is adding a
# file: the list is a glob. A first-line comment may carry directives:
#   /* corpus: exit=N */   the program's expected exit status (default 0),
#                          e.g. 139 for a death by SIGSEGV (128 + 11)
#   /* corpus: static */   link it -static
#   /* corpus: no-native-ok */ a native run need not print the ok line
# (see tests/corpus_run.sh for the rest).
if(NOT TARGET rrt_record_cmds OR NOT TARGET rrt_replay_cmds)
  return()
endif()
file(GLOB RRT_CORPUS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/*.c)
foreach(src ${RRT_CORPUS})
  get_filename_component(name ${src} NAME_WE)
  file(STRINGS ${src} first LIMIT_COUNT 1)
  add_executable(corpus_${name} ${src})
  set_target_properties(corpus_${name} PROPERTIES OUTPUT_NAME ${name}
    RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/corpus)
  # Programs under test, not our code: no sanitizers, no -Werror on the
  # deliberate misbehaviour they contain.
  target_compile_options(corpus_${name} PRIVATE -fno-sanitize=all -w -O1 -g)
  target_link_options(corpus_${name} PRIVATE -fno-sanitize=all -pthread)
  if(first MATCHES "corpus:.*static")
    target_link_options(corpus_${name} PRIVATE -static)
  endif()
  add_test(NAME corpus_${name} COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/corpus_run.sh
    ${RRT_CLI} $<TARGET_FILE:corpus_${name}> ${src})
  set_tests_properties(corpus_${name} PROPERTIES SKIP_RETURN_CODE 77
    TIMEOUT 200 LABELS "record;corpus")
endforeach()
