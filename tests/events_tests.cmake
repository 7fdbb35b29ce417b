# librrt's recording events (rrt/events.h): codecs of every event type,
# through the public API only, and their decoded form in `rrt dump`.
add_executable(test_events ${CMAKE_CURRENT_SOURCE_DIR}/test_events.c)
target_link_libraries(test_events PRIVATE rrt_static ${CMOCKA_LIBRARY})
add_test(NAME format_events COMMAND test_events)
set_tests_properties(format_events PROPERTIES ENVIRONMENT "RRT_CLI=${RRT_CLI}")
