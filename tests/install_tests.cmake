# The installed library as a tool author uses it: pkg-config and the CMake
# package, exporting only the documented rrt_* API.
# A sanitized librrt needs the consumer built with the same runtime.
if(RRT_SANITIZE)
  set(RRT_CONSUMER_CFLAGS "-fsanitize=address,undefined")
endif()
add_test(NAME install_consumer
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/install_consumer.sh ${PROJECT_BINARY_DIR} ${RRT_CLI} "${RRT_CONSUMER_CFLAGS}")
