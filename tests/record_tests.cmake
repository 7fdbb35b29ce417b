# record/replay: tracees (one behaviour each) and record -> replay tests
# that compare output byte for byte (tests/cli_record_replay.sh).
if(NOT TARGET rrt_record_cmds OR NOT TARGET rrt_replay_cmds)
  return()
endif()
set(RRT_TRACEES time random fileread dirlist pipe socket signal forkexec
    rdtsc cpuid mmapfile env syscalls create unknown thread slow restart segv
    mmsg ioctl sockaddr threadsig sigkill pollrestart
    sockopt mapshared groupexit pkey threadexec leaderexit exitrace execenv xgetbv sigframe
    sbpipe sbsignal sbdup2 sbfork sbthexit sbclonefiles sbslow sbmsg sbcalls
    sigstate sbmmap sbyield mapbig sbbrk)
foreach(t ${RRT_TRACEES})
  add_executable(tr_${t} ${CMAKE_CURRENT_SOURCE_DIR}/tracees/tr_${t}.c)
  set_target_properties(tr_${t} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
    ${PROJECT_BINARY_DIR}/tracees)
endforeach()
# One static tracee: no ld.so, CPUID/RDTSC from libc's own startup.
add_executable(tr_time_static ${CMAKE_CURRENT_SOURCE_DIR}/tracees/tr_time.c)
target_link_options(tr_time_static PRIVATE -static)
set_target_properties(tr_time_static PROPERTIES RUNTIME_OUTPUT_DIRECTORY
  ${PROJECT_BINARY_DIR}/tracees)
# The syscall buffer's static case: no site in reach, traced per call.
add_executable(tr_sbfork_static ${CMAKE_CURRENT_SOURCE_DIR}/tracees/tr_sbfork.c)
target_link_options(tr_sbfork_static PRIVATE -static)
set_target_properties(tr_sbfork_static PROPERTIES RUNTIME_OUTPUT_DIRECTORY
  ${PROJECT_BINARY_DIR}/tracees)
# One tracee whose ELF interpreter is a copy of ld.so that a test creates
# before recording and deletes before replaying.
set(RRT_OWN_LDSO ${PROJECT_BINARY_DIR}/tracees/ownld/ld.so)
add_executable(tr_time_ownld ${CMAKE_CURRENT_SOURCE_DIR}/tracees/tr_time.c)
target_link_options(tr_time_ownld PRIVATE
  -Wl,--dynamic-linker=${RRT_OWN_LDSO})
set_target_properties(tr_time_ownld PROPERTIES RUNTIME_OUTPUT_DIRECTORY
  ${PROJECT_BINARY_DIR}/tracees)
# Tracees are the programs under test, not our code: no sanitizer runtime
# (it would add its own syscalls and mappings, and cannot link -static).
foreach(t ${RRT_TRACEES} time_static time_ownld sbfork_static)
  target_compile_options(tr_${t} PRIVATE -fno-sanitize=all)
  target_link_options(tr_${t} PRIVATE -fno-sanitize=all)
endforeach()

add_executable(test_record_replay ${CMAKE_CURRENT_SOURCE_DIR}/test_record_replay.c)
target_link_libraries(test_record_replay PRIVATE rrt_record rrt_trace ${CMOCKA_LIBRARY})
add_test(NAME test_record_replay COMMAND test_record_replay)
set_tests_properties(test_record_replay PROPERTIES TIMEOUT 60 LABELS record
  ENVIRONMENT "RRT_CLI=${RRT_CLI};RRT_TRACEE=$<TARGET_FILE:tr_time>")

set(RR_SH ${CMAKE_CURRENT_SOURCE_DIR}/cli_record_replay.sh)
function(rrt_rr_test name)
  add_test(NAME ${name} COMMAND ${RR_SH} ${RRT_CLI} ${ARGN})
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120
    LABELS record)
endfunction()
set(TR $<TARGET_FILE_DIR:tr_time>)

rrt_rr_test(record_replay_time_comes_from_archive --differs -- ${TR}/tr_time)
rrt_rr_test(record_replay_static_binary --differs -- ${TR}/tr_time_static)
rrt_rr_test(record_replay_random_comes_from_archive --differs -- ${TR}/tr_random)
rrt_rr_test(record_replay_file_read --mutate "echo changed >@T@/data.txt"
  -- ${TR}/tr_fileread @T@/data.txt)
rrt_rr_test(record_replay_directory_listing --mutate "rm -r @T@/dir"
  -- ${TR}/tr_dirlist @T@/dir)
rrt_rr_test(record_replay_pipe_between_processes -- ${TR}/tr_pipe)
rrt_rr_test(record_replay_socketpair_and_tcp_echo -- ${TR}/tr_socket)
# Every field and buffer the kernel writes is printed next to sentinels;
# the pid in the bound names makes a native run print something else.
rrt_rr_test(record_replay_sendmmsg_recvmmsg_outputs --differs
  --expect "recvmmsg=4 timeout=4" -- ${TR}/tr_mmsg)
# Address buffers shorter than the address, one ending at an unmapped page:
# only the bytes the kernel copied are recorded, and the full length.
rrt_rr_test(record_replay_short_socket_address_buffers --differs
  --expect "getsockname no-addr: ret=0 len=" -- ${TR}/tr_sockaddr)
# getsockopt values longer than an address: TCP_INFO (280 bytes), and
# SO_GET_FILTER, whose length counts 8-byte instructions.
rrt_rr_test(record_replay_long_getsockopt_values
  --expect "SO_GET_FILTER=0 len=40 same=1" -- ${TR}/tr_sockopt)
# Skipped where a native run cannot open a pseudo-terminal.
rrt_rr_test(record_replay_terminal_and_descriptor_ioctls
  --expect "pipe FIONREAD=0 avail=5" --native-expect "pty TCGETS=0 "
  -- ${TR}/tr_ioctl)
rrt_rr_test(record_refuses_unlisted_ioctl_by_name
  --record-fails "ioctl (16) with request 0x5470 (an old request without a size, not in rrt's table) is not supported"
  -- ${TR}/tr_ioctl unlisted)
