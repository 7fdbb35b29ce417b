# pack module: library tests (cmocka) and the CLI-level script that packs,
# kills, exports/imports and feeds the hostile tar/zip corpus.
if(TARGET rrt_pack)
  add_executable(test_pack ${CMAKE_CURRENT_SOURCE_DIR}/test_pack.c)
  # The test writes its own tar files with libarchive: it links it.
  target_link_libraries(test_pack PRIVATE rrt_pack PkgConfig::ARCHIVE ${CMOCKA_LIBRARY})
  add_test(NAME pack_lib COMMAND test_pack)
  set_tests_properties(pack_lib PROPERTIES TIMEOUT 300)

  add_test(NAME pack_cli
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli_pack.sh ${RRT_CLI}
            $<TARGET_FILE:test_pack> ${CMAKE_CURRENT_SOURCE_DIR}/data/bad/tar)
  set_tests_properties(pack_cli PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)

  add_test(NAME pack_progress_stays_on_one_line
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli_pack_progress.sh ${RRT_CLI})
  set_tests_properties(pack_progress_stays_on_one_line PROPERTIES
    TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()

# A real recording packed with -j 1, 2 and 4 gives identical bytes.
if(TARGET rrt_pack)
  add_test(NAME pack_output_same_for_any_thread_count
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli_pack_threads.sh ${RRT_CLI})
  set_tests_properties(pack_output_same_for_any_thread_count PROPERTIES
    TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()
