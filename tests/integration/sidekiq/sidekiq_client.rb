# The client side of the Sidekiq test (run_sidekiq_test.py starts the server and a Sidekiq
# process, `sidekiq -r jobs.rb -c 8 -q default -q load`, then this script). REDIS_URL names the
# server, RILL_EFFECTS the side-effect file the jobs append to (jobs.rb).
#
#   ruby sidekiq_client.rb api
#       Client.push and perform_async run; perform_in jobs wait in the schedule and then run;
#       failing jobs go to retry and then dead (retry: 1), straight to dead (retry: 0), or
#       succeed on their retry; Stats / Queue / ScheduledSet / RetrySet / DeadSet /
#       ProcessSet / Workers read back what happened; push_bulk runs each job exactly once.
#       Prints "ok: ..." per check, "FAILED: ..." per failure, exits 1 on any failure.
#   ruby sidekiq_client.rb push <first> <count> <acked-file> [bulk]
#       Pushes CountJob ids first .. first+count-1 (one push each, or push_bulk batches of 100
#       with "bulk") and appends each id to acked-file once its push returned. A push that
#       fails on the connection (the server killed) or with LOADING (restarting) is retried until
#       it succeeds: ids whose push raised may then run twice (at least once).
require "json"
require "sidekiq"
require "sidekiq/api"
require_relative "jobs"

$failed = 0

def check(what, ok, detail = nil)
  if ok
    puts "ok: #{what}"
  else
    $failed += 1
    warn "FAILED: #{what}#{detail ? ": #{detail}" : ""}"
  end
  $stdout.flush
end

# Waits (up to `timeout` seconds) for the block to return a truthy value, which it returns;
# nil on timeout.
def wait_for(timeout = 20)
  deadline = Time.now + timeout
  loop do
    value = yield
    return value if value
    return nil if Time.now > deadline
    sleep 0.1
  end
end

def effect_lines(kind)
  return [] unless File.exist?(Effects::PATH)
  File.readlines(Effects::PATH, chomp: true).select { |l| l.start_with?("#{kind} ") }
end