rrt_rr_test(record_replay_signals_to_self --expect "usr1=3 alrm=1 chld=[12] status=5 ppoll=-1" -- ${TR}/tr_signal)
# Signal handlers run on the frames the recording host's kernel built:
# recorded (SIGNAL_FRAME), or built by replay for recordings without them,
# which must be the same bytes; and in a larger XSAVE layout than this
# host's, rt_sigreturn brings back the vector registers held across a
# signal (the handlers write from a static buffer there, so that their
# arguments do not depend on where the frame is).
rrt_rr_test(record_replay_signal_frames_from_the_recording
  --expect "kill: vector registers kept 1" --replay-opt --stats
  --replay-stderr "signal frames: 3 recorded, 0 built" -- ${TR}/tr_sigframe)
rrt_rr_test(record_replay_signal_frames_built_equal_the_recorded
  --replay-env RRT_REPLAY_TEST_CHECK_FRAMES=1 --replay-opt --stats
  --replay-stderr "signal frames: 3 recorded, 0 built .*, 3 checked"
  -- ${TR}/tr_sigframe)
rrt_rr_test(record_replay_signal_frames_larger_than_the_hosts
  --replay-env RRT_REPLAY_TEST_FRAME_PAD=4096 --replay-opt --stats
  --expect "kill: vector registers kept 1"
  --replay-stderr "signal frames: 0 recorded, 3 built" -- ${TR}/tr_sigframe static)
rrt_rr_test(record_replay_restart_syscall_after_sigchld
  --expect "nanosleep=0 status=4" -- ${TR}/tr_restart)
rrt_rr_test(record_replay_real_segfault_exit_status -- ${TR}/tr_segv)
# SIGKILL has no signal-delivery stop: replay must kill the task itself.
rrt_rr_test(record_replay_child_killed_by_sigkill
  --expect "child killed=1 sig=9" -- ${TR}/tr_sigkill)
rrt_rr_test(record_replay_program_kills_itself_with_sigkill
  --expect "child killed=1 sig=9" -- ${TR}/tr_sigkill self)
rrt_rr_test(record_replay_fork_exec_wait -- ${TR}/tr_forkexec)
rrt_rr_test(record_replay_rdtsc_comes_from_archive --differs -- ${TR}/tr_rdtsc)
rrt_rr_test(record_replay_cpuid_faulting --needs-faulting
  --rec-opt --cpuid-mode=fault
  --expect "rdrand=0" -- ${TR}/tr_cpuid)
rrt_rr_test(record_replay_cpuid_patching --rec-opt --cpuid-mode=patch
  --replay-env RRT_CPUID_MODE=patch --expect "rdrand=0" -- ${TR}/tr_cpuid)
# XGETBV cannot fault: it is patched in both CPUID modes, and shows the
# program no state of a feature the mask hides (native: AVX-512's).
rrt_rr_test(record_replay_xgetbv_hides_masked_state_cpuid_faulting
  --needs-faulting --rec-opt --cpuid-mode=fault --rec-opt --cpu-mask=x86-64-v3
  --expect "avx512_state=0" --native-expect "avx512_state=1" -- ${TR}/tr_xgetbv)
rrt_rr_test(record_replay_xgetbv_hides_masked_state_cpuid_patching
  --rec-opt --cpuid-mode=patch --rec-opt --cpu-mask=x86-64-v3
  --replay-env RRT_CPUID_MODE=patch
  --expect "avx512_state=0" --native-expect "avx512_state=1" -- ${TR}/tr_xgetbv)
rrt_rr_test(record_replay_cpu_mask_v2_hides_avx2 --rec-opt --cpu-mask=x86-64-v2
  --expect "avx2=0" --native-expect "avx2=1" -- ${TR}/tr_cpuid)
rrt_rr_test(record_disable_cpuid_features_by_name
  --rec-opt --disable-cpuid-features=avx2,sse4_2 --expect "avx2=0"
  --native-expect "avx2=1" -- ${TR}/tr_cpuid)
rrt_rr_test(record_cpu_mask_from_saved_file
  --setup "${RRT_CLI} record --cpu-mask x86-64-v2 -o @T@/v2.rrt ${TR}/tr_time >/dev/null"
  --rec-opt --cpu-mask=@T@/v2.rrt --expect "avx2=0" --native-expect "avx2=1"
  -- ${TR}/tr_cpuid)
rrt_rr_test(record_replay_mmap_of_file -- ${TR}/tr_mmapfile @T@/data.txt)
rrt_rr_test(record_replay_mmap_embedded_survives_change --rec-opt --embed
  --mutate "echo changed >@T@/data.txt" -- ${TR}/tr_mmapfile @T@/data.txt)
if(TARGET rrt_pack_cmds)
  rrt_rr_test(record_pack_replay_survives_change
    --mutate "${RRT_CLI} pack -o @T@/b.rrt @T@/a.rrt && mv @T@/b.rrt @T@/a.rrt && echo changed >@T@/data.txt"
    -- ${TR}/tr_mmapfile @T@/data.txt)
endif()
# A long private mapping of a referenced file that is still the one
# recorded maps the host's file at replay rather than copying its bytes:
# MADV_DONTNEED brings the file's bytes back, the page past the one
# holding its end raises SIGBUS. With --force (the file may differ) and
# from a packed archive, replay copies as before.
set(RRT_BIG "head -c 1500000 /dev/urandom >@T@/big && printf end >>@T@/big")
rrt_rr_test(record_replay_maps_referenced_file_directly --setup "${RRT_BIG}"
  --expect "written=1 back=1 bus=1 tail=1" --replay-opt --stats
  --replay-stderr "file mappings: [1-9][0-9]* mapped from the host file, [0-9]* copied ([0-9]\\{1,6\\} bytes)"
  -- ${TR}/tr_mapbig @T@/big)
rrt_rr_test(record_replay_force_copies_referenced_file --setup "${RRT_BIG}"
  --expect "written=1 back=1 bus=1 tail=1" --replay-opt --stats
  --replay-opt --force
  --replay-stderr "file mappings: 0 mapped from the host file, [1-9][0-9]* copied"
  -- ${TR}/tr_mapbig @T@/big)
if(TARGET rrt_pack_cmds)
  rrt_rr_test(record_pack_replay_copies_embedded_file --setup "${RRT_BIG}"
    --mutate "${RRT_CLI} pack -o @T@/b.rrt @T@/a.rrt && mv @T@/b.rrt @T@/a.rrt"
    --expect "written=1 back=1 bus=1 tail=1" --replay-opt --stats
    --replay-stderr "file mappings: 0 mapped from the host file, [1-9][0-9]* copied"
    -- ${TR}/tr_mapbig @T@/big)
