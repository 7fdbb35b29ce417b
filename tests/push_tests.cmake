# rrt push / rrt pull: the manifest codec (cmocka), and the commands against
# real servers on 127.0.0.1 (tests/store/ starts them): nginx with WebDAV,
# and docker-registry for the OCI layout. A server test is skipped (exit 77)
# only when its server binary is not installed.
if(TARGET rrt_push_cmds)
  add_executable(test_push_manifest ${PROJECT_SOURCE_DIR}/push/test_manifest.c)
  target_link_libraries(test_push_manifest PRIVATE rrt_push ${CMOCKA_LIBRARY})
  add_test(NAME push_manifest COMMAND test_push_manifest)
  set_tests_properties(push_manifest PROPERTIES TIMEOUT 120)
  foreach(mode http oci)
    add_test(NAME push_${mode}
      COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_push.sh ${RRT_CLI} ${mode})
    set_tests_properties(push_${mode} PROPERTIES TIMEOUT 180
      SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
  endforeach()
  # Registry tools keep working on a pushed recording (skipped without
  # skopeo).
  add_test(NAME push_oci_skopeo_inspect_and_copy
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_push_skopeo.sh ${RRT_CLI})
  set_tests_properties(push_oci_skopeo_inspect_and_copy PROPERTIES
    TIMEOUT 180 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
endif()
