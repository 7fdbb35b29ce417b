# Memory at replay beyond what one corpus program shows: a replay under
# another stack limit than the recording's (which decides the layout exec
# gives the program: unlimited is the legacy bottom-up one).
if(NOT TARGET rrt_record_cmds OR NOT TARGET rrt_replay_cmds)
  return()
endif()
add_test(NAME memory_replay_under_another_stack_limit
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/mem_stack_limit.sh ${RRT_CLI}
    $<TARGET_FILE:corpus_mem_mremap_move>)
set_tests_properties(memory_replay_under_another_stack_limit PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 200 LABELS record)