endif()
# A mapped data file is embedded when mapped (--embed=auto, the default):
# pack and replay work after the program (here the test) renames a new
# file over it, as git does with .git/config. --embed=none references it.
# A shared writable file mapping stays shared with the processes forked
# after it, at replay too.
rrt_rr_test(record_replay_shared_file_mapping_across_fork
  --mutate "rm @T@/shared" --expect "shared: 42 1"
  -- ${TR}/tr_mapshared @T@/shared)
rrt_rr_test(record_pack_replay_mapped_data_file_replaced
  --mutate "echo changed >@T@/new && mv @T@/new @T@/data.txt && ${RRT_CLI} pack @T@/a.rrt"
  -- ${TR}/tr_mmapfile @T@/data.txt)
# What --embed=auto references: a library without an execute bit (by its
# ELF header) and a data file over 1 MiB; a small data file and an ELF
# object file (gcc -flto maps those) are embedded.
set(EA ${CMAKE_CURRENT_BINARY_DIR}/embed-auto)
rrt_rr_test(record_auto_embed_references_libraries_and_large_files
  --setup "rm -rf ${EA} && mkdir -p ${EA} && cp /bin/true ${EA}/lib.so && chmod 644 ${EA}/lib.so && head -c 1100000 /dev/zero >${EA}/big && printf '\\177ELF\\002\\001\\001\\000\\000\\000\\000\\000\\000\\000\\000\\000\\001\\000' >${EA}/obj.o"
  --mutate "${RRT_CLI} ls -l @T@/a.rrt >@T@/ls && grep '${EA}/lib.so' @T@/ls | grep -q external && grep '${EA}/big' @T@/ls | grep -q external && grep -q '${EA}/obj.o' @T@/ls && ! grep '${EA}/obj.o' @T@/ls | grep -q external && ! grep '@T@/data.txt' @T@/ls | grep -q external"
  -- sh -c "${TR}/tr_mmapfile ${EA}/lib.so && ${TR}/tr_mmapfile ${EA}/big && ${TR}/tr_mmapfile ${EA}/obj.o && ${TR}/tr_mmapfile @T@/data.txt")
# A program the recorded run builds, runs and deletes (a test binary) is
# embedded when exec'd (--embed=auto): nobody can pack it later. Files
# older than the recording stay referenced (above).
rrt_rr_test(record_replay_program_made_and_deleted_during_recording
  --expect "made-here"
  --mutate "${RRT_CLI} ls -l @T@/a.rrt >@T@/ls && grep -q '@T@/prog1' @T@/ls && ! grep '@T@/prog1' @T@/ls | grep -q external"
  -- sh -c "cp /bin/echo @T@/prog1 && @T@/prog1 made-here && rm @T@/prog1")
# A bad --embed value: usage error (2) naming it, no archive, nothing run.
add_test(NAME record_rejects_bad_embed_value COMMAND sh -c
  "d=$(mktemp -d) && ${RRT_CLI} record --embed=bogus -o $d/x.rrt -- touch $d/ran 2>$d/err\nrc=$?\ncat $d/err\ntest $rc -eq 125 && grep -q \"record: --embed: 'bogus' is not auto, all or none\" $d/err && test ! -e $d/x.rrt && test ! -e $d/x.rrt.partial && test ! -e $d/ran && rm -rf $d")
set_tests_properties(record_rejects_bad_embed_value PROPERTIES LABELS record)
# -q: the recorder's compression. A bad value is a usage error naming
# it; -q 11 records smaller than the default 1, and both replay.
add_test(NAME record_rejects_bad_quality COMMAND sh -c
  "d=$(mktemp -d) && ${RRT_CLI} record -q 12 -o $d/x.rrt -- touch $d/ran 2>$d/err\nrc=$?\ncat $d/err\ntest $rc -eq 125 && grep -q \"record: --quality: '12' is not a number from 0 to 11\" $d/err && test ! -e $d/x.rrt && test ! -e $d/x.rrt.partial && test ! -e $d/ran && rm -rf $d")
set_tests_properties(record_rejects_bad_quality PROPERTIES LABELS record)
rrt_rr_test(record_replay_quality_11 --rec-opt -q --rec-opt 11
  --mutate "${RRT_CLI} record -o @T@/q1.rrt -- ${TR}/tr_fileread @T@/data.txt >/dev/null && test $(stat -c %s @T@/a.rrt) -lt $(stat -c %s @T@/q1.rrt)"
  -- ${TR}/tr_fileread @T@/data.txt)
rrt_rr_test(record_embed_none_references_mapped_data_file --rec-opt --embed=none
  --mutate "${RRT_CLI} ls -l @T@/a.rrt | grep '@T@/data.txt' | grep -q external && echo changed >@T@/new && mv @T@/new @T@/data.txt && ! ${RRT_CLI} pack @T@/a.rrt 2>@T@/err && grep -q 'data.txt: changed' @T@/err && echo 'first line of data' >@T@/data.txt && echo 'second line' >>@T@/data.txt && ${RRT_CLI} pack --allow-changed @T@/a.rrt 2>/dev/null"
  -- ${TR}/tr_mmapfile @T@/data.txt)
# An embedded program replays from the archive, not from the host's file
# (changed or gone), whether it is the root or exec'd by it.
rrt_rr_test(record_replay_embedded_program_deleted_before_replay
  --setup "cp ${TR}/tr_time @T@/tr_time" --rec-opt --embed
  --mutate "rm @T@/tr_time" -- @T@/tr_time)
rrt_rr_test(record_replay_embedded_exec_target_deleted_before_replay
  --setup "cp ${TR}/tr_time @T@/tr_time" --rec-opt --embed
  --expect "status 0" --mutate "rm @T@/tr_time"
  -- ${TR}/tr_forkexec @T@/tr_time)
rrt_rr_test(record_replay_embedded_interpreter_deleted_before_replay
  --setup "mkdir -p ${PROJECT_BINARY_DIR}/tracees/ownld && cp /lib64/ld-linux-x86-64.so.2 ${RRT_OWN_LDSO} && cp ${TR}/tr_time_ownld @T@/tr_time_ownld"
  --rec-opt --embed
  --mutate "rm ${RRT_OWN_LDSO} @T@/tr_time_ownld" -- @T@/tr_time_ownld)
