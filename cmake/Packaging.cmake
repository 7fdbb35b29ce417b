# Debian packages (cpack -G DEB) and the static tarball (cpack -G TGZ), from
# the install components:
#   rrt     the rrt tool, its man pages and bash completion  -> rrt (or rrt-static)
#   librrt  the shared library programs run with             -> librrt0
#   dev     headers, librrt.so/.a, rrt.pc, CMake package       -> librrt-dev
# Runtime dependencies are computed from the binaries by dpkg-shlibdeps
# (Debian package dpkg-dev), plus the libraries rrt loads at run time. A .deb installs under /usr, so its tree must be
# configured with -DCMAKE_INSTALL_PREFIX=/usr (scripts/package.sh does): only
# then does GNUInstallDirs choose the multiarch libdir (lib/x86_64-linux-gnu).
set(RRT_PACKAGE_CONTACT "rrt maintainers <maintainers@users.noreply.r-seed-8680915d.example>"
  CACHE STRING "Maintainer field of the Debian packages")

set(CPACK_PACKAGE_NAME rrt)
set(CPACK_PACKAGE_VENDOR "rrt")
set(CPACK_PACKAGE_CONTACT "${RRT_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # NAME_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(rrt_long "rrt records a Linux x86-64 program run into one self-contained .rrt file,
checks whether another machine's CPU can replay it, and replays it there with
the same system call results, time, random bytes, CPUID and output.")

if(RRT_STATIC)
  # One binary with no shared library dependencies, for replay hosts: as a
  # package that replaces rrt, and as a tarball to copy anywhere.
  set(CPACK_GENERATOR DEB TGZ)
  set(CPACK_COMPONENTS_ALL rrt)
  set(CPACK_DEBIAN_RRT_PACKAGE_NAME rrt-static)
  set(CPACK_DEBIAN_RRT_PACKAGE_CONFLICTS rrt)
  set(CPACK_DEBIAN_RRT_PACKAGE_REPLACES rrt)
  set(CPACK_DEBIAN_RRT_PACKAGE_PROVIDES rrt)
  set(CPACK_DEBIAN_RRT_DESCRIPTION "${PROJECT_DESCRIPTION} (static binary)
${rrt_long}
This package holds rrt linked statically, for replay hosts; it has every
command but push and pull.")
  # The tarball and its one top directory: rrt-static-V-linux-x86_64.
  set(CPACK_PACKAGE_FILE_NAME rrt-static-${PROJECT_VERSION}-linux-${CMAKE_SYSTEM_PROCESSOR})
  set(CPACK_ARCHIVE_COMPONENT_INSTALL ON)
  set(CPACK_ARCHIVE_RRT_FILE_NAME ${CPACK_PACKAGE_FILE_NAME})
else()
  set(CPACK_GENERATOR DEB)
  set(CPACK_COMPONENTS_ALL rrt librrt dev)
  set(CPACK_DEBIAN_RRT_PACKAGE_NAME rrt)
  set(CPACK_DEBIAN_RRT_DESCRIPTION "${PROJECT_DESCRIPTION}
${rrt_long}")
  # The libraries rrt dlopen()s (util/rrtx_dl.h) are not in its DT_NEEDED
  # list, so dpkg-shlibdeps does not see them: the modules that load them
  # name their packages (versions: what dpkg-shlibdeps computed for the
  # linked binary); CPack appends its own findings to these.
  get_property(rrt_dlopen_depends GLOBAL PROPERTY RRT_DLOPEN_DEPENDS)
  if(rrt_dlopen_depends)
    list(JOIN rrt_dlopen_depends ", " rrt_dlopen_depends)
    set(CPACK_DEBIAN_RRT_PACKAGE_DEPENDS "${rrt_dlopen_depends}")
  endif()
  set(CPACK_DEBIAN_LIBRRT_PACKAGE_NAME librrt0)
  set(CPACK_DEBIAN_LIBRRT_PACKAGE_SECTION libs)
  # A shlibs file, so that packages built against librrt depend on it (only
  # librrt0 has a shared object; CPack has no per-component switch).
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
  set(CPACK_DEBIAN_LIBRRT_DESCRIPTION "library to read and write .rrt record/replay archives
librrt reads, writes, verifies and recovers .rrt archives: content-addressed,
compressed blobs, file tables, recorded events and CPUID manifests.")
  set(CPACK_DEBIAN_DEV_PACKAGE_NAME librrt-dev)
  set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
  set(CPACK_COMPONENT_DEV_DEPENDS librrt)
  # rrt.pc names these in Requires.private, which pkg-config resolves even
  # for a shared link; shlibdeps cannot see -dev packages.
  set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libbrotli-dev, libxxhash-dev")
  set(CPACK_DEBIAN_DEV_DESCRIPTION "library to read and write .rrt archives (development files)
Headers, the shared and static library, a pkg-config file (rrt) and a
CMake package (find_package(rrt), target rrt::rrt) for librrt.")
endif()
set(CPACK_DEBIAN_RRT_PACKAGE_SECTION devel)

configure_file(${CMAKE_CURRENT_LIST_DIR}/CPackProjectConfig.cmake.in
  ${PROJECT_BINARY_DIR}/CPackProjectConfig.cmake @ONLY)
set(CPACK_PROJECT_CONFIG_FILE ${PROJECT_BINARY_DIR}/CPackProjectConfig.cmake)
include(CPack)
