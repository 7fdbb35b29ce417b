# Debugging recordings with gdb (replay/gdb*.c): the packet layer's unit
# test, and Debian's real gdb in batch mode against `rrt replay --debug`
# and `--gdbserver` (tests/gdb/gdb_test.sh; skipped without gdb or cc).
add_executable(test_gdb_packet ${CMAKE_CURRENT_SOURCE_DIR}/test_gdb_packet.c
  ${PROJECT_SOURCE_DIR}/replay/gdb_packet.c)
target_include_directories(test_gdb_packet PRIVATE ${PROJECT_SOURCE_DIR}/replay)
target_link_libraries(test_gdb_packet PRIVATE ${CMOCKA_LIBRARY})
add_test(NAME gdb_packet COMMAND test_gdb_packet)

if(NOT TARGET rrt_replay_cmds)
  return()
endif()
foreach(c values watch stdio tcp diverge threads fork fork_child exec debug_info interrupt libraries
    reverse_watch reverse_step reverse_hits reverse_threads
    reverse_goto reverse_fork reverse_checkpoint reverse_thin reverse_step_ckpt
    reverse_once reverse_ckpt_fork reverse_ckpt_fork_thin
    reverse_ckpt_fork_sb reverse_ckpt_shm reverse_ckpt_wide reverse_ckpt_sigchld)
  add_test(NAME gdb_${c} COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/gdb/gdb_test.sh
    ${RRT_CLI} ${c} ${CMAKE_CURRENT_SOURCE_DIR}/gdb)
  set_tests_properties(gdb_${c} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 180
    LABELS "record;gdb")
endforeach()
