# librrt and the .rrt archive: codec, writer/reader, golden vectors, damage
# sweep, hostile corpus, fault injection, and the archive CLI commands.
set(RRT_VECTORS_DIR ${PROJECT_SOURCE_DIR}/spec/vectors)
foreach(t codec writer_reader vectors damage faults)
  add_executable(test_${t} ${CMAKE_CURRENT_SOURCE_DIR}/test_${t}.c)
  target_link_libraries(test_${t} PRIVATE rrt_static ${CMOCKA_LIBRARY})
endforeach()
# The hostile corpus generator is also its test (see gen_hostile.c).
add_executable(test_hostile ${CMAKE_CURRENT_SOURCE_DIR}/gen_hostile.c)
target_link_libraries(test_hostile PRIVATE rrt_static ${CMOCKA_LIBRARY})
# The x86 filter against liblzma's, the reference implementation.
pkg_check_modules(LZMA REQUIRED IMPORTED_TARGET liblzma)
add_executable(test_x86filter ${CMAKE_CURRENT_SOURCE_DIR}/test_x86filter.c)
target_link_libraries(test_x86filter PRIVATE rrt_static ${CMOCKA_LIBRARY} PkgConfig::LZMA)
add_test(NAME format_x86filter COMMAND test_x86filter)
add_test(NAME format_codec COMMAND test_codec)
add_test(NAME format_writer_reader COMMAND test_writer_reader)
# Regression tests for bugs these suites found (fixed): output depending on
# the thread count when a streamed blob is dropped; writer calls after
# finish returning RRT_OK and dropping data; recover dropping unknown
# incompatible header flags.
add_test(NAME format_writer_reader_regressions
  COMMAND test_writer_reader --known-bugs)
add_test(NAME format_hostile_regressions COMMAND test_hostile --known-bugs)
add_test(NAME format_vectors COMMAND test_vectors ${RRT_VECTORS_DIR})
foreach(v empty files events x86 sites)
  add_test(NAME format_vector_dump_${v}
    COMMAND bash -c "\"$0\" dump --json \"$1\" | diff -u \"$2\" -"
            ${RRT_CLI} ${RRT_VECTORS_DIR}/${v}.rrt ${RRT_VECTORS_DIR}/${v}.json)
endforeach()
add_test(NAME format_damage COMMAND test_damage)
set_tests_properties(format_damage PROPERTIES TIMEOUT 120)
add_test(NAME format_hostile COMMAND test_hostile)
add_test(NAME format_hostile_corpus_current
  COMMAND test_hostile --compare ${CMAKE_CURRENT_SOURCE_DIR}/data/bad/archive)
add_test(NAME format_faults COMMAND test_faults)
add_test(NAME format_cli_archive
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_archive.sh ${RRT_CLI} ${PROJECT_SOURCE_DIR})
set_tests_properties(format_cli_archive PROPERTIES TIMEOUT 300)
# An independent reader written from spec/format.md alone must agree with rrt
# on the vectors and a fresh archive (skipped without python3 xxhash/brotli).
add_test(NAME format_spec_reader
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/spec_reader.sh ${RRT_CLI} ${PROJECT_SOURCE_DIR})
set_tests_properties(format_spec_reader PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