# A #! script: the recorded executable is its interpreter, which must not
# be exec'd in the script's place (the interpreter's arguments would lose
# the script path and the stack would differ). The script is recorded
# (EXEC_SCRIPT), so it replays after it is deleted, as the root and when
# exec'd by another program; its interpreter comes from the host.
rrt_rr_test(record_embed_replay_shebang_script
  --setup "printf '#!/bin/sh\\nexec ${TR}/tr_time\\n' >@T@/a-script-with-a-long-enough-name && chmod +x @T@/a-script-with-a-long-enough-name"
  --rec-opt --embed --differs --mutate "rm @T@/a-script-with-a-long-enough-name"
  -- @T@/a-script-with-a-long-enough-name)
rrt_rr_test(record_embed_replay_exec_of_deleted_script
  --setup "printf '#!/bin/sh -e\\necho \"script args: $0 $*\"\\nexec ${TR}/tr_time\\n' >@T@/a-script-with-a-long-enough-name && chmod +x @T@/a-script-with-a-long-enough-name"
  --rec-opt --embed --expect "script args: /.*/a-script-with-a-long-enough-name forkexec: child"
  --mutate "rm @T@/a-script-with-a-long-enough-name"
  -- ${TR}/tr_forkexec @T@/a-script-with-a-long-enough-name)
# Paths too short to be padded into a /proc/.../fd/N name (/bin/sh) are
# replaced by a /tmp symlink of the same length: the embedded program, and
# the embedded interpreter a #! line names, replay after they are deleted.
rrt_rr_test(record_replay_embedded_short_path_deleted_before_replay
  --setup "cp ${TR}/tr_time @S@" --rec-opt --embed --mutate "rm @S@" -- @S@)
rrt_rr_test(record_replay_embedded_short_exec_target_deleted_before_replay
  --setup "cp ${TR}/tr_time @S@" --rec-opt --embed --expect "status 0"
  --mutate "rm @S@" -- ${TR}/tr_forkexec @S@)
rrt_rr_test(record_embed_replay_script_interpreter_deleted
  --setup "cp /bin/sh @S@ && printf '#!@S@ -e\\necho \"script args: $0 $*\"\\nexec ${TR}/tr_time\\n' >@T@/a-script-with-a-long-enough-name && chmod +x @T@/a-script-with-a-long-enough-name"
  --rec-opt --embed --expect "script args: /.*/a-script-with-a-long-enough-name forkexec: child"
  --mutate "rm @S@ @T@/a-script-with-a-long-enough-name"
  -- ${TR}/tr_forkexec @T@/a-script-with-a-long-enough-name)
rrt_rr_test(record_embed_replay_root_script_interpreter_deleted
  --setup "cp /bin/sh @S@ && printf '#!@S@\\nexec ${TR}/tr_time\\n' >@T@/a-script-with-a-long-enough-name && chmod +x @T@/a-script-with-a-long-enough-name"
  --rec-opt --embed --differs
  --mutate "rm @S@ @T@/a-script-with-a-long-enough-name"
  -- @T@/a-script-with-a-long-enough-name)
# A #! line naming another script: the script path reaches the final
# interpreter as argv[3], after the inner script and the outer argument.
rrt_rr_test(record_embed_replay_script_run_by_a_script
  --setup "printf '#!/bin/sh\\necho inner \"$@\"\\n' >@T@/inner-script-long-name && printf '#!@T@/inner-script-long-name -x\\n' >@T@/outer-script-long-name && chmod +x @T@/inner-script-long-name @T@/outer-script-long-name"
  --rec-opt --embed --expect "inner -x /.*/outer-script-long-name forkexec: child"
  -- ${TR}/tr_forkexec @T@/outer-script-long-name)
if(TARGET rrt_pack_cmds)
  rrt_rr_test(record_pack_replay_program_overwritten
    --setup "cp ${TR}/tr_time @T@/tr_time"
    --mutate "${RRT_CLI} pack -o @T@/b.rrt @T@/a.rrt && mv @T@/b.rrt @T@/a.rrt && echo changed >@T@/tr_time"
    -- @T@/tr_time)
  # A program exec'd as execv(argv[0], argv), as env and dash do: the
  # name replay swaps in for the exec'd path is also the new program's
  # argv[0], which must read as recorded (the short path's /tmp link, the
  # long one's /proc/.../fd/N). Python builds sys.executable and the
  # paths it probes on the heap from it. A script's argv[0] is dropped by
  # the kernel, which puts the exec'd path in its interpreter's argv.
  rrt_rr_test(record_pack_replay_env_runs_short_path_program
    --mutate "${RRT_CLI} pack @T@/a.rrt" --expect "^/bin/sh$"
    -- /usr/bin/env /bin/sh -c "echo \"$0\"")
  rrt_rr_test(record_pack_replay_sh_runs_long_path_program
    --setup "cp /bin/sh @T@/a-copy-of-sh-with-a-long-name"
    --mutate "${RRT_CLI} pack @T@/a.rrt && rm @T@/a-copy-of-sh-with-a-long-name"
    --expect "/a-copy-of-sh-with-a-long-name$"
    -- /bin/sh -c "@T@/a-copy-of-sh-with-a-long-name -c 'echo $0'")
  # The path as a suffix of an environment string, and as argv[0].
  rrt_rr_test(record_pack_replay_exec_of_a_path_in_the_environment
    --rec-env RRT_TEST_PROG=/bin/sh --mutate "${RRT_CLI} pack @T@/a.rrt"
    --expect "^argv0=/bin/sh RRT_TEST_PROG=/bin/sh$" -- ${TR}/tr_execenv)
  rrt_rr_test(record_pack_replay_env_runs_script
    --setup "printf '#!/bin/sh\\necho \"script: $0 $*\"\\n' >@T@/a-script-with-a-long-enough-name && chmod +x @T@/a-script-with-a-long-enough-name"
    --mutate "${RRT_CLI} pack @T@/a.rrt && rm @T@/a-script-with-a-long-enough-name"
    --expect "^script: /.*/a-script-with-a-long-enough-name a b$"
    -- /usr/bin/env @T@/a-script-with-a-long-enough-name a b)
  rrt_rr_test(record_pack_replay_python_run_by_sh --needs /usr/bin/python3
    --mutate "${RRT_CLI} pack @T@/a.rrt" --differs
    -- /bin/sh -c "/usr/bin/python3 -c 'import random, time, os\nprint(random.random(), time.time(), os.getpid())'")
