# Job classes of the Sidekiq test, loaded by the Sidekiq process (`sidekiq -r ./jobs.rb -c 8`)
# and by the client script (sidekiq_client.rb) that pushes them. The server comes from
# REDIS_URL (Sidekiq reads it by itself).
#
# Every job leaves its side effect as one line appended to the file named by RILL_EFFECTS
# ("<kind> <id> <extra>"), with one write(2) on an O_APPEND descriptor, so that lines from
# Sidekiq's 8 threads never interleave. The tests count these lines, not Sidekiq's own
# statistics: a job run twice shows as two lines, a lost job as none.
require "json"
require "sidekiq"

# redis-rb 4.8 warns about calls Sidekiq 6.4 still makes (sadd's return value, brpop's
# positional timeout); the warnings would drown the test's output.
Redis.silence_deprecations = true

module Effects
  PATH = ENV.fetch("RILL_EFFECTS")

  def self.record(*fields)
    File.open(PATH, File::WRONLY | File::APPEND | File::CREAT) do |f|
      f.syswrite(fields.join(" ") + "\n")
    end
  end

  # How many lines start with "<kind> <id> " so far (a job's earlier attempts).
  def self.count(kind, id)
    prefix = "#{kind} #{id} "
    File.exist?(PATH) ? File.foreach(PATH).count { |l| l.start_with?(prefix) } : 0
  end
end

Sidekiq.configure_server do |config|
  # The scheduled-set and retry-set poller: every ~1 s instead of every ~5 s, and no 10 s wait
  # at start-up (Sidekiq skips it when the average is set), so the test does not idle.
  config.options[:poll_interval_average] = 1
  # One log line per job start and end would make the load runs write megabytes.
  config.logger.level = Logger::WARN
end

# Sidekiq adds rand(10) * (count + 1) seconds of jitter to a job's sidekiq_retry_in; the test
# wants the delay it asked for, so that a retry is due within seconds.
module Sidekiq
  class JobRetry
    private

    def delay_for(worker, count, exception)
      retry_in(worker, count, exception).to_i
    end
  end
end

# The plain job: records its arguments as JSON, to compare with what was pushed.
class EchoJob
  include Sidekiq::Worker

  def perform(id, payload)
    Effects.record("echo", id, JSON.generate(payload))
  end
end

# The counted job of the bulk, load and fault runs: one line per run.
class CountJob
  include Sidekiq::Worker
  sidekiq_options queue: "load"

  def perform(id)
    Effects.record("count", id, "")
  end
end

# A scheduled job records when it ran, to compare with when it was due.
class TimedJob
  include Sidekiq::Worker

  def perform(id)
    Effects.record("timed", id, format("%.3f", Time.now.to_f))
  end
end

# Always fails; one retry 3 s later, then the dead set.
class FailJob
  include Sidekiq::Worker
  sidekiq_options retry: 1
  sidekiq_retry_in { |_count, _exception| 3 }

  def perform(id)
    Effects.record("fail", id, "")
    raise ArgumentError, "failing on purpose #{id}"
  end
end

# retry: 0, so its one failure sends it straight to the dead set.
class DeadJob
  include Sidekiq::Worker
  sidekiq_options retry: 0

  def perform(id)
    Effects.record("dead", id, "")
    raise "dead on arrival #{id}"
  end
end

# Fails on its first attempt, succeeds on its retry 1 s later.
class FlakyJob
  include Sidekiq::Worker
  sidekiq_options retry: 2
  sidekiq_retry_in { |_count, _exception| 1 }

  def perform(id)
    attempt = Effects.count("flaky", id) + 1
    Effects.record("flaky", id, attempt)
    raise "first attempt fails" if attempt == 1
  end
end

# Busy until the file `release` exists (at most `seconds`), so that the process and work sets,
# which the Sidekiq process writes every 5 s, show a job in progress.
class SleepJob
  include Sidekiq::Worker

  def perform(id, release, seconds)
    deadline = Time.now + seconds
    sleep 0.05 until File.exist?(release) || Time.now > deadline
    Effects.record("sleep", id, "")
  end
end
