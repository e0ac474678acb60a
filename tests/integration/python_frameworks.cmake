# Python job frameworks end to end against rill-server (issue 23): Celery and RQ from Debian's
# packages (scripts/setup.sh installs them), driven by tests/integration/python/*_test.py with
# real worker processes. Each script takes the server binary as a parameter and passes against
# redis-server too (RILL_TEST_AGAINST_REDIS=1 swaps it in); it exits 77, counted as skipped,
# only when the framework's package is missing.
#
# Debian's interpreter on purpose: the packages live in its dist-packages, which another
# python3 first on PATH (pyenv and the like) does not see.
set(RILL_DEBIAN_PYTHON /usr/bin/python3)
set(RILL_FRAMEWORK_TESTS_DIR ${CMAKE_CURRENT_SOURCE_DIR}/integration/python)
# Jobs per load and fault run in CI. The issue's 10,000 is bench/broker_python.py's default and
# passes here too (celery_load: about 20 s, rq_load: about 16 s on a quiet machine); CI keeps
# smaller counts so that the six tests (about 3 minutes one after another, their load and fault
# runs serialized by the lock below) stay within budget while other tests share the cores.
set(RILL_FRAMEWORK_CI_JOBS 3000 CACHE STRING "Jobs per framework load test")
set(RILL_FRAMEWORK_CI_FAULT_JOBS 2000 CACHE STRING "Jobs per framework fault test")

foreach(framework celery rq)
  foreach(mode basic load fault)
    set(name ${framework}_${mode})
    set(jobs ${RILL_FRAMEWORK_CI_JOBS})
    if(mode STREQUAL fault)
      set(jobs ${RILL_FRAMEWORK_CI_FAULT_JOBS})
    endif()
    add_test(NAME ${name}
             COMMAND ${RILL_DEBIAN_PYTHON} ${RILL_FRAMEWORK_TESTS_DIR}/${framework}_test.py
                     $<TARGET_FILE:rill-server> ${mode} --jobs ${jobs})
    # The load and fault runs start 8 worker processes each: one at a time on two cores.
    set_tests_properties(${name} PROPERTIES LABELS "frameworks;server" SKIP_RETURN_CODE 77
                         TIMEOUT 150)
    if(NOT mode STREQUAL basic)
      set_tests_properties(${name} PROPERTIES RESOURCE_LOCK framework_workers)
    endif()
  endforeach()
endforeach()