endif()
rrt_rr_test(replay_refuses_changed_referenced_program --rec-opt --embed=none
  --setup "cp ${TR}/tr_time @T@/tr_time"
  --mutate "echo changed >@T@/tr_time" --replay-fails "rrt pack"
  -- @T@/tr_time)
rrt_rr_test(replay_refuses_changed_referenced_file --rec-opt --embed=none
  --mutate "echo changed >@T@/data.txt" --replay-fails "rrt pack"
  -- ${TR}/tr_mmapfile @T@/data.txt)
rrt_rr_test(record_redacts_secret_environment --rec-env RRT_TEST_TOKEN=hunter2
  --meta-lacks "hunter2" --expect "RRT_TEST_TOKEN has 7 bytes" -- ${TR}/tr_env)
rrt_rr_test(replay_creates_no_files --mutate "rm @T@/created"
  --absent @T@/created -- ${TR}/tr_create @T@/created)
rrt_rr_test(replay_seccomp_wall_stops_real_io --mutate "rm @T@/created"
  --replay-env RRT_REPLAY_TEST_PASSTHROUGH=1 --replay-fails "SIGSYS"
  --absent @T@/created -- ${TR}/tr_create @T@/created)
rrt_rr_test(record_replay_shell_pipeline -- sh -c "ls /usr/bin | sort | head -3")
# cat copies a file to stdout (a file here) with copy_file_range, in the
# kernel: the recording makes it fall back to read and write, so replay
# shows the bytes.
rrt_rr_test(record_replay_cat_copies_a_file_to_stdout
  --expect "first line of data" -- cat @T@/data.txt)
rrt_rr_test(record_replay_gzip -- sh -c "gzip -c @T@/data.txt | od -An -tx1 | head -2")
target_link_libraries(tr_thread PRIVATE Threads::Threads)
target_link_libraries(tr_sbyield PRIVATE Threads::Threads)
target_link_libraries(tr_sbmsg PRIVATE Threads::Threads)
target_link_libraries(tr_threadsig PRIVATE Threads::Threads)
target_link_libraries(tr_groupexit PRIVATE Threads::Threads)
target_link_libraries(tr_threadexec PRIVATE Threads::Threads)
target_link_libraries(tr_leaderexit PRIVATE Threads::Threads)
target_link_libraries(tr_exitrace PRIVATE Threads::Threads)
# Replay sends an asynchronous signal to the thread that got it, which is
# not its process's leader here.
rrt_rr_test(record_replay_signals_to_non_main_thread
  --expect "usr1=1 chld=1 status=7" -- ${TR}/tr_threadsig)
# poll interrupted by SIGCHLD (which ptrace makes interrupt) and finished
# by restart_syscall; nanosleep's time remaining when a handler runs.
rrt_rr_test(record_replay_restart_syscall_outputs
  --expect "poll=1 revents=0x1 nanosleep=-1 rem_in_range=1"
  -- ${TR}/tr_pollrestart)
# Threads asleep in a futex wait and a read when the process exits: no
# event ends their calls, the exit_group does.
rrt_rr_test(record_replay_exit_with_threads_blocked_in_calls
  --expect "exiting with 2 threads blocked" -- ${TR}/tr_groupexit)
# A child's leader exits its process while its thread sleeps in a call,
# and the parent goes on: replay must not wait for the leader's death.
rrt_rr_test(record_replay_child_exits_with_a_thread_asleep
  --expect "calls=200 child status=7" -- ${TR}/tr_leaderexit)
# A thread's calls between its process's exit_group and its death (16 to
# 63 of them in 20 recordings: the exiting thread runs at SCHED_IDLE).
rrt_rr_test(record_replay_calls_after_exit_group_entry
  --expect "exiting" -- ${TR}/tr_exitrace)
# execve with a thread asleep: the kernel waits for the tracer to reap it.
rrt_rr_test(record_replay_exec_with_a_thread_blocked
  --expect "after exec: done" -- ${TR}/tr_threadexec)
# A program and a script exec'd by paths relative to a directory the
# program changed to: replay emulates chdir, so its own working directory
# is elsewhere. Not packed: both run from this host.
rrt_rr_test(record_replay_exec_by_relative_path_after_chdir --rec-opt --embed=none
  --setup "mkdir @T@/bin && cp ${TR}/tr_time @T@/bin/prog && printf '#!/bin/sh\\necho script $0 $1\\n' >@T@/bin/run.sh && chmod +x @T@/bin/run.sh"
  --expect "script ./run.sh x"
  -- sh -c "cd @T@/bin && ./prog && ./run.sh x")
rrt_rr_test(record_replay_refuses_protection_keys
  --expect "pkey_alloc=-1 errno=38" -- ${TR}/tr_pkey)
rrt_rr_test(record_refuses_remap_file_pages_with_its_reason
  --record-fails "remap_file_pages (216) rearranges the pages of a shared file mapping" -- ${TR}/tr_unknown)
rrt_rr_test(record_replay_threads_keep_interleaving --differs
  --expect "n=160" -- ${TR}/tr_thread)
add_test(NAME record_interrupted_keeps_partial_for_recover
  COMMAND ${RR_SH} ${RRT_CLI} --interrupt ${TR}/tr_slow)
set_tests_properties(record_interrupted_keeps_partial_for_recover PROPERTIES
  TIMEOUT 60 LABELS record)
find_program(RRT_PYTHON3 python3)
if(RRT_PYTHON3)
  rrt_rr_test(record_replay_python_time_urandom --differs -- ${RRT_PYTHON3}
    -c "import time, os\nprint(time.time(), os.urandom(8).hex())")
  # Threads that each run a subprocess: SIGCHLD wakes a thread blocked in
  # pthread_join's futex (-ERESTARTSYS) that another thread then takes, so
  # the kernel restarts the call without a signal; and a non-main thread
  # gets SIGCHLD.
  rrt_rr_test(record_replay_python_threads_with_subprocesses
    --expect "\\['0', '1', '2', '3'\\]" -- ${RRT_PYTHON3} -c
    "import subprocess, threading\nout = []\ndef run(i):\n    out.append(subprocess.run(['echo', str(i)], capture_output=True).stdout.decode().strip())\nts = [threading.Thread(target=run, args=(i,)) for i in range(4)]\nfor t in ts: t.start()\nfor t in ts: t.join()\nprint(sorted(out))")