def run_api
  # Plain pushes: Client.push and perform_async, the arguments come back as pushed.
  payloads = {
    "e1" => {"n" => 1, "s" => "h\u00e9llo \u2603", "list" => [1, 2.5, nil, true]},
    "e2" => {"big" => 2**62, "neg" => -7, "empty" => ""},
    "e3" => {"nested" => {"a" => {"b" => [{"c" => "d"}]}}}
  }
  jid = Sidekiq::Client.push("class" => EchoJob, "args" => ["e1", payloads["e1"]])
  check("Client.push returns a jid", jid.is_a?(String) && jid.size == 24, jid.inspect)
  EchoJob.perform_async("e2", payloads["e2"])
  EchoJob.set(queue: "default").perform_async("e3", payloads["e3"])
  got = wait_for { (l = effect_lines("echo")).size >= 3 && l }
  check("three pushed jobs ran", got && got.size == 3, got.inspect)
  (got || []).each do |line|
    _, id, json = line.split(" ", 3)
    check("job #{id} got its arguments", JSON.parse(json) == payloads[id], json)
  end

  # A job in a queue no worker reads: Queue reads it back, finds it, deletes it, clears.
  parked = Sidekiq::Queue.new("parked")
  jids = 3.times.map { |i| EchoJob.set(queue: "parked").perform_async("p#{i}", {"i" => i}) }
  check("Queue#size of a parked queue", parked.size == 3, parked.size.to_s)
  check("Queue.all lists it", Sidekiq::Queue.all.map(&:name).include?("parked"),
        Sidekiq::Queue.all.map(&:name).inspect)
  check("Queue#each yields the jobs newest first (LPUSH, LRANGE)",
        parked.map(&:jid) == jids.reverse, [parked.map(&:jid), jids].inspect)
  job = parked.find_job(jids[1])
  check("Queue#find_job", job && job.args == ["p1", {"i" => 1}] && job.klass == "EchoJob",
        job&.item.inspect)
  check("Queue#latency is a small positive number", parked.latency.between?(0, 30),
        parked.latency.to_s)
  check("Stats#enqueued counts the parked jobs", Sidekiq::Stats.new.enqueued >= 3)
  job.delete
  check("Job#delete removes it", parked.size == 2 && parked.find_job(jids[1]).nil?)
  parked.clear
  check("Queue#clear empties it", parked.size.zero? &&
        !Sidekiq::Queue.all.map(&:name).include?("parked"))

  # Scheduled jobs: in the scheduled set until due, then moved to their queue and run.
  pushed_at = Time.now.to_f
  soon = TimedJob.perform_in(2, "soon")
  later = TimedJob.perform_in(3600, "later")
  scheduled = Sidekiq::ScheduledSet.new
  check("ScheduledSet holds both", scheduled.size == 2, scheduled.size.to_s)
  entry = scheduled.find_job(later)
  check("ScheduledSet#find_job, at an hour from now",
        entry && (entry.at.to_f - pushed_at - 3600).abs < 5, entry&.at.inspect)
  ran = wait_for(20) { effect_lines("timed").find { |l| l.start_with?("timed soon ") } }
  check("perform_in(2) job ran", !ran.nil?)
  if ran
    delay = ran.split(" ")[2].to_f - pushed_at
    check("perform_in(2) ran after 2 s and within 10 s", delay >= 1.9 && delay < 10,
          format("%.2f s", delay))
  end
  check("the due job left the scheduled set", scheduled.size == 1 && scheduled.find_job(soon).nil?)
  entry.add_to_queue
  ran = wait_for(10) { effect_lines("timed").find { |l| l.start_with?("timed later ") } }
  check("SortedEntry#add_to_queue runs a scheduled job now", !ran.nil?)
  check("the scheduled set is empty", scheduled.size.zero?)

  # Failures: retry then dead; straight to dead; a retry that succeeds.
  fail_jid = FailJob.perform_async("f1")
  DeadJob.perform_async("d1")
  FlakyJob.perform_async("k1")
  retries = Sidekiq::RetrySet.new
  in_retry = wait_for(10) { retries.find_job(fail_jid) }
  check("a failed job waits in the retry set", !in_retry.nil?)
  if in_retry
    check("its retry entry says why", in_retry["error_class"] == "ArgumentError" &&
          in_retry["error_message"] == "failing on purpose f1" && in_retry["retry_count"] == 0,
          in_retry.item.inspect)
  end
  dead = Sidekiq::DeadSet.new
  gone = wait_for(25) { dead.find_job(fail_jid) }
  check("after its one retry it is in the dead set", !gone.nil?)
  check("the failing job ran twice", effect_lines("fail").size == 2, effect_lines("fail").inspect)
  d1 = wait_for(10) { dead.find { |e| e.args == ["d1"] } }
  check("retry: 0 sends a job straight to the dead set", !d1.nil?)
  check("the retry: 0 job ran once", effect_lines("dead").size == 1)
  flaky = wait_for(15) { (l = effect_lines("flaky")).size >= 2 && l }
  check("a job failing once succeeds on its retry", flaky == ["flaky k1 1", "flaky k1 2"],
        flaky.inspect)
  check("the retry set is empty again", retries.size.zero?, retries.size.to_s)

  # Stats are written by the Sidekiq process every 5 s (its heartbeat).
  # Runs so far: 3 echo, 2 timed, 2 fail, 1 dead, 2 flaky = 10, of which 4 failed (Sidekiq
  # counts a failed run in both processed and failed).
  stats = wait_for(15) do
    s = Sidekiq::Stats.new
    s.processed >= 10 && s.failed >= 4 && s
  end
  stats ||= Sidekiq::Stats.new
  check("Stats#processed", stats.processed == 10, stats.processed.to_s)
  check("Stats#failed", stats.failed == 4, stats.failed.to_s)
  check("Stats#dead_size", stats.dead_size == 2, stats.dead_size.to_s)
  check("Stats#retry_size / scheduled_size / enqueued",
        stats.retry_size.zero? && stats.scheduled_size.zero? && stats.enqueued.zero?,
        [stats.retry_size, stats.scheduled_size, stats.enqueued].inspect)
  check("Stats#processes_size", stats.processes_size == 1, stats.processes_size.to_s)

  # A dead job retried by hand runs again (and, still failing, comes back to the dead set).
  entry = dead.find_job(fail_jid)
  entry&.retry
  check("DeadSet entry#retry runs it again",
        !wait_for(10) { effect_lines("fail").size == 3 }.nil?, effect_lines("fail").inspect)
  dead.clear
  check("DeadSet#clear", dead.size.zero?)

  # The process set: one Sidekiq process, concurrency 8, its queues, its busy count.
  release = "#{Effects::PATH}.release"
  SleepJob.perform_async("s1", release, 30)
  busy = wait_for(12) { Sidekiq::Workers.new.size == 1 }
  check("Workers shows the running job", busy &&
        Sidekiq::Workers.new.map { |_p, _t, w| w["payload"]["class"] } == ["SleepJob"],
        Sidekiq::Workers.new.to_a.inspect)
  processes = Sidekiq::ProcessSet.new
  check("ProcessSet has one process", processes.size == 1, processes.size.to_s)
  process = processes.first
  if process
    check("the process reports concurrency 8", process["concurrency"] == 8)
    check("the process reports its queues", process["queues"].sort == %w[default load],
          process["queues"].inspect)
    check("the process has a recent beat", (Time.now.to_f - process["beat"]).abs < 15)
    check("the process identity names this host", process["hostname"] == Socket.gethostname)
    check("the process's heartbeat reports one busy thread", process["busy"] == 1,
          process["busy"].inspect)
  end
  File.write(release, "")
  check("the sleeping job finished", !wait_for(10) { effect_lines("sleep").size == 1 }.nil?)
  check("Workers is empty after it", !wait_for(12) { Sidekiq::Workers.new.size.zero? }.nil?)

  # push_bulk: 1000 jobs in one call, each run exactly once.
  ids = (1..1000).map { |i| "b#{i}" }
  jids = Sidekiq::Client.push_bulk("class" => CountJob, "args" => ids.map { |i| [i] })
  check("push_bulk returns 1000 distinct jids", jids.size == 1000 && jids.uniq.size == 1000)
  done = wait_for(30) { effect_lines("count").size >= 1000 }
  sleep 0.5 # a duplicate would show now
  ran = effect_lines("count").map { |l| l.split(" ")[1] }
  check("every bulk-pushed job ran exactly once",
        done && ran.sort == ids.sort, "#{ran.size} runs, #{ran.uniq.size} distinct")
  check("the load queue is empty", Sidekiq::Queue.new("load").size.zero?)

  puts "#{$failed.zero? ? "all" : "not all"} checks passed (#{$failed} failed)"
  exit($failed.zero? ? 0 : 1)
