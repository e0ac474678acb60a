#include "server/repl/diskless_transfer.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string_view>

#include "persistence/rdb_writer.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"
#include "server/persist/child_process.h"
#include "server/persist/rdb_persistence.h"

namespace rill {
namespace {

constexpr size_t kEofMarkLength = 40;  // Redis's RDB_EOF_MARK_SIZE

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back("0123456789abcdef"[rd() % 16]);
  return s;
}

// The child's ByteSink: every byte to every replica still alive, each socket written as far
// as it takes, then poll() for the full ones. A replica whose socket failed, or that took
// nothing for `timeout_ms`, is dropped; the sink fails once none is left.
class ReplicaSocketsSink final : public persistence::ByteSink {
 public:
  ReplicaSocketsSink(const std::vector<DisklessTarget>& targets, int64_t timeout_ms)
      : targets_(targets), alive_(targets.size(), true), timeout_ms_(timeout_ms) {}

  bool Write(std::string_view data) override {
    return SendAll([data](size_t) { return data; });
  }
  std::string error() const override { return "no replica left to write to"; }
  // Each target's own preamble.
  bool WritePreambles() {
    return SendAll([this](size_t i) { return std::string_view(targets_[i].preamble); });
  }
  const std::vector<bool>& alive() const { return alive_; }

 private:
  template <typename PartOf>
  bool SendAll(const PartOf& part_of) {
    const size_t n = targets_.size();
    std::vector<size_t> sent(n, 0);
    std::vector<int64_t> progress_ms(n, NowMs());
    std::vector<pollfd> waiting;
    std::vector<size_t> waiting_index;
    for (;;) {
      waiting.clear();
      waiting_index.clear();
      for (size_t i = 0; i < n; ++i) {
        const std::string_view part = part_of(i);
        while (alive_[i] && sent[i] < part.size()) {
          const ssize_t w = ::send(targets_[i].fd, part.data() + sent[i], part.size() - sent[i],
                                   MSG_NOSIGNAL | MSG_DONTWAIT);
          if (w > 0) {
            sent[i] += static_cast<size_t>(w);
            progress_ms[i] = NowMs();
          } else if (w < 0 && errno == EINTR) {
            continue;
          } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            waiting.push_back(pollfd{targets_[i].fd, POLLOUT, 0});
            waiting_index.push_back(i);
            break;
          } else {
            Log(LogLevel::kWarning, "Diskless rdb transfer, write error sending DB to replica: %s",
                std::strerror(errno));
            alive_[i] = false;
          }
        }
      }
      if (waiting.empty()) break;
      ::poll(waiting.data(), waiting.size(), 100);
      const int64_t now = NowMs();
      for (size_t i : waiting_index) {
        if (now - progress_ms[i] > timeout_ms_) {
          Log(LogLevel::kWarning, "Disconnecting timedout replica (full sync): client id #%u",
              targets_[i].client_id);
          alive_[i] = false;
        }
      }
    }
    for (bool a : alive_) {
      if (a) return true;
    }
    return false;
  }

  const std::vector<DisklessTarget>& targets_;
  std::vector<bool> alive_;
  int64_t timeout_ms_;
};

}  // namespace

bool StartDisklessTransfer(Engine& engine, const std::vector<DisklessTarget>& targets,
                           int64_t timeout_ms,
                           std::function<void(bool ok, const std::vector<bool>& delivered)> done) {
  // The child says which replicas got everything: one byte each, written before it exits.
  int status[2];
  if (::pipe2(status, O_CLOEXEC | O_NONBLOCK) != 0) {
    Log(LogLevel::kWarning, "Can't save in background: pipe: %s", std::strerror(errno));
    return false;
  }
  persistence::RdbSaveOptions options = engine.rdb().SaveOptions();
  uint64_t keys = 0;
  for (int i = 0; i < engine.num_databases(); ++i) keys += engine.db(i).size();
  const int status_write = status[1];
  std::string error;
  const bool started = engine.children().Start(
      ChildType::kRdb, keys,
      [&engine, targets, timeout_ms, options, status_write,
       status_read = status[0]](ChildReporter& report) mutable {
        ::close(status_read);
        uint64_t done_keys = 0;
        options.progress = [&](uint64_t n) {
          done_keys = n;
          report.Progress(n);
        };
        std::vector<const ds::Database*> dbs;
        for (int i = 0; i < engine.num_databases(); ++i) dbs.push_back(&engine.db(i));
        const std::string mark = RandomHex(kEofMarkLength);
        ReplicaSocketsSink sink(targets, timeout_ms);
        std::string why;
        const bool ok = sink.WritePreambles() && sink.Write("$EOF:" + mark + "\r\n") &&
                        persistence::WriteRdb(dbs, options, &sink, &why) && sink.Write(mark);
        std::string outcome;
        for (bool a : sink.alive()) outcome.push_back(ok && a ? '1' : '0');
        [[maybe_unused]] ssize_t n = ::write(status_write, outcome.data(), outcome.size());
        if (!ok) return 1;
        report.Finish(done_keys);
        Log(LogLevel::kNotice, "Fork CoW for RDB: current %d MB, peak %d MB, average %d MB",
            report.cow_last() >> 20, report.cow_peak() >> 20, report.cow_average() >> 20);
        return 0;
      },
      [status_read = status[0], n = targets.size(), done = std::move(done)](const ChildResult& r) {
        std::vector<bool> delivered(n, false);
        std::string outcome(n, '0');
        const ssize_t got = ::read(status_read, outcome.data(), n);
        ::close(status_read);
        for (size_t i = 0; i < n; ++i) {
          delivered[i] = r.ok && got == static_cast<ssize_t>(n) && outcome[i] == '1';
        }
        if (r.ok) {
          Log(LogLevel::kNotice, "Background RDB transfer terminated with success");
        } else if (r.term_signal == 0) {
          Log(LogLevel::kWarning, "Background transfer error");
        } else {
          Log(LogLevel::kWarning, "Background transfer terminated by signal %d", r.term_signal);
        }
        done(r.ok, delivered);
      },
      &error);
  ::close(status_write);
  if (!started) {
    ::close(status[0]);
    Log(LogLevel::kWarning, "Can't save in background: fork: %s", error);
    return false;
  }
  Log(LogLevel::kNotice, "Background RDB transfer started by pid %d", engine.children().pid());
  return true;
}

}  // namespace rill