endif()
# git maps .git/config, then renames a new one over it (git config), then
# maps that: both versions are in the archive, and replay needs no repository.
find_program(RRT_GIT git)
if(RRT_GIT)
  rrt_rr_test(record_pack_replay_git_rewrites_its_config
    --mutate "${RRT_CLI} pack @T@/a.rrt && rm -rf @T@/r" --absent @T@/r
    -- sh -c "git init -q @T@/r && cd @T@/r && git config user.name n && git config user.email n@example.org && echo hi >f && git add f && git commit -qm one && git log --format='%H %s'")
  # A pool of worker processes: its semaphores live in a shared file
  # mapping that the workers inherit.
  rrt_rr_test(record_replay_python_multiprocessing_pool
    --expect "\\[1, 2, 3\\]" -- ${RRT_PYTHON3} -c
    "import multiprocessing as m\np = m.Pool(2)\nprint(sorted(p.map(abs, [-1, -2, 3])))\np.close()\np.join()")
endif()
# Node.js: V8's worker threads sleep in futex waits when the process
# exits, and V8 asks for memory protection keys.
find_program(RRT_NODE node)
if(RRT_NODE)
  rrt_rr_test(record_replay_node_threads_and_random --differs
    --expect "^true [0-9a-f]\\{8\\}$" -- ${RRT_NODE} -e
    "console.log(Date.now() > 0, require('crypto').randomBytes(4).toString('hex'))")
endif()
# rustc through rustup's proxy: the proxy execs rustc beside a thread
# asleep in epoll_wait; rustc writes its output through a shared mapping.
find_program(RRT_RUSTC rustc)
if(RRT_RUSTC)
  rrt_rr_test(record_replay_rustc_compile_and_run
    --setup "echo 'fn main() { println!(\"sum {}\", (1..10u64).sum::<u64>()) }' >@T@/h.rs"
    --expect "sum 45" -- sh -c "${RRT_RUSTC} -o @T@/h @T@/h.rs && @T@/h")
endif()
# Many threads, many processes: a JVM compiling and running a source file
# (';' is \\073 for CMake's sake), and cargo building a crate with a
# thread (offline: no registry). Each takes a few seconds.
find_program(RRT_JAVA java)
if(RRT_JAVA)
  rrt_rr_test(record_replay_java_source_launcher
    --setup "printf 'public class Hello { public static void main(String[] a) { System.out.println(\"java \" + (System.nanoTime() > 0))\\073 } }\\n' >@T@/Hello.java"
    --expect "java true" -- ${RRT_JAVA} @T@/Hello.java)
endif()
find_program(RRT_CARGO cargo)
if(RRT_CARGO)
  rrt_rr_test(record_replay_cargo_build_and_run
    --setup "mkdir -p @T@/c/src && printf '[package]\\nname = \"c\"\\nversion = \"0.1.0\"\\nedition = \"2021\"\\n' >@T@/c/Cargo.toml && echo 'fn main() { println!(\"crate {}\", std::thread::spawn(|| 6 * 7).join().unwrap()) }' >@T@/c/src/main.rs"
    --expect "crate 42" -- sh -c "${RRT_CARGO} build -q --offline --manifest-path @T@/c/Cargo.toml && @T@/c/target/debug/c")
endif()
# A database CLI: the database file is created at record time only; replay
# must reproduce the output (random() and the time) without creating it.
find_program(RRT_SQLITE3 sqlite3)
if(RRT_SQLITE3)
  rrt_rr_test(record_replay_sqlite3_database_cli --differs
    --mutate "rm -f @T@/t.db" --absent @T@/t.db -- ${RRT_SQLITE3} @T@/t.db
    "create table t(x); insert into t values (random()); select x, datetime('now') from t;")
endif()

# Recordings made on other hosts replay here: ours from an Intel host with
# CPUID faulting, and the Zen 4 ones in ../shared/recordings beside the
# source tree when it is there (skipped with a message when it is not).
set(RR_RECS ${CMAKE_CURRENT_SOURCE_DIR}/cli_replay_recordings.sh)
add_test(NAME replay_recordings_made_on_intel
  COMMAND ${RR_RECS} ${RRT_CLI} ${CMAKE_CURRENT_SOURCE_DIR}/data/recordings)
add_test(NAME replay_recordings_made_on_amd
  COMMAND ${RR_RECS} ${RRT_CLI} ${PROJECT_SOURCE_DIR}/../shared/recordings)
set_tests_properties(replay_recordings_made_on_intel
  replay_recordings_made_on_amd PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
  LABELS record)

# The trace layer alone: tracees driven through trace/ directly.
add_executable(test_trace ${CMAKE_CURRENT_SOURCE_DIR}/test_trace.c)
target_compile_definitions(test_trace PRIVATE TRACEE_DIR="${PROJECT_BINARY_DIR}/tracees")
target_link_libraries(test_trace PRIVATE rrt_trace ${CMOCKA_LIBRARY})
add_dependencies(test_trace tr_cpuid tr_rdtsc tr_xgetbv tr_sigframe)
add_test(NAME trace_lib COMMAND test_trace)
set_tests_properties(trace_lib PROPERTIES TIMEOUT 60 LABELS "record;trace")

# CPUID sites in patch mode: from the archive at replay, from the per-user
# cache on a second recording, and a damaged cache is only slower.
add_test(NAME record_replay_cpuid_sites_from_archive_and_cache
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli_cpuid_sites.sh ${RRT_CLI} $<TARGET_FILE:tr_cpuid>)
set_tests_properties(record_replay_cpuid_sites_from_archive_and_cache PROPERTIES
  TIMEOUT 120 LABELS record)

# The process tree and the scheduler (tests/cli_proc.sh): a program that
# signals its own process group, one that busy-waits past the
# serialization limit, and job control through a terminal.
foreach(t killgroup busywait int80 daemon)
  add_executable(tr_${t} ${CMAKE_CURRENT_SOURCE_DIR}/tracees/tr_${t}.c)
  set_target_properties(tr_${t} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
    ${PROJECT_BINARY_DIR}/tracees)
  target_compile_options(tr_${t} PRIVATE -fno-sanitize=all)
  target_link_options(tr_${t} PRIVATE -fno-sanitize=all -pthread)
