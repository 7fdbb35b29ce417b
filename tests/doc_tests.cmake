# Man pages and bash completion (doc/), checked against the rrt help they
# are read from.
if(RRT_MAN)
  add_test(NAME doc_man_pages
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/man_test.sh ${RRT_CLI} ${RRT_MAN_DIR})
  set_tests_properties(doc_man_pages PROPERTIES SKIP_RETURN_CODE 77)
endif()
add_test(NAME doc_bash_completion
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/completion_test.sh ${RRT_CLI}
          ${PROJECT_SOURCE_DIR}/doc/bash-completion/rrt)
set_tests_properties(doc_bash_completion PROPERTIES SKIP_RETURN_CODE 77)
