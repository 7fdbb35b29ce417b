# trace module: CPUID sites (the sweep, Zydis against capstone on real
# libraries, the per-user site cache, the archive's CSIT table).
if(NOT TARGET rrt_trace)
  return()
endif()
add_executable(test_cpuid_sites ${CMAKE_CURRENT_SOURCE_DIR}/test_cpuid_sites.c)
target_link_libraries(test_cpuid_sites PRIVATE rrt_trace ${CMOCKA_LIBRARY})
if(TARGET rrt_pack)
  # rrt pack must carry the CSIT section over when it rewrites an archive.
  target_compile_definitions(test_cpuid_sites PRIVATE RRT_TEST_PACK)
  target_link_libraries(test_cpuid_sites PRIVATE rrt_pack)
endif()
add_test(NAME trace_cpuid_sites COMMAND test_cpuid_sites)
set_tests_properties(trace_cpuid_sites PROPERTIES TIMEOUT 300)