endforeach()
add_test(NAME cli_proc COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli_proc.sh
  ${RRT_CLI} ${PROJECT_BINARY_DIR}/tracees)
set_tests_properties(cli_proc PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 200
  LABELS record)
# CPUID answered in the program: tr_cpustub's sites are in a library of
# its own (in reach of the stubs).
add_library(trcpustub SHARED ${CMAKE_CURRENT_SOURCE_DIR}/tracees/trcpustub_lib.c)
set_target_properties(trcpustub PROPERTIES LIBRARY_OUTPUT_DIRECTORY
  ${PROJECT_BINARY_DIR}/tracees)
add_executable(tr_cpustub ${CMAKE_CURRENT_SOURCE_DIR}/tracees/tr_cpustub.c)
target_link_libraries(tr_cpustub PRIVATE trcpustub)
foreach(t trcpustub tr_cpustub) # tracees: no sanitizer under ptrace
  target_compile_options(${t} PRIVATE -fno-sanitize=all)
  target_link_options(${t} PRIVATE -fno-sanitize=all)
endforeach()
set_target_properties(tr_cpustub PROPERTIES RUNTIME_OUTPUT_DIRECTORY
  ${PROJECT_BINARY_DIR}/tracees)
foreach(m fault patch nobuf)
  add_test(NAME record_replay_cpuid_stubs_${m}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli_cpustub.sh ${RRT_CLI}
            $<TARGET_FILE:tr_cpustub> ${m})
  set_tests_properties(record_replay_cpuid_stubs_${m} PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS record)
endforeach()

# The syscall buffer (on by default; --syscall-buffer overrides
# RRT_SYSCALL_BUFFER=0 of the suite's unbuffered pass): calls run in the program and come
# back as SYSCALLBUF events (type 11; sites patched: type 12), replayed
# without a stop each.
rrt_rr_test(record_replay_syscallbuf_thread_blocked_on_pipe
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF tid" --dump-has "SYSCALLBUF_PATCH tid"
  --expect "reader: sum" -- ${TR}/tr_sbpipe)
rrt_rr_test(record_replay_syscallbuf_signals_during_buffered_reads
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF tid" --expect "^signals [2-9][0-9]"
  -- ${TR}/tr_sbsignal)
# (a pipe dup2'd over a descriptor the library knew as a file)
rrt_rr_test(record_replay_syscallbuf_dup2_onto_low_and_high_fds
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF tid"
  --expect "through the pipe: 262144 bytes" -- ${TR}/tr_sbdup2)
rrt_rr_test(record_replay_syscallbuf_adds_no_descriptors
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF tid"
  --expect "unexpected descriptors 0" -- ${TR}/tr_sbdup2)
rrt_rr_test(record_replay_syscallbuf_fork_in_buffered_loop
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF tid"
  --expect "children's statuses" -- ${TR}/tr_sbfork)
rrt_rr_test(record_replay_syscallbuf_static_binary_falls_back
  --rec-opt --syscall-buffer --dump-lacks "SYSCALLBUF_PATCH tid"
  --expect "children's statuses" -- ${TR}/tr_sbfork_static)
rrt_rr_test(record_replay_syscallbuf_find_and_pipeline
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF tid" --dump-has "SYSCALLBUF_INIT tid"
  --expect "^[0-9]" -- sh -c "find /usr/share/doc -name '*.gz' | head -200 | xargs cat | wc -c")

# posix_fadvise's and ioctl's sites (other instructions after `syscall`),
# TCGETS, getcwd, writes to /dev/null (also once a file mapping makes
# writes to files traced) and sigaction queries are buffered: only a
# site's first call is traced (setting a handler stays traced).
rrt_rr_test(record_replay_syscallbuf_fadvise_ioctl_getcwd_sites
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF_PATCH tid"
  --dump-has "rt_sigaction(12, 0x"
  --dump-lacks "fadvise64(100, \\|ioctl(100, 21505,\\|getcwd(0x[0-9a-f]*, 4095,\\|write([0-9]*, 0x[0-9a-f]*, 77,\\|rt_sigaction(12, 0, \\|rt_sigaction(6[56], 0, "
  --expect "fadvise ok 300, ttys 0, getcwd mismatches 0, sigaction mismatches 0" -- ${TR}/tr_sbcalls)

# Replay does not stop for records that follow a traced call, nor at the
# end of a batch where the recording did not stop: 400 batches of records
# after traced calls take about 540 stops in all (1346 with a stop to
# fill each and one at its end).
rrt_rr_test(replay_syscallbuf_batches_after_traced_calls_cost_no_stop
  --rec-opt --syscall-buffer --replay-opt --stats --expect "mix rounds 400"
  --replay-stderr "rrt replay: [0-9]\\{1,3\\} stops$" -- ${TR}/tr_sbcalls mix 400)

# Anonymous private mmap and munmap are buffered (replay runs them for
# real at the recorded address): the 0x1b000-byte maps make no SYSCALL
# event; their memory reads the same, with holes, fork and threads.
rrt_rr_test(record_replay_syscallbuf_anonymous_mmap_munmap
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF tid"
  --dump-lacks "mmap(0, 0x1b000,\\|munmap(0x[0-9a-f]*, 0x1b000)"
  --expect "mmap rounds 500, sum" -- ${TR}/tr_sbmmap)
# ... and replay keeps a mapping the program unmaps until it maps the same
# range again (zeroed then, no stop): 1,500 rounds of the 0x1b000-byte map
# take under 3,000 stops in all (run for real each time: about 7,900).
rrt_rr_test(replay_syscallbuf_mmap_munmap_reuse_costs_no_stop
  --rec-opt --syscall-buffer --replay-opt --stats --expect "mmap rounds 1500"
  --replay-stderr "rrt replay: [12]\\?[0-9]\\{1,3\\} stops$" -- ${TR}/tr_sbmmap 1500)

