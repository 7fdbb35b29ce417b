# Start-up cost (issues #17, #19): the dynamic rrt loads the libraries of
# push, pull, export, import and unpack only in those commands, and the
# instruction decoders only when it decodes.
if(RRT_DLOPEN)
  add_test(NAME rrt_loads_curl_and_archive_only_when_needed
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli_lazy_libs.sh ${RRT_CLI})
  set_tests_properties(rrt_loads_curl_and_archive_only_when_needed PROPERTIES
    TIMEOUT 60 SKIP_RETURN_CODE 77)
endif()