end

CONNECTION_ERRORS = [Redis::BaseConnectionError, Errno::ECONNREFUSED, Errno::ECONNRESET,
                     Errno::EPIPE, IOError].freeze

def run_push(first, count, acked_path, bulk)
  File.open(acked_path, "a") do |acked|
    acked.sync = true
    ids = (first...(first + count)).to_a
    step = bulk ? 100 : 1
    ids.each_slice(step) do |slice|
      attempts = 0
      begin
        attempts += 1
        if bulk
          Sidekiq::Client.push_bulk("class" => CountJob, "args" => slice.map { |i| [i.to_s] })
        else
          CountJob.perform_async(slice[0].to_s)
        end
      rescue *CONNECTION_ERRORS, Redis::CommandError => e
        # A restarted server answers LOADING while it reads its AOF back.
        raise if e.is_a?(Redis::CommandError) && !e.message.start_with?("LOADING")
        warn "push #{slice[0]}: #{e.class}: #{e.message} (attempt #{attempts}, retrying)"
        sleep 0.1
        retry if attempts < 600
        raise
      end
      acked.write(slice.map { |i| "#{i}\n" }.join)
    end
  end
end

case ARGV[0]
when "api" then run_api
when "push" then run_push(Integer(ARGV[1]), Integer(ARGV[2]), ARGV[3], ARGV[4] == "bulk")
else
  warn "usage: sidekiq_client.rb api | push <first> <count> <acked-file> [bulk]"
  exit 2
end
