# Tests of the verify module (issue 5): CPU feature table and host capture,
# compatibility rules, host description parsers, and the CLI exit codes.
foreach(t test_cpufeat test_compat test_hostfile)
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
  target_link_libraries(${t} rrt_verify_cmds rrt_static ${CMOCKA_LIBRARY})
  target_compile_definitions(${t} PRIVATE
    RRT_TEST_DATA="${CMAKE_CURRENT_LIST_DIR}/data")
  add_test(NAME ${t} COMMAND ${t})
endforeach()

add_test(NAME cli_verify_host
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_verify_host.sh
          ${RRT_CLI} ${CMAKE_CURRENT_LIST_DIR}/data)
# The script skips (exit 77) when a tool it needs is missing.
set_tests_properties(cli_verify_host PROPERTIES SKIP_RETURN_CODE 77)

# Masked recordings and CPU dumps made on other machines, kept beside the
# repository (../shared/recordings, the same path in CI); skipped without them.
set(RRT_SHARED_RECORDINGS ${PROJECT_SOURCE_DIR}/../shared/recordings)
set(RRT_MASK_TRACEE "")
if(TARGET tr_time)
  set(RRT_MASK_TRACEE $<TARGET_FILE:tr_time>)
endif()
add_test(NAME cli_verify_follows_cpu_mask
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_verify_mask.sh
          ${RRT_CLI} ${CMAKE_CURRENT_LIST_DIR}/data ${RRT_SHARED_RECORDINGS}
          ${RRT_MASK_TRACEE})
set_tests_properties(cli_verify_follows_cpu_mask PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120)

# `rrt replay` applies the same rules before starting: a recording edited
# (through the public API) to need a feature this host lacks is refused with
# verify's report, and replays with --force.
if(TARGET rrt_record_cmds AND TARGET rrt_replay_cmds)
  add_executable(add_cpu_feature ${CMAKE_CURRENT_LIST_DIR}/add_cpu_feature.c)
  target_link_libraries(add_cpu_feature rrt_static)
  add_test(NAME replay_refuses_host_lacking_cpu_feature
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/cli_replay_host.sh ${RRT_CLI}
            $<TARGET_FILE:add_cpu_feature> $<TARGET_FILE:tr_time>)
  set_tests_properties(replay_refuses_host_lacking_cpu_feature PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS record)
endif()
