# rrt_trace_sites: finding CPUID instructions (cpuid_find.c) and the per-user
# cache of what was found (site_cache.c). Included from trace/CMakeLists.txt.
#
# Zydis (minimal decoding mode) finds sites several times faster than
# capstone, which formats the text of every instruction. Debian ships Zydis
# as a shared library only (no .pc file, no .a), so the static build
# (RRT_STATIC) and machines without libzydis-dev use capstone; both must give
# the same sites (tests/test_cpuid_sites.c checks them on real libraries).
option(RRT_ZYDIS "Find CPUID instructions with Zydis when it is installed" ON)
pkg_check_modules(CAPSTONE REQUIRED IMPORTED_TARGET capstone)
set(RRT_HAVE_ZYDIS OFF)
if(RRT_ZYDIS AND NOT RRT_STATIC)
  find_library(ZYDIS_LIBRARY Zydis)
  find_path(ZYDIS_INCLUDE_DIR Zydis/Zydis.h)
  if(ZYDIS_LIBRARY AND ZYDIS_INCLUDE_DIR)
    include(CheckSymbolExists)
    set(CMAKE_REQUIRED_INCLUDES ${ZYDIS_INCLUDE_DIR})
    set(CMAKE_REQUIRED_LIBRARIES ${ZYDIS_LIBRARY})
    # Zydis 4 (ZydisDecoderDecodeInstruction with a context argument).
    check_symbol_exists(ZydisDecoderDecodeInstruction Zydis/Zydis.h RRT_ZYDIS_USABLE)
    unset(CMAKE_REQUIRED_INCLUDES)
    unset(CMAKE_REQUIRED_LIBRARIES)
    if(RRT_ZYDIS_USABLE)
      set(RRT_HAVE_ZYDIS ON)
    endif()
  endif()
endif()
if(RRT_HAVE_ZYDIS)
  message(STATUS "CPUID sites: Zydis (${ZYDIS_LIBRARY})")
else()
  message(STATUS "CPUID sites: capstone (no usable shared Zydis)")
endif()

add_library(rrt_trace_sites STATIC
  ${CMAKE_CURRENT_LIST_DIR}/cpuid_find.c
  ${CMAKE_CURRENT_LIST_DIR}/site_cache.c)
target_include_directories(rrt_trace_sites PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(rrt_trace_sites PUBLIC rrt_static PkgConfig::CAPSTONE
  PkgConfig::XXHASH)
if(RRT_HAVE_ZYDIS)
  target_compile_definitions(rrt_trace_sites PRIVATE RRT_HAVE_ZYDIS)
  target_include_directories(rrt_trace_sites PRIVATE ${ZYDIS_INCLUDE_DIR})
  target_link_libraries(rrt_trace_sites PUBLIC ${ZYDIS_LIBRARY})
endif()