# brk and mprotect are buffered too (replay runs them for real when they
# changed the address space): of the tracee's 700 or so, only each call
# site's first (ld.so's, libc's) and the one adding PROT_EXEC are traced;
# every permission change is checked by an access that faults or not, at
# record and replay alike.
rrt_rr_test(record_replay_syscallbuf_brk_mprotect
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF tid"
  --dump-max "3 SYSCALL tid [0-9]* brk("
  --dump-max "4 SYSCALL tid [0-9]* mprotect("
  --expect "brk and mprotect done" -- ${TR}/tr_sbbrk 100 @T@/data.txt)
# A site patched in one process is patched ahead in the next that maps the
# same file (ld.so at the exec, libc at its mmap): only the shell's brk
# calls (its ld.so's, its libc's first) are traced, none of the two
# tracees' (each would trace two).
rrt_rr_test(record_replay_syscallbuf_sites_patched_ahead_in_later_processes
  --rec-opt --syscall-buffer --dump-has "patched ahead"
  --dump-max "2 SYSCALL tid [0-9]* brk("
  --expect "brk and mprotect done"
  -- sh -c "${TR}/tr_sbbrk 20 && ${TR}/tr_sbbrk 20")
rrt_rr_test(record_replay_unbuffered_brk_mprotect
  --rec-opt --no-syscall-buffer --dump-lacks "SYSCALLBUF tid"
  --expect "brk and mprotect done" -- ${TR}/tr_sbbrk 100 @T@/data.txt)

# (a thread dies while another waits in a traced call of the library's)
rrt_rr_test(record_replay_syscallbuf_thread_exit_during_library_call
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF tid"
  --expect "threads exited during a futex wait: 5000 calls" -- ${TR}/tr_sbthexit)
# A thread yields at the library's flush (every 2048 records) inside a
# critical section; the other thread, which then runs, tries the mutex.
# Replay runs the yielder on where it got the token back (PREEMPT resume),
# not at its next event, or the other thread finds the mutex still taken.
rrt_rr_test(record_replay_syscallbuf_yield_inside_a_critical_section
  --rec-opt --syscall-buffer --dump-has "PREEMPT"
  --expect "yields in a critical section: 192001 calls, ok" -- ${TR}/tr_sbyield)
# The same when the recorder takes the records while the thread computes
# in the section (its timed flush): PREEMPT resume right after them.
rrt_rr_test(record_replay_syscallbuf_records_taken_inside_a_critical_section
  --rec-opt --syscall-buffer --dump-has "PREEMPT"
  --expect "yields in a critical section: 5 calls, ok" -- ${TR}/tr_sbyield take)
# (a descriptor replaced by a process sharing the table, not the memory)
rrt_rr_test(record_replay_syscallbuf_clone_files_replaces_a_descriptor
  --rec-opt --syscall-buffer --dump-has "SYSCALLBUF tid"
  --expect "read 5 bytes from the pipe now at fd [0-9]*: hello" -- ${TR}/tr_sbclonefiles)
# The same tracees replay identically without the buffer too.
rrt_rr_test(record_replay_unbuffered_thread_blocked_on_pipe
  --rec-opt --no-syscall-buffer --dump-lacks "SYSCALLBUF tid"
  --expect "reader: sum" -- ${TR}/tr_sbpipe)
rrt_rr_test(record_replay_unbuffered_signals_during_reads
  --rec-opt --no-syscall-buffer --dump-lacks "SYSCALLBUF tid"
  --expect "^signals [2-9][0-9]" -- ${TR}/tr_sbsignal)
rrt_rr_test(record_replay_unbuffered_dup2_onto_low_and_high_fds
  --rec-opt --no-syscall-buffer --dump-lacks "SYSCALLBUF tid"
  --expect "through the pipe: 262144 bytes" -- ${TR}/tr_sbdup2)
rrt_rr_test(record_replay_unbuffered_static_binary
  --rec-opt --no-syscall-buffer --dump-lacks "SYSCALLBUF_INIT tid"
  --expect "children's statuses" -- ${TR}/tr_sbfork_static)
# On by default (an empty RRT_SYSCALL_BUFFER is no "0"); RRT_SYSCALL_BUFFER=0
# turns it off.
rrt_rr_test(record_syscall_buffer_on_by_default
  --rec-env RRT_SYSCALL_BUFFER= --dump-has "SYSCALLBUF_INIT tid"
  --expect "children's statuses" -- ${TR}/tr_sbfork)
rrt_rr_test(record_syscall_buffer_env_0_turns_it_off
  --rec-env RRT_SYSCALL_BUFFER=0 --dump-lacks "SYSCALLBUF_INIT tid"
  --expect "children's statuses" -- ${TR}/tr_sbfork)
rrt_rr_test(record_no_syscall_buffer_overrides_the_environment
  --rec-env RRT_SYSCALL_BUFFER=1 --rec-opt --no-syscall-buffer
  --dump-lacks "SYSCALLBUF_INIT tid" --expect "children's statuses" -- ${TR}/tr_sbfork)
# recvmsg and sendmsg of plain data are buffered (MSG_TRUNC comes back in
# msg_flags); SCM_RIGHTS and a recvmsg that must wait are traced; a send
# to a slow peer sends it all, a recv with MSG_WAITALL gets it all.
rrt_rr_test(record_replay_syscallbuf_recvmsg_sendmsg_on_sockets
  --rec-opt --syscall-buffer --dump-has "^  recvmsg = 1[0-9] " --dump-has "^  sendmsg = "
  --expect "slow peer: sent 1048576 received 100000" -- ${TR}/tr_sbmsg)
# The syscall buffer's timed flush: `rrt record` killed at 50 random
# moments (and at fixed ones, quiet and computing programs) leaves a
# .partial that recovers, verifies and replays the output so far.
add_test(NAME record_sb_killed_recovers_up_to_the_last_flush
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_sb_kill.sh ${RRT_CLI}
  ${TR}/tr_sbslow)
set_tests_properties(record_sb_killed_recovers_up_to_the_last_flush
  PROPERTIES TIMEOUT 180 LABELS record)
# The signals a program starts with ignored and blocked: its parent's at
# record (not rrt's handlers), the recorded ones at replay (not the
# replaying shell's); a different start takes a different path.
add_test(NAME record_replay_inherited_signal_state
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_signals_inherited.sh ${RRT_CLI}
  ${TR}/tr_sigstate)
set_tests_properties(record_replay_inherited_signal_state
  PROPERTIES TIMEOUT 60 LABELS record)
