# Queue frameworks of the Ruby and Node worlds against rill-server, end to end (issue 23):
# Sidekiq (Debian's ruby-sidekiq) in tests/integration/sidekiq, BullMQ (npm, locked) in
# tests/integration/bullmq. Each test starts its own server on a free loopback port and its
# own framework processes, stops them by pid and removes its scratch directory; it exits 77
# (skipped) only when the framework is not installed. The drivers take the server binary as
# their first argument, so the same tests run against redis-server (the oracle):
#   tests/integration/sidekiq/run_sidekiq_test.py /usr/bin/redis-server load --jobs 10000
# CI runs the load and fault modes with 2,000 jobs (a few seconds each); the issue's 10,000-job
# run is the same command with --jobs 10000 (bench/broker_ruby_node.py runs 10,000 too).
set(RILL_SIDEKIQ_DRIVER ${CMAKE_CURRENT_SOURCE_DIR}/integration/sidekiq/run_sidekiq_test.py)
foreach(mode api load faults)
  add_test(NAME sidekiq_${mode}
           COMMAND Python3::Interpreter ${RILL_SIDEKIQ_DRIVER} $<TARGET_FILE:rill-server> ${mode}
                   --jobs 2000)
endforeach()
set_tests_properties(sidekiq_api sidekiq_load sidekiq_faults PROPERTIES
                     LABELS frameworks SKIP_RETURN_CODE 77 TIMEOUT 150)
set(RILL_BULLMQ_DRIVER ${CMAKE_CURRENT_SOURCE_DIR}/integration/bullmq/run_bullmq_suite.py)
foreach(mode features load faults)
  add_test(NAME bullmq_${mode}
           COMMAND Python3::Interpreter ${RILL_BULLMQ_DRIVER} $<TARGET_FILE:rill-server> ${mode}
                   --jobs 2000)
endforeach()
set_tests_properties(bullmq_features bullmq_load bullmq_faults PROPERTIES
                     LABELS frameworks SKIP_RETURN_CODE 77 TIMEOUT 150)
