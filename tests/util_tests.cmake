# The rrtx helper library (util/): error filling, checked growth, hex, the
# JSON writer and atomic files.
add_executable(test_util ${CMAKE_CURRENT_SOURCE_DIR}/test_util.c)
target_link_libraries(test_util PRIVATE rrt_static ${CMOCKA_LIBRARY})
add_test(NAME util_helpers COMMAND test_util)
